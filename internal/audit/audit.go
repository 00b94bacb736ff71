// Package audit keeps the append-only, hash-chained audit log: who signed
// in, who looked at which submission, every decryption, purge and
// decision. Each entry's hash covers its own fields and the previous
// entry's hash, so changing, removing or reordering any entry breaks the
// chain from that point on, and Verify names the first entry that does
// not fit.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"tbaportal/internal/store"
)

// Actions recorded in the log.
const (
	ActionSignIn        = "sign_in"
	ActionSignInFailed  = "sign_in_failed"
	ActionSignOut       = "sign_out"
	ActionView          = "view_submission"
	ActionDecrypt       = "decrypt"
	ActionPurge         = "purge"
	ActionApprove       = "approve"
	ActionReject        = "reject"
	ActionRetryHandoff  = "retry_handoff"
	ActionReverify      = "reverify"
	ActionRevoke        = "revoke_invitation"
	ActionExtend        = "extend_invitation"
	ActionInvite        = "create_invitation"
	ActionRevokeSession = "revoke_sessions"
	ActionKeyRotate     = "key_rotate"
	ActionKeyRetire     = "key_retire"
	ActionKeyMigrate    = "key_migrate"
	ActionDatabaseCopy  = "database_copy"
)

// genesis is the previous hash of the first entry.
const genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Log appends to and checks the audit log.
type Log struct {
	db  *store.DB
	now func() time.Time
}

// New returns a Log on db. now may be nil for the wall clock.
func New(db *store.DB, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{db: db, now: now}
}

// Record appends one entry. detail must not hold a secret; callers pass
// outcomes and names, never values.
func (l *Log) Record(ctx context.Context, actor, action, submissionID, detail string) error {
	at := l.now().UTC().Truncate(time.Millisecond)
	_, err := l.db.AppendAudit(ctx, func(last store.AuditEntry) store.AuditEntry {
		e := store.AuditEntry{
			Seq: last.Seq + 1, At: at, Actor: actor, Action: action,
			SubmissionID: submissionID, Detail: detail, PrevHash: last.Hash,
		}
		if e.PrevHash == "" {
			e.PrevHash = genesis
		}
		e.Hash = Hash(e)
		return e
	})
	return err
}

// Hash computes an entry's chain hash from its fields and PrevHash. Each
// field is length-prefixed so that no two different entries encode alike.
func Hash(e store.AuditEntry) string {
	h := sha256.New()
	for _, f := range []string{
		e.PrevHash, strconv.FormatInt(e.Seq, 10),
		strconv.FormatInt(e.At.UnixMilli(), 10), e.Actor, e.Action,
		e.SubmissionID, e.Detail,
	} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Problem describes the first entry that breaks the chain.
type Problem struct {
	Seq    int64
	Reason string
}

// Verify walks the whole log. It returns nil when every entry fits, and
// otherwise the first entry that does not.
func (l *Log) Verify(ctx context.Context) (*Problem, int64, error) {
	prev := genesis
	var after, checked int64
	for {
		entries, err := l.db.AuditEntries(ctx, after, 1000)
		if err != nil {
			return nil, checked, err
		}
		if len(entries) == 0 {
			return nil, checked, nil
		}
		for _, e := range entries {
			if p := check(e, prev, after+1); p != nil {
				return p, checked, nil
			}
			prev, after = e.Hash, e.Seq
			checked++
		}
	}
}

// Entry returns the entry with sequence number seq; found is false when
// the log has no such entry.
func (l *Log) Entry(ctx context.Context, seq int64) (e store.AuditEntry, found bool, err error) {
	entries, err := l.db.AuditEntries(ctx, seq-1, 1)
	if err != nil || len(entries) == 0 || entries[0].Seq != seq {
		return store.AuditEntry{}, false, err
	}
	return entries[0], true, nil
}

// CheckAnchor compares entry seq with the hash an operator noted down
// earlier, outside the portal. A chain alone cannot show that its newest
// entries were cut off, or that the whole log was rewritten from some
// entry on with fresh hashes; an anchor kept elsewhere can. It returns
// nil when the entry is still there with that hash.
func (l *Log) CheckAnchor(ctx context.Context, seq int64, hash string) (*Problem, error) {
	e, found, err := l.Entry(ctx, seq)
	switch {
	case err != nil:
		return nil, err
	case !found:
		return &Problem{Seq: seq, Reason: "the anchored entry is gone: the log was cut back"}, nil
	case e.Hash != hash:
		return &Problem{Seq: seq, Reason: "the anchored entry's hash changed: the log was rewritten"}, nil
	}
	return nil, nil
}

func check(e store.AuditEntry, prev string, wantSeq int64) *Problem {
	switch {
	case e.Seq != wantSeq:
		return &Problem{Seq: e.Seq, Reason: fmt.Sprintf(
			"sequence jumps from %d to %d: an entry was removed", wantSeq-1, e.Seq)}
	case e.PrevHash != prev:
		return &Problem{Seq: e.Seq, Reason: "previous hash does not match the entry before it"}
	case Hash(e) != e.Hash:
		return &Problem{Seq: e.Seq, Reason: "contents do not match the entry's hash: it was modified"}
	}
	return nil
}

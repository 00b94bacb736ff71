package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// AppendAudit adds one entry to the audit log. build receives the last
// entry (zero when the log is empty) and returns the new one, hash
// included; the read and the insert share a transaction, and a
// concurrent append that took the same sequence number makes the insert
// fail and the whole step run again.
func (db *DB) AppendAudit(ctx context.Context, build func(last AuditEntry) AuditEntry) (AuditEntry, error) {
	var entry AuditEntry
	var err error
	for range 5 {
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			if err := db.lockAudit(ctx, tx); err != nil {
				return err
			}
			last, err := db.lastAudit(ctx, tx)
			if err != nil {
				return err
			}
			entry = build(last)
			_, err = db.exec(ctx, tx, `INSERT INTO audit_log (seq, at, actor,
				action, submission_id, detail, prev_hash, hash)
				VALUES (?,?,?,?,?,?,?,?)`, entry.Seq, ms(entry.At), entry.Actor,
				entry.Action, entry.SubmissionID, entry.Detail, entry.PrevHash,
				entry.Hash)
			return err
		})
		if err == nil {
			return entry, nil
		}
	}
	return AuditEntry{}, fmt.Errorf("store: append audit: %w", err)
}

// auditLockKey is the PostgreSQL advisory lock that serialises audit
// appends; any constant unlikely to collide will do.
const auditLockKey = 0x7462_6175_6469_7401 // "tbaudit" + 1

// lockAudit makes concurrent appends take turns on PostgreSQL, where two
// transactions would otherwise read the same last entry and all but one
// fail on the sequence number, possibly more often than the retries
// allow. The lock ends with the transaction. SQLite needs nothing: every
// transaction already takes the write lock at BEGIN.
func (db *DB) lockAudit(ctx context.Context, tx *sql.Tx) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`,
		int64(auditLockKey))
	return err
}

func (db *DB) lastAudit(ctx context.Context, tx *sql.Tx) (AuditEntry, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log
		ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		return AuditEntry{}, err
	}
	entries, err := scanAudit(rows)
	if err != nil || len(entries) == 0 {
		return AuditEntry{}, err
	}
	return entries[0], nil
}

const auditColumns = `seq, at, actor, action, submission_id, detail,
	prev_hash, hash`

func scanAudit(rows *sql.Rows) ([]AuditEntry, error) {
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.SubmissionID,
			&e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditEntries returns up to limit entries after seq, in order.
func (db *DB) AuditEntries(ctx context.Context, afterSeq int64, limit int) ([]AuditEntry, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT `+auditColumns+`
		FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`), afterSeq, limit)
	if err != nil {
		return nil, err
	}
	return scanAudit(rows)
}

// AuditForSubmission returns the newest limit audit entries about one
// submission, oldest first. Every view of a submission adds an entry, so
// without the limit its page would grow with every look at it.
func (db *DB) AuditForSubmission(ctx context.Context, submissionID string, limit int) ([]AuditEntry, error) {
	rows, err := db.query(ctx, `SELECT `+auditColumns+`
		FROM audit_log WHERE submission_id = ? ORDER BY seq DESC LIMIT ?`,
		submissionID, limit)
	if err != nil {
		return nil, err
	}
	entries, err := scanAudit(rows)
	slices.Reverse(entries)
	return entries, err
}

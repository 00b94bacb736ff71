package onboarding

import (
	"context"
	"errors"
	"time"

	"tbaportal/internal/audit"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
)

// Purge crypto-shreds a submission's secrets at an admin's request: the
// wrapped data key and every sealed field are deleted, so any copy of the
// ciphertext that survives (a backup, a dead tuple) is noise.
func (s *Service) Purge(ctx context.Context, id, actor string) error {
	return s.purge(ctx, id, actor, "secrets purged by an admin")
}

func (s *Service) purge(ctx context.Context, id, actor, detail string) error {
	sub, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if !sub.PurgedAt.IsZero() {
		return nil
	}
	if sub.Status == store.StatusHandingOff {
		return ErrWrongState // the worker needs them; retry after it ends
	}
	now := s.clock()
	expect := sub.Status
	sub.PurgedAt, sub.PurgeAfter, sub.LastActivityAt = now, time.Time{}, now
	if sub.Status != store.StatusConnected {
		sub.Status = store.StatusPurged
	}
	err = s.db.PurgeSecrets(ctx, sub, expect,
		event(sub.ID, actor, "purged", detail, now))
	if errors.Is(err, store.ErrConflict) {
		return ErrWrongState
	}
	if err == nil {
		s.record(ctx, actor, audit.ActionPurge, sub.ID, detail)
	}
	return err
}

// PurgeDue shreds the secrets of connected submissions whose retention has
// run out, and reports how many it purged.
func (s *Service) PurgeDue(ctx context.Context) (int, error) {
	ids, err := s.db.DuePurges(ctx, s.clock(), 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if err := s.purge(ctx, id, "retention", "secrets purged after the retention period"); err != nil {
			s.log.ErrorContext(ctx, "scheduled purge failed", "submission_id", id, "error", err)
			continue
		}
		n++
	}
	return n, nil
}

// RevokeInvitation stops an invitation link from working.
func (s *Service) RevokeInvitation(ctx context.Context, id, actor string) error {
	sub, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if !sub.InvitationRevokedAt.IsZero() {
		return nil
	}
	now := s.clock()
	expect := sub.Status
	sub.InvitationRevokedAt, sub.LastActivityAt = now, now
	err = s.db.UpdateSubmission(ctx, sub, expect,
		event(sub.ID, actor, "invitation_revoked", "invitation link revoked", now))
	if err == nil {
		s.record(ctx, actor, audit.ActionRevoke, sub.ID, "")
	}
	return err
}

// ExtendInvitation makes an invitation valid for d from now, and lifts a
// revocation.
func (s *Service) ExtendInvitation(ctx context.Context, id, actor string, d time.Duration) error {
	sub, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if d <= 0 || d > 365*24*time.Hour {
		return &InputError{"extend", "Choose a period between a day and a year."}
	}
	now := s.clock()
	expect := sub.Status
	sub.InvitationExpiresAt = now.Add(d)
	sub.InvitationRevokedAt, sub.LastActivityAt = time.Time{}, now
	err = s.db.UpdateSubmission(ctx, sub, expect, event(sub.ID, actor,
		"invitation_extended", "valid until "+sub.InvitationExpiresAt.Format(time.RFC3339), now))
	if err == nil {
		s.record(ctx, actor, audit.ActionExtend, sub.ID, d.String())
	}
	return err
}

// ReissueInvitation gives a submission a new link token (the old one stops
// working) so an admin can copy a fresh link: only token hashes are kept,
// so the original link cannot be shown again.
func (s *Service) ReissueInvitation(ctx context.Context, id, actor string) (string, error) {
	sub, err := s.load(ctx, id)
	if err != nil {
		return "", err
	}
	now := s.clock()
	token := newToken()
	expect := sub.Status
	sub.InvitationHash = HashToken(token)
	sub.InvitationRevokedAt, sub.LastActivityAt = time.Time{}, now
	if !now.Before(sub.InvitationExpiresAt) {
		sub.InvitationExpiresAt = now.Add(s.cfg.InvitationTTL)
	}
	if err := s.db.ReplaceInvitation(ctx, sub, expect, event(sub.ID, actor,
		"invitation_reissued", "new invitation link issued; the old one no longer works", now)); err != nil {
		return "", err
	}
	s.record(ctx, actor, audit.ActionInvite, sub.ID, "reissued")
	return token, nil
}

// RotateKeys rewraps every data key (and every admin's second-factor key)
// under the keyring's current version, a batch at a time, while the portal
// keeps running: opening works under both versions throughout.
func (s *Service) RotateKeys(ctx context.Context) (int, error) {
	version := s.keys.CurrentVersion()
	moved, after := 0, ""
	for {
		rows, err := s.db.WrappedKeysNotAt(ctx, version, after, 200)
		if err != nil || len(rows) == 0 {
			return moved, err
		}
		for _, r := range rows {
			after = r.SubmissionID
			w, err := s.keys.Rewrap(ctx, r.SubmissionID, secrets.WrappedKey{
				Version: r.KeyVersion, Ciphertext: r.WrappedKey})
			if err != nil {
				return moved, err
			}
			err = s.db.ReplaceWrappedKey(ctx, r.SubmissionID, r.KeyVersion,
				w.Ciphertext, w.Version)
			if errors.Is(err, store.ErrConflict) {
				continue // purged or rewrapped meanwhile
			}
			if err != nil {
				return moved, err
			}
			moved++
		}
	}
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

const submissionColumns = `id, company, contact_email, status, step, account_id,
	invitation_hash, invitation_expires_at, invitation_revoked_at,
	wrapped_key, key_version, instance_id, instance_name, decided_by,
	decided_at, created_at, last_activity_at, connected_at, purge_after,
	purged_at`

type scanner interface{ Scan(dest ...any) error }

func scanSubmission(row scanner) (Submission, error) {
	var s Submission
	var expires, revoked, decided, created, activity, connected, purgeAfter,
		purged int64
	err := row.Scan(&s.ID, &s.Company, &s.ContactEmail, &s.Status, &s.Step,
		&s.AccountID, &s.InvitationHash, &expires, &revoked, &s.WrappedKey,
		&s.KeyVersion, &s.InstanceID, &s.InstanceName, &s.DecidedBy, &decided,
		&created, &activity, &connected, &purgeAfter, &purged)
	if err != nil {
		return Submission{}, notFound(err)
	}
	s.InvitationExpiresAt = fromMS(expires)
	s.InvitationRevokedAt = fromMS(revoked)
	s.DecidedAt = fromMS(decided)
	s.CreatedAt = fromMS(created)
	s.LastActivityAt = fromMS(activity)
	s.ConnectedAt = fromMS(connected)
	s.PurgeAfter = fromMS(purgeAfter)
	s.PurgedAt = fromMS(purged)
	return s, nil
}

// searchText is what the admin search matches: company, Account ID and
// email, lower-cased, one per line. Not NUL-separated: PostgreSQL refuses
// NUL in text, and SQLite's LIKE stops at the first one.
func searchText(s Submission) string {
	return strings.ToLower(s.Company + "\n" + s.AccountID + "\n" +
		s.ContactEmail)
}

// CreateSubmission inserts a new submission and its first timeline event.
func (db *DB) CreateSubmission(ctx context.Context, s Submission, ev Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := db.exec(ctx, tx, `INSERT INTO submissions (`+submissionColumns+`,
			search_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			s.ID, s.Company, s.ContactEmail, s.Status, s.Step, s.AccountID,
			s.InvitationHash, ms(s.InvitationExpiresAt),
			ms(s.InvitationRevokedAt), s.WrappedKey, s.KeyVersion, s.InstanceID,
			s.InstanceName, s.DecidedBy, ms(s.DecidedAt), ms(s.CreatedAt),
			ms(s.LastActivityAt), ms(s.ConnectedAt), ms(s.PurgeAfter),
			ms(s.PurgedAt), searchText(s))
		if err != nil {
			return fmt.Errorf("store: insert submission: %w", err)
		}
		return db.insertEvents(ctx, tx, ev)
	})
}

// Submission returns the submission with the given ID.
func (db *DB) Submission(ctx context.Context, id string) (Submission, error) {
	row := db.queryRow(ctx, `SELECT `+submissionColumns+`
		FROM submissions WHERE id = ?`, id)
	return scanSubmission(row)
}

// SubmissionByInvitation returns the submission whose invitation token
// hashes to hash.
func (db *DB) SubmissionByInvitation(ctx context.Context, hash []byte) (Submission, error) {
	row := db.queryRow(ctx, `SELECT `+submissionColumns+`
		FROM submissions WHERE invitation_hash = ?`, hash)
	return scanSubmission(row)
}

// UpdateSubmission writes the mutable columns of s, provided the stored
// status is still expect, and appends the events, all in one transaction.
// It returns ErrConflict when the status has moved on. The wrapped data
// key is never written here (a stale copy must not undo a key change);
// SaveSecretFields, ReplaceWrappedKey and PurgeSecrets own it.
func (db *DB) UpdateSubmission(ctx context.Context, s Submission, expect Status, events ...Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		return db.updateSubmission(ctx, tx, s, expect, events...)
	})
}

func (db *DB) updateSubmission(ctx context.Context, tx *sql.Tx, s Submission, expect Status, events ...Event) error {
	res, err := db.exec(ctx, tx, `UPDATE submissions SET company = ?,
		contact_email = ?, status = ?, step = ?, account_id = ?,
		invitation_expires_at = ?, invitation_revoked_at = ?,
		instance_id = ?, instance_name = ?, decided_by = ?,
		decided_at = ?, last_activity_at = ?, connected_at = ?,
		purge_after = ?, purged_at = ?, search_text = ?
		WHERE id = ? AND status = ?`,
		s.Company, s.ContactEmail, s.Status, s.Step, s.AccountID,
		ms(s.InvitationExpiresAt), ms(s.InvitationRevokedAt),
		s.InstanceID, s.InstanceName, s.DecidedBy,
		ms(s.DecidedAt), ms(s.LastActivityAt), ms(s.ConnectedAt),
		ms(s.PurgeAfter), ms(s.PurgedAt), searchText(s), s.ID, expect)
	if err != nil {
		return fmt.Errorf("store: update submission: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return db.insertEvents(ctx, tx, events...)
}

// SaveSecretFields stores sealed fields and the submission's new state in
// one transaction. When newKey is set, s.WrappedKey is a data key made for
// this save and is stored only if the submission has none yet; if another
// request stored one first, ErrConflict tells the caller to start over
// with that key.
func (db *DB) SaveSecretFields(ctx context.Context, s Submission, expect Status, newKey bool, fields []SecretField, events ...Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if newKey {
			res, err := db.exec(ctx, tx, `UPDATE submissions SET wrapped_key = ?,
				key_version = ? WHERE id = ? AND wrapped_key IS NULL`,
				s.WrappedKey, s.KeyVersion, s.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrConflict
			}
		}
		if err := db.updateSubmission(ctx, tx, s, expect, events...); err != nil {
			return err
		}
		for _, f := range fields {
			_, err := db.exec(ctx, tx, `INSERT INTO secret_fields
				(submission_id, field, sealed, last4, fingerprint, updated_at)
				VALUES (?,?,?,?,?,?)
				ON CONFLICT (submission_id, field) DO UPDATE SET
				sealed = excluded.sealed, last4 = excluded.last4,
				fingerprint = excluded.fingerprint,
				updated_at = excluded.updated_at`,
				s.ID, f.Field, f.Sealed, f.Last4, f.Fingerprint, ms(f.UpdatedAt))
			if err != nil {
				return fmt.Errorf("store: save secret field: %w", err)
			}
		}
		return nil
	})
}

// SecretFields returns the sealed fields of a submission.
func (db *DB) SecretFields(ctx context.Context, id string) ([]SecretField, error) {
	rows, err := db.query(ctx, `SELECT submission_id, field,
		sealed, last4, fingerprint, updated_at FROM secret_fields
		WHERE submission_id = ? ORDER BY field`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SecretField
	for rows.Next() {
		var f SecretField
		var updated int64
		if err := rows.Scan(&f.SubmissionID, &f.Field, &f.Sealed, &f.Last4,
			&f.Fingerprint, &updated); err != nil {
			return nil, err
		}
		f.UpdatedAt = fromMS(updated)
		out = append(out, f)
	}
	return out, rows.Err()
}

// PurgeSecrets deletes a submission's sealed fields and its wrapped data
// key in one transaction, and writes s (which the caller has marked
// purged). Without the data key the ciphertext could not be opened even if
// a copy survived somewhere; on SQLite the WAL is then checkpointed so no
// copy survives in the -wal file either.
func (db *DB) PurgeSecrets(ctx context.Context, s Submission, expect Status, events ...Event) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, `DELETE FROM secret_fields
			WHERE submission_id = ?`, s.ID); err != nil {
			return fmt.Errorf("store: delete secret fields: %w", err)
		}
		if _, err := db.exec(ctx, tx, `UPDATE submissions SET wrapped_key = NULL,
			key_version = 0 WHERE id = ?`, s.ID); err != nil {
			return fmt.Errorf("store: shred data key: %w", err)
		}
		return db.updateSubmission(ctx, tx, s, expect, events...)
	})
	if err != nil {
		return err
	}
	return db.Checkpoint(ctx)
}

// DuePurges returns up to limit submissions whose secrets are due to be
// purged at now.
func (db *DB) DuePurges(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT id FROM submissions
		WHERE purge_after > 0 AND purge_after <= ? AND purged_at = 0
		ORDER BY purge_after LIMIT ?`), ms(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// WrappedKeyRow is a submission's wrapped data key, for rotation.
type WrappedKeyRow struct {
	SubmissionID string
	WrappedKey   []byte
	KeyVersion   int
}

// WrappedKeysNotAt lists up to limit wrapped data keys whose key version
// is not version, in ID order after afterID.
func (db *DB) WrappedKeysNotAt(ctx context.Context, version int, afterID string, limit int) ([]WrappedKeyRow, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT id, wrapped_key,
		key_version FROM submissions WHERE wrapped_key IS NOT NULL
		AND key_version <> ? AND id > ? ORDER BY id LIMIT ?`),
		version, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WrappedKeyRow
	for rows.Next() {
		var r WrappedKeyRow
		if err := rows.Scan(&r.SubmissionID, &r.WrappedKey, &r.KeyVersion); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReplaceWrappedKey swaps a submission's wrapped data key, provided it is
// still the one that was read (a purge may have removed it meanwhile).
func (db *DB) ReplaceWrappedKey(ctx context.Context, id string, oldVersion int, key []byte, version int) error {
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE submissions
		SET wrapped_key = ?, key_version = ?
		WHERE id = ? AND key_version = ? AND wrapped_key IS NOT NULL`),
		key, version, id, oldVersion)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// CountKeysAt counts the wrapped keys (data keys and admin second-factor
// keys) still wrapped by version.
func (db *DB) CountKeysAt(ctx context.Context, version int) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, db.q(`SELECT
		(SELECT COUNT(*) FROM submissions
			WHERE wrapped_key IS NOT NULL AND key_version = ?) +
		(SELECT COUNT(*) FROM admins
			WHERE totp_key IS NOT NULL AND totp_key_version = ?)`),
		version, version).Scan(&n)
	return n, err
}

// AdvanceStep records that a submission reached step, and moves it from
// invited to in progress. Only these columns change.
func (db *DB) AdvanceStep(ctx context.Context, id, step string, at time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.q(`UPDATE submissions SET step = ?,
		last_activity_at = ?, status = CASE WHEN status = ? THEN ? ELSE status END
		WHERE id = ?`), step, ms(at), StatusInvited, StatusInProgress, id)
	return err
}

// ReplaceInvitation stores a new invitation hash (and expiry) for s.
func (db *DB) ReplaceInvitation(ctx context.Context, s Submission, expect Status, events ...Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := db.exec(ctx, tx, `UPDATE submissions SET invitation_hash = ?
			WHERE id = ?`, s.InvitationHash, s.ID)
		if err != nil {
			return err
		}
		return db.updateSubmission(ctx, tx, s, expect, events...)
	})
}

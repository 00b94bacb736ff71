package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Scopes of attempt slots: what a limit counts, and what its subject is.
const (
	ScopeVerification = "verification"  // subject: the submission ID
	ScopeAdminSignIn  = "admin_sign_in" // subject: the typed email, normalised
)

// TakeAttemptSlot records an attempt of subject in scope at at, provided
// fewer than limit are recorded after since, and returns the slot's ID.
// When the limit is reached it records nothing and returns the newest
// limit slot times, oldest first, so the caller can say when the next
// attempt may be made.
//
// The slot is taken before the attempt is made, so attempts still in
// flight count. The count and the insert are one transaction serialised
// per subject: by an advisory lock on PostgreSQL, and by SQLite's single
// writer (its transactions begin IMMEDIATE). So requests that arrive at
// once, on any number of instances, cannot all slip under the limit.
// Slots of the scope older than since are deleted on the way, which
// keeps the table as small as the window.
func (db *DB) TakeAttemptSlot(ctx context.Context, scope, subject string, at, since time.Time, limit int) (slot int64, full []time.Time, err error) {
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if db.dialect == Postgres {
			_, err := tx.ExecContext(ctx,
				`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
				scope+":"+subject)
			if err != nil {
				return fmt.Errorf("store: lock attempt slots: %w", err)
			}
		}
		if _, err := db.exec(ctx, tx, `DELETE FROM attempt_slots
			WHERE scope = ? AND at <= ?`, scope, ms(since)); err != nil {
			return fmt.Errorf("store: forget old attempt slots: %w", err)
		}
		taken, err := slotsSince(ctx, db, tx, scope, subject, since, limit)
		if err != nil || len(taken) >= limit {
			full = taken
			return err
		}
		err = tx.QueryRowContext(ctx, db.q(`INSERT INTO attempt_slots
			(scope, subject, at) VALUES (?, ?, ?) RETURNING id`),
			scope, subject, ms(at)).Scan(&slot)
		if err != nil {
			return fmt.Errorf("store: take attempt slot: %w", err)
		}
		return nil
	})
	return slot, full, err
}

// slotsSince returns the newest (at most limit) slot times of subject
// after since, oldest first.
func slotsSince(ctx context.Context, db *DB, tx *sql.Tx, scope, subject string, since time.Time, limit int) ([]time.Time, error) {
	rows, err := tx.QueryContext(ctx, db.q(`SELECT at FROM attempt_slots
		WHERE scope = ? AND subject = ? AND at > ?
		ORDER BY at DESC LIMIT ?`), scope, subject, ms(since), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out = append(out, fromMS(at))
	}
	slices.Reverse(out)
	return out, rows.Err()
}

// ReleaseAttemptSlot gives a slot back, for an attempt that turned out
// not to count (a correct password, say).
func (db *DB) ReleaseAttemptSlot(ctx context.Context, slot int64) error {
	_, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM attempt_slots
		WHERE id = ?`), slot)
	return err
}

// ClearAttemptSlots forgets every slot of subject in scope, for a
// subject that has proved itself (a completed sign-in).
func (db *DB) ClearAttemptSlots(ctx context.Context, scope, subject string) error {
	_, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM attempt_slots
		WHERE scope = ? AND subject = ?`), scope, subject)
	return err
}

// UseTOTPStep records that an admin used the TOTP time step step. It
// reports false, and changes nothing, when that step or a later one was
// used before: one conditional update, so a code is accepted once however
// many instances see it at the same moment.
func (db *DB) UseTOTPStep(ctx context.Context, adminID string, step int64) (bool, error) {
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE admins
		SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`),
		step, adminID, step)
	if err != nil {
		return false, fmt.Errorf("store: record TOTP step: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

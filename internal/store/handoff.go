package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// StartHandoff moves a submission to its handoff state and schedules the
// handoff job in one transaction, so a crash can never leave one without
// the other. A job left from an earlier failure is reset.
func (db *DB) StartHandoff(ctx context.Context, s Submission, expect Status, now time.Time, events ...Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.updateSubmission(ctx, tx, s, expect, events...); err != nil {
			return err
		}
		_, err := db.exec(ctx, tx, `INSERT INTO handoff_jobs
			(submission_id, state, attempts, next_run_at, created_at, updated_at)
			VALUES (?,?,0,?,?,?)
			ON CONFLICT (submission_id) DO UPDATE SET state = excluded.state,
			attempts = 0, next_run_at = excluded.next_run_at, locked_by = '',
			locked_until = 0, last_error = '',
			updated_at = excluded.updated_at`,
			s.ID, JobPending, ms(now), ms(now), ms(now))
		if err != nil {
			return fmt.Errorf("store: schedule handoff: %w", err)
		}
		return nil
	})
}

// ClaimHandoff leases the oldest due handoff job to worker until now+lease
// and counts the attempt. It returns ErrNotFound when nothing is due. On
// PostgreSQL, FOR UPDATE SKIP LOCKED lets many instances claim at once
// without waiting on each other; SQLite's single writer serialises claims.
func (db *DB) ClaimHandoff(ctx context.Context, worker string, now time.Time, lease time.Duration) (HandoffJob, error) {
	var job HandoffJob
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		query := `SELECT submission_id FROM handoff_jobs
			WHERE state = ? AND next_run_at <= ? AND locked_until <= ?
			ORDER BY next_run_at LIMIT 1`
		if db.dialect == Postgres {
			query += ` FOR UPDATE SKIP LOCKED`
		}
		var id string
		err := tx.QueryRowContext(ctx, db.q(query), JobPending, ms(now),
			ms(now)).Scan(&id)
		if err != nil {
			return notFound(err)
		}
		_, err = db.exec(ctx, tx, `UPDATE handoff_jobs SET locked_by = ?,
			locked_until = ?, attempts = attempts + 1, updated_at = ?
			WHERE submission_id = ?`, worker, ms(now.Add(lease)), ms(now), id)
		if err != nil {
			return err
		}
		job, err = db.handoffJob(ctx, tx, id)
		return err
	})
	return job, err
}

// HandoffJob returns a submission's handoff job.
func (db *DB) HandoffJob(ctx context.Context, submissionID string) (HandoffJob, error) {
	return db.handoffJob(ctx, db.sql, submissionID)
}

func (db *DB) handoffJob(ctx context.Context, ex execer, id string) (HandoffJob, error) {
	var j HandoffJob
	var next, until, created, updated int64
	err := ex.QueryRowContext(ctx, db.q(`SELECT submission_id, state,
		attempts, next_run_at, locked_by, locked_until, last_error,
		created_at, updated_at FROM handoff_jobs WHERE submission_id = ?`),
		id).Scan(&j.SubmissionID, &j.State, &j.Attempts, &next, &j.LockedBy,
		&until, &j.LastError, &created, &updated)
	if err != nil {
		return HandoffJob{}, notFound(err)
	}
	j.NextRunAt = fromMS(next)
	j.LockedUntil = fromMS(until)
	j.CreatedAt = fromMS(created)
	j.UpdatedAt = fromMS(updated)
	return j, nil
}

// ExtendHandoffLease renews worker's lease on a job it still holds, so a
// slow call cannot let a second worker in. It returns ErrConflict if the
// lease was lost.
func (db *DB) ExtendHandoffLease(ctx context.Context, id, worker string, until time.Time) error {
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE handoff_jobs
		SET locked_until = ? WHERE submission_id = ? AND locked_by = ?
		AND state = ?`), ms(until), id, worker, JobPending)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// RescheduleHandoff records a retryable failure and releases the job
// until next.
func (db *DB) RescheduleHandoff(ctx context.Context, id, worker string, next time.Time, lastError string, now time.Time, events ...Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE handoff_jobs SET next_run_at = ?,
			locked_by = '', locked_until = 0, last_error = ?, updated_at = ?
			WHERE submission_id = ? AND locked_by = ? AND state = ?`,
			ms(next), lastError, ms(now), id, worker, JobPending)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		return db.insertEvents(ctx, tx, events...)
	})
}

// FinishHandoff closes worker's job as done or failed and writes the
// submission's outcome (and, on success, the sealed instance token) in
// one transaction.
func (db *DB) FinishHandoff(ctx context.Context, s Submission, expect Status, worker, state, lastError string, fields []SecretField, now time.Time, events ...Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE handoff_jobs SET state = ?,
			locked_by = '', locked_until = 0, last_error = ?, updated_at = ?
			WHERE submission_id = ? AND locked_by = ? AND state = ?`,
			state, lastError, ms(now), s.ID, worker, JobPending)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		for _, f := range fields {
			_, err := db.exec(ctx, tx, `INSERT INTO secret_fields
				(submission_id, field, sealed, last4, fingerprint, updated_at)
				VALUES (?,?,?,?,?,?) ON CONFLICT (submission_id, field)
				DO UPDATE SET sealed = excluded.sealed,
				last4 = excluded.last4, fingerprint = excluded.fingerprint,
				updated_at = excluded.updated_at`,
				s.ID, f.Field, f.Sealed, f.Last4, f.Fingerprint, ms(f.UpdatedAt))
			if err != nil {
				return err
			}
		}
		return db.updateSubmission(ctx, tx, s, expect, events...)
	})
}

// HandoffQueueDepth counts pending handoff jobs.
func (db *DB) HandoffQueueDepth(ctx context.Context) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM handoff_jobs
		WHERE state = ?`, JobPending).Scan(&n)
	return n, err
}

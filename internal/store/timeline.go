package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

func (db *DB) insertEvents(ctx context.Context, tx *sql.Tx, events ...Event) error {
	for _, ev := range events {
		if ev.Kind == "" {
			continue
		}
		_, err := db.exec(ctx, tx, `INSERT INTO events
			(submission_id, at, actor, kind, detail) VALUES (?,?,?,?,?)`,
			ev.SubmissionID, ms(ev.At), ev.Actor, ev.Kind, ev.Detail)
		if err != nil {
			return fmt.Errorf("store: insert event: %w", err)
		}
	}
	return nil
}

// AddEvents appends timeline events outside any other change.
func (db *DB) AddEvents(ctx context.Context, events ...Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		return db.insertEvents(ctx, tx, events...)
	})
}

// Events returns a submission's timeline, oldest first.
func (db *DB) Events(ctx context.Context, submissionID string) ([]Event, error) {
	rows, err := db.query(ctx, `SELECT id, submission_id, at,
		actor, kind, detail FROM events WHERE submission_id = ?
		ORDER BY id`, submissionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var at int64
		if err := rows.Scan(&ev.ID, &ev.SubmissionID, &at, &ev.Actor,
			&ev.Kind, &ev.Detail); err != nil {
			return nil, err
		}
		ev.At = fromMS(at)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// RecordAttempt stores a verification attempt together with the
// submission's new state.
func (db *DB) RecordAttempt(ctx context.Context, s Submission, expect Status, a Attempt, events ...Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := db.exec(ctx, tx, `INSERT INTO verification_attempts
			(submission_id, at, actor, outcome, code, message, skew_ms,
			rest_checked, rest_enabled, duration_ms)
			VALUES (?,?,?,?,?,?,?,?,?,?)`,
			a.SubmissionID, ms(a.At), a.Actor, a.Outcome, a.Code, a.Message,
			a.Skew.Milliseconds(), boolInt(a.RESTChecked),
			boolInt(a.RESTEnabled), a.Duration.Milliseconds())
		if err != nil {
			return fmt.Errorf("store: insert attempt: %w", err)
		}
		return db.updateSubmission(ctx, tx, s, expect, events...)
	})
}

// Attempts returns a submission's verification attempts, newest first.
func (db *DB) Attempts(ctx context.Context, submissionID string) ([]Attempt, error) {
	rows, err := db.query(ctx, `SELECT id, submission_id, at,
		actor, outcome, code, message, skew_ms, rest_checked, rest_enabled,
		duration_ms FROM verification_attempts WHERE submission_id = ?
		ORDER BY id DESC`, submissionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var at, skew, dur, restChecked, restEnabled int64
		if err := rows.Scan(&a.ID, &a.SubmissionID, &at, &a.Actor, &a.Outcome,
			&a.Code, &a.Message, &skew, &restChecked, &restEnabled,
			&dur); err != nil {
			return nil, err
		}
		a.At = fromMS(at)
		a.Skew = time.Duration(skew) * time.Millisecond
		a.Duration = time.Duration(dur) * time.Millisecond
		a.RESTChecked = restChecked != 0
		a.RESTEnabled = restEnabled != 0
		out = append(out, a)
	}
	return out, rows.Err()
}

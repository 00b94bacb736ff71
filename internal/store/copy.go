package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// copiedTables are the tables Copy moves, parents before children.
// attempt_slots is left behind: it only holds the last minutes of
// attempts, and starting the new database without them loosens no limit
// for longer than one window.
var copiedTables = []string{
	"submissions", "secret_fields", "verification_attempts", "events",
	"handoff_jobs", "admins", "admin_sessions", "audit_log", "keyring",
}

// identityTables have a generated id column whose counter must carry on
// after the copied rows.
var identityTables = []string{"verification_attempts", "events"}

// ErrTargetNotEmpty refuses to copy into a database that already holds
// data: the copy would mix two portals' submissions and break the audit
// chain.
var ErrTargetNotEmpty = errors.New("store: the target database already holds portal data")

// CopyCounts is how many rows of each table were copied.
type CopyCounts map[string]int

// Copy moves every row of the portal's tables from one database to
// another, for moving the embedded SQLite database to PostgreSQL. The
// target must be migrated and empty. Rows are copied as they are stored,
// ciphertexts included, so nothing is decrypted and the audit chain
// keeps its hashes. The source is read in one transaction and the target
// written in one, so the copy is a consistent snapshot and lands whole or
// not at all.
func Copy(ctx context.Context, from, to *DB) (CopyCounts, error) {
	counts := CopyCounts{}
	src, err := from.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: from.dialect == Postgres})
	if err != nil {
		return nil, fmt.Errorf("store: read source: %w", err)
	}
	defer src.Rollback()
	err = to.inTx(ctx, func(dst *sql.Tx) error {
		for _, table := range copiedTables {
			var n int
			if err := dst.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				return fmt.Errorf("store: count %s in the target: %w", table, err)
			}
			if n > 0 {
				return fmt.Errorf("%w: %s has %d rows", ErrTargetNotEmpty, table, n)
			}
		}
		for _, table := range copiedTables {
			n, err := copyTable(ctx, src, dst, to, table)
			if err != nil {
				return fmt.Errorf("store: copy %s: %w", table, err)
			}
			counts[table] = n
		}
		if to.dialect == Postgres {
			for _, table := range identityTables {
				// The table names are this package's constants.
				_, err := dst.ExecContext(ctx, `SELECT setval(
					pg_get_serial_sequence('`+table+`', 'id'),
					COALESCE((SELECT MAX(id) FROM `+table+`), 0) + 1, false)`)
				if err != nil {
					return fmt.Errorf("store: move %s's id counter on: %w", table, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// copyTable copies one table's rows, with the source's column names.
func copyTable(ctx context.Context, src, dst *sql.Tx, to *DB, table string) (int, error) {
	rows, err := src.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	insert := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `)`
	if to.dialect == Postgres {
		// Keep the source's ids in identity columns.
		insert += ` OVERRIDING SYSTEM VALUE`
	}
	insert += ` VALUES (` + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + `)`
	stmt, err := dst.PrepareContext(ctx, to.q(insert))
	if err != nil {
		return 0, err
	}
	defer stmt.Close()

	values := make([]any, len(cols))
	dests := make([]any, len(cols))
	for i := range values {
		dests[i] = &values[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dests...); err != nil {
			return n, err
		}
		if _, err := stmt.ExecContext(ctx, values...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// statements holds the statements of the reads every page makes,
// prepared once per query text. SQLite parses and plans a statement
// each time one is prepared, and for a one-row read by primary key that
// costs several times the read itself; database/sql keeps a prepared
// statement ready on every pooled connection it has been used on.
type statements struct {
	mu     sync.RWMutex
	byText map[string]*sql.Stmt
}

// prepared returns the statement for query (with ? placeholders),
// preparing it on first use.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	db.stmts.mu.RLock()
	st, ok := db.stmts.byText[query]
	db.stmts.mu.RUnlock()
	if ok {
		return st, nil
	}
	st, err := db.sql.PrepareContext(ctx, db.q(query))
	if err != nil {
		return nil, err
	}
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if first, ok := db.stmts.byText[query]; ok {
		_ = st.Close() // another request prepared it meanwhile
		return first, nil
	}
	if db.stmts.byText == nil {
		db.stmts.byText = map[string]*sql.Stmt{}
	}
	db.stmts.byText[query] = st
	return st, nil
}

// queryRow is QueryRowContext through a prepared statement.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) scanner {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return failedRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// query is QueryContext through a prepared statement.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// closeStatements closes every prepared statement.
func (db *DB) closeStatements() error {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	var errs []error
	for _, st := range db.stmts.byText {
		errs = append(errs, st.Close())
	}
	db.stmts.byText = nil
	return errors.Join(errs...)
}

// failedRow is a row whose statement could not be prepared.
type failedRow struct{ err error }

func (r failedRow) Scan(...any) error { return r.err }

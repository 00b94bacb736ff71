package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations
var migrations embed.FS

// Dialect names the database behind a DB.
type Dialect string

// The supported databases.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the portal's storage, on SQLite or PostgreSQL.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	path    string // the SQLite file, for checkpoints; empty on PostgreSQL
	stmts   statements
}

// ErrUnreachable marks a database that did not answer: it may come back,
// so a caller may wait and try again.
var ErrUnreachable = errors.New("no answer")

// Open connects to the database that databaseURL names and runs the
// embedded migrations. An empty databaseURL means the embedded default:
// SQLite at dataDir/portal.db. A postgres:// or postgresql:// URL selects
// PostgreSQL; a sqlite:// or file path selects SQLite at that path.
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	db, err := connect(databaseURL, dataDir)
	if err != nil {
		return nil, err
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, fmt.Errorf("store: reach %s database: %w: %w", db.dialect,
			ErrUnreachable, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	return db, nil
}

func connect(databaseURL, dataDir string) (*DB, error) {
	switch {
	case strings.HasPrefix(databaseURL, "postgres://"),
		strings.HasPrefix(databaseURL, "postgresql://"):
		conn, err := sql.Open("pgx", databaseURL)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		conn.SetMaxOpenConns(20)
		conn.SetMaxIdleConns(10)
		conn.SetConnMaxIdleTime(5 * time.Minute)
		return &DB{sql: conn, dialect: Postgres}, nil
	default:
		path := strings.TrimPrefix(databaseURL, "sqlite://")
		if path == "" {
			path = filepath.Join(dataDir, "portal.db")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("store: create data directory: %w", err)
		}
		conn, err := sql.Open("sqlite", sqliteDSN(path))
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		// SQLite has one writer; a small pool keeps readers concurrent
		// under WAL while writers queue on busy_timeout.
		conn.SetMaxOpenConns(8)
		conn.SetMaxIdleConns(8)
		return &DB{sql: conn, dialect: SQLite, path: path}, nil
	}
}

// sqliteDSN turns on WAL, a busy timeout, foreign keys and secure_delete
// (so deleted secrets are overwritten with zeros, not left in free pages),
// and makes every transaction take the write lock at BEGIN, which avoids
// deadlocks between two readers that both want to write.
func sqliteDSN(path string) string {
	q := url.Values{}
	for _, p := range []string{
		"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)",
		"secure_delete(1)", "synchronous(NORMAL)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

func (db *DB) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.dialect == Postgres {
		dialect = goose.DialectPostgres
		// Several instances may start at once; the advisory lock lets one
		// migrate while the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.sql, sub, opts...)
	if err != nil {
		return fmt.Errorf("store: prepare migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// Dialect reports which database is behind db.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes the database.
func (db *DB) Close() error {
	return errors.Join(db.closeStatements(), db.sql.Close())
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// SQL exposes the handle for tests and benchmarks that seed many rows.
func (db *DB) SQL() *sql.DB { return db.sql }

// Checkpoint folds the SQLite write-ahead log back into the database file
// and truncates it, so purged pages do not linger in the -wal file. It does
// nothing on PostgreSQL.
func (db *DB) Checkpoint(ctx context.Context) error {
	if db.dialect != SQLite {
		return nil
	}
	_, err := db.sql.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// q rewrites ? placeholders as $1, $2, ... for PostgreSQL.
func (db *DB) q(query string) string {
	if db.dialect != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (db *DB) exec(ctx context.Context, ex execer, query string, args ...any) (sql.Result, error) {
	return ex.ExecContext(ctx, db.q(query), args...)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in one transaction and commits it when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// ms stores times as Unix milliseconds; the zero time is stored as 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

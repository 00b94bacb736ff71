package store

import (
	"context"
	"fmt"
	"time"
)

// seedBase is the activity time of the oldest seeded submission.
var seedBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

// SeedSubmissions inserts n submissions in one statement, for benchmarks
// and query-plan tests: PostgreSQL with generate_series, SQLite with a
// recursive CTE, both far faster than n inserts. IDs are hex digests, so
// their order is unrelated to activity; every third row shares its
// activity time with its neighbours, so the cursor's tie-break on ID is
// exercised. One row in a hundred failed its handoff; the others are
// spread over four open and connected states.
func SeedSubmissions(ctx context.Context, db *DB, n int) error {
	var query string
	switch db.dialect {
	case Postgres:
		query = fmt.Sprintf(`INSERT INTO submissions (id, company,
			contact_email, status, step, account_id, invitation_hash,
			invitation_expires_at, created_at, last_activity_at, search_text)
		SELECT 'sub-' || md5(i::text), 'Company ' || i,
			'admin@c' || i || '.example',
			CASE WHEN i %% 100 = 0 THEN 'handoff_failed' ELSE
				(ARRAY['invited','in_progress','verified','connected'])[1 + i %% 4]
			END,
			'welcome', (1000000 + i)::text, sha256(int8send(i)),
			%[1]d + 1209600000, %[1]d, %[1]d + (i / 3) * 1000,
			'company ' || i || E'\n' || (1000000 + i) || E'\n' ||
				'admin@c' || i || '.example'
		FROM generate_series(1, %[2]d) AS i`, seedBase, n)
	default:
		query = fmt.Sprintf(`WITH RECURSIVE seq(i) AS (
			SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %[2]d)
		INSERT INTO submissions (id, company, contact_email, status, step,
			account_id, invitation_hash, invitation_expires_at, created_at,
			last_activity_at, search_text)
		SELECT 'sub-' || lower(hex(randomblob(16))), 'Company ' || i,
			'admin@c' || i || '.example',
			CASE WHEN i %% 100 = 0 THEN 'handoff_failed'
				WHEN i %% 4 = 0 THEN 'invited' WHEN i %% 4 = 1 THEN 'in_progress'
				WHEN i %% 4 = 2 THEN 'verified' ELSE 'connected' END,
			'welcome', CAST(1000000 + i AS TEXT), randomblob(32),
			%[1]d + 1209600000, %[1]d, %[1]d + (i / 3) * 1000,
			'company ' || i || char(10) || (1000000 + i) || char(10) ||
				'admin@c' || i || '.example'
		FROM seq`, seedBase, n)
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if db.dialect == SQLite {
		// The random IDs and invitation hashes land all over their
		// indexes; a large page cache for this one load (this connection
		// only) keeps a million inserts within a minute.
		if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -524288"); err != nil {
			return err
		}
		defer conn.ExecContext(context.Background(), "PRAGMA cache_size = -2000")
	}
	if _, err := conn.ExecContext(ctx, query); err != nil {
		return fmt.Errorf("seed %d submissions: %w", n, err)
	}
	// Fresh statistics, as autovacuum would gather after a real load.
	_, err = conn.ExecContext(ctx, "ANALYZE")
	return err
}

// ListQuery exposes the list's SQL, rebound for db, to plan tests.
func ListQuery(db *DB, f ListFilter) (string, []any) {
	query, args := listQuery(f)
	return db.q(query), args
}

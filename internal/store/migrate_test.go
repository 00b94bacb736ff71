package store_test

import (
	"os"
	"strings"
	"sync"
	"testing"

	"tbaportal/internal/store"
	"tbaportal/internal/store/pgtest"
)

// latestMigration is the number of migration files for dialect: goose
// numbers them from 1 with no gaps.
func latestMigration(t *testing.T, dialect store.Dialect) int64 {
	t.Helper()
	entries, err := os.ReadDir("migrations/" + string(dialect))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			n++
		}
	}
	return n
}

func schemaVersion(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var v int64
	err := db.SQL().QueryRowContext(t.Context(),
		`SELECT MAX(version_id) FROM goose_db_version`).Scan(&v)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestConcurrentMigrationsPostgres starts four instances on one empty
// database at the same moment: the advisory lock lets one migrate while
// the others wait, and all of them start.
func TestConcurrentMigrationsPostgres(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const instances = 4
	dbs := make([]*store.DB, instances)
	errs := make([]error, instances)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range instances {
		done.Go(func() {
			start.Wait()
			dbs[i], errs[i] = store.Open(t.Context(), url, "")
		})
	}
	start.Done()
	done.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
			continue
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	if t.Failed() {
		return
	}
	want := latestMigration(t, store.Postgres)
	for i, db := range dbs {
		if v := schemaVersion(t, db); v != want {
			t.Errorf("instance %d sees schema version %d, want %d", i, v, want)
		}
	}
	var applied int
	err := dbs[0].SQL().QueryRowContext(t.Context(), `SELECT COUNT(*)
		FROM goose_db_version WHERE version_id > 0`).Scan(&applied)
	if err != nil || int64(applied) != want {
		t.Errorf("%d migrations recorded (%v), want each applied once: %d",
			applied, err, want)
	}
}

// TestReopenSQLite opens an existing database again: migrations already
// applied are not run twice.
func TestReopenSQLite(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		db, err := store.Open(t.Context(), "", dir)
		if err != nil {
			t.Fatal(err)
		}
		if v, want := schemaVersion(t, db), latestMigration(t, store.SQLite); v != want {
			t.Errorf("schema version %d, want %d", v, want)
		}
		db.Close()
	}
}

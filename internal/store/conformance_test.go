package store_test

import (
	"testing"

	"tbaportal/internal/store"
	"tbaportal/internal/store/pgtest"
	"tbaportal/internal/store/storetest"
)

func openSQLite(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), "", t.TempDir())
	if err != nil {
		t.Fatalf("open SQLite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), pgtest.NewDatabase(t), "")
	if err != nil {
		t.Fatalf("open PostgreSQL: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, openSQLite)
}

func TestConformancePostgres(t *testing.T) {
	pgtest.ServerURL(t)
	storetest.Run(t, openPostgres)
}

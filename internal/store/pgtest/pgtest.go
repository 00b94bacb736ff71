// Package pgtest gives each test its own PostgreSQL database, so tests
// that need PostgreSQL can run in parallel without seeing each other's
// rows.
//
// The server comes from PORTAL_TEST_POSTGRES_URL (for example
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); the role
// in it must be allowed to create databases. When the variable is unset a
// test is skipped, except under CI=true, where a missing database is a
// failure: CI must never pass by testing only SQLite.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvURL is the environment variable that names the PostgreSQL server.
const EnvURL = "PORTAL_TEST_POSTGRES_URL"

// ServerURL returns the server URL from the environment. Without one it
// skips t, or fails it when CI is "true".
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u != "" {
		return u
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set; CI must test PostgreSQL too", EnvURL)
	}
	t.Skipf("%s is not set; skipping the PostgreSQL test", EnvURL)
	return ""
}

// NewDatabase creates an empty database with a random name and returns
// its URL. The database is dropped, with any connections still open to
// it, when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := ServerURL(t)
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("pgtest: open %s: %v", EnvURL, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := "portal_test_" + randomHex(8)
	// The name is made here from hex digits only, so quoting it is
	// enough; CREATE DATABASE takes no parameters.
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		admin.Close()
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() { drop(t, admin, name) })
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("pgtest: parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

func drop(t testing.TB, admin *sql.DB, name string) {
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// FORCE ends sessions a test (or a child process) left open.
	_, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+
		`" WITH (FORCE)`)
	if err != nil {
		t.Errorf("pgtest: drop database %s: %v", name, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

package admins

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"tbaportal/internal/audit"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
	"tbaportal/internal/testclock"
)

type fixture struct {
	db    *store.DB
	keys  *secrets.Keyring
	clock *testclock.Clock
	auth  *Authenticator
	audit *audit.Log
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := secrets.OpenKeyring(ctx, secrets.Options{
		Store:  secrets.NewMemoryKeyringStore(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keys.Close() })
	f := &fixture{db: db, keys: keys, clock: testclock.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
	f.audit = audit.New(db, f.clock.Now)
	f.auth = NewAuthenticator(Config{DB: db, Keys: keys, Audit: f.audit,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:    f.clock.Now})
	return f
}

const testPassword = "correct horse battery"

func (f *fixture) admin(t *testing.T, email, role string) store.Admin {
	t.Helper()
	a, err := Create(context.Background(), f.db, email, testPassword, role, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// auditActions lists the actions of the whole audit log, in order.
func (f *fixture) auditActions(t *testing.T) []string {
	t.Helper()
	entries, err := f.db.AuditEntries(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Action)
	}
	return out
}

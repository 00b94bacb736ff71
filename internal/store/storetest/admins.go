package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/store"
)

func newAdmin(id, email string) store.Admin {
	return store.Admin{ID: id, Email: email, PasswordHash: "$argon2id$x",
		Role: store.RoleOperator, CreatedAt: base}
}

func testAdmins(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a := newAdmin("adm-1", "Ops@Example.com")
	if err := db.CreateAdmin(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.Email = "ops@example.com" // stored in lower case
	dup := newAdmin("adm-2", "OPS@example.COM")
	if err := db.CreateAdmin(ctx, dup); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("second admin with the same email: %v, want ErrDuplicate", err)
	}
	for _, email := range []string{"ops@example.com", "OPS@EXAMPLE.COM"} {
		got, err := db.AdminByEmail(ctx, email)
		if err != nil {
			t.Fatalf("AdminByEmail(%q): %v", email, err)
		}
		if diff := cmp.Diff(a, got); diff != "" {
			t.Errorf("AdminByEmail(%q) (-want +got):\n%s", email, diff)
		}
	}
	if _, err := db.AdminByEmail(ctx, "nobody@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown email: %v, want ErrNotFound", err)
	}

	a.PasswordHash, a.Role = "$argon2id$y", store.RoleViewer
	a.TOTPSealed, a.TOTPKey, a.TOTPKeyVersion = []byte("sealed"), []byte("key"), 2
	a.TOTPEnabled, a.DisabledAt = true, at(time.Hour)
	if err := db.UpdateAdmin(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := db.AdminByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("after UpdateAdmin (-want +got):\n%s", diff)
	}
	err = db.UpdateAdmin(ctx, newAdmin("adm-9", "x@example.com"))
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateAdmin of an unknown admin: %v, want ErrNotFound", err)
	}

	for _, tt := range []struct {
		version int
		want    int
	}{{1, 1}, {2, 0}} {
		list, err := db.AdminKeysNotAt(ctx, tt.version)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != tt.want {
			t.Errorf("AdminKeysNotAt(%d) = %d admins, want %d", tt.version, len(list), tt.want)
		}
	}
}

func session(id, admin string, created time.Time) store.AdminSession {
	return store.AdminSession{IDHash: []byte("hash-" + id), AdminID: admin,
		Stage: "full", CreatedAt: created, LastSeenAt: created,
		ExpiresAt: created.Add(12 * time.Hour)}
}

func testAdminSessions(t *testing.T, db *store.DB) {
	ctx := t.Context()
	one, two := session("1", "adm-1", base), session("2", "adm-1", base)
	other := session("3", "adm-2", base)
	old := session("4", "adm-2", at(-24*time.Hour))
	for _, s := range []store.AdminSession{one, two, other, old} {
		if err := db.CreateAdminSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.AdminSession(ctx, one.IDHash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(one, got); diff != "" {
		t.Errorf("AdminSession (-want +got):\n%s", diff)
	}
	if err := db.TouchAdminSession(ctx, one.IDHash, at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeAdminSession(ctx, two.IDHash, at(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Touching a revoked session must not bring it back to life.
	if err := db.TouchAdminSession(ctx, two.IDHash, at(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	assertSession(t, db, one.IDHash, at(time.Minute), time.Time{})
	assertSession(t, db, two.IDHash, base, at(2*time.Minute))

	n, err := db.RevokeAdminSessions(ctx, "adm-1", at(4*time.Minute))
	if err != nil || n != 1 {
		t.Errorf("RevokeAdminSessions = %d, %v; want 1 (one was already revoked)", n, err)
	}
	assertSession(t, db, one.IDHash, at(time.Minute), at(4*time.Minute))

	if err := db.DeleteExpiredAdminSessions(ctx, at(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		hash []byte
		gone bool
	}{
		{"expired long ago", old.IDHash, true},
		{"revoked before the cutoff", two.IDHash, true},
		{"revoked after the cutoff", one.IDHash, false},
		{"live", other.IDHash, false},
	} {
		_, err := db.AdminSession(ctx, tt.hash)
		if gone := errors.Is(err, store.ErrNotFound); gone != tt.gone {
			t.Errorf("%s: deleted = %v (err %v), want %v", tt.name, gone, err, tt.gone)
		}
	}
}

func assertSession(t *testing.T, db *store.DB, hash []byte, seen, revoked time.Time) {
	t.Helper()
	s, err := db.AdminSession(t.Context(), hash)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.IDHash, hash) || !s.LastSeenAt.Equal(seen) || !s.RevokedAt.Equal(revoked) {
		t.Errorf("session %s: last seen %v revoked %v; want %v, %v", hash,
			s.LastSeenAt, s.RevokedAt, seen, revoked)
	}
}

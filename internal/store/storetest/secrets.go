package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/store"
)

func field(id, name, sealed string, when time.Time) store.SecretField {
	return store.SecretField{SubmissionID: id, Field: name,
		Sealed: []byte(sealed), Last4: "…" + sealed[len(sealed)-4:],
		Fingerprint: "fp-" + sealed, UpdatedAt: when}
}

func secretFields(t *testing.T, db *store.DB, id string) []store.SecretField {
	t.Helper()
	got, err := db.SecretFields(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func testSaveSecretFields(t *testing.T, db *store.DB) {
	s := newSubmission("sub-s", "Acme")
	create(t, db, s)
	s.Status, s.Step = store.StatusInProgress, "integration"
	s.WrappedKey, s.KeyVersion = []byte("wrapped-1"), 2
	first := []store.SecretField{
		field(s.ID, "consumer_secret", "sealed-cs-1", base),
		field(s.ID, "consumer_key", "sealed-ck-1", base),
	}
	err := db.SaveSecretFields(t.Context(), s, store.StatusInvited, true, first,
		event(s.ID, "integration_saved", base))
	if err != nil {
		t.Fatal(err)
	}
	// A later save with the same key replaces one field and adds another.
	s.Step = "access-token"
	later := []store.SecretField{
		field(s.ID, "consumer_secret", "sealed-cs-2", at(time.Minute)),
		field(s.ID, "token_id", "sealed-ti-1", at(time.Minute)),
	}
	err = db.SaveSecretFields(t.Context(), s, store.StatusInProgress, false, later)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.SecretField{first[1], later[0], later[1]} // by field name
	if diff := cmp.Diff(want, secretFields(t, db, s.ID)); diff != "" {
		t.Errorf("SecretFields (-want +got):\n%s", diff)
	}
	got := load(t, db, s.ID)
	if string(got.WrappedKey) != "wrapped-1" || got.KeyVersion != 2 ||
		got.Step != "access-token" {
		t.Errorf("submission after saves: key %q v%d step %q", got.WrappedKey,
			got.KeyVersion, got.Step)
	}

	// A wrong expected status rolls the whole save back.
	err = db.SaveSecretFields(t.Context(), s, store.StatusVerified, false,
		[]store.SecretField{field(s.ID, "token_secret", "sealed-ts-1", base)})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("save with the wrong status: %v, want ErrConflict", err)
	}
	if n := len(secretFields(t, db, s.ID)); n != 3 {
		t.Errorf("a refused save left %d fields, want 3", n)
	}
}

// testNewKeyConflict is two requests that each made a data key for a
// submission that had none: the second must learn it lost, and nothing of
// its save may land.
func testNewKeyConflict(t *testing.T, db *store.DB) {
	s := newSubmission("sub-k", "Acme")
	create(t, db, s)
	a, b := s, s
	a.WrappedKey, a.KeyVersion = []byte("key-a"), 1
	b.WrappedKey, b.KeyVersion = []byte("key-b"), 1
	b.Step = "from-b"
	err := db.SaveSecretFields(t.Context(), a, store.StatusInvited, true,
		[]store.SecretField{field(s.ID, "consumer_key", "sealed-by-a", base)})
	if err != nil {
		t.Fatal(err)
	}
	err = db.SaveSecretFields(t.Context(), b, store.StatusInvited, true,
		[]store.SecretField{field(s.ID, "consumer_key", "sealed-by-b", base)},
		event(s.ID, "from_b", base))
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second new key: %v, want ErrConflict", err)
	}
	got := load(t, db, s.ID)
	if string(got.WrappedKey) != "key-a" || got.Step == "from-b" {
		t.Errorf("the losing save changed the submission: key %q step %q",
			got.WrappedKey, got.Step)
	}
	fields := secretFields(t, db, s.ID)
	if len(fields) != 1 || string(fields[0].Sealed) != "sealed-by-a" {
		t.Errorf("fields after the conflict = %+v, want only A's", fields)
	}
	assertEventKinds(t, db, s.ID, "invited")
}

func testPurgeSecrets(t *testing.T, db *store.DB) {
	s := newSubmission("sub-p", "Acme")
	create(t, db, s)
	s.WrappedKey, s.KeyVersion = []byte("wrapped"), 1
	err := db.SaveSecretFields(t.Context(), s, store.StatusInvited, true,
		[]store.SecretField{field(s.ID, "token_secret", "sealed-ts", base)})
	if err != nil {
		t.Fatal(err)
	}
	s.Status, s.PurgedAt = store.StatusPurged, at(time.Hour)
	err = db.PurgeSecrets(t.Context(), s, store.StatusConnected)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("purge with the wrong status: %v, want ErrConflict", err)
	}
	if len(secretFields(t, db, s.ID)) != 1 || load(t, db, s.ID).WrappedKey == nil {
		t.Fatal("a refused purge deleted secrets")
	}

	err = db.PurgeSecrets(t.Context(), s, store.StatusInvited,
		event(s.ID, "purged", at(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	got := load(t, db, s.ID)
	if got.WrappedKey != nil || got.KeyVersion != 0 ||
		got.Status != store.StatusPurged || !got.PurgedAt.Equal(at(time.Hour)) {
		t.Errorf("after purge: key %v v%d status %q purged %v", got.WrappedKey,
			got.KeyVersion, got.Status, got.PurgedAt)
	}
	if f := secretFields(t, db, s.ID); len(f) != 0 {
		t.Errorf("fields after purge = %+v, want none", f)
	}
	assertEventKinds(t, db, s.ID, "invited", "purged")
}

func testDuePurges(t *testing.T, db *store.DB) {
	rows := []struct {
		id                 string
		purgeAfter, purged time.Time
	}{
		{"never", time.Time{}, time.Time{}},
		{"due-late", at(-time.Minute), time.Time{}},
		{"due-early", at(-time.Hour), time.Time{}},
		{"due-now", base, time.Time{}},
		{"future", at(time.Minute), time.Time{}},
		{"already-purged", at(-2 * time.Hour), at(-time.Hour)},
	}
	for _, r := range rows {
		s := newSubmission(r.id, r.id)
		s.PurgeAfter, s.PurgedAt = r.purgeAfter, r.purged
		create(t, db, s)
	}
	tests := []struct {
		name  string
		limit int
		want  []string
	}{
		{"all due, oldest first", 10, []string{"due-early", "due-late", "due-now"}},
		{"limited", 2, []string{"due-early", "due-late"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.DuePurges(t.Context(), base, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DuePurges (-want +got):\n%s", diff)
			}
		})
	}
}

func testWrappedKeys(t *testing.T, db *store.DB) {
	for i, v := range []int{1, 2, 1, 0, 1} { // version 0: no key at all
		s := newSubmission(sid(i), "Acme")
		if v > 0 {
			s.WrappedKey, s.KeyVersion = []byte{byte(i), byte(v)}, v
		}
		create(t, db, s)
	}
	admin := newAdmin("adm-1", "a@example.com")
	admin.TOTPKey, admin.TOTPKeyVersion = []byte("totp-key"), 1
	if err := db.CreateAdmin(t.Context(), admin); err != nil {
		t.Fatal(err)
	}
	assertCount(t, db, 1, 4) // three data keys and one admin key
	assertCount(t, db, 2, 1)

	page, err := db.WrappedKeysNotAt(t.Context(), 2, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := db.WrappedKeysNotAt(t.Context(), 2, page[len(page)-1].SubmissionID, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.WrappedKeyRow{
		{SubmissionID: sid(0), WrappedKey: []byte{0, 1}, KeyVersion: 1},
		{SubmissionID: sid(2), WrappedKey: []byte{2, 1}, KeyVersion: 1},
		{SubmissionID: sid(4), WrappedKey: []byte{4, 1}, KeyVersion: 1},
	}
	if diff := cmp.Diff(want, append(page, rest...)); diff != "" {
		t.Errorf("WrappedKeysNotAt pages (-want +got):\n%s", diff)
	}

	if err := db.ReplaceWrappedKey(t.Context(), sid(0), 1, []byte("new"), 2); err != nil {
		t.Fatal(err)
	}
	if got := load(t, db, sid(0)); string(got.WrappedKey) != "new" || got.KeyVersion != 2 {
		t.Errorf("after ReplaceWrappedKey: %q v%d", got.WrappedKey, got.KeyVersion)
	}
	tests := []struct {
		name       string
		id         string
		oldVersion int
	}{
		{"stale version", sid(0), 1},
		{"no key (purged)", sid(3), 0},
		{"unknown submission", "nope", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.ReplaceWrappedKey(t.Context(), tt.id, tt.oldVersion, []byte("x"), 3)
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("ReplaceWrappedKey: %v, want ErrConflict", err)
			}
		})
	}
	assertCount(t, db, 1, 3)
	assertCount(t, db, 2, 2)
}

func assertCount(t *testing.T, db *store.DB, version, want int) {
	t.Helper()
	n, err := db.CountKeysAt(t.Context(), version)
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("CountKeysAt(%d) = %d, want %d", version, n, want)
	}
}

package secrets

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sealedSubmission is what a database row would hold.
type sealedSubmission struct {
	subject string
	wrapped WrappedKey
	sealed  []byte
}

func sealOne(t *testing.T, k *Keyring, subject string) sealedSubmission {
	t.Helper()
	dk, w, err := k.NewDataKey(context.Background(), subject)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := dk.Seal("token_secret", New(hex64))
	if err != nil {
		t.Fatal(err)
	}
	return sealedSubmission{subject: subject, wrapped: w, sealed: sealed}
}

func (s sealedSubmission) check(t *testing.T, k *Keyring) {
	t.Helper()
	dk, err := k.OpenDataKey(context.Background(), s.subject, s.wrapped)
	if err != nil {
		t.Fatalf("OpenDataKey after migration: %v", err)
	}
	wantOpen(t, dk, "token_secret", s.sealed, hex64)
}

func TestMigrateFileKeyringIntoKMSInPlace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	store := NewFileKeyringStore(path)
	kmsURL := newKMSURL(t)

	before := openTest(t, store, "")
	if _, err := before.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	row := sealOne(t, before, "sub-1")
	wantVersions := before.Versions()
	wantSession := before.SessionKeys()
	oldKeys := ringKeys(before)
	before.Close()

	err := MigrateDocument(ctx,
		Options{Store: store, Logger: quietLogger()},
		Options{Store: store, KMSURL: kmsURL, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("MigrateDocument: %v", err)
	}

	doc, err := store.LoadKeyring(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range oldKeys {
		if holdsKey(doc, key) {
			t.Errorf("migrated document holds key %s unwrapped", name)
		}
	}
	if _, err := OpenKeyring(ctx, Options{Store: store, Logger: quietLogger()}); err == nil {
		t.Error("the migrated document opened without the KMS")
	}

	after := openTest(t, store, kmsURL)
	row.check(t, after)
	if diff := cmp.Diff(wantVersions, after.Versions()); diff != "" {
		t.Errorf("Versions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantSession, after.SessionKeys()); diff != "" {
		t.Errorf("SessionKeys (-want +got):\n%s", diff)
	}
}

func TestMigrateBetweenStoresAndBack(t *testing.T) {
	ctx := context.Background()
	src, kmsStore, back := NewMemoryKeyringStore(), NewMemoryKeyringStore(),
		NewMemoryKeyringStore()
	kmsURL := newKMSURL(t)
	row := sealOne(t, openTest(t, src, ""), "sub-1")

	h := &recordHandler{}
	steps := []struct {
		name     string
		from, to Options
	}{
		{name: "into kms",
			from: Options{Store: src},
			to:   Options{Store: kmsStore, KMSURL: kmsURL, Logger: slog.New(h)}},
		{name: "out of kms",
			from: Options{Store: kmsStore, KMSURL: kmsURL},
			to:   Options{Store: back, Logger: slog.New(h)}},
	}
	for _, st := range steps {
		if err := MigrateDocument(ctx, st.from, st.to); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	row.check(t, openTest(t, kmsStore, kmsURL))
	row.check(t, openTest(t, back, ""))
	// Leaving the KMS is allowed but warned about.
	if got := h.warnCount(); got != 1 {
		t.Errorf("%d warnings, want 1 (for the move out of the KMS)", got)
	}
}

func TestMigrateRefuses(t *testing.T) {
	ctx := context.Background()
	kmsURL := newKMSURL(t)
	raw := NewMemoryKeyringStore()
	openTest(t, raw, "")
	wrapped := NewMemoryKeyringStore()
	openTest(t, wrapped, kmsURL)
	occupied := NewMemoryKeyringStore()
	openTest(t, occupied, "")

	tests := []struct {
		name     string
		from, to Options
		wantErr  string
	}{
		{name: "no source document",
			from:    Options{Store: NewMemoryKeyringStore()},
			to:      Options{Store: NewMemoryKeyringStore(), KMSURL: kmsURL},
			wantErr: "no keyring document"},
		{name: "wrong source kms",
			from:    Options{Store: wrapped, KMSURL: newKMSURL(t)},
			to:      Options{Store: NewMemoryKeyringStore()},
			wantErr: "unwrap key"},
		{name: "source kms missing",
			from:    Options{Store: wrapped},
			to:      Options{Store: NewMemoryKeyringStore()},
			wantErr: "no KMS URL"},
		{name: "target holds another document",
			from:    Options{Store: raw},
			to:      Options{Store: occupied, KMSURL: kmsURL},
			wantErr: "already holds another keyring document"},
		{name: "bad target kms",
			from:    Options{Store: raw},
			to:      Options{Store: NewMemoryKeyringStore(), KMSURL: "base64key://"},
			wantErr: "must carry its key"},
		{name: "no store",
			from:    Options{Store: raw},
			to:      Options{KMSURL: kmsURL},
			wantErr: "need a store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before []byte
			if tt.to.Store != nil {
				before, _ = tt.to.Store.LoadKeyring(ctx)
			}
			tt.to.Logger = quietLogger()
			err := MigrateDocument(ctx, tt.from, tt.to)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("MigrateDocument: err = %v, want one mentioning %q",
					err, tt.wantErr)
			}
			if tt.to.Store == nil {
				return
			}
			after, _ := tt.to.Store.LoadKeyring(ctx)
			if !bytes.Equal(before, after) {
				t.Error("a refused migration changed the target store")
			}
		})
	}
}

package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRotationWhileThePortalRuns(t *testing.T) {
	for _, kms := range []string{"embedded", "kms"} {
		t.Run(kms, func(t *testing.T) {
			kmsURL := ""
			if kms == "kms" {
				kmsURL = newKMSURL(t)
			}
			testRotation(t, kmsURL)
		})
	}
}

func testRotation(t *testing.T, kmsURL string) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	store := NewFileKeyringStore(path)
	running := openTest(t, store, kmsURL)
	oldKeys := ringKeys(running)

	// A submission sealed before the rotation.
	oldDK, oldW, err := running.NewDataKey(ctx, "sub-old")
	if err != nil {
		t.Fatal(err)
	}
	oldSealed, err := oldDK.Seal("token_secret", New(hex64))
	if err != nil {
		t.Fatal(err)
	}

	// Another instance (the admin's `portal keys rotate`) rotates.
	admin := openTest(t, NewFileKeyringStore(path), kmsURL)
	v, err := admin.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v != 2 || admin.CurrentVersion() != 2 {
		t.Fatalf("Rotate = %d, current %d; want 2, 2", v, admin.CurrentVersion())
	}
	newDK, newW, err := admin.NewDataKey(ctx, "sub-new")
	if err != nil {
		t.Fatal(err)
	}
	if newW.Version != 2 {
		t.Errorf("new data key wrapped by version %d, want 2", newW.Version)
	}
	newSealed, err := newDK.Seal("token_secret", New("new value"))
	if err != nil {
		t.Fatal(err)
	}

	// The running portal has not reloaded, yet opens the new key.
	if got := running.CurrentVersion(); got != 1 {
		t.Fatalf("running CurrentVersion = %d before reload, want 1", got)
	}
	opened, err := running.OpenDataKey(ctx, "sub-new", newW)
	if err != nil {
		t.Fatalf("running portal cannot open a key of the new version: %v", err)
	}
	wantOpen(t, opened, "token_secret", newSealed, "new value")
	if got := running.CurrentVersion(); got != 2 {
		t.Errorf("running CurrentVersion = %d after reload, want 2", got)
	}

	// Rewrap moves the old submission's key to version 2; its sealed
	// fields stay as they are.
	rewrapped, err := running.Rewrap(ctx, "sub-old", oldW)
	if err != nil {
		t.Fatal(err)
	}
	if rewrapped.Version != 2 || bytes.Equal(rewrapped.Ciphertext, oldW.Ciphertext) {
		t.Fatalf("Rewrap = version %d, want 2 and new ciphertext", rewrapped.Version)
	}
	again, err := running.Rewrap(ctx, "sub-old", rewrapped)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rewrapped, again); diff != "" {
		t.Errorf("Rewrap of a current key changed it (-want +got):\n%s", diff)
	}

	// Retire version 1. The retiring instance forgets it at once, the
	// running one at its next Reload; then only the rewrapped key opens.
	if err := admin.Retire(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := running.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	for name, k := range map[string]*Keyring{"admin": admin, "running": running} {
		_, err = k.OpenDataKey(ctx, "sub-old", oldW)
		if !errors.Is(err, ErrUnknownKeyVersion) {
			t.Errorf("%s: OpenDataKey of a retired version: err = %v, "+
				"want ErrUnknownKeyVersion", name, err)
		}
		want := []KeyVersion{{Version: 2, Current: true}}
		if diff := cmp.Diff(want, withoutCreated(k.Versions())); diff != "" {
			t.Errorf("%s: Versions (-want +got):\n%s", name, diff)
		}
	}
	moved, err := running.OpenDataKey(ctx, "sub-old", rewrapped)
	if err != nil {
		t.Fatal(err)
	}
	wantOpen(t, moved, "token_secret", oldSealed, hex64)

	doc, err := store.LoadKeyring(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if holdsKey(doc, oldKeys[kekLabel(1)]) {
		t.Error("the retired key's bytes are still in the document")
	}
	if d, _ := decodeDocument(doc); len(d.Keys) != 1 || d.Keys[0].Version != 2 {
		t.Errorf("document keys = %+v, want only version 2", d.Keys)
	}
}

// withoutCreated drops the creation times, which a test cannot know.
func withoutCreated(vs []KeyVersion) []KeyVersion {
	for i := range vs {
		if vs[i].Created.IsZero() {
			continue // a zero time would be a bug; keep it visible
		}
		vs[i].Created = time.Time{}
	}
	return vs
}

func wantOpen(t *testing.T, dk *DataKey, field string, sealed []byte, want string) {
	t.Helper()
	got, err := dk.Open(field, sealed)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got.Reveal() != want {
		t.Errorf("Open = %q, want %q", got.Reveal(), want)
	}
}

func TestRetireRefuses(t *testing.T) {
	ctx := context.Background()
	k := openTest(t, NewMemoryKeyringStore(), "")
	if _, err := k.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		version int
		wantErr error
	}{
		{name: "current", version: 2, wantErr: ErrCurrentKeyVersion},
		{name: "unknown", version: 5, wantErr: ErrUnknownKeyVersion},
		{name: "zero", version: 0, wantErr: ErrUnknownKeyVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := k.Retire(ctx, tt.version); !errors.Is(err, tt.wantErr) {
				t.Errorf("Retire(%d): err = %v, want %v", tt.version, err, tt.wantErr)
			}
			if got := len(k.Versions()); got != 2 {
				t.Errorf("%d versions after a refused Retire, want 2", got)
			}
		})
	}
}

func TestRotateNeverReusesANumber(t *testing.T) {
	ctx := context.Background()
	k := openTest(t, NewMemoryKeyringStore(), "")
	for want := 2; want <= 4; want++ {
		got, err := k.Rotate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("Rotate = %d, want %d", got, want)
		}
		if err := k.Retire(ctx, want-1); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRotateFailsClosedWhenKMSIsDown(t *testing.T) {
	ctx := context.Background()
	url, kms := newTestKMS(t)
	store := NewMemoryKeyringStore()
	k := openTest(t, store, url)
	before, _ := store.LoadKeyring(ctx)

	kms.down.Store(true)
	if _, err := k.Rotate(ctx); err == nil {
		t.Fatal("Rotate with the KMS down succeeded")
	}
	after, _ := store.LoadKeyring(ctx)
	if !bytes.Equal(before, after) {
		t.Error("a failed Rotate changed the document")
	}
	if got := k.CurrentVersion(); got != 1 {
		t.Errorf("CurrentVersion = %d after a failed Rotate, want 1", got)
	}
	// Keys already in memory keep serving.
	if _, _, err := k.NewDataKey(ctx, "sub-1"); err != nil {
		t.Errorf("NewDataKey with keys in memory: %v", err)
	}
}

func TestRotateConcurrentInstances(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	a := openTest(t, NewFileKeyringStore(path), "")
	b := openTest(t, NewFileKeyringStore(path), "")

	var mu sync.Mutex
	var got []int
	var wg sync.WaitGroup
	for _, k := range []*Keyring{a, b, a, b} {
		wg.Go(func() {
			for range 5 {
				v, err := k.Rotate(ctx)
				switch {
				case err == nil:
					mu.Lock()
					got = append(got, v)
					mu.Unlock()
				case !errors.Is(err, ErrKeyringChanged):
					t.Errorf("Rotate: %v", err)
				}
			}
		})
	}
	wg.Wait()

	// Every successful rotation got its own number and is in the document.
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, v := range got {
		if seen[v] {
			t.Errorf("version %d was handed out twice", v)
		}
		seen[v] = true
	}
	if n := len(a.Versions()); n != len(got)+1 {
		t.Errorf("%d versions in the document, want %d", n, len(got)+1)
	}
}

func TestKeyringConcurrentUse(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryKeyringStore()
	k := openTest(t, store, "")
	other := openTest(t, store, "")

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				if err := sealRoundTrip(ctx, k, fmt.Sprintf("sub-%d-%d", i, j)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if _, err := other.Rotate(ctx); err != nil {
				t.Error(err)
			}
			if err := k.Reload(ctx); err != nil {
				t.Error(err)
			}
			_ = k.Versions()
			_ = k.SessionKeys()
		}
	})
	wg.Wait()
}

// sealRoundTrip makes a data key, seals a field, reopens both and checks
// the value.
func sealRoundTrip(ctx context.Context, k *Keyring, subject string) error {
	dk, w, err := k.NewDataKey(ctx, subject)
	if err != nil {
		return err
	}
	sealed, err := dk.Seal("token_secret", New(hex64))
	if err != nil {
		return err
	}
	dk.Destroy()
	again, err := k.OpenDataKey(ctx, subject, w)
	if err != nil {
		return err
	}
	got, err := again.Open("token_secret", sealed)
	if err != nil {
		return err
	}
	if got.Reveal() != hex64 {
		return errors.New("round trip changed the value")
	}
	return nil
}

package secrets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// storeCases returns one fresh store of each kind, so the
// compare-and-swap contract is checked for both.
func storeCases(t *testing.T) []struct {
	name  string
	store KeyringStore
} {
	path := filepath.Join(t.TempDir(), "keyring.json")
	return []struct {
		name  string
		store KeyringStore
	}{
		{name: "file", store: NewFileKeyringStore(path)},
		{name: "memory", store: NewMemoryKeyringStore()},
	}
}

func TestKeyringStoreCompareAndSwap(t *testing.T) {
	ctx := context.Background()
	a, b, c := []byte("doc a"), []byte("doc b"), []byte("doc c")
	for _, tc := range storeCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.store
			if _, err := s.LoadKeyring(ctx); !errors.Is(err, ErrNoKeyring) {
				t.Fatalf("Load of empty store: err = %v, want ErrNoKeyring", err)
			}
			steps := []struct {
				name       string
				prev, next []byte
				wantErr    error
			}{
				{name: "create", prev: nil, next: a},
				{name: "create again", prev: nil, next: b, wantErr: ErrKeyringChanged},
				{name: "stale previous", prev: b, next: c, wantErr: ErrKeyringChanged},
				{name: "swap", prev: a, next: b},
				{name: "swap from old", prev: a, next: c, wantErr: ErrKeyringChanged},
			}
			for _, st := range steps {
				err := s.SaveKeyring(ctx, st.prev, st.next)
				if !errors.Is(err, st.wantErr) {
					t.Errorf("%s: err = %v, want %v", st.name, err, st.wantErr)
				}
			}
			got, err := s.LoadKeyring(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(b), string(got)); diff != "" {
				t.Errorf("document (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKeyringStoreOneWinnerPerSwap(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyring.json")
	stores := map[string]func() KeyringStore{
		// Each goroutine gets its own file store, as separate processes
		// would, so only the file lock can keep them apart.
		"file":   func() KeyringStore { return NewFileKeyringStore(path) },
		"memory": sharedStore(NewMemoryKeyringStore()),
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) {
			if err := newStore().SaveKeyring(ctx, nil, []byte("v0")); err != nil {
				t.Fatal(err)
			}
			const writers = 16
			var wins sync.WaitGroup
			results := make(chan error, writers)
			for i := range writers {
				wins.Go(func() {
					next := []byte{'w', byte('a' + i)}
					results <- newStore().SaveKeyring(ctx, []byte("v0"), next)
				})
			}
			wins.Wait()
			close(results)
			won := 0
			for err := range results {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, ErrKeyringChanged):
					t.Errorf("SaveKeyring: %v", err)
				}
			}
			if won != 1 {
				t.Errorf("%d writers won the swap from one document, want 1", won)
			}
		})
	}
}

func sharedStore(s KeyringStore) func() KeyringStore {
	return func() KeyringStore { return s }
}

func TestFileKeyringStoreWritesOwnerOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "keyring.json")
	s := NewFileKeyringStore(path)
	if err := s.SaveKeyring(ctx, nil, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveKeyring(ctx, []byte("one"), []byte("two")); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("keyring file mode = %#o, want 0600", got)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// Only the document and its lock file: no temporary file is left.
	want := []string{"keyring.json", "keyring.json.lock"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("directory (-want +got):\n%s", diff)
	}
}

func TestFileKeyringStoreRefusesLoosePermissions(t *testing.T) {
	tests := []struct {
		name    string
		mode    os.FileMode
		wantErr bool
	}{
		{name: "owner read write", mode: 0o600},
		{name: "owner read only", mode: 0o400},
		{name: "world readable", mode: 0o644, wantErr: true},
		{name: "group readable", mode: 0o640, wantErr: true},
		{name: "others readable", mode: 0o604, wantErr: true},
		{name: "group writable", mode: 0o620, wantErr: true},
		{name: "all", mode: 0o777, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keyring.json")
			if err := os.WriteFile(path, []byte("doc"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			s := NewFileKeyringStore(path)
			_, err := s.LoadKeyring(context.Background())
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Load of a loose file succeeded, want an error")
			}
			for _, want := range []string{path, "chmod 600"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			// A save must not slip past the check either.
			err = s.SaveKeyring(context.Background(), []byte("doc"), []byte("x"))
			if err == nil {
				t.Error("Save over a loose file succeeded, want an error")
			}
		})
	}
}

func TestFileKeyringStoreUnreadable(t *testing.T) {
	dir := t.TempDir()
	// A directory where the file should be cannot be read as one.
	path := filepath.Join(dir, "keyring.json")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := NewFileKeyringStore(path).LoadKeyring(context.Background())
	if err == nil || errors.Is(err, ErrNoKeyring) {
		t.Errorf("Load of a directory: err = %v, want a read error", err)
	}
}

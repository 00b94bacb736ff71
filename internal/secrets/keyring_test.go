package secrets

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOpenKeyringCreatesDocument(t *testing.T) {
	store := NewMemoryKeyringStore()
	k := openTest(t, store, "")

	if err := k.Ready(); err != nil {
		t.Errorf("Ready() = %v, want nil", err)
	}
	if got := k.CurrentVersion(); got != 1 {
		t.Errorf("CurrentVersion() = %d, want 1", got)
	}
	vs := k.Versions()
	if len(vs) != 1 || vs[0].Version != 1 || !vs[0].Current || vs[0].Created.IsZero() {
		t.Errorf("Versions() = %+v, want one current version 1", vs)
	}
	sk := k.SessionKeys()
	if len(sk) != 2 || len(sk[0]) != 64 || len(sk[1]) != 32 {
		t.Fatalf("SessionKeys() lengths wrong: %d keys", len(sk))
	}
	if bytes.Equal(sk[0][:32], make([]byte, 32)) {
		t.Error("session hash key is all zeros")
	}

	b, err := store.LoadKeyring(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d, err := decodeDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	if d.Wrap != wrapNone || d.Current != 1 || len(d.Keys) != 1 {
		t.Errorf("document = wrap %q, current %d, %d keys; want none, 1, 1",
			d.Wrap, d.Current, len(d.Keys))
	}
}

func TestOpenKeyringCreatesOwnerOnlyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyring.json")
	openTest(t, NewFileKeyringStore(path), "")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("keyring file mode = %#o, want 0600", got)
	}
}

func TestOpenKeyringWarnsOnceWithoutKMS(t *testing.T) {
	tests := []struct {
		name      string
		kmsURL    func(*testing.T) string
		wantWarns int
	}{
		{name: "embedded", kmsURL: func(*testing.T) string { return "" }, wantWarns: 1},
		{name: "kms", kmsURL: newKMSURL, wantWarns: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &recordHandler{}
			ctx := context.Background()
			k, err := OpenKeyring(ctx, Options{
				Store:  NewMemoryKeyringStore(),
				KMSURL: tt.kmsURL(t),
				Logger: slog.New(h),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer k.Close()
			// Later lifecycle steps must not repeat the warning.
			if _, err := k.Rotate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := k.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			if got := h.warnCount(); got != tt.wantWarns {
				t.Errorf("%d warnings (%q), want %d", got, h.warns, tt.wantWarns)
			}
		})
	}
}

func TestSessionKeysSharedAndStable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyring.json")
	first := openTest(t, NewFileKeyringStore(path), "")
	want := first.SessionKeys()

	// A second instance, and the first after a restart and a rotation,
	// see the same cookie keys.
	second := openTest(t, NewFileKeyringStore(path), "")
	if _, err := second.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	first.Close()
	restarted := openTest(t, NewFileKeyringStore(path), "")

	for name, k := range map[string]*Keyring{"second": second, "restarted": restarted} {
		if diff := cmp.Diff(want, k.SessionKeys()); diff != "" {
			t.Errorf("%s: SessionKeys (-want +got):\n%s", name, diff)
		}
	}
}

func TestSessionKeysAreCopies(t *testing.T) {
	k := openTest(t, NewMemoryKeyringStore(), "")
	sk := k.SessionKeys()
	want := bytes.Clone(sk[0])
	clear(sk[0])
	if got := k.SessionKeys()[0]; !bytes.Equal(got, want) {
		t.Error("changing the returned session key changed the keyring's")
	}
}

// rawDocument returns a valid embedded document to corrupt.
func rawDocument(t *testing.T) []byte {
	t.Helper()
	s := NewMemoryKeyringStore()
	openTest(t, s, "")
	b, err := s.LoadKeyring(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kmsDocument returns a valid document wrapped by kmsURL, rotated once
// so that it has two key versions.
func kmsDocument(t *testing.T, kmsURL string) []byte {
	t.Helper()
	s := NewMemoryKeyringStore()
	k := openTest(t, s, kmsURL)
	if _, err := k.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := s.LoadKeyring(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// editDocument decodes b, lets edit change it, and encodes it again.
func editDocument(t *testing.T, b []byte, edit func(*document)) []byte {
	t.Helper()
	d, err := decodeDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	edit(d)
	out, err := encodeDocument(d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenKeyringFailsClosed(t *testing.T) {
	kmsURL := newKMSURL(t)
	downURL, down := newTestKMS(t)
	kmsDoc := kmsDocument(t, kmsURL)
	downDoc := kmsDocument(t, downURL)
	down.down.Store(true)
	raw := rawDocument(t)

	tests := []struct {
		name    string
		doc     []byte
		kmsURL  string
		wantErr string
	}{
		{name: "not JSON", doc: []byte("{"), wantErr: "not valid"},
		{name: "empty", doc: []byte{}, wantErr: "not valid"},
		{name: "unknown field", doc: bytes.Replace(raw, []byte(`"format"`),
			[]byte(`"extra": 1, "format"`), 1), wantErr: "not valid"},
		{name: "future format", doc: editDocument(t, raw, func(d *document) {
			d.Format = 2
		}), wantErr: "format 2"},
		{name: "current missing", doc: editDocument(t, raw, func(d *document) {
			d.Current = 7
		}), wantErr: "current version 7"},
		{name: "no keys", doc: editDocument(t, raw, func(d *document) {
			d.Keys = nil
		}), wantErr: "current version 1"},
		{name: "short key", doc: editDocument(t, raw, func(d *document) {
			d.Keys[0].Key = d.Keys[0].Key[:16]
		}), wantErr: "16 bytes"},
		{name: "short session key", doc: editDocument(t, raw, func(d *document) {
			d.Session.Hash = nil
		}), wantErr: "0 bytes"},
		{name: "kms document without kms", doc: kmsDoc,
			wantErr: "no KMS URL is configured"},
		{name: "raw document with kms", doc: raw, kmsURL: kmsURL,
			wantErr: "migrate the document"},
		{name: "other kms key", doc: kmsDoc, kmsURL: newKMSURL(t),
			wantErr: "unwrap key"},
		{name: "kms unreachable", doc: downDoc, kmsURL: downURL,
			wantErr: "connection refused"},
		{name: "kms blobs swapped", doc: editDocument(t, kmsDoc, func(d *document) {
			d.Keys[0].Key, d.Keys[1].Key = d.Keys[1].Key, d.Keys[0].Key
		}), kmsURL: kmsURL, wantErr: "document was altered"},
		{name: "kms wrap label forged", doc: editDocument(t, kmsDoc, func(d *document) {
			d.Wrap = wrapNone
		}), kmsURL: kmsURL, wantErr: "migrate the document"},
		{name: "base64key without key", doc: kmsDoc, kmsURL: "base64key://",
			wantErr: "must carry its key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := NewMemoryKeyringStore()
			if err := store.SaveKeyring(context.Background(), nil, tt.doc); err != nil {
				t.Fatal(err)
			}
			k, err := OpenKeyring(context.Background(), Options{
				Store: store, KMSURL: tt.kmsURL, Logger: quietLogger(),
			})
			if err == nil {
				k.Close()
				t.Fatal("OpenKeyring succeeded, want it to fail closed")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
			// Failing closed never replaces the document.
			after, _ := store.LoadKeyring(context.Background())
			if !bytes.Equal(after, tt.doc) {
				t.Error("OpenKeyring changed the stored document")
			}
		})
	}
}

func TestOpenKeyringFailsClosedOnFile(t *testing.T) {
	dir := t.TempDir()
	loose := filepath.Join(dir, "loose.json")
	if err := os.WriteFile(loose, rawDocument(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	asDir := filepath.Join(dir, "dir.json")
	if err := os.Mkdir(asDir, 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		wantErr []string
	}{
		{name: "loose mode", path: loose, wantErr: []string{loose, "chmod 600"}},
		{name: "unreadable", path: asDir, wantErr: []string{asDir}},
		{name: "missing directory", path: filepath.Join(dir, "no", "k.json"),
			wantErr: []string{"keyring file", "no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenKeyring(context.Background(), Options{
				Store: NewFileKeyringStore(tt.path), Logger: quietLogger(),
			})
			if err == nil {
				t.Fatal("OpenKeyring succeeded, want an error")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestOpenKeyringNeedsStore(t *testing.T) {
	_, err := OpenKeyring(context.Background(), Options{Logger: quietLogger()})
	if err == nil {
		t.Error("OpenKeyring without a store succeeded, want an error")
	}
}

func TestOpenKeyringFirstStartRace(t *testing.T) {
	// Two instances starting on an empty store must end up sharing one
	// document, not each keep keys of their own.
	store := NewMemoryKeyringStore()
	const instances = 8
	rings := make([]*Keyring, instances)
	errs := make([]error, instances)
	done := make(chan struct{})
	for i := range instances {
		go func() {
			defer func() { done <- struct{}{} }()
			rings[i], errs[i] = OpenKeyring(context.Background(), Options{
				Store: store, Logger: quietLogger(),
			})
		}()
	}
	for range instances {
		<-done
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		t.Cleanup(func() { rings[i].Close() })
	}
	want := rings[0].SessionKeys()
	for i, k := range rings[1:] {
		if diff := cmp.Diff(want, k.SessionKeys()); diff != "" {
			t.Errorf("instance %d has other session keys", i+1)
		}
	}
}

func TestCloseWipesKeys(t *testing.T) {
	k := openTest(t, NewMemoryKeyringStore(), "")
	k.mu.RLock()
	kekBytes := k.ring.keks[1].key
	hashKey := k.ring.hashKey
	k.mu.RUnlock()

	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if !isZero(kekBytes) || !isZero(hashKey) {
		t.Error("Close left key bytes in memory")
	}
	if err := k.Ready(); !errors.Is(err, ErrClosed) {
		t.Errorf("Ready() after Close = %v, want ErrClosed", err)
	}
	if _, _, err := k.NewDataKey(context.Background(), "sub"); !errors.Is(err, ErrClosed) {
		t.Errorf("NewDataKey after Close: err = %v, want ErrClosed", err)
	}
	if _, err := k.Rotate(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Rotate after Close: err = %v, want ErrClosed", err)
	}
	if k.SessionKeys() != nil || k.Versions() != nil || k.CurrentVersion() != 0 {
		t.Error("a closed keyring still reports keys")
	}
	if err := k.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return len(b) > 0
}

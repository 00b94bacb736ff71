package secrets

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"gocloud.dev/gcerrors"
	gcsecrets "gocloud.dev/secrets"
	"gocloud.dev/secrets/driver"
	"gocloud.dev/secrets/localsecrets"
)

// newKMSURL returns a base64key:// URL holding a fresh random key.
func newKMSURL(t *testing.T) string {
	t.Helper()
	k, err := localsecrets.NewRandomKey()
	if err != nil {
		t.Fatal(err)
	}
	return "base64key://" + base64.URLEncoding.EncodeToString(k[:])
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// openTest opens a keyring and closes it when the test ends.
func openTest(t *testing.T, store KeyringStore, kmsURL string) *Keyring {
	t.Helper()
	k, err := OpenKeyring(context.Background(), Options{
		Store: store, KMSURL: kmsURL, Logger: quietLogger(),
	})
	if err != nil {
		t.Fatalf("OpenKeyring: %v", err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// keyForms returns the ways a key might appear in a JSON document.
func keyForms(key []byte) []string {
	return []string{
		string(key),
		base64.StdEncoding.EncodeToString(key),
		base64.RawStdEncoding.EncodeToString(key),
		base64.URLEncoding.EncodeToString(key),
		hex.EncodeToString(key),
	}
}

// holdsKey reports whether doc contains key in any of its forms.
func holdsKey(doc []byte, key []byte) bool {
	for _, f := range keyForms(key) {
		if strings.Contains(string(doc), f) {
			return true
		}
	}
	return false
}

// ringKeys copies every key of the keyring in memory, for tests that
// check what the document holds.
func ringKeys(k *Keyring) map[string][]byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	keys := map[string][]byte{
		"hash":  append([]byte(nil), k.ring.hashKey...),
		"block": append([]byte(nil), k.ring.blockKey...),
	}
	for v, kk := range k.ring.keks {
		keys[kekLabel(v)] = append([]byte(nil), kk.key...)
	}
	return keys
}

// recordHandler counts log records by level.
type recordHandler struct {
	mu    sync.Mutex
	warns []string
	infos []string
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordHandler) WithGroup(string) slog.Handler            { return h }

func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case r.Level >= slog.LevelWarn:
		h.warns = append(h.warns, r.Message)
	default:
		h.infos = append(h.infos, r.Message)
	}
	return nil
}

func (h *recordHandler) warnCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.warns)
}

// testKMS is a KMS key behind the testkms:// scheme whose reachability
// a test can switch, to see the keyring fail closed when the KMS is down.
type testKMS struct {
	inner *gcsecrets.Keeper
	down  atomic.Bool
}

var errKMSDown = errors.New("dial kms.test:443: connection refused")

func (k *testKMS) Encrypt(ctx context.Context, b []byte) ([]byte, error) {
	if k.down.Load() {
		return nil, errKMSDown
	}
	return k.inner.Encrypt(ctx, b)
}

func (k *testKMS) Decrypt(ctx context.Context, b []byte) ([]byte, error) {
	if k.down.Load() {
		return nil, errKMSDown
	}
	return k.inner.Decrypt(ctx, b)
}

func (k *testKMS) Close() error                       { return nil }
func (k *testKMS) ErrorAs(error, any) bool            { return false }
func (k *testKMS) ErrorCode(error) gcerrors.ErrorCode { return gcerrors.Internal }

// testKMSes maps a testkms:// host to its key.
var testKMSes sync.Map

type testKMSOpener struct{}

func (testKMSOpener) OpenKeeperURL(ctx context.Context, u *url.URL) (
	*gcsecrets.Keeper, error) {
	k, ok := testKMSes.Load(u.Host)
	if !ok {
		return nil, errors.New("no test KMS named " + u.Host)
	}
	return gcsecrets.NewKeeper(k.(*testKMS)), nil
}

func init() {
	gcsecrets.DefaultURLMux().RegisterKeeper("testkms", testKMSOpener{})
}

// newTestKMS registers a switchable KMS key and returns its URL.
func newTestKMS(t *testing.T) (string, *testKMS) {
	t.Helper()
	sk, err := localsecrets.NewRandomKey()
	if err != nil {
		t.Fatal(err)
	}
	k := &testKMS{inner: localsecrets.NewKeeper(sk)}
	name := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	name = strings.ReplaceAll(name, "_", "-")
	testKMSes.Store(name, k)
	t.Cleanup(func() { testKMSes.Delete(name) })
	return "testkms://" + name, k
}

var _ driver.Keeper = (*testKMS)(nil)

package secrets

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKMSDocumentHoldsNoRawKeys(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryKeyringStore()
	k := openTest(t, store, newKMSURL(t))
	if _, err := k.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	doc, err := store.LoadKeyring(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys := ringKeys(k)
	if len(keys) != 4 { // two versions, hash and block
		t.Fatalf("%d keys in memory, want 4", len(keys))
	}
	for name, key := range keys {
		if holdsKey(doc, key) {
			t.Errorf("the document holds key %s unwrapped", name)
		}
	}
	d, err := decodeDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	if d.Wrap != wrapKMS {
		t.Errorf("document wrap = %q, want %q", d.Wrap, wrapKMS)
	}
	for _, dk := range d.Keys {
		if len(dk.Key) == kekSize {
			t.Errorf("version %d is stored in %d bytes, as a raw key would be",
				dk.Version, kekSize)
		}
	}
}

func TestEmbeddedDocumentHoldsKeysRaw(t *testing.T) {
	// The counterpart of the test above, so that holdsKey is known to
	// find keys when they are there.
	store := NewMemoryKeyringStore()
	k := openTest(t, store, "")
	doc, err := store.LoadKeyring(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range ringKeys(k) {
		if !holdsKey(doc, key) {
			t.Errorf("the embedded document lacks key %s", name)
		}
	}
}

func TestKMSReopenKeepsKeys(t *testing.T) {
	ctx := context.Background()
	kmsURL := newKMSURL(t)
	store := NewMemoryKeyringStore()
	first := openTest(t, store, kmsURL)
	dk, w, err := first.NewDataKey(ctx, "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := dk.Seal("consumer_secret", New(hex64))
	if err != nil {
		t.Fatal(err)
	}
	wantSession := first.SessionKeys()
	first.Close()

	second := openTest(t, store, kmsURL)
	if diff := cmp.Diff(wantSession, second.SessionKeys()); diff != "" {
		t.Errorf("SessionKeys after restart (-want +got):\n%s", diff)
	}
	reopened, err := second.OpenDataKey(ctx, "sub-1", w)
	if err != nil {
		t.Fatal(err)
	}
	wantOpen(t, reopened, "consumer_secret", sealed, hex64)
}

func TestKMSErrorsHideTheURL(t *testing.T) {
	kmsURL := newKMSURL(t)
	doc := kmsDocument(t, newKMSURL(t)) // wrapped by another key
	keyPart := strings.TrimPrefix(kmsURL, "base64key://")
	tests := []struct {
		name   string
		kmsURL string
		secret string
	}{
		{name: "wrong key", kmsURL: kmsURL, secret: keyPart},
		{name: "short key", kmsURL: "base64key://c2hvcnRrZXlzaG9ydGtleQ==",
			secret: "c2hvcnRrZXlzaG9ydGtleQ"},
		{name: "bad url", kmsURL: "base64key://%zzsecretpart",
			secret: "secretpart"},
		{name: "query", kmsURL: kmsURL + "?x=1", secret: keyPart},
		{name: "unknown scheme", kmsURL: "nokms://" + keyPart, secret: keyPart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := NewMemoryKeyringStore()
			if err := store.SaveKeyring(context.Background(), nil, doc); err != nil {
				t.Fatal(err)
			}
			_, err := OpenKeyring(context.Background(), Options{
				Store: store, KMSURL: tt.kmsURL, Logger: quietLogger(),
			})
			if err == nil {
				t.Fatal("OpenKeyring succeeded, want an error")
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error %q reveals the KMS URL", err)
			}
		})
	}
}

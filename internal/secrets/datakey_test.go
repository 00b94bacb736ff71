package secrets

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// hex64 is the shape of a NetSuite Consumer Secret or Token Secret.
const hex64 = "3f9a1c7e5b2d48a0c6e1f7b9d3a5c8e02b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a"

func TestSealOpenRoundTrip(t *testing.T) {
	ctx := context.Background()
	k := openTest(t, NewMemoryKeyringStore(), "")
	dk, w, err := k.NewDataKey(ctx, "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	if w.Version != 1 || len(w.Ciphertext) != overhead+dataKeySize {
		t.Errorf("WrappedKey = version %d, %d bytes; want 1, %d",
			w.Version, len(w.Ciphertext), overhead+dataKeySize)
	}
	// The data key opened from its wrapping must open what the first
	// one sealed.
	reopened, err := k.OpenDataKey(ctx, "sub-1", w)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		field string
		value string
	}{
		{name: "consumer secret", field: "consumer_secret", value: hex64},
		{name: "empty", field: "token_secret", value: ""},
		{name: "unicode", field: "note", value: "Grüße, 世界 \u202e"},
		{name: "long", field: "blob", value: strings.Repeat("x", 10000)},
		{name: "field with separator", field: "a|field=b", value: "value-after-a-separator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := dk.Seal(tt.field, New(tt.value))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(sealed), overhead+len(tt.value); got != want {
				t.Errorf("sealed length = %d, want %d", got, want)
			}
			if tt.value != "" && bytes.Contains(sealed, []byte(tt.value)) {
				t.Error("sealed value contains the plain value")
			}
			got, err := reopened.Open(tt.field, sealed)
			if err != nil {
				t.Fatal(err)
			}
			if got.Reveal() != tt.value {
				t.Errorf("Open = %q, want %q", got.Reveal(), tt.value)
			}
		})
	}
}

func TestSealUsesFreshNonces(t *testing.T) {
	k := openTest(t, NewMemoryKeyringStore(), "")
	dk, _, err := k.NewDataKey(context.Background(), "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 100 {
		sealed, err := dk.Seal("token_secret", New(hex64))
		if err != nil {
			t.Fatal(err)
		}
		nonce := string(sealed[1 : 1+nonceSize])
		if seen[nonce] {
			t.Fatal("a nonce was used twice")
		}
		seen[nonce] = true
	}
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	k := openTest(t, NewMemoryKeyringStore(), "")
	dk, _, err := k.NewDataKey(ctx, "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := k.NewDataKey(ctx, "sub-2")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := dk.Seal("token_secret", New(hex64))
	if err != nil {
		t.Fatal(err)
	}
	// The same key bytes under another subject: what a row copied to
	// another submission would meet if it also carried the wrapped key.
	sameKeyOtherSubject := &DataKey{subject: "sub-2", key: bytes.Clone(dk.key)}
	otherSealed, err := other.Seal("token_secret", New(hex64))
	if err != nil {
		t.Fatal(err)
	}

	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name    string
		key     *DataKey
		field   string
		sealed  []byte
		wantErr error
	}{
		{name: "nonce altered", key: dk, field: "token_secret",
			sealed: flip(1), wantErr: ErrTampered},
		{name: "ciphertext altered", key: dk, field: "token_secret",
			sealed: flip(1 + nonceSize), wantErr: ErrTampered},
		{name: "tag altered", key: dk, field: "token_secret",
			sealed: flip(len(sealed) - 1), wantErr: ErrTampered},
		{name: "unknown format", key: dk, field: "token_secret",
			sealed: flip(0), wantErr: ErrUnknownFormat},
		{name: "swapped field", key: dk, field: "consumer_secret",
			sealed: sealed, wantErr: ErrTampered},
		{name: "other subject", key: sameKeyOtherSubject, field: "token_secret",
			sealed: sealed, wantErr: ErrTampered},
		{name: "other data key", key: dk, field: "token_secret",
			sealed: otherSealed, wantErr: ErrTampered},
		{name: "truncated by one", key: dk, field: "token_secret",
			sealed: sealed[:len(sealed)-1], wantErr: ErrTampered},
		{name: "header only", key: dk, field: "token_secret",
			sealed: sealed[:1+nonceSize], wantErr: ErrTampered},
		{name: "one byte", key: dk, field: "token_secret",
			sealed: sealed[:1], wantErr: ErrTampered},
		{name: "empty", key: dk, field: "token_secret",
			sealed: nil, wantErr: ErrTampered},
		{name: "extended", key: dk, field: "token_secret",
			sealed: append(bytes.Clone(sealed), 0), wantErr: ErrTampered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.key.Open(tt.field, tt.sealed)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Open: err = %v, want %v", err, tt.wantErr)
			}
			if !got.IsZero() {
				t.Error("a failed Open returned a value")
			}
			if strings.Contains(err.Error(), hex64) {
				t.Error("the error reveals the value")
			}
		})
	}
}

func TestOpenDataKeyRejects(t *testing.T) {
	ctx := context.Background()
	k := openTest(t, NewMemoryKeyringStore(), "")
	_, w1, err := k.NewDataKey(ctx, "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	altered := bytes.Clone(w1.Ciphertext)
	altered[len(altered)-3] ^= 0x80

	tests := []struct {
		name    string
		subject string
		w       WrappedKey
		wantErr error
	}{
		{name: "other subject", subject: "sub-2", w: w1, wantErr: ErrTampered},
		{name: "altered", subject: "sub-1",
			w: WrappedKey{Version: 1, Ciphertext: altered}, wantErr: ErrTampered},
		{name: "claims another version", subject: "sub-1",
			w: WrappedKey{Version: 2, Ciphertext: w1.Ciphertext}, wantErr: ErrTampered},
		{name: "unknown version", subject: "sub-1",
			w:       WrappedKey{Version: 99, Ciphertext: w1.Ciphertext},
			wantErr: ErrUnknownKeyVersion},
		{name: "version zero", subject: "sub-1",
			w: WrappedKey{Ciphertext: w1.Ciphertext}, wantErr: ErrUnknownKeyVersion},
		{name: "negative version", subject: "sub-1",
			w:       WrappedKey{Version: -1, Ciphertext: w1.Ciphertext},
			wantErr: ErrUnknownKeyVersion},
		{name: "truncated", subject: "sub-1",
			w:       WrappedKey{Version: 1, Ciphertext: w1.Ciphertext[:20]},
			wantErr: ErrTampered},
		{name: "unknown format", subject: "sub-1",
			w: WrappedKey{Version: 1, Ciphertext: append([]byte{9},
				w1.Ciphertext[1:]...)}, wantErr: ErrUnknownFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dk, err := k.OpenDataKey(ctx, tt.subject, tt.w)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("OpenDataKey: err = %v, want %v", err, tt.wantErr)
			}
			if dk != nil {
				t.Error("a failed OpenDataKey returned a key")
			}
		})
	}
}

func TestEmptyNamesRefused(t *testing.T) {
	ctx := context.Background()
	k := openTest(t, NewMemoryKeyringStore(), "")
	if _, _, err := k.NewDataKey(ctx, ""); err == nil {
		t.Error("NewDataKey with an empty subject succeeded")
	}
	_, w, err := k.NewDataKey(ctx, "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.OpenDataKey(ctx, "", w); err == nil {
		t.Error("OpenDataKey with an empty subject succeeded")
	}
	dk, err := k.OpenDataKey(ctx, "sub-1", w)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dk.Seal("", New("v")); err == nil {
		t.Error("Seal with an empty field name succeeded")
	}
}

func TestAADIsUnambiguous(t *testing.T) {
	// Without length prefixes these two pairs would bind the same bytes.
	a := fieldAAD("s|field=x", "y")
	b := fieldAAD("s", "x|field=y")
	if bytes.Equal(a, b) {
		t.Errorf("fieldAAD binds two different pairs identically: %q", a)
	}
	if got, want := string(fieldAAD("sub-1", "token_secret")),
		"tbaportal/field/v1|subject=5:sub-1|field=12:token_secret"; got != want {
		t.Errorf("fieldAAD = %q, want %q", got, want)
	}
	if got, want := string(dataKeyAAD("sub-1", 3)),
		"tbaportal/datakey/v1|subject=5:sub-1|kek=3"; got != want {
		t.Errorf("dataKeyAAD = %q, want %q", got, want)
	}
}

func TestDestroy(t *testing.T) {
	k := openTest(t, NewMemoryKeyringStore(), "")
	dk, _, err := k.NewDataKey(context.Background(), "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := dk.Seal("token_secret", New(hex64))
	if err != nil {
		t.Fatal(err)
	}
	keyBytes := dk.key
	dk.Destroy()
	if !isZero(keyBytes) {
		t.Error("Destroy left the key bytes in memory")
	}
	if _, err := dk.Seal("token_secret", New(hex64)); !errors.Is(err, ErrDestroyed) {
		t.Errorf("Seal after Destroy: err = %v, want ErrDestroyed", err)
	}
	if _, err := dk.Open("token_secret", sealed); !errors.Is(err, ErrDestroyed) {
		t.Errorf("Open after Destroy: err = %v, want ErrDestroyed", err)
	}
	dk.Destroy() // a second Destroy is harmless
	if got := dk.Subject(); got != "sub-1" {
		t.Errorf("Subject() = %q, want sub-1", got)
	}
}

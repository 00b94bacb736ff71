package secrets

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
)

// Redacted is what a Secret prints in place of its value.
const Redacted = "[redacted]"

// Secret is a credential value (a Consumer Secret, a Token Secret, an
// instance token). Every way of printing it yields Redacted; only Reveal
// returns the value, and callers use it at the moment of signing or
// sealing.
//
// The value sits behind a pointer so that even when a Secret is an
// unexported field of some struct, where fmt cannot call its methods,
// fmt prints an address rather than the value.
type Secret struct {
	p *string
}

// New wraps a plain value as a Secret.
func New(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{p: &value}
}

// Reveal returns the plain value. Call it only to sign, send or seal.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the secret holds no value.
func (s Secret) IsZero() bool { return s.p == nil || *s.p == "" }

// Equal reports whether s and t hold the same value. Secrets compared
// with == compare identity, not value, so use Equal.
func (s Secret) Equal(t Secret) bool { return s.Reveal() == t.Reveal() }

// String returns Redacted.
func (s Secret) String() string { return Redacted }

// GoString returns Redacted, so %#v redacts as well.
func (s Secret) GoString() string { return Redacted }

// Format redacts the value for every fmt verb.
func (s Secret) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(Redacted)) }

// LogValue redacts the value in log/slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// MarshalJSON encodes the secret as the JSON string Redacted.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText encodes the secret as Redacted.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// Mask describes a saved secret without revealing it: its last four
// characters and a short fingerprint, enough for a person to tell two
// values apart and no more.
type Mask struct {
	Last4       string
	Fingerprint string
}

// MaskOf returns the Mask of s. A value shorter than 16 characters shows no
// last characters at all, since four of them would be too large a share.
func MaskOf(s Secret) Mask {
	if s.IsZero() {
		return Mask{}
	}
	v := s.Reveal()
	sum := sha256.Sum256([]byte("tbaportal-fingerprint:" + v))
	m := Mask{Fingerprint: hex.EncodeToString(sum[:4])}
	if len(v) >= 16 {
		m.Last4 = v[len(v)-4:]
	}
	return m
}

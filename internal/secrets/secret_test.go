package secrets_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/secrets"
)

// plainValue is distinctive enough that finding it, or an encoding of it,
// in any output can only mean a leak.
const plainValue = "ts-7f3a9c2e41d85b06aa1e94c3d7f2b580e6c1a9d4f03b7e28"

// leaks reports whether out holds plainValue in any common encoding.
func leaks(out string) bool {
	forms := []string{
		plainValue,
		hex.EncodeToString([]byte(plainValue)),
		strings.ToUpper(hex.EncodeToString([]byte(plainValue))),
		base64.StdEncoding.EncodeToString([]byte(plainValue)),
		plainValue[len(plainValue)-12:],
	}
	for _, f := range forms {
		if strings.Contains(out, f) {
			return true
		}
	}
	return false
}

type exportedHolder struct {
	ConsumerKey    string
	ConsumerSecret secrets.Secret
}

type unexportedHolder struct {
	tokenID     string
	tokenSecret secrets.Secret
}

type pointerHolder struct {
	TokenSecret *secrets.Secret
}

func TestSecretFmtVerbsRedact(t *testing.T) {
	s := secrets.New(plainValue)
	operands := []struct {
		name string
		v    any
	}{
		{name: "value", v: s},
		{name: "pointer", v: &s},
		{name: "exported field", v: exportedHolder{"ck", s}},
		{name: "unexported field", v: unexportedHolder{"tid", s}},
		{name: "pointer field", v: pointerHolder{&s}},
		{name: "pointer to struct", v: &unexportedHolder{"tid", s}},
		{name: "slice", v: []secrets.Secret{s, s}},
		{name: "map value", v: map[string]secrets.Secret{"token_secret": s}},
		{name: "array", v: [1]secrets.Secret{s}},
		{name: "any slice", v: []any{s}},
	}
	verbs := []string{"%v", "%s", "%q", "%x", "%X", "%#v", "%+v", "%d", "%10.3s"}
	for _, op := range operands {
		for _, verb := range verbs {
			t.Run(op.name+" "+verb, func(t *testing.T) {
				out := fmt.Sprintf(verb, op.v)
				if leaks(out) {
					t.Errorf("Sprintf(%q) = %q reveals the value", verb, out)
				}
			})
		}
	}
}

func TestSecretPrintsRedacted(t *testing.T) {
	s := secrets.New(plainValue)
	for _, verb := range []string{"%v", "%s", "%q", "%x", "%#v", "%+v"} {
		t.Run(verb, func(t *testing.T) {
			if got := fmt.Sprintf(verb, s); got != secrets.Redacted {
				t.Errorf("Sprintf(%q) = %q, want %q", verb, got, secrets.Redacted)
			}
		})
	}
	if got := s.String(); got != secrets.Redacted {
		t.Errorf("String() = %q, want %q", got, secrets.Redacted)
	}
}

func TestSecretSlogRedacts(t *testing.T) {
	s := secrets.New(plainValue)
	handlers := []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{name: "text", new: func(b *bytes.Buffer) slog.Handler {
			return slog.NewTextHandler(b, nil)
		}},
		{name: "json", new: func(b *bytes.Buffer) slog.Handler {
			return slog.NewJSONHandler(b, nil)
		}},
	}
	for _, h := range handlers {
		t.Run(h.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(h.new(&buf))
			log.Info("verification", "token_secret", s)
			log.Info("verification", slog.Any("secret_ptr", &s))
			log.Info("verification", "holder", exportedHolder{"ck", s})
			log.Info("verification", "holder", unexportedHolder{"tid", s})
			log.Info("verification", "list", []secrets.Secret{s})
			log.With("token_secret", s).Info("with")
			log.WithGroup("credentials").Info("group", "token_secret", s)
			log.Info("error", "error", fmt.Errorf("bad %v", s))

			out := buf.String()
			if leaks(out) {
				t.Errorf("log output reveals the value:\n%s", out)
			}
			if !strings.Contains(out, secrets.Redacted) {
				t.Errorf("log output lacks %q:\n%s", secrets.Redacted, out)
			}
		})
	}
}

func TestSecretJSONRedacts(t *testing.T) {
	s := secrets.New(plainValue)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{name: "value", v: s, want: `"[redacted]"`},
		{
			name: "struct",
			v:    exportedHolder{"ck", s},
			want: `{"ConsumerKey":"ck","ConsumerSecret":"[redacted]"}`,
		},
		{
			name: "pointer field",
			v:    pointerHolder{&s},
			want: `{"TokenSecret":"[redacted]"}`,
		},
		{
			name: "unexported field",
			v:    unexportedHolder{"tid", s},
			want: `{}`,
		},
		{
			name: "map",
			v:    map[string]secrets.Secret{"token_secret": s},
			want: `{"token_secret":"[redacted]"}`,
		},
		{
			name: "map key",
			v:    map[secrets.Secret]int{s: 1},
			want: `{"[redacted]":1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(b)); diff != "" {
				t.Errorf("Marshal (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecretXMLRedacts(t *testing.T) {
	b, err := xml.Marshal(exportedHolder{"ck", secrets.New(plainValue)})
	if err != nil {
		t.Fatalf("xml.Marshal: %v", err)
	}
	if leaks(string(b)) || !strings.Contains(string(b), secrets.Redacted) {
		t.Errorf("xml.Marshal = %s, want the value redacted", b)
	}
}

// credentialError is the kind of error a caller might write carelessly.
type credentialError struct {
	TokenSecret secrets.Secret
	Reason      string
}

func (e *credentialError) Error() string {
	return fmt.Sprintf("token %v rejected: %s", e.TokenSecret, e.Reason)
}

func TestSecretInErrorsRedacts(t *testing.T) {
	s := secrets.New(plainValue)
	base := &credentialError{TokenSecret: s, Reason: "INVALID_LOGIN"}
	errs := []struct {
		name string
		err  error
	}{
		{name: "Errorf %v", err: fmt.Errorf("verify %v: failed", s)},
		{name: "Errorf %q", err: fmt.Errorf("verify %q: failed", s)},
		{name: "struct error", err: base},
		{name: "wrapped", err: fmt.Errorf("handoff: %w", base)},
		{name: "joined", err: errors.Join(errors.New("a"), base)},
		{name: "wrapped twice", err: fmt.Errorf("x: %w", fmt.Errorf("y %v: %w", s, base))},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			outs := []string{
				tt.err.Error(),
				fmt.Sprintf("%+v", tt.err),
				fmt.Sprintf("%#v", tt.err),
			}
			for _, out := range outs {
				if leaks(out) {
					t.Errorf("error text %q reveals the value", out)
				}
			}
		})
	}
}

func TestSecretValue(t *testing.T) {
	tests := []struct {
		name     string
		s        secrets.Secret
		wantText string
		wantZero bool
	}{
		{name: "value", s: secrets.New(plainValue), wantText: plainValue},
		{name: "empty", s: secrets.New(""), wantZero: true},
		{name: "zero value", s: secrets.Secret{}, wantZero: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Reveal(); got != tt.wantText {
				t.Errorf("Reveal() = %q, want %q", got, tt.wantText)
			}
			if got := tt.s.IsZero(); got != tt.wantZero {
				t.Errorf("IsZero() = %v, want %v", got, tt.wantZero)
			}
		})
	}
}

func TestSecretEqual(t *testing.T) {
	a, b := secrets.New("same"), secrets.New("same")
	if !a.Equal(b) {
		t.Error("Equal of two secrets holding one value = false, want true")
	}
	if a.Equal(secrets.New("other")) {
		t.Error("Equal of different values = true, want false")
	}
	if !secrets.New("").Equal(secrets.Secret{}) {
		t.Error("Equal(New(\"\"), Secret{}) = false, want true")
	}
	// go-cmp uses the Equal method, so structs holding secrets compare.
	x := exportedHolder{"ck", a}
	y := exportedHolder{"ck", b}
	if diff := cmp.Diff(x, y); diff != "" {
		t.Errorf("cmp.Diff of equal holders (-want +got):\n%s", diff)
	}
}

func TestMaskOf(t *testing.T) {
	tests := []struct {
		name      string
		value     string
		wantLast4 string
	}{
		{name: "empty", value: ""},
		{name: "short", value: "abc123"},
		{name: "fifteen", value: "0123456789abcde"},
		{name: "sixteen", value: "0123456789abcdef", wantLast4: "cdef"},
		{name: "token", value: plainValue, wantLast4: "7e28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := secrets.MaskOf(secrets.New(tt.value))
			if m.Last4 != tt.wantLast4 {
				t.Errorf("Last4 = %q, want %q", m.Last4, tt.wantLast4)
			}
			wantFP := 8
			if tt.value == "" {
				wantFP = 0
			}
			if len(m.Fingerprint) != wantFP {
				t.Errorf("Fingerprint = %q, want %d hex digits",
					m.Fingerprint, wantFP)
			}
		})
	}
}

func TestMaskOfTellsValuesApart(t *testing.T) {
	a := secrets.MaskOf(secrets.New(plainValue))
	b := secrets.MaskOf(secrets.New(plainValue + "x"))
	if a.Fingerprint == b.Fingerprint {
		t.Errorf("fingerprints of different values are both %q", a.Fingerprint)
	}
	if again := secrets.MaskOf(secrets.New(plainValue)); again != a {
		t.Errorf("MaskOf is not stable: %+v then %+v", a, again)
	}
}

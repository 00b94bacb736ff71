package onboarding

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCredential(t *testing.T) {
	hex := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "plain", in: hex, want: hex},
		{name: "upper case", in: strings.ToUpper(hex), want: hex},
		{name: "spaces and newline", in: "  " + hex + "\r\n", want: hex},
		{name: "double quotes", in: `"` + hex + `"`, want: hex},
		{name: "single and smart quotes", in: "‘" + hex + "’", want: hex},
		{name: "empty", in: "", wantErr: "Enter the Consumer Key."},
		{name: "only spaces", in: "   ", wantErr: "Enter the Consumer Key."},
		{name: "63 characters", in: hex[:63], wantErr: "has 63 characters"},
		{name: "65 characters", in: hex + "a", wantErr: "has 65 characters"},
		{name: "not hex", in: strings.Repeat("g", 64), wantErr: "0–9 or a–f"},
		{name: "space inside", in: hex[:32] + " " + hex[33:], wantErr: "0–9 or a–f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCredential("consumer_key", "Consumer Key", tt.in)
			if tt.wantErr != "" {
				var ie *InputError
				if !errors.As(err, &ie) || !strings.Contains(ie.Message, tt.wantErr) {
					t.Fatalf("error %v, want an InputError containing %q", err, tt.wantErr)
				}
				if strings.Contains(ie.Message, strings.TrimSpace(tt.in)) && strings.TrimSpace(tt.in) != "" {
					t.Errorf("message repeats the value: %q", ie.Message)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Reveal() != tt.want {
				t.Errorf("value %q, want %q", got.Reveal(), tt.want)
			}
		})
	}
}

func FuzzParseCredential(f *testing.F) {
	f.Add(strings.Repeat("ab", 32))
	f.Add(" \"" + strings.Repeat("AB", 32) + "\" ")
	f.Add("\x00\xff")
	f.Fuzz(func(t *testing.T, in string) {
		v, err := ParseCredential("token_secret", "Token Secret", in)
		if err != nil {
			if strings.Contains(err.Error(), in) && len(in) > 8 {
				t.Fatalf("error repeats the input: %v", err)
			}
			return
		}
		got := v.Reveal()
		if len(got) != 64 || strings.Trim(got, "0123456789abcdef") != "" {
			t.Fatalf("accepted %q as %q", in, got)
		}
	})
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", " Acme Ltd ", "Acme Ltd", true},
		{"accents", "Société Générale", "Société Générale", true},
		{"html kept as text", "<b>Acme</b>", "<b>Acme</b>", true},
		{"invalid utf-8", "Acme\xff", "", false},
		{"control", "Acme\x07", "", false},
		{"zero width", "Ac\u200bme", "", false},
		{"right-to-left override", "Acme\u202e", "", false},
		{"too long", strings.Repeat("a", 201), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CleanText("company", "Company", tt.in, 200)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("CleanText(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}

func TestCleanEmail(t *testing.T) {
	for in, ok := range map[string]bool{
		"":                      true,
		"it@example.com":        true,
		"IT@Example.com":        true,
		"not an email":          false,
		"a@b@c":                 false,
		"Name <it@example.com>": false,
	} {
		_, err := CleanEmail(in)
		if (err == nil) != ok {
			t.Errorf("CleanEmail(%q) error %v, want ok=%v", in, err, ok)
		}
	}
}

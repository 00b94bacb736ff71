package netsuite

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTBAValue(t *testing.T) {
	valid := hexValue("value")
	tests := []struct {
		name      string
		in        string
		want      string
		wantError string
	}{
		{name: "as shown", in: valid, want: valid},
		{name: "pasted with spaces and quotes", in: " \"" + valid + "\"\n", want: valid},
		{name: "upper case kept", in: strings.ToUpper(valid), want: strings.ToUpper(valid)},
		{name: "empty", in: "  ", wantError: "Enter the Token Secret."},
		{name: "cut short", in: valid[:63], wantError: "64 characters"},
		{name: "not hex", in: valid[:63] + "g", wantError: "64 characters"},
		{name: "inner space", in: valid[:32] + " " + valid[33:], wantError: "64 characters"},
		{name: "zero-width", in: valid[:63] + "\u200b", wantError: "64 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTBAValue("Token Secret", tt.in)
			if tt.wantError == "" {
				if err != nil || got.Reveal() != tt.want {
					t.Fatalf("ParseTBAValue = %q, %v; want %q", got.Reveal(), err, tt.want)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != "token_secret" ||
				!strings.Contains(ie.Message, tt.wantError) {
				t.Fatalf("ParseTBAValue error = %#v, want token_secret %q", err, tt.wantError)
			}
			if strings.Contains(ie.Message, tt.in[:min(len(tt.in), 8)]) && strings.TrimSpace(tt.in) != "" {
				t.Errorf("message repeats the value: %q", ie.Message)
			}
		})
	}
}

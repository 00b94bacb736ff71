package cloudelements

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNameFromTemplate(t *testing.T) {
	tests := []struct {
		name    string
		tmpl    string
		company string
		subID   string
		want    string
		wantErr bool
	}{
		{name: "default", company: "Acme Ltd", want: "NetSuite – Acme Ltd"},
		{name: "both fields", tmpl: "{{.Company}} ({{.SubmissionID}})",
			company: "Acme", subID: "s_42", want: "Acme (s_42)"},
		{name: "control characters removed", company: "Ac\x00me\x1b[31m",
			want: "NetSuite – Acme[31m"},
		{name: "newlines folded", company: "Acme\r\nInjected: yes",
			want: "NetSuite – Acme Injected: yes"},
		{name: "bidi and zero-width removed",
			company: "Ac\u202eme\u200b", want: "NetSuite – Acme"},
		{name: "invalid UTF-8 dropped", company: "Ac\xffme",
			want: "NetSuite – Acme"},
		{name: "html left for the UI to escape", company: "<b>Acme</b>",
			want: "NetSuite – <b>Acme</b>"},
		{name: "spaces trimmed", tmpl: "  {{.Company}}  ", company: "Acme",
			want: "Acme"},
		{name: "capped at 200 characters", company: strings.Repeat("é", 300),
			want: "NetSuite – " + strings.Repeat("é", 200-11)},
		{name: "bad template", tmpl: "{{.Company", wantErr: true},
		{name: "unknown field", tmpl: "{{.Password}}", wantErr: true},
		{name: "empty result", tmpl: "{{.Company}}", company: " \t",
			wantErr: true},
		{name: "runaway output", tmpl: strings.Repeat(
			`{{printf "%0999999d" 0}}`, 3), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NameFromTemplate(tt.tmpl, tt.company, tt.subID)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("name = %q, want %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > maxNameLen {
				t.Errorf("name has %d characters, over %d", n, maxNameLen)
			}
		})
	}
}

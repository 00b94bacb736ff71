package cloudelements

import (
	"errors"
	"fmt"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"
)

// DefaultNameTemplate names an instance after the customer's company.
const DefaultNameTemplate = "NetSuite – {{.Company}}"

// maxNameLen caps an instance name, in characters.
const maxNameLen = 200

// maxTemplateOutput bounds what a template may write before it fails,
// so that one padding to huge widths ({{printf "%0999999d" 0}}, repeated)
// cannot fill memory.
const maxTemplateOutput = 16 << 10

// nameData is what an instance name template can refer to.
type nameData struct {
	Company      string
	SubmissionID string
}

// NameFromTemplate renders an instance name from tmpl (text/template,
// with {{.Company}} and {{.SubmissionID}}; empty means
// DefaultNameTemplate). Control, format (bidirectional and zero-width)
// and invalid characters are removed, runs of spaces are folded, and the
// result is cut to 200 characters. An empty result is an error.
func NameFromTemplate(tmpl, company, submissionID string) (string, error) {
	if tmpl == "" {
		tmpl = DefaultNameTemplate
	}
	t, err := template.New("name").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", fmt.Errorf("cloudelements: instance name template: %w", err)
	}
	w := &cappedWriter{max: maxTemplateOutput}
	err = t.Execute(w, nameData{Company: company, SubmissionID: submissionID})
	if err != nil {
		return "", fmt.Errorf("cloudelements: instance name template: %w", err)
	}
	name := cleanName(w.b.String())
	if name == "" {
		return "", errors.New("cloudelements: instance name is empty")
	}
	return name, nil
}

// cleanName removes characters that do not belong in a one-line name,
// folds white space, and caps the length.
func cleanName(s string) string {
	var b strings.Builder
	n, space := 0, false
	for _, r := range strings.ToValidUTF8(s, "") {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r),
			r == utf8.RuneError:
			continue
		}
		if n+btoi(space) >= maxNameLen {
			break
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// btoi is 1 for true and 0 for false.
func btoi(v bool) int {
	if v {
		return 1
	}
	return 0
}

// errTooLong stops a template that writes too much.
var errTooLong = errors.New("output too long")

// cappedWriter collects at most max bytes and then fails.
type cappedWriter struct {
	b   strings.Builder
	max int
}

// Write appends p, or fails once the cap would be passed.
func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		return 0, errTooLong
	}
	return w.b.Write(p)
}

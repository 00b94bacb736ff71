package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"tbaportal/internal/netsuite"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
	"tbaportal/templates"
)

// maxFormFields bounds how many fields a form may post.
const maxFormFields = 20

// parseForm reads a POST body, refusing oversized bodies (413), too many
// fields and undecodable bodies (400).
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errorf(http.StatusRequestEntityTooLarge, "Too much data",
				"The form sent more data than any step needs. Please go back and try again.", err)
		}
		return errorf(http.StatusBadRequest, "The form could not be read",
			"Your browser sent a form the portal could not read. Please go back and try again.", err)
	}
	if len(r.PostForm) > maxFormFields {
		return errorf(http.StatusBadRequest, "The form could not be read",
			"The form sent more fields than any step has.", nil)
	}
	return nil
}

// formValue returns a posted value, or an error message when it is not
// valid text.
func formValue(form url.Values, name string) (string, string) {
	v := form.Get(name)
	if !utf8.ValidString(v) || strings.IndexFunc(v, notText) >= 0 {
		return "", "This contains characters that are not valid text. Copy the value again from NetSuite."
	}
	if len(v) > 1000 {
		return "", "This is far longer than any NetSuite value."
	}
	return v, ""
}

// notText reports characters that have no place in any NetSuite value:
// the C0 controls (NUL among them) other than tab, CR and LF, which
// trimming handles; DEL; the C1 controls; and the bidirectional overrides
// and isolates, which make a value look different from what it is.
func notText(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
		return true
	}
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// stepForm is what a step's form posted back: values to show again (never
// secrets) and errors by field.
type stepForm struct {
	values  map[string]string
	errors  map[string]string
	confirm string // an Account ID NetSuite did not know, to confirm
}

func (f *stepForm) fail(field, msg string) {
	if f.errors == nil {
		f.errors = map[string]string{}
	}
	f.errors[field] = msg
}

func (f stepForm) hasErrors() bool { return len(f.errors) > 0 }

func (s *Server) saveAccountID(r *http.Request, sub store.Submission) (stepForm, error) {
	form := stepForm{values: map[string]string{}}
	raw, bad := formValue(r.PostForm, "account_id")
	form.values["account_id"] = raw
	if bad != "" {
		form.fail("account_id", bad)
		return form, nil
	}
	a, err := netsuite.ParseAccountID(raw)
	if err != nil {
		form.fail("account_id", accountIDMessage(err))
		return form, nil
	}
	if !onboarding.Editable(sub.Status) {
		return form, onboarding.ErrLocked
	}
	if r.PostForm.Get("confirm_unknown") != a.Realm() {
		if known, err := s.svc.AccountKnown(r.Context(), a); err == nil && !known {
			form.fail("account_id", "NetSuite has no account "+a.Realm()+
				". Check the ACCOUNT ID on Setup › Integration › Web Services Preferences. If you are sure it is right, press Continue again.")
			form.confirm = a.Realm()
			return form, nil
		}
	}
	return form, s.svc.SaveAccountID(r.Context(), sub, a)
}

func accountIDMessage(err error) string {
	var ie *netsuite.InputError
	if errors.As(err, &ie) {
		return ie.Message
	}
	return "Enter the Account ID as NetSuite shows it: 1234567, 1234567_SB1 for a sandbox, or 1234567-sb1."
}

var credentialLabels = map[string]string{
	onboarding.FieldConsumerKey:    "Consumer Key",
	onboarding.FieldConsumerSecret: "Consumer Secret",
	onboarding.FieldTokenID:        "Token ID",
	onboarding.FieldTokenSecret:    "Token Secret",
}

var stepFields = map[string][]string{
	"integration":  {onboarding.FieldConsumerKey, onboarding.FieldConsumerSecret},
	"access-token": {onboarding.FieldTokenID, onboarding.FieldTokenSecret},
}

// saveCredentials seals every valid value of a credential step, and
// reports the others. A value equal to another one is refused: the four
// values always differ, so equality means a paste went into the wrong
// field. Saved values are compared by fingerprint, without decrypting.
func (s *Server) saveCredentials(r *http.Request, sub store.Submission, slug string) (stepForm, error) {
	var form stepForm
	masks, err := s.svc.Masks(r.Context(), sub.ID)
	if err != nil {
		return form, err
	}
	values := map[string]secrets.Secret{}
	for _, name := range stepFields[slug] {
		raw, bad := formValue(r.PostForm, name)
		switch {
		case bad != "":
			form.fail(name, bad)
			continue
		case strings.TrimSpace(raw) == "" && masks[name].Fingerprint != "":
			continue // keep the saved value
		}
		v, err := onboarding.ParseCredential(name, credentialLabels[name], raw)
		if err != nil {
			form.fail(name, inputMessage(err))
			continue
		}
		values[name] = v
	}
	// Find every duplicate before dropping any, so that both fields of a
	// pasted-twice pair are refused and neither is saved.
	duplicates := map[string]string{}
	for _, name := range stepFields[slug] {
		if v, ok := values[name]; ok {
			if other := sameAs(v, name, masks, values, form); other != "" {
				duplicates[name] = other
			}
		}
	}
	for name, other := range duplicates {
		form.fail(name, "This is the same value as the "+credentialLabels[other]+
			". Each of the four values is different; copy this one again from NetSuite.")
		delete(values, name)
	}
	if len(values) > 0 {
		if err := s.svc.SaveCredentials(r.Context(), sub, slug, values); err != nil {
			return form, err
		}
	}
	return form, nil
}

// sameAs names another credential field holding the same value as v:
// among the values posted now, or among saved values this post does not
// replace.
func sameAs(v secrets.Secret, field string, masks map[string]secrets.Mask, posted map[string]secrets.Secret, form stepForm) string {
	fp := secrets.MaskOf(v).Fingerprint
	for _, other := range onboarding.CredentialFields {
		if other == field {
			continue
		}
		if p, ok := posted[other]; ok {
			if p.Reveal() == v.Reveal() {
				return other
			}
			continue
		}
		if _, failed := form.errors[other]; !failed && masks[other].Fingerprint == fp {
			return other
		}
	}
	return ""
}

func inputMessage(err error) string {
	var ie *onboarding.InputError
	if errors.As(err, &ie) {
		return ie.Message
	}
	return "This value could not be accepted."
}

// fieldsFor builds a step's form fields from what is saved and what was
// posted.
func fieldsFor(slug string, sub store.Submission, masks map[string]secrets.Mask, form stepForm) []templates.Field {
	if slug == "account-id" {
		v := sub.AccountID
		if posted, ok := form.values["account_id"]; ok {
			v = posted
		}
		return []templates.Field{{
			ID: "account-id", Name: "account_id", Label: "Account ID",
			Hint:  "For example 1234567, or 1234567_SB1 for a sandbox.",
			Value: v, Error: form.errors["account_id"], Required: true,
		}}
	}
	var out []templates.Field
	for _, name := range stepFields[slug] {
		f := templates.Field{
			ID: strings.ReplaceAll(name, "_", "-"), Name: name,
			Label: credentialLabels[name], Secret: true, Required: true,
			Hint:  "64 characters, letters a–f and digits.",
			Error: form.errors[name],
		}
		if m := masks[name]; m.Fingerprint != "" {
			f.SavedMask = m.Last4
			if f.SavedMask == "" {
				f.SavedMask = "fingerprint " + m.Fingerprint
			}
		}
		out = append(out, f)
	}
	return out
}

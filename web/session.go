package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// wizardCookie names the customer's session cookie. The __Host- prefix
// makes the browser insist on Secure, Path=/ and no Domain, so no other
// host can set or read it.
const wizardCookie = "__Host-portal-wizard"

// newWizardStore keeps the wizard session in a signed and encrypted
// cookie. It carries the submission's ID and nothing else: no credential,
// and nothing that outlives the invitation's own checks, which run on
// every request.
func newWizardStore(keys [][]byte) *sessions.CookieStore {
	st := sessions.NewCookieStore(keys...)
	st.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   30 * 24 * 3600,
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	for _, c := range st.Codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxLength(4096)
			sc.SetSerializer(stringValues{})
		}
	}
	return st
}

func (s *Server) wizardSubmissionID(r *http.Request) string {
	sess, err := s.sessions.Get(r, wizardCookie)
	if err != nil {
		return ""
	}
	id, _ := sess.Values["submission_id"].(string)
	return id
}

func (s *Server) startWizardSession(w http.ResponseWriter, r *http.Request, id string) error {
	sess, _ := s.sessions.New(r, wizardCookie)
	sess.Values = map[any]any{"submission_id": id}
	return sess.Save(r, w)
}

var errSessionValues = errors.New("web: wizard session values must be strings")

// stringValues serializes session values, all strings, as a JSON object.
// The cookie is authenticated before its values are read. securecookie's
// default, gob, builds a decoder for the values' types on every cookie it
// reads, which cost more than anything else in serving a wizard page.
// Cookies written with gob before still open.
type stringValues struct{}

// Serialize writes a session's values as a JSON object of strings.
func (stringValues) Serialize(src any) ([]byte, error) {
	values, ok := src.(map[any]any)
	if !ok {
		return nil, errSessionValues
	}
	out := make(map[string]string, len(values))
	for k, v := range values {
		ks, kok := k.(string)
		vs, vok := v.(string)
		if !kok || !vok {
			return nil, errSessionValues
		}
		out[ks] = vs
	}
	return json.Marshal(out)
}

// Deserialize reads what Serialize wrote, or a gob stream, which never
// starts with '{': its first byte is the length of a short type message.
func (stringValues) Deserialize(src []byte, dst any) error {
	values, ok := dst.(*map[any]any)
	if !ok {
		return errSessionValues
	}
	if len(src) == 0 || src[0] != '{' {
		return securecookie.GobEncoder{}.Deserialize(src, dst)
	}
	var in map[string]string
	if err := json.Unmarshal(src, &in); err != nil {
		return err
	}
	*values = make(map[any]any, len(in))
	for k, v := range in {
		(*values)[k] = v
	}
	return nil
}

package web

import (
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

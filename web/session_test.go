package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/sessions"
)

var testSessionKeys = [][]byte{
	[]byte("0123456789abcdef0123456789abcdef"), []byte("fedcba9876543210fedcba9876543210"),
}

// cookieFrom saves a session holding values with st and returns the
// request that sends the cookie back.
func cookieFrom(t *testing.T, st *sessions.CookieStore, values map[any]any) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "https://portal.example/", nil)
	sess, _ := st.New(r, wizardCookie)
	sess.Values = values
	w := httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatalf("save session: %v", err)
	}
	back := httptest.NewRequest(http.MethodGet, "https://portal.example/wizard/welcome", nil)
	for _, c := range w.Result().Cookies() {
		back.AddCookie(c)
	}
	return back
}

func TestWizardSessionReadsOldAndNewCookies(t *testing.T) {
	gobStore := sessions.NewCookieStore(testSessionKeys...) // before stringValues
	tests := []struct {
		name  string
		store *sessions.CookieStore
	}{
		{"written with gob", gobStore},
		{"written as JSON", newWizardStore(testSessionKeys)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cookieFrom(t, tt.store, map[any]any{"submission_id": "k3v9x2m7q1w8"})
			s := &Server{sessions: newWizardStore(testSessionKeys)}
			if got := s.wizardSubmissionID(r); got != "k3v9x2m7q1w8" {
				t.Errorf("submission ID %q, want %q", got, "k3v9x2m7q1w8")
			}
		})
	}
}

func TestStringValuesRefusesOtherTypes(t *testing.T) {
	if _, err := (stringValues{}).Serialize(map[any]any{"n": 1}); err == nil {
		t.Error("Serialize accepted a number")
	}
	got, err := (stringValues{}).Serialize(map[any]any{"submission_id": "abc"})
	if err != nil || string(got) != `{"submission_id":"abc"}` {
		t.Errorf("Serialize = %q, %v", got, err)
	}
}

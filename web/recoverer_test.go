package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRecovererShowsAPageNotAStack panics inside a handler: the browser
// gets the portal's 500 page, with neither the panic's text nor a stack,
// and the log gets both.
func TestRecovererShowsAPageNotAStack(t *testing.T) {
	var logs bytes.Buffer
	s := New(nil, nil, slog.New(slog.NewJSONHandler(&logs, nil)), nil, Options{})
	h := s.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("kaboom in the handler")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/wizard/welcome", nil))

	body := rec.Body.String()
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", rec.Code)
	}
	if !strings.Contains(body, "Something went wrong") || !strings.Contains(body, "<html") {
		t.Errorf("the answer is not the portal's error page:\n%s", body)
	}
	for _, leak := range []string{"kaboom", "goroutine", "recoverer_test.go"} {
		if strings.Contains(body, leak) {
			t.Errorf("the page shows %q", leak)
		}
	}
	if !strings.Contains(logs.String(), "kaboom in the handler") ||
		!strings.Contains(logs.String(), "goroutine") {
		t.Errorf("the log lacks the panic and its stack:\n%s", logs.String())
	}
}

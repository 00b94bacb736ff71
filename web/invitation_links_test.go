package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"tbaportal/internal/testclock"
	"tbaportal/internal/testharness"
	"tbaportal/web"
)

// TestDeadInvitationLinks opens links that no longer (or never did) admit
// anyone: each gets a page in the portal's look with 404 or 410.
func TestDeadInvitationLinks(t *testing.T) {
	clk := testclock.New(time.Now())
	h := newHarness(t, testharness.Options{Now: clk.Now})

	_, expiredLink := h.Invite("Expired Ltd")
	early := openLink(t, h, expiredLink) // a session opened before expiry
	revoked, revokedLink := h.Invite("Revoked Ltd")
	if err := h.Service.RevokeInvitation(t.Context(), revoked.Submission.ID, "test"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(h.Service.Config().InvitationTTL + time.Minute)
	_, freshLink := h.Invite("Fresh Ltd")
	unknownLink := web.InvitationURL(h.Portal.URL, "nOtAtOkEn0123456789abcdefghijklmnopqrstuvw")

	tests := []struct {
		name    string
		browser *testharness.Browser
		path    string
		status  int
		heading string
	}{
		{name: "unknown token", path: unknownLink,
			status: http.StatusNotFound, heading: "This link does not work"},
		{name: "token cut short", path: freshLink[:len(freshLink)-5],
			status: http.StatusNotFound, heading: "This link does not work"},
		{name: "overlong token", path: "/invite/" + strings.Repeat("A", 300),
			status: http.StatusNotFound, heading: "This link does not work"},
		{name: "expired", path: expiredLink,
			status: http.StatusGone, heading: "This invitation has expired"},
		{name: "expired with an open session", browser: early, path: "/wizard/welcome",
			status: http.StatusGone, heading: "This invitation has expired"},
		{name: "revoked", path: revokedLink,
			status: http.StatusGone, heading: "This invitation was withdrawn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.browser
			if b == nil {
				b = h.NewBrowser()
			}
			r := b.Get(tt.path)
			checkPortalPage(t, r, tt.status, tt.heading)
			if tok := strings.TrimPrefix(tt.path, h.Portal.URL+"/invite/"); len(tok) > 20 &&
				strings.Contains(r.Body, tok) {
				t.Error("the page repeats the link's token")
			}
			if got := r.Header.Get("Set-Cookie"); got != "" && tt.browser == nil {
				t.Errorf("a dead link set a cookie: %q", got)
			}
		})
	}
	if r := h.NewBrowser().Get(freshLink); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a fresh link after the clock moved: status %d, want 303", r.StatusCode)
	}
}

// TestUnknownRoutes: addresses the portal does not serve get its own 404
// page, and a wrong method its own 405 page.
func TestUnknownRoutes(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	tests := []struct {
		name    string
		method  string
		path    string
		status  int
		heading string
	}{
		{name: "unknown path", method: http.MethodGet, path: "/no-such-page",
			status: http.StatusNotFound, heading: "Page not found"},
		{name: "unknown step", method: http.MethodGet, path: "/wizard/no-such-step",
			status: http.StatusNotFound, heading: "Page not found"},
		{name: "post to an unknown step", method: http.MethodPost, path: "/wizard/no-such-step",
			status: http.StatusNotFound, heading: "Page not found"},
		{name: "bare invite", method: http.MethodGet, path: "/invite/",
			status: http.StatusNotFound, heading: "Page not found"},
		{name: "unknown admin page", method: http.MethodGet, path: "/admin/no-such-page",
			status: http.StatusNotFound, heading: "Page not found"},
		{name: "wrong method", method: http.MethodDelete, path: "/wizard/welcome",
			status: http.StatusMethodNotAllowed, heading: "Not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := h.NewBrowser()
			req, _ := http.NewRequest(tt.method, h.Portal.URL+tt.path, nil)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			checkPortalPage(t, b.Do(req), tt.status, tt.heading)
		})
	}
}

// TestUnknownStaticFile: a static name without its content hash, or one
// that never existed, is not served. (The answer is the plain 404 of the
// static package, not the portal's page: browsers fetch these as
// subresources and never show the page.)
func TestUnknownStaticFile(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	b := h.NewBrowser()
	for _, path := range []string{"/static/css/portal.css", "/static/../go.mod",
		"/static/illustrations/nope.000000000000.svg"} {
		if r := b.Get(path); r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, r.StatusCode)
		}
	}
}

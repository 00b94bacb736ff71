package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tbaportal/internal/store"
	"tbaportal/internal/testharness"
)

var cspNonce = regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9_-]{16,})'`)

// checkSecurityHeaders fails unless h carries every header the portal
// promises on every response.
func checkSecurityHeaders(t *testing.T, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"object-src 'none'", "base-uri 'none'",
		"frame-ancestors 'none'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if !cspNonce.MatchString(csp) || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q does not allow scripts by nonce only", csp)
	}
	if age := hstsMaxAge(h.Get("Strict-Transport-Security")); age < 31536000 {
		t.Errorf("HSTS %q: max-age %d, want at least a year",
			h.Get("Strict-Transport-Security"), age)
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "no-referrer",
		"Cross-Origin-Opener-Policy": "same-origin",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	pp := h.Get("Permissions-Policy")
	for _, want := range []string{"camera=()", "microphone=()", "geolocation=()"} {
		if !strings.Contains(pp, want) {
			t.Errorf("Permissions-Policy %q lacks %s", pp, want)
		}
	}
}

func hstsMaxAge(v string) int {
	for _, part := range strings.Split(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		if strings.EqualFold(k, "max-age") {
			n, err := strconv.Atoi(val)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// TestSecurityHeadersOnEveryResponse covers pages, errors, refusals,
// static files and the operations endpoints.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	_, link := h.Invite("Acme Ltd")
	b := openLink(t, h, link)
	css := parse(t, b.Get("/wizard/welcome")).Find(`link[rel=stylesheet]`).AttrOr("href", "")

	tests := []struct {
		name   string
		method string
		path   string
		site   string // Sec-Fetch-Site
		status int
	}{
		{name: "wizard page", method: http.MethodGet, path: "/wizard/welcome",
			site: "same-origin", status: 200},
		{name: "invitation", method: http.MethodGet, path: link, site: "none", status: 303},
		{name: "form post", method: http.MethodPost, path: "/wizard/welcome",
			site: "same-origin", status: 303},
		{name: "cross-site post", method: http.MethodPost, path: "/wizard/welcome",
			site: "cross-site", status: 403},
		{name: "not found", method: http.MethodGet, path: "/nope", site: "none", status: 404},
		{name: "static file", method: http.MethodGet, path: css, site: "same-origin", status: 200},
		{name: "health", method: http.MethodGet, path: "/healthz", status: 200},
		{name: "readiness", method: http.MethodGet, path: "/readyz", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, absolute(h, tt.path), nil)
			if tt.site != "" {
				req.Header.Set("Sec-Fetch-Site", tt.site)
			}
			r := b.Do(req)
			if r.StatusCode != tt.status {
				t.Errorf("status %d, want %d", r.StatusCode, tt.status)
			}
			checkSecurityHeaders(t, r.Header)
		})
	}
}

func absolute(h *testharness.Harness, path string) string {
	if strings.HasPrefix(path, "https://") {
		return path
	}
	return h.Portal.URL + path
}

// TestCSPNonceMatchesScript: the one script tag carries the header's
// nonce, and the nonce is new on every response.
func TestCSPNonceMatchesScript(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	_, link := h.Invite("Acme Ltd")
	b := openLink(t, h, link)
	seen := map[string]bool{}
	paths := []string{"/wizard/welcome", "/wizard/welcome", "/nope", "/wizard/welcome"}
	for _, path := range paths {
		r := b.Get(path)
		m := cspNonce.FindStringSubmatch(r.Header.Get("Content-Security-Policy"))
		if m == nil {
			t.Fatalf("GET %s: no nonce in the CSP", path)
		}
		scripts := parse(t, r).Find("script")
		if scripts.Length() != 1 || scripts.AttrOr("nonce", "") != m[1] {
			t.Errorf("GET %s: %d scripts, nonce %q; want one with the CSP's %q",
				path, scripts.Length(), scripts.AttrOr("nonce", ""), m[1])
		}
		if seen[m[1]] {
			t.Errorf("GET %s: nonce %q was used before", path, m[1])
		}
		seen[m[1]] = true
	}
}

// TestCrossSitePostsRefused: a state-changing POST from another site is
// refused with 403 and changes nothing; the same POST from the portal's
// own page goes through, so the refusals are not an accident.
func TestCrossSitePostsRefused(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	inv, link := h.Invite("Acme Ltd")
	b := openLink(t, h, link)
	walk(t, b, testharness.Demo(), "")
	before, err := h.DB.Submission(t.Context(), inv.Submission.ID)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		headers map[string]string
		path    string
		form    url.Values
	}{
		{name: "Sec-Fetch-Site cross-site", path: "/wizard/account-id",
			headers: map[string]string{"Sec-Fetch-Site": "cross-site"},
			form:    url.Values{"account_id": {"7654321"}}},
		{name: "Sec-Fetch-Site same-site", path: "/wizard/account-id",
			headers: map[string]string{"Sec-Fetch-Site": "same-site"},
			form:    url.Values{"account_id": {"7654321"}}},
		{name: "mismatched Origin", path: "/wizard/account-id",
			headers: map[string]string{"Origin": "https://evil.example"},
			form:    url.Values{"account_id": {"7654321"}}},
		{name: "Origin null", path: "/wizard/account-id",
			headers: map[string]string{"Origin": "null"},
			form:    url.Values{"account_id": {"7654321"}}},
		{name: "cross-site verify", path: "/wizard/verify",
			headers: map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{name: "cross-site connect", path: "/wizard/connect",
			headers: map[string]string{"Origin": "https://evil.example"}},
		{name: "cross-site secret", path: "/wizard/integration",
			headers: map[string]string{"Origin": "null"},
			form:    url.Values{"consumer_key": {randomHex(t)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nsBefore := h.NetSuite.Requests()
			req, _ := http.NewRequest(http.MethodPost, h.Portal.URL+tt.path,
				strings.NewReader(tt.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			if r := b.Do(req); r.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", r.StatusCode)
			}
			checkUnchanged(t, h, before)
			if n := h.NetSuite.Requests() - nsBefore; n != 0 {
				t.Errorf("the refused POST made %d requests to NetSuite", n)
			}
		})
	}

	if r := b.Post("/wizard/account-id", url.Values{"account_id": {"1234567_SB1"},
		"confirm_unknown": {"1234567_SB1"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin POST: status %d, want 303", r.StatusCode)
	}
	checkStoredAccount(t, h, inv.Submission.ID, "1234567_SB1")
}

func checkUnchanged(t *testing.T, h *testharness.Harness, before store.Submission) {
	t.Helper()
	after, err := h.DB.Submission(t.Context(), before.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.AccountID != before.AccountID || after.Status != before.Status ||
		after.Step != before.Step || !after.LastActivityAt.Equal(before.LastActivityAt) {
		t.Errorf("submission changed: %s %s %s -> %s %s %s", before.AccountID,
			before.Status, before.Step, after.AccountID, after.Status, after.Step)
	}
	attempts, err := h.DB.Attempts(t.Context(), before.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 0 {
		t.Errorf("%d verification attempts recorded, want none", len(attempts))
	}
}

// TestHealthAndReadiness: /healthz answers while the process runs;
// /readyz turns 503 when the database goes away.
func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	b := h.NewBrowser()
	for _, path := range []string{"/healthz", "/readyz"} {
		if r := b.Get(path); r.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", path, r.StatusCode)
		}
	}
	if err := h.DB.Close(); err != nil {
		t.Fatal(err)
	}
	if r := b.Get("/readyz"); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz with the database closed: status %d, want 503", r.StatusCode)
	}
	if r := b.Get("/healthz"); r.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz with the database closed: status %d, want 200", r.StatusCode)
	}
}

// TestDatabaseFailureShowsFriendlyPage: when the database fails under a
// request, the customer gets a page in the portal's look with no
// internals, and the log gets the cause at error level.
func TestDatabaseFailureShowsFriendlyPage(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	_, link := h.Invite("Acme Ltd")
	b := openLink(t, h, link)
	walk(t, b, testharness.Demo(), "integration")
	if err := h.DB.Close(); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name string
		do   func() testharness.Response
	}{
		{name: "page", do: func() testharness.Response { return b.Get("/wizard/integration") }},
		{name: "form", do: func() testharness.Response {
			return b.Post("/wizard/integration", stepForm("integration", testharness.Demo()))
		}},
		{name: "verify", do: func() testharness.Response { return b.Post("/wizard/verify", nil) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.do()
			checkPortalPage(t, r, http.StatusServiceUnavailable, "We are having trouble")
			if r.Header.Get("Retry-After") == "" {
				t.Error("a 503 without Retry-After")
			}
		})
	}
	if !strings.Contains(h.Logs.String(), `"level":"ERROR"`) ||
		!strings.Contains(h.Logs.String(), "database is closed") {
		t.Error("the cause did not reach the log at error level")
	}
}

// TestStaticFilesCachedAndCompressed: hashed files may be cached for a
// year, and text files come gzipped to clients that accept it.
func TestStaticFilesCachedAndCompressed(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	_, link := h.Invite("Acme Ltd")
	b := openLink(t, h, link)
	doc := parse(t, b.Get("/wizard/welcome"))
	tests := []struct {
		name string
		path string
		typ  string
	}{
		{name: "stylesheet", path: doc.Find(`link[rel=stylesheet]`).AttrOr("href", ""),
			typ: "text/css"},
		{name: "script", path: doc.Find("script").AttrOr("src", ""), typ: "text/javascript"},
		{name: "illustration", path: doc.Find("figure img").AttrOr("src", ""),
			typ: "image/svg+xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain := b.Get(tt.path)
			req, _ := http.NewRequest(http.MethodGet, h.Portal.URL+tt.path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			zipped := b.Do(req)
			for _, r := range []testharness.Response{plain, zipped} {
				cc := r.Header.Get("Cache-Control")
				if r.StatusCode != http.StatusOK || !strings.Contains(cc, "immutable") ||
					!strings.Contains(cc, "max-age=31536000") {
					t.Errorf("status %d, Cache-Control %q; want 200, immutable for a year",
						r.StatusCode, cc)
				}
				if !strings.HasPrefix(r.Header.Get("Content-Type"), tt.typ) {
					t.Errorf("Content-Type %q, want %s", r.Header.Get("Content-Type"), tt.typ)
				}
			}
			if zipped.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("Content-Encoding %q, want gzip", zipped.Header.Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(strings.NewReader(zipped.Body))
			if err != nil {
				t.Fatal(err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(unzipped, []byte(plain.Body)) {
				t.Errorf("gzipped body differs from the plain one (err %v)", err)
			}
		})
	}
}

// TestWizardCookie: the only cookie is __Host- prefixed, Secure,
// HttpOnly, SameSite=Lax, host-only, small, and carries nothing readable.
func TestWizardCookie(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	inv, link := h.Invite("Acme Ltd")
	r := h.NewBrowser().Get(link)
	cookies := r.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("%d cookies set, want 1", len(cookies))
	}
	c := cookies[0]
	if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || !c.HttpOnly ||
		c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("cookie %s: Secure=%v HttpOnly=%v SameSite=%v Path=%q Domain=%q",
			c.Name, c.Secure, c.HttpOnly, c.SameSite, c.Path, c.Domain)
	}
	if n := len(c.Name) + len(c.Value); n > 4096 {
		t.Errorf("cookie name and value are %d bytes, want at most 4096", n)
	}
	if strings.Contains(c.Value, inv.Submission.ID) || strings.Contains(c.Value, inv.Token) {
		t.Error("the cookie carries the submission ID or the token in the clear")
	}
}

// TestInvitationTokenNotLogged: the access log names the route pattern,
// never the link's token.
func TestInvitationTokenNotLogged(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	inv, link := h.Invite("Acme Ltd")
	openLink(t, h, link)
	h.NewBrowser().Get("/invite/" + inv.Token + "x")
	logs := h.Logs.String()
	if !strings.Contains(logs, `"route":"/invite/{token}"`) {
		t.Fatalf("no access log line for the invitation route:\n%s", logs)
	}
	if strings.Contains(logs, inv.Token) {
		t.Error("the invitation token reached the log")
	}
}

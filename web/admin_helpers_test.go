package web_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp/totp"

	"tbaportal/internal/admins"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/testclock"
	"tbaportal/internal/testharness"
	"tbaportal/web"
)

// browserT is the harness's browser, by a short name.
type browserT = testharness.Browser

const adminPassword = "a long admin passphrase"

// adminEnv is a harness with admins, their second-factor secrets, and a
// clock.
type adminEnv struct {
	*testharness.Harness
	t       testing.TB
	clock   *testclock.Clock
	secrets map[string]string // email → base32 TOTP secret, once enrolled
}

type envOption func(*testharness.Options)

// withApproval makes connections wait for an admin's approval.
func withApproval(o *testharness.Options) {
	o.Config = func(c *onboarding.Config) { c.RequireApproval = true }
}

// newAdminEnv starts the portal behind a proxy at 127.0.0.1, so tests
// can set the client IP with X-Forwarded-For.
func newAdminEnv(t testing.TB, opts ...envOption) *adminEnv {
	t.Helper()
	clock := testclock.New(time.Now().UTC().Truncate(time.Second))
	o := testharness.Options{Now: clock.Now, Web: func(wo *web.Options) {
		wo.TrustedProxies = web.TrustedProxies{netip.MustParsePrefix("127.0.0.1/32")}
	}}
	for _, opt := range opts {
		opt(&o)
	}
	h := testharness.New(t, o)
	return &adminEnv{Harness: h, t: t, clock: clock, secrets: map[string]string{}}
}

// addAdmin creates an admin as `portal admin add` does.
func (e *adminEnv) addAdmin(email, role string) {
	e.t.Helper()
	if _, err := admins.Create(context.Background(), e.DB, email, adminPassword,
		role, e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
}

// signIn signs a new browser in as email, enrolling the second factor on
// the first sign-in, and returns it.
func (e *adminEnv) signIn(email string) *testharness.Browser {
	e.t.Helper()
	b := e.NewBrowser()
	e.signInWith(b, email)
	return b
}

func (e *adminEnv) signInWith(b *testharness.Browser, email string) {
	e.t.Helper()
	r := b.Post("/admin/sign-in", url.Values{"email": {email}, "password": {adminPassword}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/sign-in/code" {
		e.t.Fatalf("password step: status %d location %q", r.StatusCode, r.Header.Get("Location"))
	}
	page := b.Get("/admin/sign-in/code")
	if key := doc(e.t, page).Find("#totp-key").Text(); key != "" {
		e.secrets[email] = strings.ReplaceAll(key, " ", "")
	}
	// Each sign-in uses a fresh time step: a used code is refused.
	e.clock.Advance(30 * time.Second)
	r = b.Post("/admin/sign-in/code", url.Values{"code": {e.code(email)}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/submissions" {
		e.t.Fatalf("code step: status %d location %q\n%s", r.StatusCode,
			r.Header.Get("Location"), r.Body)
	}
}

// code is the admin's current TOTP code.
func (e *adminEnv) code(email string) string {
	e.t.Helper()
	secret, ok := e.secrets[email]
	if !ok {
		e.t.Fatalf("%s has not enrolled", email)
	}
	c, err := totp.GenerateCode(secret, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// adminCookie returns the browser's admin session cookie value.
func adminCookie(t testing.TB, b *testharness.Browser) string {
	t.Helper()
	for _, c := range b.Cookies() {
		if c.Name == admins.SessionCookie {
			return c.Value
		}
	}
	return ""
}

// browserWithCookie is a fresh browser carrying only an admin cookie, to
// replay one.
func (e *adminEnv) browserWithCookie(value string) *testharness.Browser {
	b := e.NewBrowser()
	u, _ := url.Parse(e.Portal.URL)
	b.Client.Jar.SetCookies(u, []*http.Cookie{{Name: admins.SessionCookie,
		Value: value, Path: "/", Secure: true}})
	return b
}

// fromIP sends a same-origin form as if from ip, through the trusted
// proxy.
func fromIP(b *testharness.Browser, portal, ip, path string, form url.Values) testharness.Response {
	req, _ := http.NewRequest(http.MethodPost, portal+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", portal)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", ip)
	return b.Do(req)
}

func doc(t testing.TB, r testharness.Response) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var nonceAttr = regexp.MustCompile(` nonce="[^"]*"`)

// withoutNonce removes what differs between two renderings of one page.
func withoutNonce(body string) string { return nonceAttr.ReplaceAllString(body, "") }

// wantRedirect fails unless r is a 303 to location.
func wantRedirect(t testing.TB, r testharness.Response, location string) {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != location {
		t.Fatalf("status %d location %q, want 303 to %q", r.StatusCode,
			r.Header.Get("Location"), location)
	}
}

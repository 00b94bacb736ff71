package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/admins"
	"tbaportal/internal/audit"
	"tbaportal/internal/store"
)

func TestAdminPagesNeedSignIn(t *testing.T) {
	e := newAdminEnv(t)
	b := e.NewBrowser()
	for _, path := range []string{"/admin", "/admin/submissions",
		"/admin/submissions/abc", "/admin/audit", "/admin/metrics",
		"/admin/invitations/new", "/admin/sign-in/code"} {
		t.Run(path, func(t *testing.T) {
			wantRedirect(t, b.Get(path), "/admin/sign-in")
		})
	}
	r := b.Post("/admin/submissions/abc/purge", url.Values{"confirm": {"yes"}})
	wantRedirect(t, r, "/admin/sign-in")
}

func TestAdminSignInEnrolsTOTP(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("ops@example.com", store.RoleOperator)
	b := e.NewBrowser()

	r := b.Post("/admin/sign-in", url.Values{"email": {"ops@example.com"},
		"password": {adminPassword}})
	wantRedirect(t, r, "/admin/sign-in/code")
	checkAdminCookie(t, r.Response)
	half := adminCookie(t, b)
	wantRedirect(t, b.Get("/admin/submissions"), "/admin/sign-in")

	page := b.Get("/admin/sign-in/code")
	d := doc(t, page)
	src, _ := d.Find("img").Attr("src")
	if !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Fatalf("QR code src = %.40q, want a PNG data URL", src)
	}
	key := strings.ReplaceAll(d.Find("#totp-key").Text(), " ", "")
	if len(key) != 32 {
		t.Fatalf("manual key %q, want 32 base32 characters", key)
	}
	if got := page.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if strings.Contains(e.Logs.String(), key) {
		t.Error("the TOTP secret is in the log")
	}
	e.secrets["ops@example.com"] = key

	r = b.Post("/admin/sign-in/code", url.Values{"code": {"123456"}})
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong code: status %d, want 401", r.StatusCode)
	}
	r = b.Post("/admin/sign-in/code", url.Values{"code": {e.code("ops@example.com")}})
	wantRedirect(t, r, "/admin/submissions")
	full := adminCookie(t, b)
	if full == "" || full == half {
		t.Fatal("the session ID did not change after the second factor")
	}
	if r := b.Get("/admin/submissions"); r.StatusCode != http.StatusOK {
		t.Fatalf("submissions: status %d", r.StatusCode)
	}
	// The half session died with the upgrade.
	wantRedirect(t, e.browserWithCookie(half).Get("/admin/sign-in/code"), "/admin/sign-in")

	a, _ := e.DB.AdminByEmail(context.Background(), "ops@example.com")
	if !a.TOTPEnabled || a.TOTPKey == nil {
		t.Errorf("second factor not stored as enabled and sealed: %+v", a.TOTPEnabled)
	}
	wantActions(t, e, audit.ActionSignInFailed, audit.ActionSignIn)
}

func TestAdminSignInRefusesReusedCode(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("ops@example.com", store.RoleOperator)
	b := e.signIn("ops@example.com")
	used := e.code("ops@example.com")
	if r := b.Post("/admin/sign-out", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: status %d", r.StatusCode)
	}

	r := b.Post("/admin/sign-in", url.Values{"email": {"ops@example.com"},
		"password": {adminPassword}})
	wantRedirect(t, r, "/admin/sign-in/code")
	if d := doc(t, b.Get("/admin/sign-in/code")); d.Find("img").Length() != 0 {
		t.Error("an enrolled admin was shown a QR code again")
	}
	r = b.Post("/admin/sign-in/code", url.Values{"code": {used}})
	if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.Body, "already used") {
		t.Fatalf("reused code: status %d, want 401 saying it was used", r.StatusCode)
	}
	e.clock.Advance(30 * time.Second)
	r = b.Post("/admin/sign-in/code", url.Values{"code": {e.code("ops@example.com")}})
	wantRedirect(t, r, "/admin/submissions")
}

func TestAdminSignInAnswersAlike(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("ops@example.com", store.RoleOperator)
	try := func(email, password string) (int, string, string) {
		r := e.NewBrowser().Post("/admin/sign-in", url.Values{"email": {email},
			"password": {password}})
		body := strings.ReplaceAll(withoutNonce(r.Body), email, "EMAIL")
		return r.StatusCode, body, r.Header.Get("Set-Cookie")
	}

	unknownStatus, unknownBody, unknownCookie := try("nobody@example.com", adminPassword)
	wrongStatus, wrongBody, wrongCookie := try("ops@example.com", "not the password")

	if unknownStatus != http.StatusUnauthorized || wrongStatus != unknownStatus {
		t.Errorf("statuses %d and %d, want 401 for both", unknownStatus, wrongStatus)
	}
	if diff := cmp.Diff(unknownBody, wrongBody); diff != "" {
		t.Errorf("unknown email and wrong password differ (-unknown +wrong):\n%s", diff)
	}
	if unknownCookie != "" || wrongCookie != "" {
		t.Errorf("a failed sign-in set a cookie: %q %q", unknownCookie, wrongCookie)
	}
	wantActions(t, e, audit.ActionSignInFailed, audit.ActionSignInFailed)
	if strings.Contains(e.Logs.String(), "not the password") {
		t.Error("a password reached the log")
	}
}

func TestAdminSignInThrottlesPerAccount(t *testing.T) {
	for _, email := range []string{"ops@example.com", "nobody@example.com"} {
		t.Run(email, func(t *testing.T) {
			e := newAdminEnv(t)
			e.addAdmin("ops@example.com", store.RoleOperator)
			for i := range admins.DefaultMaxFailures {
				ip := "198.51.100." + string(rune('1'+i))
				r := fromIP(e.NewBrowser(), e.Portal.URL, ip, "/admin/sign-in",
					url.Values{"email": {email}, "password": {"wrong password!"}})
				if r.StatusCode != http.StatusUnauthorized {
					t.Fatalf("failure %d: status %d, want 401", i+1, r.StatusCode)
				}
			}
			r := fromIP(e.NewBrowser(), e.Portal.URL, "198.51.100.99", "/admin/sign-in",
				url.Values{"email": {email}, "password": {adminPassword}})
			if r.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("after %d failures: status %d, want 429",
					admins.DefaultMaxFailures, r.StatusCode)
			}
		})
	}
}

func TestAdminSignInThrottlesPerIP(t *testing.T) {
	e := newAdminEnv(t)
	b := e.NewBrowser()
	post := func(ip string, i int) int {
		return fromIP(b, e.Portal.URL, ip, "/admin/sign-in", url.Values{
			"email":    {"user" + string(rune('a'+i)) + "@example.com"},
			"password": {"wrong password!"}}).StatusCode
	}
	for i := range 10 {
		if got := post("203.0.113.7", i); got != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, got)
		}
	}
	if got := post("203.0.113.7", 10); got != http.StatusTooManyRequests {
		t.Errorf("11th attempt from one IP: status %d, want 429", got)
	}
	if got := post("203.0.113.8", 11); got != http.StatusUnauthorized {
		t.Errorf("another IP: status %d, want 401", got)
	}
}

func TestAdminSessionEndsAtOnce(t *testing.T) {
	tests := []struct {
		name string
		end  func(e *adminEnv, b *browserT)
	}{
		{name: "sign-out", end: func(e *adminEnv, b *browserT) {
			wantRedirect(e.t, b.Post("/admin/sign-out", nil), "/admin/sign-in?signed-out")
		}},
		{name: "portal admin revoke-sessions", end: func(e *adminEnv, _ *browserT) {
			a, _ := e.DB.AdminByEmail(context.Background(), "ops@example.com")
			if n, err := e.DB.RevokeAdminSessions(context.Background(), a.ID,
				e.clock.Now()); err != nil || n != 1 {
				e.t.Fatalf("revoked %d sessions, err %v", n, err)
			}
		}},
		{name: "idle for 30 minutes", end: func(e *adminEnv, _ *browserT) {
			e.clock.Advance(admins.IdleTimeout)
		}},
		{name: "admin disabled", end: func(e *adminEnv, _ *browserT) {
			a, _ := e.DB.AdminByEmail(context.Background(), "ops@example.com")
			a.DisabledAt = e.clock.Now()
			if err := e.DB.UpdateAdmin(context.Background(), a); err != nil {
				e.t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAdminEnv(t)
			e.addAdmin("ops@example.com", store.RoleOperator)
			b := e.signIn("ops@example.com")
			cookie := adminCookie(t, b)

			tt.end(e, b)

			replay := e.browserWithCookie(cookie)
			wantRedirect(t, replay.Get("/admin/submissions"), "/admin/sign-in")
			r := replay.Post("/admin/invitations", url.Values{"company": {"X"}, "days": {"14"}})
			wantRedirect(t, r, "/admin/sign-in")
		})
	}
}

// checkAdminCookie checks the attributes of the admin cookie a response
// set.
func checkAdminCookie(t *testing.T, r *http.Response) {
	t.Helper()
	for _, c := range r.Cookies() {
		if c.Name != admins.SessionCookie {
			continue
		}
		if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode ||
			c.Path != "/" || c.Domain != "" || len(c.Name)+len(c.Value) > 4096 {
			t.Errorf("admin cookie %+v: want Secure, HttpOnly, SameSite=Strict, Path=/", c)
		}
		return
	}
	t.Error("no admin cookie set")
}

// wantActions checks the audit log's actions, in order.
func wantActions(t *testing.T, e *adminEnv, want ...string) {
	t.Helper()
	entries, err := e.DB.AuditEntries(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range entries {
		if en.Action != audit.ActionInvite && en.Action != audit.ActionView {
			got = append(got, en.Action)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit actions (-want +got):\n%s", diff)
	}
}

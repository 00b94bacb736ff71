package crashtest

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"tbaportal/internal/netsuite/netsuitesim"
)

var totpKeyInPage = regexp.MustCompile(`id="totp-key"[^>]*>([A-Z2-7 ]+)<`)

// TestAdminSignsInToRealBinary adds an admin with the CLI and signs in to
// `portal serve` with the password and a TOTP code enrolled on the spot:
// only the real binary shows that the server is wired with the keyring
// that seals second-factor secrets.
func TestAdminSignsInToRealBinary(t *testing.T) {
	f := newFixture(t, netsuitesim.Options{})
	const password = "correct horse battery"
	if r := f.run(password+"\n", "admin", "add", "--email", "ops@example.com"); r.code != 0 {
		t.Fatalf("portal admin add: exit %d: %s", r.code, r.stderr)
	}
	p := f.start()
	b := newBrowser(p)

	code, _ := b.do(http.MethodPost, p.url("/admin/sign-in"), url.Values{
		"email": {"ops@example.com"}, "password": {password}})
	if code != http.StatusSeeOther {
		t.Fatalf("password step: status %d, want 303", code)
	}
	code, page := b.do(http.MethodGet, p.url("/admin/sign-in/code"), nil)
	m := totpKeyInPage.FindStringSubmatch(page)
	if code != http.StatusOK || m == nil {
		t.Fatalf("enrolment page: status %d, no key shown:\n%s", code, page)
	}
	otp, err := totp.GenerateCode(strings.ReplaceAll(m[1], " ", ""), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	code, _ = b.do(http.MethodPost, p.url("/admin/sign-in/code"), url.Values{"code": {otp}})
	if code != http.StatusSeeOther {
		t.Fatalf("code step: status %d, want 303", code)
	}
	code, page = b.do(http.MethodGet, p.url("/admin/submissions"), nil)
	if code != http.StatusOK || !strings.Contains(page, "<h1>Submissions</h1>") {
		t.Fatalf("submissions page after sign-in: status %d", code)
	}
}

package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"tbaportal/internal/admins"
	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/store"
)

// TestAdminInBrowser signs an operator in with a password and a TOTP code
// enrolled on the spot, finds a submission by its company, and opens it:
// its status shows, and its credentials show masked, never in full.
func TestAdminInBrowser(t *testing.T) {
	h := startPortal(t)
	const email, password = "ops@example.com", "a long admin passphrase"
	if _, err := admins.Create(context.Background(), h.DB, email, password,
		store.RoleOperator, time.Now()); err != nil {
		t.Fatal(err)
	}
	a := newAccount(t, h, "5553003", netsuitesim.Normal)
	company := `Findable Widgets <script>alert("x")</script>`
	_, link := h.Invite(company)
	h.CompleteWizard(link, a)
	_, otherLink := h.Invite("Someone Else Ltd")
	h.CompleteWizard(otherLink, newAccount(t, h, "5553004", netsuitesim.Normal))

	b := newBrowser(t, h.Portal)
	b.open("/admin")
	b.wantPath("/admin/sign-in")
	b.checkPage("Admin sign-in")
	b.fill("#email", email)
	b.fill("#password", password)
	b.click(".step-form .button-primary")
	b.wantPath("/admin/sign-in/code")
	b.checkPage("Admin authenticator enrolment")

	key := strings.ReplaceAll(b.text("#totp-key"), " ", "")
	code, err := totp.GenerateCode(key, time.Now())
	if err != nil {
		t.Fatalf("the enrolment key %q does not make codes: %v", key, err)
	}
	b.fill("#code", code)
	if status := b.click(".step-form .button-primary"); status != http.StatusOK {
		t.Fatalf("sign in with the code: status %d", status)
	}
	b.wantPath("/admin/submissions")
	b.checkPage("Submissions")

	b.fill("#q", "findable")
	b.click(".filters button")
	rows := value(b, "read the rows", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("tbody tr td:first-child")].map(td => td.textContent.trim())`))
	if len(rows) != 1 || rows[0] != company {
		t.Fatalf("search for findable lists %q, want only %q", rows, company)
	}
	b.checkPage("Submissions, searched")

	if status := b.click("tbody tr td:first-child a"); status != http.StatusOK {
		t.Fatalf("open the submission: status %d", status)
	}
	b.checkPage("Submission detail")
	if got := b.text("h1"); got != company {
		t.Errorf("detail heading %q, want the company as plain text %q", got, company)
	}
	if status := b.text(".kv .badge"); !strings.Contains(strings.ToLower(status), "progress") {
		t.Errorf("status shows %q, want in progress", status)
	}
	alerts := value(b, "count injected scripts", chromedp.Evaluate[int](
		`[...document.scripts].filter(s => s.textContent.includes("alert")).length`))
	if alerts != 0 {
		t.Errorf("the company name became %d script elements", alerts)
	}
	checkMasks(b, a)
}

// checkMasks expects the four credentials masked (last four characters
// and a fingerprint) and no value in full anywhere in the page.
func checkMasks(b *browser, a netsuitesim.Account) {
	b.t.Helper()
	masks := value(b, "read the masks", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("code.masked")].map(c => c.textContent.trim())`))
	values := []string{a.ConsumerKey, a.ConsumerSecret, a.TokenID, a.TokenSecret}
	if len(masks) != len(values) {
		b.t.Fatalf("%d masked credentials shown, want %d: %q", len(masks), len(values), masks)
	}
	for i, v := range values {
		if !strings.Contains(masks[i], v[len(v)-4:]) {
			b.t.Errorf("mask %q does not end with the value's last four", masks[i])
		}
		if len(masks[i]) > 40 {
			b.t.Errorf("mask %q shows more than a mask should", masks[i])
		}
	}
	checkNoSecretInBrowser(b, a)
}

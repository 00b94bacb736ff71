package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/testharness"
	"tbaportal/web"
)

// startPortal runs the whole portal with both simulators and a handoff
// worker, as `portal serve` would.
func startPortal(t *testing.T) *testharness.Harness {
	t.Helper()
	h := testharness.New(t, testharness.Options{Web: func(o *web.Options) {
		// Every request of a browser test comes from 127.0.0.1; the
		// per-IP page limit is tested elsewhere.
		o.PageRateLimit = 1 << 20
	}})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.Service.RunHandoffs(ctx, "e2e-worker", 50*time.Millisecond)
	}()
	t.Cleanup(func() { stop(); <-done })
	return h
}

// randomHex returns 64 hexadecimal characters, the shape of a TBA value.
func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newAccount adds a NetSuite account with fresh values to the simulator.
func newAccount(t *testing.T, h *testharness.Harness, id string,
	b netsuitesim.Behaviour) netsuitesim.Account {
	t.Helper()
	a := netsuitesim.Account{ID: id, ConsumerKey: randomHex(t),
		ConsumerSecret: randomHex(t), TokenID: randomHex(t),
		TokenSecret: randomHex(t), Behaviour: b}
	h.NetSuite.AddAccount(a)
	return a
}

// continueFrom presses the step's own button (Start on Welcome, Continue
// on the others) and expects the next step's page.
func continueFrom(b *browser, next string) {
	b.t.Helper()
	if status := b.click(".step-form .button-primary"); status != http.StatusOK {
		b.t.Fatalf("Continue: status %d, want 200 on %s", status, next)
	}
	b.wantPath(next)
}

// enterSetup walks a freshly opened invitation through every setup step
// with the values of a, checking each page on the way.
func enterSetup(b *browser, a netsuitesim.Account) {
	b.t.Helper()
	b.checkPage("Welcome")
	continueFrom(b, "/wizard/account-id")
	b.checkPage("Account ID")
	b.fill("#account-id", a.ID)
	continueFrom(b, "/wizard/enable-tba")
	for _, st := range []struct{ name, next string }{
		{"Enable TBA", "/wizard/role"},
		{"Create role", "/wizard/assign-role"},
		{"Assign role", "/wizard/integration"},
	} {
		b.checkPage(st.name)
		continueFrom(b, st.next)
	}
	b.checkPage("Integration")
	b.fill("#consumer-key", a.ConsumerKey)
	b.fill("#consumer-secret", a.ConsumerSecret)
	continueFrom(b, "/wizard/access-token")
	b.checkPage("Access token")
	b.fill("#token-id", a.TokenID)
	b.fill("#token-secret", a.TokenSecret)
	continueFrom(b, "/wizard/verify")
}

// TestWizardInBrowser walks an invitation from the link to Connected on a
// phone-sized screen: every step, Back, a mistake, a second browser that
// resumes, the live check and the handoff. axe-core runs on every page.
func TestWizardInBrowser(t *testing.T) {
	h := startPortal(t)
	a := newAccount(t, h, "5551234_SB2", netsuitesim.Normal)
	_, link := h.Invite("Browser Test <b>Ltd</b>")
	b := newBrowser(t, h.Portal)

	if status := b.open(link); status != http.StatusOK {
		t.Fatalf("open invitation: status %d", status)
	}
	b.wantPath("/wizard/welcome")
	checkIllustration(b)
	b.checkPage("Welcome")
	continueFrom(b, "/wizard/account-id")

	// A mistake: the page comes back with the message beside the field.
	b.fill("#account-id", "acme.netsuite.com")
	if status := b.click(".step-form .button-primary"); status != http.StatusUnprocessableEntity {
		t.Fatalf("a host name as Account ID: status %d, want 422", status)
	}
	if msg := b.text("#account-id-error"); !strings.Contains(msg, "1234567_SB1") {
		t.Errorf("Account ID error %q does not show the expected forms", msg)
	}
	b.checkPage("Account ID with an error")
	b.fill("#account-id", "5551234-sb2") // the host-name form, normalised
	continueFrom(b, "/wizard/enable-tba")

	// Back returns to the saved value.
	if status := b.button("Back"); status != http.StatusOK {
		t.Fatalf("Back: status %d", status)
	}
	b.wantPath("/wizard/account-id")
	saved := value(b, "read the Account ID", chromedp.Value(chromedp.CSS("#account-id")))
	if saved != "5551234_SB2" {
		t.Errorf("Account ID shown after Back = %q, want the realm form 5551234_SB2", saved)
	}
	continueFrom(b, "/wizard/enable-tba")
	continueFrom(b, "/wizard/role")

	// The same link in another browser resumes where the customer stopped.
	other := newBrowser(t, h.Portal)
	other.open(link)
	other.wantPath("/wizard/role")

	continueFrom(b, "/wizard/assign-role")
	continueFrom(b, "/wizard/integration")
	checkRevealToggle(b)
	b.fill("#consumer-key", a.ConsumerKey)
	b.fill("#consumer-secret", a.ConsumerSecret)
	continueFrom(b, "/wizard/access-token")
	b.fill("#token-id", a.TokenID)
	b.fill("#token-secret", a.TokenSecret)
	continueFrom(b, "/wizard/verify")
	b.checkPage("Verify")

	if status := b.button("Check with NetSuite"); status != http.StatusOK {
		t.Fatalf("Check with NetSuite: status %d", status)
	}
	b.checkPage("Verify, accepted")
	if title := b.text("#diagnosis-title"); title != "Credentials verified" {
		t.Errorf("diagnosis title %q, want Credentials verified", title)
	}
	if status := b.button("Continue"); status != http.StatusOK {
		t.Fatalf("Continue after the check: status %d", status)
	}
	b.wantPath("/wizard/connect")
	b.checkPage("Connect")
	if status := b.button("Connect"); status != http.StatusOK {
		t.Fatalf("Connect: status %d", status)
	}
	b.waitFor("/wizard/connect", "Connected", 30*time.Second)
	b.checkPage("Connected")
	if name := b.text(".notice-success strong"); !strings.Contains(name, "Browser Test <b>Ltd</b>") {
		t.Errorf("instance name %q, want the company name shown as text", name)
	}
	if n := len(h.Cloud.Instances()); n != 1 {
		t.Errorf("Cloud Elements holds %d instances, want 1", n)
	}
	checkNoSecretInBrowser(b, a)
}

// checkIllustration checks the step's picture: alt text, and a link that
// opens it full size.
func checkIllustration(b *browser) {
	b.t.Helper()
	alt := value(b, "read the alt text", chromedp.Evaluate[string](
		`document.querySelector("figure.illustration img").alt`))
	href := value(b, "read the picture link", chromedp.Evaluate[string](
		`document.querySelector("figure.illustration a").getAttribute("href")`))
	if len(alt) < 40 {
		b.t.Errorf("illustration alt text %q is too short to say what it shows", alt)
	}
	if !strings.HasPrefix(href, "/static/illustrations/") {
		b.t.Errorf("illustration link %q does not open the picture", href)
	}
	loaded := value(b, "check the picture", chromedp.Evaluate[bool](`(() => { const i = document.querySelector("figure.illustration img");
		return i.complete && i.naturalWidth > 0 })()`))
	if !loaded {
		b.t.Error("the illustration did not load")
	}
}

// checkRevealToggle presses Show on a secret field and expects it to turn
// into a text field, and back.
func checkRevealToggle(b *browser) {
	b.t.Helper()
	toggle := `button.reveal-toggle[aria-controls="consumer-secret"]`
	fieldType := chromedp.Evaluate[string](`document.querySelector("#consumer-secret").type`)
	b.press(toggle)
	if kind := value(b, "read the field type", fieldType); kind != "text" {
		b.t.Errorf("after Show the field is %q, want text", kind)
	}
	b.press(toggle)
	if kind := value(b, "read the field type", fieldType); kind != "password" {
		b.t.Errorf("after Hide the field is %q, want password", kind)
	}
}

// checkNoSecretInBrowser looks for the four values in what the browser
// holds: the document and the cookies.
func checkNoSecretInBrowser(b *browser, a netsuitesim.Account) {
	b.t.Helper()
	doc := b.html()
	var jar strings.Builder
	for _, c := range b.cookies() {
		jar.WriteString(c.Name + "=" + c.Value + ";")
	}
	for _, v := range []string{a.ConsumerKey, a.ConsumerSecret, a.TokenID, a.TokenSecret} {
		if strings.Contains(doc, v) || strings.Contains(doc, v[:16]) {
			b.t.Errorf("the page holds a secret value (%s…)", v[:4])
		}
		if strings.Contains(jar.String(), v[:16]) {
			b.t.Errorf("a cookie holds a secret value (%s…)", v[:4])
		}
	}
}

// TestDiagnosisInBrowser shows, in the browser, that a wrong Token Secret
// sends the customer back to the integration-record and access-token
// steps, and that a role without permission sends them to the role step.
func TestDiagnosisInBrowser(t *testing.T) {
	h := startPortal(t)
	tests := []struct {
		name      string
		account   string
		behaviour netsuitesim.Behaviour
		mistake   func(*netsuitesim.Account)
		title     string
		steps     []string
	}{
		{name: "wrong Token Secret", account: "5552001",
			mistake: func(a *netsuitesim.Account) { a.TokenSecret = randomHex(t) },
			title:   "NetSuite refused the login",
			steps:   []string{"/wizard/integration", "/wizard/access-token"}},
		{name: "role without permission", account: "5552002",
			behaviour: netsuitesim.NoWebServicesPermission,
			title:     "The role lacks a permission",
			steps:     []string{"/wizard/role"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAccount(t, h, tt.account, tt.behaviour)
			typed := a
			if tt.mistake != nil {
				tt.mistake(&typed)
			}
			_, link := h.Invite("Diagnosis Ltd")
			b := newBrowser(t, h.Portal)
			b.open(link)
			enterSetup(b, typed)
			if status := b.button("Check with NetSuite"); status != http.StatusOK {
				t.Fatalf("Check with NetSuite: status %d", status)
			}
			b.checkPage("Verify, " + tt.name)
			if title := b.text("#diagnosis-title"); !strings.Contains(title, tt.title) {
				t.Errorf("diagnosis title %q, want it to mention %q", title, tt.title)
			}
			links := value(b, "read the diagnosis links", chromedp.Evaluate[[]string](
				`[...document.querySelectorAll("#diagnosis .step-links a")]
					.map(a => a.getAttribute("href"))`))
			for _, want := range tt.steps {
				if !contains(links, want) {
					t.Errorf("diagnosis links %v, want one to %s", links, want)
				}
			}
			// The first link takes the customer to the step to redo.
			sel := `#diagnosis .step-links a[href="` + tt.steps[0] + `"]`
			if status := b.click(sel); status != http.StatusOK {
				t.Fatalf("follow the diagnosis link: status %d", status)
			}
			b.wantPath(tt.steps[0])
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

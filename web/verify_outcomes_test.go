package web_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/store"
	"tbaportal/internal/testharness"
)

// outcomeCase is one verification outcome driven through the whole stack:
// the simulator account, what the customer enters, and the page the
// customer must see.
type outcomeCase struct {
	name      string
	behaviour netsuitesim.Behaviour
	simNow    func() time.Time // the simulator's clock; nil: real time
	enter     func(a netsuitesim.Account, h *testharness.Harness) netsuitesim.Account
	title     string
	steps     []string // hrefs of the "What to redo" links
	info      string   // a note that must appear, if any
	summary   string   // text the summary must contain, if any
	status    store.Status
	audit     string // Login Audit Trail Detail the simulator must record
	// check, when set, makes further checks of the Verify page.
	check func(t *testing.T, page testharness.Response)
}

// TestVerificationOutcomes covers every outcome the simulator can produce,
// from the Verify button to the diagnosis and its step links.
func TestVerificationOutcomes(t *testing.T) {
	wrongSecret := randomHex(t)
	refused := []string{"/wizard/verify", "/wizard/access-token",
		"/wizard/integration", "/wizard/account-id"}
	// Outcomes that pass by themselves point back to Verify: check again.
	checkAgain := []string{"/wizard/verify"}
	tests := []outcomeCase{
		{name: "verified", title: "Credentials verified", status: store.StatusVerified},
		{name: "REST not enabled", behaviour: netsuitesim.NoRESTPermission,
			title: "Credentials verified", status: store.StatusVerified,
			info: "REST web services are not enabled for this role"},
		{name: "feature disabled", behaviour: netsuitesim.FeatureDisabled,
			title: "A NetSuite feature is not enabled", steps: []string{"/wizard/enable-tba"},
			status: store.StatusVerificationFailed, audit: netsuitesim.DetailFeatureDisabled},
		{name: "no web services permission", behaviour: netsuitesim.NoWebServicesPermission,
			title:  "The role lacks a permission",
			steps:  []string{"/wizard/role", "/wizard/assign-role", "/wizard/access-token"},
			status: store.StatusVerificationFailed, audit: netsuitesim.DetailPermissionViolation},
		{name: "concurrency limit", behaviour: netsuitesim.ConcurrencyLimit,
			title: "NetSuite is handling too many requests for this account",
			steps: checkAgain, status: store.StatusVerificationFailed},
		{name: "busy 429", behaviour: netsuitesim.Busy429, title: "NetSuite is busy",
			steps: checkAgain, status: store.StatusVerificationFailed},
		{name: "unavailable 503", behaviour: netsuitesim.Unavailable503, title: "NetSuite is busy",
			steps: checkAgain, status: store.StatusVerificationFailed},
		{name: "malformed XML", behaviour: netsuitesim.MalformedXML,
			title: "NetSuite gave an answer the portal could not read",
			steps: checkAgain, status: store.StatusVerificationFailed},
		{name: "dropped connection", behaviour: netsuitesim.DropConnection,
			title: "NetSuite could not be reached", steps: checkAgain,
			summary: "could not connect", status: store.StatusVerificationFailed},
		{name: "unknown fault", behaviour: netsuitesim.UnknownFault,
			title: "NetSuite reported an error", steps: checkAgain,
			summary: "NetSuite answered with " + netsuitesim.UnknownFaultCode,
			status:  store.StatusVerificationFailed, check: checkNetSuiteWordsEscaped},
		{name: "integration disabled", behaviour: netsuitesim.IntegrationDisabled,
			title: "NetSuite refused the login", steps: refused,
			status: store.StatusVerificationFailed, audit: netsuitesim.DetailConsumerKeyRefused},
		{name: "token revoked", behaviour: netsuitesim.TokenRevoked,
			title: "NetSuite refused the login", steps: refused,
			status: store.StatusVerificationFailed, audit: netsuitesim.DetailTokenRevoked},
		{name: "wrong Token Secret", title: "NetSuite refused the login", steps: refused,
			enter: func(a netsuitesim.Account, h *testharness.Harness) netsuitesim.Account {
				a.TokenSecret = wrongSecret
				return a
			},
			status: store.StatusVerificationFailed, audit: netsuitesim.DetailInvalidSignature},
		{name: "Consumer Key and Token ID swapped", title: "NetSuite refused the login",
			steps: refused,
			enter: func(a netsuitesim.Account, h *testharness.Harness) netsuitesim.Account {
				a.ConsumerKey, a.TokenID = a.TokenID, a.ConsumerKey
				return a
			},
			status: store.StatusVerificationFailed, audit: netsuitesim.DetailConsumerKeyUnknown},
		{name: "unknown account", title: "NetSuite does not know this Account ID",
			steps: []string{"/wizard/account-id"},
			enter: func(a netsuitesim.Account, h *testharness.Harness) netsuitesim.Account {
				a.ID = "7654321"
				return a
			},
			summary: "No secret was sent", status: store.StatusVerificationFailed},
		{name: "sandbox tokens with the production Account ID",
			title: "The tokens belong to another account",
			steps: []string{"/wizard/account-id", "/wizard/access-token"},
			enter: func(a netsuitesim.Account, h *testharness.Harness) netsuitesim.Account {
				sb := a
				sb.ID = "1234567_SB1"
				h.NetSuite.AddAccount(sb)
				a.ID = "1234567" // the demo account, whose tokens differ
				return a
			},
			summary: "work with Account ID 1234567_SB1", status: store.StatusVerificationFailed},
		{name: "clock skew", title: "The portal's clock is wrong", steps: checkAgain,
			simNow:  func() time.Time { return time.Now().Add(10 * time.Minute) },
			summary: "about 10 minutes", status: store.StatusVerificationFailed,
			audit: netsuitesim.DetailInvalidTimestamp},
		// The harness keeps the client's 20 s verification timeout, so this
		// case takes that long; it runs in parallel with the others.
		{name: "hang", behaviour: netsuitesim.Hang, title: "NetSuite did not answer in time",
			steps: checkAgain, status: store.StatusVerificationFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			runOutcome(t, tt)
		})
	}
}

func runOutcome(t *testing.T, tt outcomeCase) {
	h := newHarness(t, testharness.Options{
		NetSuite: netsuitesim.Options{Now: tt.simNow, HangLimit: time.Minute}})
	account := newAccount(t, "2345678", tt.behaviour)
	h.NetSuite.AddAccount(account)
	entered := account
	if tt.enter != nil {
		entered = tt.enter(account, h)
	}
	inv, link := h.Invite("Acme Ltd")
	b := openLink(t, h, link)
	walk(t, b, entered, "")

	before := h.NetSuite.Requests()
	r := b.Post("/wizard/verify", nil)
	if r.StatusCode != http.StatusSeeOther ||
		r.Header.Get("Location") != "/wizard/verify#diagnosis" {
		t.Fatalf("verify: status %d to %q, want 303 to the diagnosis",
			r.StatusCode, r.Header.Get("Location"))
	}
	page := b.Get("/wizard/verify")
	doc := parse(t, page)
	if got := text(doc.Find("#diagnosis-title")); got != tt.title {
		t.Errorf("diagnosis title %q, want %q", got, tt.title)
	}
	var steps []string
	doc.Find("#diagnosis .step-links a").Each(func(_ int, a *goquery.Selection) {
		steps = append(steps, a.AttrOr("href", ""))
	})
	if diff := cmp.Diff(tt.steps, steps); diff != "" {
		t.Errorf("step links (-want +got):\n%s", diff)
	}
	diag := text(doc.Find("#diagnosis"))
	for _, want := range []string{tt.info, tt.summary} {
		if !strings.Contains(diag, want) {
			t.Errorf("diagnosis lacks %q:\n%s", want, diag)
		}
	}
	if tt.info == "" && doc.Find("#diagnosis .notice-info").Length() != 0 {
		t.Errorf("unexpected note: %s", text(doc.Find("#diagnosis .notice-info")))
	}
	checkNoInternals(t, page, entered)
	if tt.check != nil {
		tt.check(t, page)
	}
	continues := doc.Find(`a[href="/wizard/connect"].button`).Length()
	checkOutcomeState(t, h, inv.Submission.ID, tt, continues)
	if tt.audit != "" && !containsString(h.NetSuite.LoginAudit(account.ID), tt.audit) {
		t.Errorf("Login Audit Trail %v lacks %s", h.NetSuite.LoginAudit(account.ID), tt.audit)
	}
	if tt.name == "unknown account" && h.NetSuite.Requests()-before != 1 {
		t.Errorf("verifying an unknown account made %d requests, want only the lookup",
			h.NetSuite.Requests()-before)
	}
	checkNoSecretLogged(t, h, entered)
}

// checkNoInternals fails if the Verify page shows a stack trace, a Go
// error or any of the four values, in any spelling the canary scan knows.
func checkNoInternals(t *testing.T, page testharness.Response, a netsuitesim.Account) {
	t.Helper()
	for _, leak := range []string{"goroutine", "panic:", ".go:", "runtime/",
		"netsuite:", "dial tcp", "x509:"} {
		if strings.Contains(page.Body, leak) {
			t.Errorf("the page shows internals (%q)", leak)
		}
	}
	scan(t, secretsOf(a), []haystack{{where: "Verify page", data: []byte(page.Body)}})
}

// checkNetSuiteWordsEscaped: NetSuite's own code and message reach the
// page, and the markup in the message shows as text, never as elements.
func checkNetSuiteWordsEscaped(t *testing.T, page testharness.Response) {
	t.Helper()
	diag := parse(t, page).Find("#diagnosis")
	said := text(diag)
	for _, want := range []string{netsuitesim.UnknownFaultCode,
		netsuitesim.UnknownFaultMessage} {
		if !strings.Contains(said, want) {
			t.Errorf("diagnosis lacks %q:\n%s", want, said)
		}
	}
	if n := diag.Find("b, i").Length(); n != 0 {
		t.Errorf("NetSuite's markup became %d elements", n)
	}
	if !strings.Contains(page.Body, "&lt;b&gt;x&lt;/b&gt;") {
		t.Errorf("the message is not escaped in the HTML")
	}
}

// checkOutcomeState checks the stored status and that Continue is offered
// exactly when the values work.
func checkOutcomeState(t *testing.T, h *testharness.Harness, id string,
	tt outcomeCase, continues int) {
	t.Helper()
	sub, err := h.DB.Submission(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != tt.status {
		t.Errorf("status %q, want %q", sub.Status, tt.status)
	}
	want := 0
	if tt.status == store.StatusVerified {
		want = 1
	}
	if continues != want {
		t.Errorf("%d Continue links to Connect, want %d", continues, want)
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkNoSecretLogged fails if any of the four values, in any spelling
// the canary scan knows, reached a log line.
func checkNoSecretLogged(t *testing.T, h *testharness.Harness, a netsuitesim.Account) {
	t.Helper()
	logs := h.Logs.String()
	if logs == "" {
		t.Fatal("the portal logged nothing; the check would prove nothing")
	}
	scan(t, secretsOf(a), []haystack{{where: "log", data: []byte(logs)}})
}

var checkAgainAt = regexp.MustCompile(`check again at (\d\d):(\d\d) UTC`)

// TestVerificationAttemptLimit: ten checks in 15 minutes are allowed; the
// eleventh is refused with 429 and the time to check again, without
// reaching NetSuite.
func TestVerificationAttemptLimit(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	_, link := h.Invite("Acme Ltd")
	b := openLink(t, h, link)
	walk(t, b, testharness.Demo(), "")
	start := time.Now().UTC()
	limit := h.Service.Config().VerifyLimit
	if limit != 10 {
		t.Fatalf("VerifyLimit %d, this test expects the default 10", limit)
	}
	for i := 1; i <= limit; i++ {
		if r := b.Post("/wizard/verify", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("attempt %d: status %d, want 303", i, r.StatusCode)
		}
	}

	before := h.NetSuite.Requests()
	r := b.Post("/wizard/verify", nil)
	if r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("attempt %d: status %d, want 429", limit+1, r.StatusCode)
	}
	if n := h.NetSuite.Requests() - before; n != 0 {
		t.Errorf("the refused attempt made %d requests to NetSuite", n)
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 60 || s > 15*60+1 {
		t.Errorf("Retry-After %q, want seconds up to 15 minutes", r.Header.Get("Retry-After"))
	}
	m := checkAgainAt.FindStringSubmatch(text(parse(t, r).Find("main")))
	if m == nil {
		t.Fatalf("the page does not say when to check again:\n%s", r.Body)
	}
	hh, _ := strconv.Atoi(m[1])
	mm, _ := strconv.Atoi(m[2])
	want := start.Add(h.Service.Config().VerifyWindow)
	// Minutes of the day, compared modulo a day so midnight does not
	// matter; the page rounds to the minute and the attempts take time.
	diff := ((hh*60 + mm) - (want.Hour()*60 + want.Minute()) + 24*60) % (24 * 60)
	if diff > 2 && diff < 24*60-1 {
		t.Errorf("check again at %s:%s, want about %s", m[1], m[2], want.Format("15:04"))
	}
}

// TestVerifyWithMissingValues: Verify before all four values are saved
// says what is missing and reaches nobody.
func TestVerifyWithMissingValues(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	_, link := h.Invite("Acme Ltd")
	b := openLink(t, h, link)
	walk(t, b, testharness.Demo(), "access-token")
	before := h.NetSuite.Requests()

	r := b.Post("/wizard/verify", nil)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", r.StatusCode)
	}
	if !strings.Contains(r.Body, "Some values are missing") {
		t.Errorf("the page does not say values are missing:\n%s", r.Body)
	}
	if n := h.NetSuite.Requests() - before; n != 0 {
		t.Errorf("made %d requests to NetSuite, want none", n)
	}
}

package web_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/testharness"
	"tbaportal/web"
)

// newHarness starts a portal whose per-IP page limit is out of the way:
// every test client shares 127.0.0.1, and these tests are about other
// things.
func newHarness(t *testing.T, o testharness.Options) *testharness.Harness {
	t.Helper()
	adjust := o.Web
	o.Web = func(wo *web.Options) {
		wo.PageRateLimit = 1 << 20
		if adjust != nil {
			adjust(wo)
		}
	}
	return testharness.New(t, o)
}

// randomHex returns 64 lower-case hexadecimal characters, the shape of
// every TBA value.
func randomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newAccount returns a simulator account with fresh random values.
func newAccount(t testing.TB, id string, b netsuitesim.Behaviour) netsuitesim.Account {
	return netsuitesim.Account{
		ID:          id,
		ConsumerKey: randomHex(t), ConsumerSecret: randomHex(t),
		TokenID: randomHex(t), TokenSecret: randomHex(t),
		Behaviour: b,
	}
}

// secretsOf lists the four TBA values of an account.
func secretsOf(a netsuitesim.Account) []string {
	return []string{a.ConsumerKey, a.ConsumerSecret, a.TokenID, a.TokenSecret}
}

// openLink opens an invitation link in a fresh browser.
func openLink(t *testing.T, h *testharness.Harness, link string) *testharness.Browser {
	t.Helper()
	b := h.NewBrowser()
	if r := b.Get(link); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("open invitation: status %d, want 303", r.StatusCode)
	}
	return b
}

// stepForm is what a customer types on each setup step.
func stepForm(slug string, a netsuitesim.Account) url.Values {
	switch slug {
	case "account-id":
		return url.Values{"account_id": {a.ID}}
	case "integration":
		return url.Values{"consumer_key": {a.ConsumerKey},
			"consumer_secret": {a.ConsumerSecret}}
	case "access-token":
		return url.Values{"token_id": {a.TokenID}, "token_secret": {a.TokenSecret}}
	}
	return url.Values{}
}

// setupSteps are the steps with a Continue button, in order.
var setupSteps = []string{"welcome", "account-id", "enable-tba", "role",
	"assign-role", "integration", "access-token"}

// walk posts every setup step before stop (all of them when stop is
// ""), confirming an Account ID NetSuite does not know when asked.
func walk(t *testing.T, b *testharness.Browser, a netsuitesim.Account, stop string) {
	t.Helper()
	for _, slug := range setupSteps {
		if slug == stop {
			return
		}
		form := stepForm(slug, a)
		r := b.Post("/wizard/"+slug, form)
		if slug == "account-id" && r.StatusCode == http.StatusUnprocessableEntity {
			confirm, _ := parse(t, r).Find(`input[name=confirm_unknown]`).Attr("value")
			form.Set("confirm_unknown", confirm)
			r = b.Post("/wizard/"+slug, form)
		}
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /wizard/%s: status %d, want 303\n%s", slug, r.StatusCode, r.Body)
		}
	}
}

// parse reads a response body as HTML.
func parse(t testing.TB, r testharness.Response) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// text returns the trimmed, space-collapsed text of a selection.
func text(s *goquery.Selection) string {
	return strings.Join(strings.Fields(s.Text()), " ")
}

// checkPortalPage fails unless the body is a page in the portal's look
// that shows no internals.
func checkPortalPage(t *testing.T, r testharness.Response, wantStatus int, wantHeading string) {
	t.Helper()
	if r.StatusCode != wantStatus {
		t.Errorf("status %d, want %d", r.StatusCode, wantStatus)
	}
	doc := parse(t, r)
	if doc.Find("header.site-header .brand").Length() != 1 {
		t.Errorf("page lacks the layout's header:\n%s", r.Body)
	}
	if got := text(doc.Find("main h1")); got != wantHeading {
		t.Errorf("heading %q, want %q", got, wantHeading)
	}
	for _, leak := range []string{"goroutine", "panic", ".go:", "sql:",
		"store:", "onboarding:", "runtime/", "database is closed"} {
		if strings.Contains(r.Body, leak) {
			t.Errorf("page shows internals (%q):\n%s", leak, r.Body)
		}
	}
}

// recorder keeps a copy of every response a browser receives, so a test
// can scan all of them.
type recorder struct {
	base http.RoundTripper

	mu        sync.Mutex
	responses []recorded
}

type recorded struct {
	path   string
	header http.Header
	body   []byte
}

// record makes b keep every response it receives.
func record(b *testharness.Browser) *recorder {
	rec := &recorder{base: b.Client.Transport}
	if rec.base == nil {
		rec.base = http.DefaultTransport
	}
	b.Client.Transport = rec
	return rec
}

func (rec *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rec.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.responses = append(rec.responses, recorded{
		path: req.URL.Path, header: resp.Header.Clone(), body: body})
	return resp, nil
}

// all returns what was recorded so far.
func (rec *recorder) all() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.responses...)
}

package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tbaportal/internal/onboarding"
	"tbaportal/internal/testharness"
)

// TestConnectPageStates follows the Connect page from Connect through the
// handoff to Connected: every state has its picture and a Back link, and
// with a retention period the page says when the values leave the portal
// instead of claiming they already have.
func TestConnectPageStates(t *testing.T) {
	h := newHarness(t, testharness.Options{Config: func(c *onboarding.Config) {
		c.SecretRetention = 24 * time.Hour
	}})
	_, link := h.Invite("Acme Ltd")
	b := h.CompleteWizard(link, testharness.Demo())
	if r := b.Post("/wizard/verify", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: status %d", r.StatusCode)
	}

	check := func(state, heading string) string {
		t.Helper()
		doc := parse(t, b.Get("/wizard/connect"))
		if got := text(doc.Find("h1")); got != heading {
			t.Errorf("%s: heading %q, want %q", state, got, heading)
		}
		if alt := doc.Find("figure.illustration img").AttrOr("alt", ""); len(alt) < 40 {
			t.Errorf("%s: no illustration with alt text (alt %q)", state, alt)
		}
		checkBack(t, doc, "/wizard/verify")
		return text(doc.Find("article"))
	}
	check("ready", "Connect your NetSuite account")
	if r := b.Post("/wizard/connect", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("connect: status %d", r.StatusCode)
	}
	check("working", "Connecting…")
	h.RunHandoffs()
	page := check("connected", "Connected")
	if !strings.Contains(page, "this portal erases its copy by") ||
		strings.Contains(page, "are erased from this portal") {
		t.Errorf("with a retention period the page says: %q", page)
	}
}

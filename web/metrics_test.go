package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tbaportal/internal/store"
	"tbaportal/internal/testharness"
)

// TestMetricsSeries runs one onboarding and a request with a made-up
// method, then reads /admin/metrics: requests by route pattern,
// verification and handoff outcomes are counted, and the made-up method
// is folded into "other" so that clients cannot mint series.
func TestMetricsSeries(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("viewer@example.com", store.RoleViewer)
	_, link := e.Invite("Metrics Ltd")
	b := e.CompleteWizard(link, testharness.Demo())
	if r := b.Post("/wizard/verify", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: status %d", r.StatusCode)
	}
	if r := b.Post("/wizard/connect", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("connect: status %d", r.StatusCode)
	}
	e.RunHandoffs()
	req, _ := http.NewRequest("BREW", e.Portal.URL+"/wizard/welcome", nil)
	b.Do(req)

	body := e.signIn("viewer@example.com").Get("/admin/metrics").Body
	for _, want := range []string{
		`portal_http_requests_total{method="POST",route="/wizard/{step}",status="303"}`,
		`portal_http_requests_total{method="other",route="unmatched",status="405"} 1`,
		`portal_verifications_total{outcome="verified"} 1`,
		`portal_handoffs_total{outcome=`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "BREW") {
		t.Error("a client's made-up method became a label value")
	}
}

package web_test

import (
	"net/http"
	"strings"
	"testing"

	"tbaportal/internal/store"
	"tbaportal/internal/testharness"
)

func TestWizardHappyPathReachesConnected(t *testing.T) {
	h := testharness.New(t, testharness.Options{})
	inv, link := h.Invite("Acme Ltd")
	b := h.CompleteWizard(link, testharness.Demo())

	if r := b.Post("/wizard/verify", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: status %d, want 303", r.StatusCode)
	}
	page := b.Get("/wizard/verify")
	if !strings.Contains(page.Body, "Credentials verified") {
		t.Fatalf("verify page lacks the success diagnosis:\n%s", page.Body)
	}
	if r := b.Post("/wizard/connect", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("connect: status %d, want 303", r.StatusCode)
	}
	h.RunHandoffs()

	page = b.Get("/wizard/connect")
	if !strings.Contains(page.Body, "<h1>Connected</h1>") {
		t.Fatalf("connect page does not say Connected:\n%s", page.Body)
	}
	sub, err := h.DB.Submission(t.Context(), inv.Submission.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != store.StatusConnected || sub.InstanceID == "" {
		t.Errorf("submission status %q instance %q, want connected with an instance", sub.Status, sub.InstanceID)
	}
	if sub.PurgedAt.IsZero() || sub.WrappedKey != nil {
		t.Errorf("secrets not shredded after the handoff: purged_at=%v key=%v", sub.PurgedAt, sub.WrappedKey != nil)
	}
	if n := h.Cloud.CountWithTag("tbaportal-submission-" + sub.ID); n != 1 {
		t.Errorf("instances with the submission's tag = %d, want 1", n)
	}
}

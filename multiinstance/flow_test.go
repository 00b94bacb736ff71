package multiinstance

import (
	"net/http"
	"strings"
	"testing"

	"tbaportal/internal/store"
	"tbaportal/internal/store/pgtest"
	"tbaportal/internal/testharness"
)

// TestWizardFlowOnPostgres walks the wizard from the invitation to a
// connected instance with the store on PostgreSQL, exactly as the
// SQLite flow test in package web does.
func TestWizardFlowOnPostgres(t *testing.T) {
	h := testharness.New(t, testharness.Options{DatabaseURL: pgtest.NewDatabase(t)})
	if h.DB.Dialect() != store.Postgres {
		t.Fatalf("harness store is %s, want postgres", h.DB.Dialect())
	}
	inv, link := h.Invite("Acme Ltd")
	b := h.CompleteWizard(link, testharness.Demo())

	if r := b.Post("/wizard/verify", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: status %d, want 303", r.StatusCode)
	}
	if page := b.Get("/wizard/verify"); !strings.Contains(page.Body, "Credentials verified") {
		t.Fatalf("verify page lacks the success diagnosis:\n%s", page.Body)
	}
	if r := b.Post("/wizard/connect", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("connect: status %d, want 303", r.StatusCode)
	}
	h.RunHandoffs()

	if page := b.Get("/wizard/connect"); !strings.Contains(page.Body, "<h1>Connected</h1>") {
		t.Fatalf("connect page does not say Connected:\n%s", page.Body)
	}
	sub, err := h.DB.Submission(t.Context(), inv.Submission.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != store.StatusConnected || sub.InstanceID == "" {
		t.Errorf("submission status %q instance %q, want connected with an instance",
			sub.Status, sub.InstanceID)
	}
	if sub.PurgedAt.IsZero() || sub.WrappedKey != nil {
		t.Errorf("secrets not shredded after the handoff: purged_at=%v key=%v",
			sub.PurgedAt, sub.WrappedKey != nil)
	}
	if n := h.Cloud.CountWithTag("tbaportal-submission-" + sub.ID); n != 1 {
		t.Errorf("instances with the submission's tag = %d, want 1", n)
	}
	assertAuditChain(t, h.DB)
}

// assertAuditChain checks the audit log's sequence has no gaps and each
// entry names the one before it.
func assertAuditChain(t *testing.T, db *store.DB) {
	t.Helper()
	entries, err := db.AuditEntries(t.Context(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("the audit log is empty; the flow should have recorded decryptions")
	}
	for i, e := range entries {
		if e.Seq != int64(i+1) || (i > 0 && e.PrevHash != entries[i-1].Hash) {
			t.Fatalf("audit entry %d: seq %d prev %q breaks the chain", i, e.Seq, e.PrevHash)
		}
	}
}

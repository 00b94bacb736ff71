package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/cloudelements"
	"tbaportal/internal/cloudelements/cloudelementssim"
	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/secrets"
	"tbaportal/internal/testharness"
	"tbaportal/internal/webhook"
)

// TestHandoffSendsSignedEventsWithoutSecrets runs real handoffs with the
// webhook notifier wired in and checks what the operator's endpoint gets.
func TestHandoffSendsSignedEventsWithoutSecrets(t *testing.T) {
	const key = "operator-webhook-key-7d1c"
	tests := []struct {
		name      string
		fault     cloudelementssim.Fault
		wantEvent string
		wantKeys  []string
	}{
		{name: "connected", wantEvent: "submission.connected",
			wantKeys: []string{"account_id", "at", "company", "event",
				"instance_id", "submission_id"}},
		{name: "handoff failed", fault: cloudelementssim.Fault400,
			wantEvent: "submission.handoff_failed",
			wantKeys: []string{"account_id", "at", "company", "event",
				"reason", "submission_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testharness.New(t, testharness.Options{})
			rc := newReceiver(t)
			n, err := webhook.NewNotifier(rc.srv.URL, secrets.New(key), h.Log)
			if err != nil {
				t.Fatal(err)
			}
			svc := notifyingService(h, n)
			id := connectedSubmission(t, h)
			if tt.fault != "" {
				h.Cloud.FailNext(tt.fault)
			}
			for svc.HandoffOnce(t.Context(), "w") {
			}

			got := rc.deliveries()
			if len(got) != 1 {
				t.Fatalf("%d deliveries, want 1", len(got))
			}
			d := got[0]
			checkSigned(t, key, d)
			var body map[string]any
			if err := json.Unmarshal(d.body, &body); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			if diff := cmp.Diff(tt.wantKeys, slices.Sorted(maps.Keys(body))); diff != "" {
				t.Errorf("body fields (-want +got):\n%s", diff)
			}
			want := map[string]any{"event": tt.wantEvent, "submission_id": id,
				"company": "Acme Ltd", "account_id": "1234567"}
			for k, v := range want {
				if body[k] != v {
					t.Errorf("%s = %v, want %v", k, body[k], v)
				}
			}
			for _, s := range secretValues(h) {
				if bytes.Contains(d.body, []byte(s)) {
					t.Errorf("webhook body reveals a secret: %s", d.body)
				}
			}
			if bytes.Contains(d.body, []byte(key)) {
				t.Error("webhook body holds its own signing key")
			}
		})
	}
}

// notifyingService is a Service over the harness's storage whose
// handoffs notify n.
func notifyingService(h *testharness.Harness, n onboarding.Notifier) *onboarding.Service {
	return onboarding.New(onboarding.Deps{
		DB: h.DB, Keys: h.Keys, Logger: h.Log, Notifier: n,
		Cloud: cloudelements.NewClient(cloudelements.Options{
			BaseURL: h.CEServer.URL, HTTPClient: h.CEServer.Client(),
			UserSecret: secrets.New(cloudelementssim.DemoUserSecret),
			OrgSecret:  secrets.New(cloudelementssim.DemoOrgSecret),
		}),
	}, h.Service.Config())
}

// connectedSubmission takes a new invitation through the wizard,
// verification and Connect.
func connectedSubmission(t *testing.T, h *testharness.Harness) string {
	t.Helper()
	inv, link := h.Invite("Acme Ltd")
	h.CompleteWizard(link, netsuitesim.DemoAccount())
	id := inv.Submission.ID
	if _, err := h.Service.Verify(context.Background(), id, "customer"); err != nil {
		t.Fatal(err)
	}
	if err := h.Service.Connect(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	return id
}

// secretValues are every secret the portal holds in these tests: the
// four TBA values, the operator's Cloud Elements secrets and each
// instance token.
func secretValues(h *testharness.Harness) []string {
	a := netsuitesim.DemoAccount()
	out := []string{a.ConsumerKey, a.ConsumerSecret, a.TokenID, a.TokenSecret,
		cloudelementssim.DemoUserSecret, cloudelementssim.DemoOrgSecret}
	for _, in := range h.Cloud.Instances() {
		out = append(out, in.Token)
	}
	// A fragment would reveal part of a value just as well.
	return append(out, a.ConsumerKey[:16], a.TokenSecret[:16])
}

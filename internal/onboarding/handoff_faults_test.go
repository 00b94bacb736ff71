package onboarding_test

import (
	"strings"
	"testing"
	"time"

	"tbaportal/internal/cloudelements"
	"tbaportal/internal/cloudelements/cloudelementssim"
	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/store"
	"tbaportal/internal/testharness"
)

// TestHandoffFaultsEndInFailureWithoutLoss plays each way Cloud Elements
// misbehaves on every attempt: the job is retried up to the limit, then
// the submission is handoff_failed with a reason naming the fault, keeps
// its secrets, and connects once an admin retries and the fault is gone.
func TestHandoffFaultsEndInFailureWithoutLoss(t *testing.T) {
	const maxAttempts = 3
	tests := []struct {
		name       string
		fault      cloudelementssim.Fault
		wantReason string
	}{
		{name: "timeout", fault: cloudelementssim.FaultTimeout,
			wantReason: "could not be reached (timeout)"},
		{name: "server error", fault: cloudelementssim.Fault503,
			wantReason: "(server, HTTP 503): Service Unavailable"},
		{name: "not JSON", fault: cloudelementssim.FaultBadJSON,
			wantReason: "(bad_response, HTTP 200)"},
		{name: "connection reset", fault: cloudelementssim.FaultReset,
			wantReason: "could not be reached (network)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *onboarding.Config) {
				c.HandoffMaxAttempts = maxAttempts
			}, nil)
			id := connected(t, h, "Acme Ltd")
			for range maxAttempts {
				h.Cloud.FailNext(tt.fault)
			}
			svc := serviceWithCloud(h, cloudelements.Options{
				HTTPClient: timeoutClient(h, 300*time.Millisecond)}, nil)

			sub := settle(t, h, svc, id)
			if sub.Status != store.StatusHandoffFailed {
				t.Fatalf("status %q, want handoff_failed", sub.Status)
			}
			j := handoffJob(t, h, id)
			if j.Attempts != maxAttempts || j.State != store.JobFailed {
				t.Errorf("job attempts %d state %q, want %d and failed",
					j.Attempts, j.State, maxAttempts)
			}
			if !strings.Contains(j.LastError, tt.wantReason) {
				t.Errorf("reason %q lacks %q; the client logged:\n%s",
					j.LastError, tt.wantReason, cloudFailures(h))
			}
			if strings.HasSuffix(j.LastError, ": ") {
				t.Errorf("reason %q ends without saying what happened", j.LastError)
			}
			evs := events(t, h, id)
			if n := countKind(evs, "handoff_retry"); n != maxAttempts-1 {
				t.Errorf("%d retries in the timeline, want %d", n, maxAttempts-1)
			}
			if n := len(h.Cloud.Instances()); n != 0 {
				t.Errorf("simulator holds %d instances, want 0", n)
			}
			assertRetrySucceeds(t, h, svc, id)
		})
	}
}

// assertRetrySucceeds checks that a failed submission kept what a retry
// needs: an admin's retry connects it with exactly one instance.
func assertRetrySucceeds(t *testing.T, h *testharness.Harness, svc *onboarding.Service, id string) {
	t.Helper()
	if sub := submission(t, h, id); sub.WrappedKey == nil {
		t.Fatal("secrets gone after a failed handoff")
	}
	if err := svc.RetryHandoff(t.Context(), id, "ops@example.com"); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if sub := settle(t, h, svc, id); sub.Status != store.StatusConnected {
		t.Fatalf("status %q after the retry, want connected", sub.Status)
	}
	onlyInstance(t, h, id)
}

func TestHandoffFailsWhenSealedCredentialsCannotBeOpened(t *testing.T) {
	h := newHarness(t, nil, nil)
	id := connected(t, h, "Acme Ltd")
	// Swap in another submission's data key: the sealed fields no longer
	// open, as after tampering with the database.
	other, _ := verifiedSubmission(t, h, "Other Ltd", netsuitesim.DemoAccount())
	o := submission(t, h, other)
	_, err := h.DB.SQL().ExecContext(t.Context(),
		`UPDATE submissions SET wrapped_key = ?, key_version = ? WHERE id = ?`,
		o.WrappedKey, o.KeyVersion, id)
	if err != nil {
		t.Fatal(err)
	}

	sub := settle(t, h, h.Service, id)
	if sub.Status != store.StatusHandoffFailed {
		t.Fatalf("status %q, want handoff_failed", sub.Status)
	}
	if j := handoffJob(t, h, id); !strings.Contains(j.LastError, "could not be opened") {
		t.Errorf("reason %q does not say the credentials could not be opened", j.LastError)
	}
	if n := len(h.Cloud.Instances()); n != 0 {
		t.Errorf("simulator holds %d instances, want 0", n)
	}
}

// cloudFailures returns the portal's log lines about failed Cloud
// Elements calls, each with the operation and the whole error, to explain
// an unexpected outcome.
func cloudFailures(h *testharness.Harness) string {
	var b strings.Builder
	for _, line := range strings.Split(h.Logs.String(), "\n") {
		if strings.Contains(line, "cloud elements call failed") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

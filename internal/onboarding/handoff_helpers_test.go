package onboarding_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"tbaportal/internal/cloudelements"
	"tbaportal/internal/cloudelements/cloudelementssim"
	"tbaportal/internal/netsuite"
	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
	"tbaportal/internal/testclock"
	"tbaportal/internal/testharness"
)

// The tests in this package that use the harness are an external package
// (onboarding_test) because the harness itself imports onboarding.

// newTestClock returns a clock the test moves by hand. It starts at the
// real time so that NetSuite's simulator accepts the OAuth timestamps
// signed with it.
func newTestClock() *testclock.Clock {
	return testclock.New(time.Now().UTC().Truncate(time.Millisecond))
}

// newHarness builds a harness with adjusted onboarding rules; now may be
// nil for the real clock.
func newHarness(t *testing.T, cfg func(*onboarding.Config), now func() time.Time) *testharness.Harness {
	t.Helper()
	return testharness.New(t, testharness.Options{Config: cfg, Now: now})
}

// sandboxAccount is the demo account's values under a sandbox Account ID.
func sandboxAccount() netsuitesim.Account {
	a := netsuitesim.DemoAccount()
	a.ID = "1234567_SB1"
	return a
}

// verifiedSubmission walks a new invitation through the wizard with a's
// values (a.ID as the customer types it) and verifies them. It returns
// the submission ID and the customer's browser.
func verifiedSubmission(t *testing.T, h *testharness.Harness, company string, a netsuitesim.Account) (string, *testharness.Browser) {
	t.Helper()
	inv, link := h.Invite(company)
	b := h.CompleteWizard(link, a)
	v, err := h.Service.Verify(context.Background(), inv.Submission.ID, "customer")
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if v.Result.Outcome != netsuite.OutcomeVerified {
		t.Fatalf("verification outcome %q, want verified", v.Result.Outcome)
	}
	return inv.Submission.ID, b
}

// connected is verifiedSubmission followed by Connect.
func connected(t *testing.T, h *testharness.Harness, company string) string {
	t.Helper()
	id, _ := verifiedSubmission(t, h, company, netsuitesim.DemoAccount())
	if err := h.Service.Connect(context.Background(), id); err != nil {
		t.Fatalf("connect: %v", err)
	}
	return id
}

// serviceWithCloud returns a second Service over the harness's database
// and keys whose Cloud Elements client is built from o. An empty BaseURL
// or HTTPClient means the harness's simulator; empty secrets mean the
// simulator's demo secrets.
func serviceWithCloud(h *testharness.Harness, o cloudelements.Options, n onboarding.Notifier) *onboarding.Service {
	if o.BaseURL == "" {
		o.BaseURL = h.CEServer.URL
	}
	if o.HTTPClient == nil {
		o.HTTPClient = h.CEServer.Client()
	}
	if o.UserSecret.IsZero() {
		o.UserSecret = secrets.New(cloudelementssim.DemoUserSecret)
	}
	if o.OrgSecret.IsZero() {
		o.OrgSecret = secrets.New(cloudelementssim.DemoOrgSecret)
	}
	o.Logger = h.Log
	return onboarding.New(onboarding.Deps{
		DB: h.DB, Keys: h.Keys, Cloud: cloudelements.NewClient(o),
		Notifier: n, Logger: h.Log,
	}, h.Service.Config())
}

// timeoutClient trusts the harness's Cloud Elements simulator and gives
// up on a request after d.
func timeoutClient(h *testharness.Harness, d time.Duration) *http.Client {
	c := h.CEServer.Client()
	c.Timeout = d
	return c
}

// settle works handoff jobs with svc until submission id leaves
// handing_off, and returns it. A retryable failure reschedules the job a
// little into the future, so it waits between passes; after 20 s it
// fails the test.
func settle(t *testing.T, h *testharness.Harness, svc *onboarding.Service, id string) store.Submission {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for svc.HandoffOnce(context.Background(), "settle-worker") {
		}
		sub := submission(t, h, id)
		if sub.Status != store.StatusHandingOff {
			return sub
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("submission %s still handing off after 20 s", id)
	return store.Submission{}
}

// submission loads id or fails the test.
func submission(t *testing.T, h *testharness.Harness, id string) store.Submission {
	t.Helper()
	sub, err := h.DB.Submission(context.Background(), id)
	if err != nil {
		t.Fatalf("load submission: %v", err)
	}
	return sub
}

// handoffJob loads id's handoff job or fails the test.
func handoffJob(t *testing.T, h *testharness.Harness, id string) store.HandoffJob {
	t.Helper()
	j, err := h.DB.HandoffJob(context.Background(), id)
	if err != nil {
		t.Fatalf("load handoff job: %v", err)
	}
	return j
}

// hasNoJob reports whether id has no handoff job at all.
func hasNoJob(t *testing.T, h *testharness.Harness, id string) bool {
	t.Helper()
	_, err := h.DB.HandoffJob(context.Background(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("load handoff job: %v", err)
	}
	return errors.Is(err, store.ErrNotFound)
}

// events returns id's timeline, oldest first.
func events(t *testing.T, h *testharness.Harness, id string) []store.Event {
	t.Helper()
	evs, err := h.DB.Events(context.Background(), id)
	if err != nil {
		t.Fatalf("load events: %v", err)
	}
	slices.SortFunc(evs, func(a, b store.Event) int { return int(a.ID - b.ID) })
	return evs
}

// countKind counts the events of kind k.
func countKind(evs []store.Event, k string) int {
	n := 0
	for _, e := range evs {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// eventOf returns the last event of kind k, or fails the test.
func eventOf(t *testing.T, evs []store.Event, k string) store.Event {
	t.Helper()
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == k {
			return evs[i]
		}
	}
	t.Fatalf("no %q event in the timeline", k)
	return store.Event{}
}

// instancesTagged returns the simulator's instances carrying id's tag.
func instancesTagged(h *testharness.Harness, id string) []cloudelementssim.Instance {
	var out []cloudelementssim.Instance
	for _, in := range h.Cloud.Instances() {
		if slices.Contains(in.Tags, onboarding.SubmissionTag(id)) {
			out = append(out, in)
		}
	}
	return out
}

// onlyInstance returns the one instance tagged for id, or fails the test.
func onlyInstance(t *testing.T, h *testharness.Harness, id string) cloudelementssim.Instance {
	t.Helper()
	got := instancesTagged(h, id)
	if len(got) != 1 {
		t.Fatalf("instances with the submission's tag = %d, want 1", len(got))
	}
	return got[0]
}

// assertShredded checks that a submission's secrets are gone.
func assertShredded(t *testing.T, h *testharness.Harness, id string) {
	t.Helper()
	sub := submission(t, h, id)
	if sub.WrappedKey != nil || sub.PurgedAt.IsZero() {
		t.Errorf("wrapped key present=%v purged_at=%v, want no key and a purge time",
			sub.WrappedKey != nil, sub.PurgedAt)
	}
	fields, err := h.DB.SecretFields(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(fields) != 0 {
		t.Errorf("%d secret fields left after the purge, want 0", len(fields))
	}
}

// waitFor polls cond every few milliseconds and fails the test if it is
// still false after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after 10 s for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// runWorkers runs one handoff worker per name, as separate processes
// would, until submission id leaves handing_off or has a second
// instance, then stops them and waits until each has finished the job
// it was working.
func runWorkers(t *testing.T, h *testharness.Harness, id string, names ...string) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop()
	for _, name := range names {
		wg.Go(func() { h.Service.RunHandoffs(ctx, name, 10*time.Millisecond) })
	}
	waitFor(t, "the handoff to settle", func() bool {
		return submission(t, h, id).Status != store.StatusHandingOff ||
			len(instancesTagged(h, id)) > 1
	})
}

// claimed reports whether id's handoff job is leased to a worker.
func claimed(t *testing.T, h *testharness.Harness, id string) bool {
	return handoffJob(t, h, id).LockedBy != ""
}

// hookClock is the wall clock with a hook that runs once, on the next
// reading. The Service reads its clock after loading a submission and
// before writing it, so an armed hook plays a concurrent request that
// changes the submission in between.
type hookClock struct {
	mu   sync.Mutex
	hook func()
}

// Now runs the armed hook, if any, and returns the time.
func (c *hookClock) Now() time.Time {
	c.mu.Lock()
	hook := c.hook
	c.hook = nil
	c.mu.Unlock()
	if hook != nil {
		hook()
	}
	return time.Now()
}

// Arm makes the next reading run f first.
func (c *hookClock) Arm(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hook = f
}

// setStatus writes a submission's status behind the Service's back, as
// another request would.
func setStatus(t *testing.T, h *testharness.Harness, id string, st store.Status) {
	t.Helper()
	_, err := h.DB.SQL().ExecContext(context.Background(),
		`UPDATE submissions SET status = ? WHERE id = ?`, st, id)
	if err != nil {
		t.Fatalf("set status: %v", err)
	}
}

// auditActions counts the audit entries about id by action.
func auditActions(t *testing.T, h *testharness.Harness, id string) map[string]int {
	t.Helper()
	entries, err := h.DB.AuditEntries(context.Background(), 0, 1000)
	if err != nil {
		t.Fatalf("load audit log: %v", err)
	}
	got := map[string]int{}
	for _, e := range entries {
		if e.SubmissionID == id {
			got[e.Action]++
		}
	}
	return got
}

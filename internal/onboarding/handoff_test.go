package onboarding_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/audit"
	"tbaportal/internal/cloudelements"
	"tbaportal/internal/cloudelements/cloudelementssim"
	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
	"tbaportal/internal/store/pgtest"
	"tbaportal/internal/testharness"
)

func TestHandoffCreatesConfiguredInstance(t *testing.T) {
	tests := []struct {
		name        string
		account     netsuitesim.Account // as the simulator holds it
		typed       string              // the Account ID as the customer types it
		wantRealm   string
		wantSandbox bool
	}{
		{name: "production", account: netsuitesim.DemoAccount(),
			typed: "1234567", wantRealm: "1234567", wantSandbox: false},
		{name: "sandbox typed in hostname form", account: sandboxAccount(),
			typed: "1234567-sb1", wantRealm: "1234567_SB1", wantSandbox: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *onboarding.Config) {
				c.InstanceNameTemplate = "NS {{.Company}} / {{.SubmissionID}}"
			}, nil)
			h.NetSuite.AddAccount(tt.account)
			typed := tt.account
			typed.ID = tt.typed
			id, _ := verifiedSubmission(t, h, "Acme Ltd", typed)
			if err := h.Service.Connect(t.Context(), id); err != nil {
				t.Fatal(err)
			}
			h.RunHandoffs()

			in := onlyInstance(t, h, id)
			want := map[string]any{
				"netsuite.accountId":  tt.wantRealm,
				"netsuite.sandbox":    tt.wantSandbox,
				"authentication.type": "TokenBasedAuthentication",
				"consumer_key":        tt.account.ConsumerKey,
				"consumer_secret":     tt.account.ConsumerSecret,
				"token_id":            tt.account.TokenID,
				"token_secret":        tt.account.TokenSecret,
			}
			if diff := cmp.Diff(want, in.Configuration); diff != "" {
				t.Errorf("instance configuration (-want +got):\n%s", diff)
			}
			if got, want := in.Name, "NS Acme Ltd / "+id; got != want {
				t.Errorf("instance name %q, want %q", got, want)
			}
			if in.ElementKey != "netsuiteerpv2" {
				t.Errorf("element key %q, want netsuiteerpv2", in.ElementKey)
			}

			sub := submission(t, h, id)
			if sub.Status != store.StatusConnected {
				t.Errorf("status %q, want connected", sub.Status)
			}
			if got := strconv.FormatInt(in.ID, 10); sub.InstanceID != got {
				t.Errorf("kept instance ID %q, want %q", sub.InstanceID, got)
			}
			if sub.InstanceName != in.Name || sub.ConnectedAt.IsZero() {
				t.Errorf("instance name %q connected_at %v, want %q and a time",
					sub.InstanceName, sub.ConnectedAt, in.Name)
			}
			// Retention is zero by default: shredded right after the handoff.
			assertShredded(t, h, id)
			if j := handoffJob(t, h, id); j.State != store.JobDone || j.Attempts != 1 {
				t.Errorf("job state %q attempts %d, want done after 1", j.State, j.Attempts)
			}
		})
	}
}

func TestHandoffSealsInstanceTokenUntilRetentionEnds(t *testing.T) {
	clock := newTestClock()
	h := newHarness(t, func(c *onboarding.Config) {
		c.SecretRetention = time.Hour
	}, clock.Now)
	id := connected(t, h, "Acme Ltd")
	h.RunHandoffs()
	in := onlyInstance(t, h, id)

	sub := submission(t, h, id)
	if sub.Status != store.StatusConnected || sub.WrappedKey == nil {
		t.Fatalf("status %q key present %v, want connected with its key",
			sub.Status, sub.WrappedKey != nil)
	}
	if want := clock.Now().Add(time.Hour); !sub.PurgeAfter.Equal(want) {
		t.Errorf("purge_after %v, want %v", sub.PurgeAfter, want)
	}
	if got := openField(t, h, sub, onboarding.FieldInstanceToken); got != in.Token {
		t.Errorf("sealed instance token does not open to the simulator's token")
	}
	if got := openField(t, h, sub, onboarding.FieldTokenSecret); got != netsuitesim.DemoAccount().TokenSecret {
		t.Errorf("Token Secret not kept during the retention period")
	}

	clock.Advance(59 * time.Minute)
	if n, err := h.Service.PurgeDue(t.Context()); err != nil || n != 0 {
		t.Fatalf("PurgeDue before the end of retention = %d, %v; want 0", n, err)
	}
	clock.Advance(2 * time.Minute)
	if n, err := h.Service.PurgeDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("PurgeDue after retention = %d, %v; want 1", n, err)
	}
	assertShredded(t, h, id)
	sub = submission(t, h, id)
	if sub.Status != store.StatusConnected || sub.InstanceID == "" {
		t.Errorf("after the purge status %q instance %q, want still connected",
			sub.Status, sub.InstanceID)
	}
}

// openField decrypts one sealed field of sub with the harness's keys.
func openField(t *testing.T, h *testharness.Harness, sub store.Submission, field string) string {
	t.Helper()
	fields, err := h.DB.SecretFields(context.Background(), sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	key, err := h.Keys.OpenDataKey(context.Background(), sub.ID,
		secrets.WrappedKey{Version: sub.KeyVersion, Ciphertext: sub.WrappedKey})
	if err != nil {
		t.Fatalf("open data key: %v", err)
	}
	defer key.Destroy()
	for _, f := range fields {
		if f.Field == field {
			v, err := key.Open(field, f.Sealed)
			if err != nil {
				t.Fatalf("open %s: %v", field, err)
			}
			return v.Reveal()
		}
	}
	t.Fatalf("no sealed %s", field)
	return ""
}

func TestHandoffRetriesServerErrors(t *testing.T) {
	h := newHarness(t, nil, nil)
	id := connected(t, h, "Acme Ltd")
	h.Cloud.FailNext(cloudelementssim.Fault503, cloudelementssim.Fault503,
		cloudelementssim.Fault503)

	sub := settle(t, h, h.Service, id)
	if sub.Status != store.StatusConnected {
		t.Fatalf("status %q, want connected", sub.Status)
	}
	onlyInstance(t, h, id)
	if j := handoffJob(t, h, id); j.Attempts != 4 || j.State != store.JobDone {
		t.Errorf("job attempts %d state %q, want 4 and done", j.Attempts, j.State)
	}
	evs := events(t, h, id)
	want := map[string]int{"handoff_scheduled": 1, "handoff_retry": 3, "connected": 1}
	got := map[string]int{}
	for k := range want {
		got[k] = countKind(evs, k)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("timeline event counts (-want +got):\n%s", diff)
	}
	if d := eventOf(t, evs, "handoff_retry").Detail; !strings.Contains(d, "HTTP 503") {
		t.Errorf("retry event %q does not name the 503", d)
	}
}

func TestHandoffHonoursRetryAfter(t *testing.T) {
	const capWait = 10 * time.Second
	tests := []struct {
		name     string
		fault    cloudelementssim.Fault
		wantWait time.Duration
	}{
		// The simulator sends Retry-After: 1, longer than the backoff.
		{name: "seconds", fault: cloudelementssim.Fault429, wantWait: time.Second},
		// Two minutes ahead as an HTTP date: more than the cap allows.
		{name: "date beyond the cap", fault: cloudelementssim.Fault429Date, wantWait: capWait},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newTestClock()
			h := newHarness(t, func(c *onboarding.Config) {
				c.HandoffBackoffBase = time.Millisecond
				c.HandoffBackoffCap = capWait
			}, clock.Now)
			id := connected(t, h, "Acme Ltd")
			h.Cloud.FailNext(tt.fault)
			claimed := clock.Now()

			if !h.Service.HandoffOnce(t.Context(), "w") {
				t.Fatal("no job was due")
			}
			j := handoffJob(t, h, id)
			if got := j.NextRunAt.Sub(claimed); got != tt.wantWait {
				t.Errorf("next try after %v, want %v", got, tt.wantWait)
			}
			if !strings.Contains(j.LastError, "HTTP 429") {
				t.Errorf("last error %q does not name the 429", j.LastError)
			}
			clock.Advance(tt.wantWait - time.Millisecond)
			if h.Service.HandoffOnce(t.Context(), "w") {
				t.Fatal("the job was taken again before Retry-After passed")
			}
			clock.Advance(time.Millisecond)
			h.RunHandoffs()
			if sub := submission(t, h, id); sub.Status != store.StatusConnected {
				t.Errorf("status %q after the wait, want connected", sub.Status)
			}
			onlyInstance(t, h, id)
		})
	}
}

func TestHandoffRejectedIsNotRetried(t *testing.T) {
	h := newHarness(t, nil, nil)
	id, b := verifiedSubmission(t, h, "Acme Ltd", netsuitesim.DemoAccount())
	h.Cloud.FailNext(cloudelementssim.Fault400)
	if r := b.Post("/wizard/connect", nil); r.StatusCode != 303 {
		t.Fatalf("connect: status %d, want 303", r.StatusCode)
	}
	h.RunHandoffs()

	sub := submission(t, h, id)
	if sub.Status != store.StatusHandoffFailed {
		t.Fatalf("status %q, want handoff_failed", sub.Status)
	}
	j := handoffJob(t, h, id)
	if j.Attempts != 1 || j.State != store.JobFailed {
		t.Errorf("job attempts %d state %q, want 1 and failed", j.Attempts, j.State)
	}
	const msg = "Simulated rejection of the instance"
	if !strings.Contains(j.LastError, msg) || !strings.Contains(j.LastError, "HTTP 400") {
		t.Errorf("last error %q lacks Cloud Elements' message and status", j.LastError)
	}
	if n := len(h.Cloud.Instances()); n != 0 {
		t.Errorf("simulator holds %d instances, want 0", n)
	}
	if h.Service.HandoffOnce(t.Context(), "w") {
		t.Error("a rejected handoff was claimed again")
	}
	if sub.WrappedKey == nil {
		t.Error("secrets were shredded after a failed handoff; a retry needs them")
	}

	page := b.Get("/wizard/connect")
	if !strings.Contains(page.Body, "We could not finish the connection") {
		t.Errorf("connect page lacks the failure text:\n%s", page.Body)
	}
	if strings.Contains(page.Body, msg) {
		t.Error("connect page shows Cloud Elements' internal message to the customer")
	}
}

func TestHandoffWrongOperatorSecrets(t *testing.T) {
	h := newHarness(t, nil, nil)
	id := connected(t, h, "Acme Ltd")
	wrong := secrets.New("sim-user-0000000000000000")
	svc := serviceWithCloud(h, cloudelements.Options{UserSecret: wrong}, nil)

	sub := settle(t, h, svc, id)
	if sub.Status != store.StatusHandoffFailed {
		t.Fatalf("status %q, want handoff_failed", sub.Status)
	}
	j := handoffJob(t, h, id)
	if !strings.Contains(j.LastError, "configuration error") {
		t.Errorf("reason %q lacks \"configuration error\"", j.LastError)
	}
	if strings.Contains(j.LastError, wrong.Reveal()) {
		t.Error("reason reveals the User secret")
	}
	if j.Attempts != 1 {
		t.Errorf("attempts %d, want 1 (a 401 is not retried)", j.Attempts)
	}
	d := eventOf(t, events(t, h, id), "handoff_failed").Detail
	if !strings.Contains(d, "configuration error") {
		t.Errorf("timeline reason %q lacks \"configuration error\"", d)
	}
}

func TestHandoffAdoptsInstanceWhoseAnswerWasLost(t *testing.T) {
	h := newHarness(t, nil, nil)
	id := connected(t, h, "Acme Ltd")
	h.Cloud.FailNext(cloudelementssim.FaultCreateThen503)

	sub := settle(t, h, h.Service, id)
	if sub.Status != store.StatusConnected {
		t.Fatalf("status %q, want connected", sub.Status)
	}
	in := onlyInstance(t, h, id)
	if n := len(h.Cloud.Instances()); n != 1 {
		t.Errorf("simulator holds %d instances, want 1", n)
	}
	if sub.InstanceID != strconv.FormatInt(in.ID, 10) {
		t.Errorf("kept instance %q, want the adopted %d", sub.InstanceID, in.ID)
	}
	evs := events(t, h, id)
	if d := eventOf(t, evs, "connected").Detail; !strings.Contains(d, "adopted") {
		t.Errorf("connected event %q does not say the instance was adopted", d)
	}
	if n := countKind(evs, "handoff_retry"); n != 1 {
		t.Errorf("%d retries, want 1", n)
	}
}

func TestHandoffTwoWorkersCreateOneInstanceEach(t *testing.T) {
	h := newHarness(t, nil, nil)
	// A short delay on every call makes the workers' calls overlap.
	h.Cloud.SetDelay(5 * time.Millisecond)
	const n = 12
	ids := make([]string, n)
	for i := range ids {
		ids[i] = connected(t, h, "Company "+strconv.Itoa(i))
	}

	done := make(chan int, 2)
	for _, w := range []string{"worker-a", "worker-b"} {
		go func() {
			worked := 0
			for h.Service.HandoffOnce(context.Background(), w) {
				worked++
			}
			done <- worked
		}()
	}
	total := <-done + <-done
	if total != n {
		t.Errorf("workers handled %d jobs, want %d", total, n)
	}
	for _, id := range ids {
		if got := len(instancesTagged(h, id)); got != 1 {
			t.Errorf("submission %s has %d instances, want 1", id, got)
		}
		if sub := submission(t, h, id); sub.Status != store.StatusConnected {
			t.Errorf("submission %s status %q, want connected", id, sub.Status)
		}
	}
	if got := len(h.Cloud.Instances()); got != n {
		t.Errorf("simulator holds %d instances, want %d", got, n)
	}
}

func TestHandoffWaitsForApproval(t *testing.T) {
	tests := []struct {
		name          string
		approve       bool
		wantStatus    store.Status
		wantInstances int
		wantEvent     string
	}{
		{name: "approved", approve: true, wantStatus: store.StatusConnected,
			wantInstances: 1, wantEvent: "approved"},
		{name: "rejected", approve: false, wantStatus: store.StatusRejected,
			wantInstances: 0, wantEvent: "rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *onboarding.Config) {
				c.RequireApproval = true
			}, nil)
			id := connected(t, h, "Acme Ltd")
			if sub := submission(t, h, id); sub.Status != store.StatusAwaitingApproval {
				t.Fatalf("status %q after Connect, want awaiting_approval", sub.Status)
			}
			if h.Service.HandoffOnce(t.Context(), "w") || !hasNoJob(t, h, id) {
				t.Fatal("a handoff job exists before approval")
			}

			decide := h.Service.Reject
			if tt.approve {
				decide = h.Service.Approve
			}
			if err := decide(t.Context(), id, "ops@example.com"); err != nil {
				t.Fatal(err)
			}
			if tt.approve {
				if sub := submission(t, h, id); sub.Status != store.StatusHandingOff {
					t.Errorf("status %q after approval, want handing_off", sub.Status)
				}
			}
			h.RunHandoffs()

			sub := submission(t, h, id)
			if sub.Status != tt.wantStatus || sub.DecidedBy != "ops@example.com" {
				t.Errorf("status %q decided by %q, want %q by ops@example.com",
					sub.Status, sub.DecidedBy, tt.wantStatus)
			}
			if got := len(instancesTagged(h, id)); got != tt.wantInstances {
				t.Errorf("instances %d, want %d", got, tt.wantInstances)
			}
			eventOf(t, events(t, h, id), tt.wantEvent)
			if err := h.Service.Approve(t.Context(), id, "ops@example.com"); err != onboarding.ErrWrongState {
				t.Errorf("a second decision: %v, want ErrWrongState", err)
			}
		})
	}
}

func TestConnectTwiceMakesOneJobAndOneInstance(t *testing.T) {
	h := newHarness(t, nil, nil)
	id, b := verifiedSubmission(t, h, "Acme Ltd", netsuitesim.DemoAccount())

	// Two submits at once, as from a double click, then a third later.
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- h.Service.Connect(context.Background(), id) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("connect: %v", err)
		}
	}
	if r := b.Post("/wizard/connect", nil); r.StatusCode != 303 {
		t.Errorf("third connect: status %d, want 303", r.StatusCode)
	}
	if n := countKind(events(t, h, id), "handoff_scheduled"); n != 1 {
		t.Errorf("%d handoffs scheduled, want 1", n)
	}
	h.RunHandoffs()
	if err := h.Service.Connect(t.Context(), id); err != nil {
		t.Errorf("connect after connected: %v", err)
	}
	if h.Service.HandoffOnce(t.Context(), "w") {
		t.Error("a connect after the handoff scheduled another job")
	}
	onlyInstance(t, h, id)
	if j := handoffJob(t, h, id); j.Attempts != 1 {
		t.Errorf("job attempts %d, want 1", j.Attempts)
	}
}

// TestHandoffRenewsLeaseWhileCloudIsSlow has two workers poll for the
// same job while every Cloud Elements call takes twice the lease. The
// worker that claims it renews its lease, so the other does not claim
// the job while it works: one instance, on either database.
func TestHandoffRenewsLeaseWhileCloudIsSlow(t *testing.T) {
	tests := []struct {
		name  string
		dbURL func(t *testing.T) string // "" for SQLite
	}{
		{name: "sqlite", dbURL: func(*testing.T) string { return "" }},
		{name: "postgresql", dbURL: func(t *testing.T) string {
			return pgtest.NewDatabase(t)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testharness.New(t, testharness.Options{
				DatabaseURL: tt.dbURL(t),
				Config: func(c *onboarding.Config) {
					c.HandoffLease = 200 * time.Millisecond
				},
			})
			id := connected(t, h, "Acme Ltd")
			h.Cloud.SetDelay(400 * time.Millisecond)

			runWorkers(t, h, id, "worker-a", "worker-b")
			assertConnectedOnce(t, h, id)
		})
	}
}

// assertConnectedOnce checks that id connected with one instance and
// one connected event.
func assertConnectedOnce(t *testing.T, h *testharness.Harness, id string) {
	t.Helper()
	if sub := submission(t, h, id); sub.Status != store.StatusConnected {
		t.Fatalf("status %q, want connected", sub.Status)
	}
	if got := len(instancesTagged(h, id)); got != 1 {
		t.Errorf("instances with the submission's tag = %d, want 1", got)
	}
	if n := countKind(events(t, h, id), "connected"); n != 1 {
		t.Errorf("%d connected events, want 1", n)
	}
	// The job is normally claimed once. A machine too loaded to renew
	// in time may lose the lease; that costs a claim, never an instance.
	if j := handoffJob(t, h, id); j.State != store.JobDone {
		t.Errorf("job state %q, want done", j.State)
	} else if j.Attempts != 1 {
		t.Logf("job claimed %d times: the lease was lost under load", j.Attempts)
	}
}

// TestHandoffWorkerThatLostItsLeaseDoesNotCreate plays a worker whose
// lease ran out while it waited on Cloud Elements (a pause, a slow
// database), and a second worker, under the same name, that claimed the
// job meanwhile. The first must notice before it creates anything.
func TestHandoffWorkerThatLostItsLeaseDoesNotCreate(t *testing.T) {
	clock := newTestClock()
	h := newHarness(t, nil, clock.Now)
	id := connected(t, h, "Acme Ltd")
	h.Cloud.SetDelay(300 * time.Millisecond)

	var wg sync.WaitGroup
	wg.Go(func() { h.Service.HandoffOnce(context.Background(), "worker") })
	waitFor(t, "the first claim", func() bool { return claimed(t, h, id) })
	// The lease runs out by the store's clock; the renewal, a third of
	// a two-minute lease away in real time, does not come in time.
	clock.Advance(h.Service.Config().HandoffLease + time.Millisecond)
	wg.Go(func() {
		if !h.Service.HandoffOnce(context.Background(), "worker") {
			t.Error("the expired job could not be claimed")
		}
	})
	wg.Wait()

	if sub := submission(t, h, id); sub.Status != store.StatusConnected {
		t.Fatalf("status %q, want connected", sub.Status)
	}
	onlyInstance(t, h, id)
	if j := handoffJob(t, h, id); j.Attempts != 2 || j.State != store.JobDone {
		t.Errorf("job attempts %d state %q, want 2 and done", j.Attempts, j.State)
	}
	if n := countKind(events(t, h, id), "connected"); n != 1 {
		t.Errorf("%d connected events, want 1", n)
	}
}

// TestHandoffStopsWhenRenewalFindsJobTaken takes the job from a worker
// in the middle of its first call. Its next renewal fails, which cuts
// its calls off: it creates nothing and writes nothing over the new
// holder's job.
func TestHandoffStopsWhenRenewalFindsJobTaken(t *testing.T) {
	h := newHarness(t, func(c *onboarding.Config) {
		c.HandoffLease = 300 * time.Millisecond
	}, nil)
	id := connected(t, h, "Acme Ltd")
	h.Cloud.SetDelay(2 * time.Second)

	done := make(chan struct{})
	go func() {
		defer close(done)
		h.Service.HandoffOnce(context.Background(), "worker")
	}()
	waitFor(t, "the claim", func() bool { return claimed(t, h, id) })
	_, err := h.DB.SQL().ExecContext(t.Context(), `UPDATE handoff_jobs
		SET locked_by = 'other-worker', locked_until = ? WHERE submission_id = ?`,
		time.Now().Add(time.Hour).UnixMilli(), id)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(1500 * time.Millisecond):
		t.Fatal("the worker kept working a job it no longer holds")
	}

	if n := len(h.Cloud.Instances()); n != 0 {
		t.Errorf("simulator holds %d instances, want 0", n)
	}
	j := handoffJob(t, h, id)
	if j.LockedBy != "other-worker" || j.State != store.JobPending ||
		j.LastError != "" {
		t.Errorf("job locked by %q state %q error %q; want the new holder's, untouched",
			j.LockedBy, j.State, j.LastError)
	}
	if sub := submission(t, h, id); sub.Status != store.StatusHandingOff {
		t.Errorf("status %q, want still handing_off", sub.Status)
	}
	if n := countKind(events(t, h, id), "handoff_retry"); n != 0 {
		t.Errorf("%d retry events from the worker that lost the job, want 0", n)
	}
}

// TestHandoffTakeoverAdoptsDeadWorkersInstance is a worker that died
// after its create reached Cloud Elements: once its lease runs out the
// next worker claims the job, finds the instance by its tag and adopts
// it.
func TestHandoffTakeoverAdoptsDeadWorkersInstance(t *testing.T) {
	clock := newTestClock()
	h := newHarness(t, nil, clock.Now)
	id := connected(t, h, "Acme Ltd")
	lease := h.Service.Config().HandoffLease
	_, err := h.DB.ClaimHandoff(t.Context(), "dead", clock.Now(), lease)
	if err != nil {
		t.Fatal(err)
	}
	createTagged(t, h, id)

	if h.Service.HandoffOnce(t.Context(), "live") {
		t.Fatal("a job was claimed while the dead worker's lease ran")
	}
	clock.Advance(lease)
	if !h.Service.HandoffOnce(t.Context(), "live") {
		t.Fatal("the job was not claimed after the lease ran out")
	}

	if sub := submission(t, h, id); sub.Status != store.StatusConnected {
		t.Fatalf("status %q, want connected", sub.Status)
	}
	onlyInstance(t, h, id)
	assertAdopted(t, h, id)
}

// createTagged creates an instance carrying id's tag, as a worker's
// create that reached Cloud Elements before the worker died.
func createTagged(t *testing.T, h *testharness.Harness, id string) {
	t.Helper()
	c := cloudelements.NewClient(cloudelements.Options{
		BaseURL: h.CEServer.URL, HTTPClient: h.CEServer.Client(),
		UserSecret: secrets.New(cloudelementssim.DemoUserSecret),
		OrgSecret:  secrets.New(cloudelementssim.DemoOrgSecret),
	})
	a := netsuitesim.DemoAccount()
	_, err := c.CreateInstance(t.Context(), cloudelements.InstanceRequest{
		Name: "NetSuite – Acme Ltd", AccountID: a.ID,
		Tags:        []string{onboarding.SubmissionTag(id), "tbaportal"},
		ConsumerKey: secrets.New(a.ConsumerKey), TokenID: secrets.New(a.TokenID),
		ConsumerSecret: secrets.New(a.ConsumerSecret),
		TokenSecret:    secrets.New(a.TokenSecret),
	})
	if err != nil {
		t.Fatalf("create the dead worker's instance: %v", err)
	}
}

// TestHandoffCutOffByShutdownIsTakenAgain stops a worker while its
// create hangs after reaching Cloud Elements. The attempt ends at its
// timeout instead of holding the job for ever, and the job is worked
// again: the instance is adopted, not created twice.
func TestHandoffCutOffByShutdownIsTakenAgain(t *testing.T) {
	h := newHarness(t, func(c *onboarding.Config) {
		c.HandoffLease = 200 * time.Millisecond
		c.HandoffAttemptTimeout = 500 * time.Millisecond
	}, nil)
	id := connected(t, h, "Acme Ltd")
	h.Cloud.FailNext(cloudelementssim.FaultCreateThenHang)

	ctx, shutDown := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		h.Service.RunHandoffs(ctx, "old-process", 5*time.Millisecond)
	}()
	waitFor(t, "the create", func() bool { return len(h.Cloud.Instances()) == 1 })
	shutDown()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the worker still holds the job 5 s after shutdown began")
	}
	if j := handoffJob(t, h, id); j.State != store.JobPending {
		t.Fatalf("job state %q after the cut-off, want pending", j.State)
	}

	if sub := settle(t, h, h.Service, id); sub.Status != store.StatusConnected {
		t.Fatalf("status %q, want connected", sub.Status)
	}
	onlyInstance(t, h, id)
	assertAdopted(t, h, id)
}

// TestDecisionsAuditOnlyWhatHappened checks that approve, reject and
// retry are in the audit log when they changed the submission, and not
// when another request moved it first and the decision was refused.
func TestDecisionsAuditOnlyWhatHappened(t *testing.T) {
	type decision func(*onboarding.Service, context.Context, string, string) error
	tests := []struct {
		name     string
		failed   bool // start from handoff_failed, not awaiting_approval
		decide   decision
		action   string
		movedTo  store.Status // set by a concurrent request; "" for none
		wantErr  error
		wantLogs int
	}{
		{name: "approve", decide: (*onboarding.Service).Approve,
			action: audit.ActionApprove, wantLogs: 1},
		{name: "reject", decide: (*onboarding.Service).Reject,
			action: audit.ActionReject, wantLogs: 1},
		{name: "retry", failed: true, decide: (*onboarding.Service).RetryHandoff,
			action: audit.ActionRetryHandoff, wantLogs: 1},
		{name: "approve after another admin rejected",
			decide: (*onboarding.Service).Approve, action: audit.ActionApprove,
			movedTo: store.StatusRejected, wantErr: onboarding.ErrWrongState},
		{name: "reject after another admin approved",
			decide: (*onboarding.Service).Reject, action: audit.ActionReject,
			movedTo: store.StatusHandingOff, wantErr: onboarding.ErrWrongState},
		{name: "retry after another admin retried", failed: true,
			decide: (*onboarding.Service).RetryHandoff,
			action: audit.ActionRetryHandoff, movedTo: store.StatusHandingOff,
			wantErr: onboarding.ErrWrongState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &hookClock{}
			h := newHarness(t, func(c *onboarding.Config) {
				c.RequireApproval = !tt.failed
			}, clock.Now)
			id := decisionReady(t, h, tt.failed)
			if tt.movedTo != "" {
				clock.Arm(func() { setStatus(t, h, id, tt.movedTo) })
			}

			err := tt.decide(h.Service, t.Context(), id, "ops@example.com")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("decision: %v, want %v", err, tt.wantErr)
			}
			if got := auditActions(t, h, id)[tt.action]; got != tt.wantLogs {
				t.Errorf("%d %q audit entries, want %d", got, tt.action, tt.wantLogs)
			}
		})
	}
}

// decisionReady returns a submission awaiting approval or, with failed,
// one whose handoff failed.
func decisionReady(t *testing.T, h *testharness.Harness, failed bool) string {
	t.Helper()
	if failed {
		h.Cloud.FailNext(cloudelementssim.Fault400)
	}
	id := connected(t, h, "Acme Ltd")
	h.RunHandoffs()
	want := store.StatusAwaitingApproval
	if failed {
		want = store.StatusHandoffFailed
	}
	if sub := submission(t, h, id); sub.Status != want {
		t.Fatalf("status %q, want %q", sub.Status, want)
	}
	return id
}

// assertAdopted checks that the connected event says the instance was
// adopted, not created.
func assertAdopted(t *testing.T, h *testharness.Harness, id string) {
	t.Helper()
	d := eventOf(t, events(t, h, id), "connected").Detail
	if !strings.Contains(d, "adopted") {
		t.Errorf("connected event %q does not say the instance was adopted", d)
	}
}

// TestConnectWakesAnIdleWorker checks that a Connect does not wait out
// the worker's poll interval: with an hour between polls, the second
// submission is still handed off at once, because scheduling its job
// wakes the idle worker.
func TestConnectWakesAnIdleWorker(t *testing.T) {
	h := newHarness(t, nil, nil)
	first := connected(t, h, "Acme Ltd")
	second, _ := verifiedSubmission(t, h, "Globex Corp", netsuitesim.DemoAccount())

	ctx, stop := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		h.Service.RunHandoffs(ctx, "idle-worker", time.Hour)
	}()
	t.Cleanup(func() { stop(); <-stopped })

	waitFor(t, "the first handoff", func() bool {
		return submission(t, h, first).Status == store.StatusConnected
	})
	if err := h.Service.Connect(context.Background(), second); err != nil {
		t.Fatalf("connect: %v", err)
	}
	waitFor(t, "the second handoff without a poll", func() bool {
		return submission(t, h, second).Status == store.StatusConnected
	})
}

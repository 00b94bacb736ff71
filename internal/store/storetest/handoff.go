package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/store"
)

// verified creates a submission that is ready for its handoff.
func verified(t *testing.T, db *store.DB, id string) store.Submission {
	t.Helper()
	s := newSubmission(id, "Company "+id)
	s.Status, s.Step = store.StatusVerified, "verify"
	create(t, db, s)
	return s
}

// startHandoff moves s to handing off with its job due at when.
func startHandoff(t *testing.T, db *store.DB, s store.Submission, when time.Time) store.Submission {
	t.Helper()
	expect := s.Status
	s.Status = store.StatusHandingOff
	if err := db.StartHandoff(t.Context(), s, expect, when,
		event(s.ID, "handoff_scheduled", when)); err != nil {
		t.Fatalf("StartHandoff(%s): %v", s.ID, err)
	}
	return s
}

func job(t *testing.T, db *store.DB, id string) store.HandoffJob {
	t.Helper()
	j, err := db.HandoffJob(t.Context(), id)
	if err != nil {
		t.Fatalf("HandoffJob(%s): %v", id, err)
	}
	return j
}

func assertDepth(t *testing.T, db *store.DB, want int) {
	t.Helper()
	n, err := db.HandoffQueueDepth(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("HandoffQueueDepth = %d, want %d", n, want)
	}
}

func assertNothingDue(t *testing.T, db *store.DB, worker string, now time.Time) {
	t.Helper()
	j, err := db.ClaimHandoff(t.Context(), worker, now, time.Minute)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ClaimHandoff at %v: job %+v, err %v; want ErrNotFound", now, j, err)
	}
}

func claim(t *testing.T, db *store.DB, worker string, now time.Time,
	lease time.Duration) store.HandoffJob {
	t.Helper()
	j, err := db.ClaimHandoff(t.Context(), worker, now, lease)
	if err != nil {
		t.Fatalf("ClaimHandoff(%s) at %v: %v", worker, now, err)
	}
	return j
}

func testHandoff(t *testing.T, db *store.DB) {
	s := verified(t, db, "sub-h")
	wrong := s
	wrong.Status = store.StatusHandingOff
	err := db.StartHandoff(t.Context(), wrong, store.StatusInProgress, base)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("StartHandoff with the wrong status: %v, want ErrConflict", err)
	}
	if _, err := db.HandoffJob(t.Context(), s.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused StartHandoff left a job: %v", err)
	}

	s = startHandoff(t, db, s, base)
	want := store.HandoffJob{SubmissionID: s.ID, State: store.JobPending,
		NextRunAt: base, CreatedAt: base, UpdatedAt: base}
	if diff := cmp.Diff(want, job(t, db, s.ID)); diff != "" {
		t.Errorf("new job (-want +got):\n%s", diff)
	}
	assertDepth(t, db, 1)
	assertNothingDue(t, db, "w1", at(-time.Second))

	got := claim(t, db, "w1", base, time.Minute)
	want.Attempts, want.LockedBy, want.LockedUntil = 1, "w1", at(time.Minute)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claimed job (-want +got):\n%s", diff)
	}
	assertNothingDue(t, db, "w2", at(time.Second))

	leaseAndReschedule(t, db, s.ID)
	assertNothingDue(t, db, "w2", at(4*time.Minute))
	if j := claim(t, db, "w2", at(5*time.Minute), time.Minute); j.Attempts != 2 {
		t.Errorf("second claim: attempts %d, want 2", j.Attempts)
	}
	finish(t, db, s)
	assertDepth(t, db, 0)
	assertNothingDue(t, db, "w3", at(time.Hour))
}

// leaseAndReschedule checks that only the lease holder w1 may extend or
// release the job, then releases it until base+5m.
func leaseAndReschedule(t *testing.T, db *store.DB, id string) {
	t.Helper()
	ctx := t.Context()
	if err := db.ExtendHandoffLease(ctx, id, "w2", at(time.Hour)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("extend by a worker without the lease: %v, want ErrConflict", err)
	}
	if err := db.ExtendHandoffLease(ctx, id, "w1", at(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if j := job(t, db, id); !j.LockedUntil.Equal(at(2 * time.Minute)) {
		t.Errorf("extended lease until %v, want %v", j.LockedUntil, at(2*time.Minute))
	}
	err := db.RescheduleHandoff(ctx, id, "w2", at(time.Minute), "x", base)
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("reschedule by a worker without the lease: %v, want ErrConflict", err)
	}
	err = db.RescheduleHandoff(ctx, id, "w1", at(5*time.Minute),
		"Cloud Elements busy", at(time.Minute), event(id, "handoff_retry", at(time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	j := job(t, db, id)
	if j.LockedBy != "" || !j.LockedUntil.IsZero() ||
		!j.NextRunAt.Equal(at(5*time.Minute)) ||
		j.LastError != "Cloud Elements busy" || j.State != store.JobPending {
		t.Errorf("rescheduled job = %+v", j)
	}
}

// finish closes the job claimed by w2 as done, with the instance token.
func finish(t *testing.T, db *store.DB, s store.Submission) {
	t.Helper()
	done := s
	done.Status, done.InstanceID = store.StatusConnected, "480100"
	done.ConnectedAt = at(6 * time.Minute)
	token := []store.SecretField{field(s.ID, "instance_token", "sealed-token", at(6*time.Minute))}
	err := db.FinishHandoff(t.Context(), done, store.StatusHandingOff, "w1",
		store.JobDone, "", token, at(6*time.Minute))
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("finish by a worker without the lease: %v, want ErrConflict", err)
	}
	err = db.FinishHandoff(t.Context(), done, store.StatusHandingOff, "w2",
		store.JobDone, "", token, at(6*time.Minute),
		event(s.ID, "connected", at(6*time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	j := job(t, db, s.ID)
	if j.State != store.JobDone || j.LockedBy != "" || !j.UpdatedAt.Equal(at(6*time.Minute)) {
		t.Errorf("finished job = %+v", j)
	}
	got := load(t, db, s.ID)
	if got.Status != store.StatusConnected || got.InstanceID != "480100" {
		t.Errorf("finished submission: status %q instance %q", got.Status, got.InstanceID)
	}
	if diff := cmp.Diff(token, secretFields(t, db, s.ID)); diff != "" {
		t.Errorf("instance token (-want +got):\n%s", diff)
	}
	assertEventKinds(t, db, s.ID, "invited", "handoff_scheduled",
		"handoff_retry", "connected")
	err = db.ExtendHandoffLease(t.Context(), s.ID, "w2", at(time.Hour))
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("extend after finish: %v, want ErrConflict", err)
	}
}

// testHandoffRestart retries a failed handoff: the old job is reset.
func testHandoffRestart(t *testing.T, db *store.DB) {
	s := startHandoff(t, db, verified(t, db, "sub-f"), base)
	claim(t, db, "w1", base, time.Minute)
	failed := s
	failed.Status = store.StatusHandoffFailed
	if err := db.FinishHandoff(t.Context(), failed, store.StatusHandingOff, "w1",
		store.JobFailed, "rejected", nil, at(time.Second)); err != nil {
		t.Fatal(err)
	}
	if j := job(t, db, s.ID); j.State != store.JobFailed || j.LastError != "rejected" {
		t.Errorf("failed job = %+v", j)
	}
	assertDepth(t, db, 0)

	startHandoff(t, db, failed, at(time.Hour))
	want := store.HandoffJob{SubmissionID: s.ID, State: store.JobPending,
		NextRunAt: at(time.Hour), CreatedAt: base, UpdatedAt: at(time.Hour)}
	if diff := cmp.Diff(want, job(t, db, s.ID)); diff != "" {
		t.Errorf("restarted job (-want +got):\n%s", diff)
	}
	assertDepth(t, db, 1)
}

// testLeaseExpiry is a worker that died holding a job: once its lease
// runs out another worker takes the job, and the first can no longer
// touch it.
func testLeaseExpiry(t *testing.T, db *store.DB) {
	s := startHandoff(t, db, verified(t, db, "sub-l"), base)
	claim(t, db, "dead", base, time.Second)
	assertNothingDue(t, db, "live", at(999*time.Millisecond))
	j := claim(t, db, "live", at(time.Second), time.Minute)
	if j.LockedBy != "live" || j.Attempts != 2 {
		t.Errorf("claim after the lease: locked by %q, attempts %d; want live, 2",
			j.LockedBy, j.Attempts)
	}
	err := db.ExtendHandoffLease(t.Context(), s.ID, "dead", at(time.Hour))
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("the expired worker extended its lease: %v", err)
	}
	done := s
	done.Status = store.StatusConnected
	err = db.FinishHandoff(t.Context(), done, store.StatusHandingOff, "dead",
		store.JobDone, "", nil, at(2*time.Second))
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("the expired worker finished the job: %v", err)
	}
	if got := load(t, db, s.ID); got.Status != store.StatusHandingOff {
		t.Errorf("status after the refused finish = %q", got.Status)
	}
}

// testConcurrentClaims has 8 workers drain 50 due jobs at once: every job
// is claimed exactly once.
func testConcurrentClaims(t *testing.T, db *store.DB) {
	const jobs, workers = 50, 8
	for i := range jobs {
		startHandoff(t, db, verified(t, db, sid(i)), at(time.Duration(i)*time.Millisecond))
	}
	now := at(time.Second)
	var mu sync.Mutex
	claimedBy := map[string][]string{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			name := fmt.Sprintf("worker-%d", w)
			for {
				j, err := db.ClaimHandoff(t.Context(), name, now, time.Hour)
				if errors.Is(err, store.ErrNotFound) {
					return
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				claimedBy[j.SubmissionID] = append(claimedBy[j.SubmissionID], name)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("ClaimHandoff: %v", err)
	}
	assertClaimedOnce(t, db, claimedBy, jobs)
	assertNothingDue(t, db, "late", now)
}

func assertClaimedOnce(t *testing.T, db *store.DB, claimedBy map[string][]string, jobs int) {
	t.Helper()
	if len(claimedBy) != jobs {
		t.Errorf("%d jobs claimed, want %d", len(claimedBy), jobs)
	}
	for i := range jobs {
		by := claimedBy[sid(i)]
		if len(by) != 1 {
			t.Errorf("job %s claimed by %v, want exactly one worker", sid(i), by)
			continue
		}
		if j := job(t, db, sid(i)); j.LockedBy != by[0] || j.Attempts != 1 {
			t.Errorf("job %s: locked by %q attempts %d; want %q, 1", sid(i),
				j.LockedBy, j.Attempts, by[0])
		}
	}
}

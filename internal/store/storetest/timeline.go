package storetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"tbaportal/internal/store"
)

func testEvents(t *testing.T, db *store.DB) {
	create(t, db, newSubmission("sub-e", "Acme"))
	create(t, db, newSubmission("sub-other", "Other"))
	err := db.AddEvents(t.Context(),
		event("sub-e", "step", at(time.Second)),
		store.Event{SubmissionID: "sub-e", Kind: ""}, // skipped: no kind
		event("sub-other", "step", at(time.Second)),
		event("sub-e", "verified", at(2*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Events(t.Context(), "sub-e")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Event{
		event("sub-e", "invited", base),
		event("sub-e", "step", at(time.Second)),
		event("sub-e", "verified", at(2*time.Second)),
	}
	opt := cmpopts.IgnoreFields(store.Event{}, "ID")
	if diff := cmp.Diff(want, got, opt); diff != "" {
		t.Errorf("Events (-want +got):\n%s", diff)
	}
	for i := 1; i < len(got); i++ {
		if got[i].ID <= got[i-1].ID {
			t.Errorf("event IDs not increasing: %d then %d", got[i-1].ID, got[i].ID)
		}
	}
}

func attempt(id, outcome string, when time.Time) store.Attempt {
	return store.Attempt{SubmissionID: id, At: when, Actor: "customer",
		Outcome: outcome, Code: "INVALID_LOGIN_ATTEMPT",
		Message: "NetSuite said <b>no</b>", Skew: -1500 * time.Millisecond,
		RESTChecked: true, RESTEnabled: outcome == "verified",
		Duration: 812 * time.Millisecond}
}

func testAttempts(t *testing.T, db *store.DB) {
	s := newSubmission("sub-v", "Acme")
	create(t, db, s)
	s.Status = store.StatusVerificationFailed
	first := attempt(s.ID, "failed", at(time.Minute))
	if err := db.RecordAttempt(t.Context(), s, store.StatusInvited, first,
		event(s.ID, "verification_failed", at(time.Minute))); err != nil {
		t.Fatal(err)
	}
	s.Status = store.StatusVerified
	second := attempt(s.ID, "verified", at(3*time.Minute))
	if err := db.RecordAttempt(t.Context(), s, store.StatusVerificationFailed,
		second); err != nil {
		t.Fatal(err)
	}
	err := db.RecordAttempt(t.Context(), s, store.StatusInvited,
		attempt(s.ID, "lost", at(4*time.Minute)))
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("attempt with the wrong status: %v, want ErrConflict", err)
	}

	got, err := db.Attempts(t.Context(), s.ID)
	if err != nil {
		t.Fatal(err)
	}
	opt := cmpopts.IgnoreFields(store.Attempt{}, "ID")
	if diff := cmp.Diff([]store.Attempt{second, first}, got, opt); diff != "" {
		t.Errorf("Attempts, newest first (-want +got):\n%s", diff)
	}
}

// testVerificationStarts checks the per-submission limit on checks: it
// counts starts after since, refuses the one over the limit without
// recording it, and reports the newest starts, oldest first.
func testVerificationStarts(t *testing.T, db *store.DB) {
	s := newSubmission("sub-limit", "Acme")
	create(t, db, s)
	start := func(when, since time.Time, limit int) []time.Time {
		t.Helper()
		full, err := db.StartVerification(t.Context(), s.ID, when, since, limit)
		if err != nil {
			t.Fatal(err)
		}
		return full
	}
	for _, d := range []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute} {
		if full := start(at(d), base, 3); full != nil {
			t.Fatalf("start at +%v refused under the limit: %v", d, full)
		}
	}
	want := []time.Time{at(time.Minute), at(2 * time.Minute), at(3 * time.Minute)}
	if diff := cmp.Diff(want, start(at(4*time.Minute), base, 3)); diff != "" {
		t.Errorf("refused start's report (-want +got):\n%s", diff)
	}
	// The refused start was not recorded: with a limit of 4 there is room
	// for exactly one more.
	if full := start(at(5*time.Minute), base, 4); full != nil {
		t.Fatalf("start refused at a limit of 4 after 3 starts: %v", full)
	}
	want = []time.Time{at(2 * time.Minute), at(3 * time.Minute), at(5 * time.Minute)}
	if diff := cmp.Diff(want, start(at(6*time.Minute), base, 3)); diff != "" {
		t.Errorf("report holds the newest starts (-want +got):\n%s", diff)
	}
	// since is exclusive: a window that began at the first start's moment
	// no longer holds it.
	if full := start(at(7*time.Minute), at(5*time.Minute), 2); full != nil {
		t.Fatalf("start refused though the window holds one start: %v", full)
	}

	_, err := db.StartVerification(t.Context(), "no-such-submission", base, base, 3)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("start for an unknown submission: %v, want ErrNotFound", err)
	}
}

// testConcurrentVerificationStarts begins many checks of one submission
// at once, as requests spread over several instances would: exactly the
// limit's worth may start.
func testConcurrentVerificationStarts(t *testing.T, db *store.DB) {
	s := newSubmission("sub-burst", "Acme")
	create(t, db, s)
	const limit, tries = 5, 24
	var started atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, tries)
	for i := range tries {
		wg.Go(func() {
			full, err := db.StartVerification(t.Context(), s.ID,
				at(time.Second+time.Duration(i)*time.Millisecond), base, limit)
			if err != nil {
				errs <- err
				return
			}
			if full == nil {
				started.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent start: %v", err)
	}
	if got := started.Load(); got != limit {
		t.Fatalf("%d of %d concurrent checks started, want exactly the limit, %d",
			got, tries, limit)
	}
}

package storetest

import (
	"errors"
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

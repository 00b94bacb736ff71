package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/store"
)

// takeSlot takes a slot of subject in scope or fails the test; it
// returns the slot, or the report of a refusal.
func takeSlot(t *testing.T, db *store.DB, scope, subject string, when, since time.Time, limit int) (int64, []time.Time) {
	t.Helper()
	slot, full, err := db.TakeAttemptSlot(t.Context(), scope, subject, when, since, limit)
	if err != nil {
		t.Fatal(err)
	}
	if (slot == 0) == (full == nil) {
		t.Fatalf("TakeAttemptSlot gave slot %d and report %v: want exactly one", slot, full)
	}
	return slot, full
}

// testAttemptSlots checks the sliding-window limit: it counts slots
// after since, refuses the one over the limit without recording it, and
// reports the newest slots, oldest first. Subjects and scopes are
// counted apart.
func testAttemptSlots(t *testing.T, db *store.DB) {
	const scope, subject = store.ScopeVerification, "sub-limit"
	for _, d := range []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute} {
		if _, full := takeSlot(t, db, scope, subject, at(d), base, 3); full != nil {
			t.Fatalf("slot at +%v refused under the limit: %v", d, full)
		}
	}
	want := []time.Time{at(time.Minute), at(2 * time.Minute), at(3 * time.Minute)}
	_, full := takeSlot(t, db, scope, subject, at(4*time.Minute), base, 3)
	if diff := cmp.Diff(want, full); diff != "" {
		t.Errorf("refused slot's report (-want +got):\n%s", diff)
	}
	// The refused attempt was not recorded: a limit of 4 has room for
	// exactly one more.
	if _, full := takeSlot(t, db, scope, subject, at(5*time.Minute), base, 4); full != nil {
		t.Fatalf("slot refused at a limit of 4 after 3 slots: %v", full)
	}
	want = []time.Time{at(2 * time.Minute), at(3 * time.Minute), at(5 * time.Minute)}
	_, full = takeSlot(t, db, scope, subject, at(6*time.Minute), base, 3)
	if diff := cmp.Diff(want, full); diff != "" {
		t.Errorf("report holds the newest slots (-want +got):\n%s", diff)
	}
	// since is exclusive: a window that begins at the slot taken at +5m
	// holds nothing.
	if _, full := takeSlot(t, db, scope, subject, at(7*time.Minute), at(7*time.Minute), 1); full != nil {
		t.Fatalf("slot refused though the window is empty: %v", full)
	}
	// Another subject, and the same subject in another scope, start from
	// nothing.
	if _, full := takeSlot(t, db, scope, "sub-other", at(8*time.Minute), base, 1); full != nil {
		t.Errorf("another subject's slot refused: %v", full)
	}
	if _, full := takeSlot(t, db, store.ScopeAdminSignIn, subject, at(8*time.Minute), base, 1); full != nil {
		t.Errorf("the same subject in another scope refused: %v", full)
	}
}

// testAttemptSlotsReleaseAndClear checks that a released slot no longer
// counts, and that clearing a subject frees its whole window without
// touching another subject's.
func testAttemptSlotsReleaseAndClear(t *testing.T, db *store.DB) {
	const scope = store.ScopeAdminSignIn
	first, _ := takeSlot(t, db, scope, "ops@example.com", at(time.Second), base, 2)
	takeSlot(t, db, scope, "ops@example.com", at(2*time.Second), base, 2)
	if _, full := takeSlot(t, db, scope, "ops@example.com", at(3*time.Second), base, 2); full == nil {
		t.Fatal("third slot taken at a limit of 2")
	}
	if err := db.ReleaseAttemptSlot(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	if _, full := takeSlot(t, db, scope, "ops@example.com", at(4*time.Second), base, 2); full != nil {
		t.Fatalf("slot refused after one was released: %v", full)
	}

	takeSlot(t, db, scope, "other@example.com", at(5*time.Second), base, 1)
	if err := db.ClearAttemptSlots(t.Context(), scope, "ops@example.com"); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, full := takeSlot(t, db, scope, "ops@example.com", at(6*time.Second), base, 2); full != nil {
			t.Fatalf("slot %d refused after the subject was cleared: %v", i+1, full)
		}
	}
	if _, full := takeSlot(t, db, scope, "other@example.com", at(7*time.Second), base, 1); full == nil {
		t.Error("clearing one subject freed another's slots")
	}
}

// testConcurrentAttemptSlots takes many slots of one subject at once, as
// requests spread over several instances would: exactly the limit's
// worth are taken.
func testConcurrentAttemptSlots(t *testing.T, db *store.DB) {
	const limit, tries = 5, 24
	var taken atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, tries)
	for i := range tries {
		wg.Go(func() {
			slot, _, err := db.TakeAttemptSlot(t.Context(), store.ScopeVerification,
				"sub-burst", at(time.Second+time.Duration(i)*time.Millisecond), base, limit)
			if err != nil {
				errs <- err
				return
			}
			if slot != 0 {
				taken.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent slot: %v", err)
	}
	if got := taken.Load(); got != limit {
		t.Fatalf("%d of %d concurrent attempts took a slot, want exactly the limit, %d",
			got, tries, limit)
	}
}

// testTOTPStepUsedOnce checks that a time step is accepted once, that an
// earlier step is refused after a later one, and that a stale copy of the
// admin written back does not reset the record.
func testTOTPStepUsedOnce(t *testing.T, db *store.DB) {
	a := newAdmin("adm-totp", "totp@example.com")
	if err := db.CreateAdmin(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	use := func(step int64) bool {
		t.Helper()
		ok, err := db.UseTOTPStep(t.Context(), a.ID, step)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !use(1000) {
		t.Fatal("first use of step 1000 refused")
	}
	if use(1000) {
		t.Error("step 1000 accepted twice")
	}
	if err := db.UpdateAdmin(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if use(999) {
		t.Error("step 999 accepted after step 1000 (and after a stale admin was written back)")
	}
	if !use(1001) {
		t.Error("the next step refused")
	}

	var accepted atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if ok, err := db.UseTOTPStep(t.Context(), a.ID, 2000); err == nil && ok {
				accepted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := accepted.Load(); n != 1 {
		t.Errorf("step 2000 used at once by 8 requests was accepted %d times, want 1", n)
	}
	if ok, err := db.UseTOTPStep(t.Context(), "no-such-admin", 1); err != nil || ok {
		t.Errorf("step for an unknown admin: %v, %v; want false, nil", ok, err)
	}
}

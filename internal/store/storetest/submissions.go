package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/store"
)

func testSubmissionRoundTrip(t *testing.T, db *store.DB) {
	want := newSubmission("sub-rt", "Acme Ltd")
	want.AccountID = "1234567_SB1"
	want.InvitationRevokedAt = at(time.Hour)
	want.InstanceID, want.InstanceName = "480100", "NetSuite – Acme"
	want.DecidedBy, want.DecidedAt = "admin-1", at(2*time.Hour)
	want.ConnectedAt, want.PurgeAfter = at(3*time.Hour), at(4*time.Hour)
	want.PurgedAt = at(5 * time.Hour)
	want.WrappedKey, want.KeyVersion = []byte{1, 2, 3, 0, 255}, 3
	create(t, db, want)

	if diff := cmp.Diff(want, load(t, db, want.ID)); diff != "" {
		t.Errorf("Submission (-want +got):\n%s", diff)
	}
	got, err := db.SubmissionByInvitation(t.Context(), want.InvitationHash)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SubmissionByInvitation (-want +got):\n%s", diff)
	}
	evs, err := db.Events(t.Context(), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Kind != "invited" {
		t.Errorf("events after create = %+v, want one invited event", evs)
	}
}

func testSubmissionNotFound(t *testing.T, db *store.DB) {
	create(t, db, newSubmission("sub-1", "Acme"))
	tests := []struct {
		name string
		call func() error
	}{
		{"by id", func() error {
			_, err := db.Submission(t.Context(), "sub-2")
			return err
		}},
		{"by invitation", func() error {
			_, err := db.SubmissionByInvitation(t.Context(), invitationHash("x"))
			return err
		}},
		{"handoff job never scheduled", func() error {
			_, err := db.HandoffJob(t.Context(), "sub-1")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("error = %v, want ErrNotFound", err)
			}
		})
	}

	// An invitation hash is unique: a second submission cannot share it.
	dup := newSubmission("sub-3", "Other")
	dup.InvitationHash = invitationHash("sub-1")
	if err := db.CreateSubmission(t.Context(), dup, store.Event{}); err == nil {
		t.Error("a second submission with the same invitation hash was stored")
	}
}

// testTimeRoundTrip checks that every time comes back in UTC at
// millisecond precision, whatever zone and precision it went in with,
// and that the zero time stays zero.
func testTimeRoundTrip(t *testing.T, db *store.DB) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"zero", time.Time{}, time.Time{}},
		{"milliseconds", base, base},
		{"nanoseconds are truncated", base.Add(999_999),
			base},
		{"other zone", time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, zone),
			time.Date(2026, 1, 1, 21, 34, 5, 6_000_000, time.UTC)},
		{"before 1970", time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC),
			time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)},
		{"far future", time.Date(9999, 12, 31, 23, 59, 59, 999_000_000,
			time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_000_000,
			time.UTC)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSubmission(sid(i), "Clock Ltd")
			s.DecidedAt = tt.in
			create(t, db, s)
			got := load(t, db, s.ID).DecidedAt
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("DecidedAt = %v, want %v in UTC", got, tt.want)
			}
		})
	}
}

func testUpdateSubmission(t *testing.T, db *store.DB) {
	s := newSubmission("sub-u", "Acme")
	s.WrappedKey, s.KeyVersion = []byte("key-1"), 1
	create(t, db, s)

	next := s
	next.Status, next.Step = store.StatusVerified, "verify"
	next.Company, next.AccountID = "Acme Two", "7654321"
	next.LastActivityAt = at(time.Minute)
	next.WrappedKey, next.KeyVersion = []byte("stale"), 9 // must be ignored
	err := db.UpdateSubmission(t.Context(), next, store.StatusInProgress,
		event(s.ID, "should_not_exist", at(time.Minute)))
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("update with the wrong expected status: %v, want ErrConflict", err)
	}
	if diff := cmp.Diff(s, load(t, db, s.ID)); diff != "" {
		t.Errorf("a refused update changed the row (-want +got):\n%s", diff)
	}

	err = db.UpdateSubmission(t.Context(), next, store.StatusInvited,
		event(s.ID, "verified", at(time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	want := next
	want.WrappedKey, want.KeyVersion = s.WrappedKey, s.KeyVersion
	if diff := cmp.Diff(want, load(t, db, s.ID)); diff != "" {
		t.Errorf("after update (-want +got):\n%s", diff)
	}
	assertEventKinds(t, db, s.ID, "invited", "verified")
}

func testAdvanceStep(t *testing.T, db *store.DB) {
	create(t, db, newSubmission("sub-a", "Acme"))
	if err := db.AdvanceStep(t.Context(), "sub-a", "role", at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got := load(t, db, "sub-a")
	if got.Status != store.StatusInProgress || got.Step != "role" ||
		!got.LastActivityAt.Equal(at(time.Minute)) {
		t.Errorf("after AdvanceStep: status %q step %q activity %v, want in_progress, role, %v",
			got.Status, got.Step, got.LastActivityAt, at(time.Minute))
	}

	got.Status = store.StatusVerified
	if err := db.UpdateSubmission(t.Context(), got, store.StatusInProgress); err != nil {
		t.Fatal(err)
	}
	if err := db.AdvanceStep(t.Context(), "sub-a", "connect", at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := load(t, db, "sub-a"); got.Status != store.StatusVerified || got.Step != "connect" {
		t.Errorf("AdvanceStep on a verified submission: status %q step %q, want verified, connect",
			got.Status, got.Step)
	}
}

func testReplaceInvitation(t *testing.T, db *store.DB) {
	s := newSubmission("sub-r", "Acme")
	create(t, db, s)
	s.InvitationHash = invitationHash("sub-r-new")
	s.InvitationExpiresAt = at(30 * 24 * time.Hour)
	err := db.ReplaceInvitation(t.Context(), s, store.StatusInvited,
		event(s.ID, "invitation_renewed", base))
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.SubmissionByInvitation(t.Context(), invitationHash("sub-r-new"))
	if err != nil || !got.InvitationExpiresAt.Equal(s.InvitationExpiresAt) {
		t.Errorf("by new hash: %v, expires %v; want the renewed invitation",
			err, got.InvitationExpiresAt)
	}
	_, err = db.SubmissionByInvitation(t.Context(), invitationHash("sub-r"))
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old invitation still finds the submission: %v", err)
	}
	err = db.ReplaceInvitation(t.Context(), s, store.StatusConnected)
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("ReplaceInvitation with the wrong status: %v, want ErrConflict", err)
	}
}

func assertEventKinds(t *testing.T, db *store.DB, id string, want ...string) {
	t.Helper()
	evs, err := db.Events(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Kind)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event kinds of %s (-want +got):\n%s", id, diff)
	}
}

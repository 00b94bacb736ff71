// Package storetest is the conformance suite of package store: every
// method, run the same way against each database the store supports, so
// that SQLite and PostgreSQL are held to one behaviour. A test file per
// database calls Run with a function that opens an empty store.
package storetest

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"tbaportal/internal/store"
)

// Opener returns an empty, migrated store that lives until t ends.
type Opener func(t *testing.T) *store.DB

// Run runs every conformance test against stores made by open. Each
// subtest gets its own store, so they run in parallel.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db *store.DB)
	}{
		{"SubmissionRoundTrip", testSubmissionRoundTrip},
		{"TimeRoundTrip", testTimeRoundTrip},
		{"SubmissionNotFound", testSubmissionNotFound},
		{"UpdateSubmission", testUpdateSubmission},
		{"AdvanceStep", testAdvanceStep},
		{"ReplaceInvitation", testReplaceInvitation},
		{"SaveSecretFields", testSaveSecretFields},
		{"SaveSecretFieldsNewKeyConflict", testNewKeyConflict},
		{"PurgeSecrets", testPurgeSecrets},
		{"DuePurges", testDuePurges},
		{"WrappedKeys", testWrappedKeys},
		{"Events", testEvents},
		{"Attempts", testAttempts},
		{"AttemptSlots", testAttemptSlots},
		{"AttemptSlotsReleaseAndClear", testAttemptSlotsReleaseAndClear},
		{"ConcurrentAttemptSlots", testConcurrentAttemptSlots},
		{"TOTPStepUsedOnce", testTOTPStepUsedOnce},
		{"Handoff", testHandoff},
		{"HandoffRestart", testHandoffRestart},
		{"HandoffLeaseExpiry", testLeaseExpiry},
		{"ConcurrentClaims", testConcurrentClaims},
		{"Admins", testAdmins},
		{"AdminSessions", testAdminSessions},
		{"Audit", testAudit},
		{"AuditConcurrentAppends", testAuditConcurrent},
		{"Keyring", testKeyring},
		{"KeyringConcurrentSaves", testKeyringConcurrent},
		{"ListFilters", testListFilters},
		{"ListSearch", testListSearch},
		{"ListPagination", testListPagination},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// base is the suite's clock: a moment with a millisecond part, so that
// a store that dropped or rounded milliseconds would show it.
var base = time.Date(2026, 3, 14, 9, 26, 53, 589_000_000, time.UTC)

func at(d time.Duration) time.Time { return base.Add(d) }

// invitationHash stands in for the hash of an invitation token; it only
// has to be unique per submission.
func invitationHash(id string) []byte {
	h := sha256.Sum256([]byte("invitation:" + id))
	return h[:]
}

// newSubmission is a fresh invitation as the onboarding service makes
// it.
func newSubmission(id, company string) store.Submission {
	return store.Submission{
		ID: id, Company: company, ContactEmail: "admin@" + id + ".example",
		Status: store.StatusInvited, Step: "welcome",
		InvitationHash:      invitationHash(id),
		InvitationExpiresAt: at(14 * 24 * time.Hour),
		CreatedAt:           base, LastActivityAt: base,
	}
}

func event(id, kind string, when time.Time) store.Event {
	return store.Event{SubmissionID: id, At: when, Actor: "test",
		Kind: kind, Detail: kind + " detail"}
}

func create(t *testing.T, db *store.DB, s store.Submission) {
	t.Helper()
	if err := db.CreateSubmission(t.Context(), s, event(s.ID, "invited",
		s.CreatedAt)); err != nil {
		t.Fatalf("CreateSubmission(%s): %v", s.ID, err)
	}
}

func load(t *testing.T, db *store.DB, id string) store.Submission {
	t.Helper()
	s, err := db.Submission(t.Context(), id)
	if err != nil {
		t.Fatalf("Submission(%s): %v", id, err)
	}
	return s
}

func sid(i int) string { return fmt.Sprintf("sub-%04d", i) }

package store_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tbaportal/internal/store"
)

// TestPurgeLeavesNoBytesInSQLiteFiles stores sealed fields and a wrapped
// key carrying a random marker, purges them, and reads the database
// file and its write-ahead log byte by byte: secure_delete zeroes the
// freed pages and the checkpoint empties the log, so the marker is gone
// from both.
func TestPurgeLeavesNoBytesInSQLiteFiles(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(t.Context(), "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var secureDelete int
	if err := db.SQL().QueryRow("PRAGMA secure_delete").Scan(&secureDelete); err != nil ||
		secureDelete != 1 {
		t.Fatalf("PRAGMA secure_delete = %d (%v), want 1", secureDelete, err)
	}

	marker := make([]byte, 48)
	if _, err := rand.Read(marker); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	sub := store.Submission{ID: "sub-shred", Company: "Shred Ltd",
		ContactEmail: "it@shred.example", Status: store.StatusInvited,
		Step: "welcome", InvitationHash: bytes.Repeat([]byte{7}, 32),
		InvitationExpiresAt: now.Add(time.Hour), CreatedAt: now, LastActivityAt: now}
	if err := db.CreateSubmission(t.Context(), sub, store.Event{
		SubmissionID: sub.ID, At: now, Actor: "test", Kind: "invited"}); err != nil {
		t.Fatal(err)
	}
	sub.Status, sub.WrappedKey, sub.KeyVersion = store.StatusInProgress, marker, 1
	fields := []store.SecretField{{SubmissionID: sub.ID, Field: "token_secret",
		Sealed: marker, Last4: "…1a2b", Fingerprint: "fp", UpdatedAt: now}}
	if err := db.SaveSecretFields(t.Context(), sub, store.StatusInvited, true, fields); err != nil {
		t.Fatal(err)
	}
	if !filesContain(t, dir, marker) {
		t.Fatal("the marker is not in the files before the purge; the test would prove nothing")
	}

	sub.PurgedAt = now
	if err := db.PurgeSecrets(t.Context(), sub, store.StatusInProgress); err != nil {
		t.Fatal(err)
	}
	if filesContain(t, dir, marker) {
		t.Error("the purged bytes survive in the database files")
	}
	if info, err := os.Stat(filepath.Join(dir, "portal.db-wal")); err == nil && info.Size() != 0 {
		t.Errorf("the write-ahead log holds %d bytes after the purge's checkpoint", info.Size())
	}
}

// filesContain reports whether any file in dir holds b.
func filesContain(t *testing.T, dir string, b []byte) bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, b) {
			return true
		}
	}
	return false
}

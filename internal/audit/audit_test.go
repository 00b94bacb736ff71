package audit

import (
	"context"
	"strings"
	"testing"
	"time"

	"tbaportal/internal/store"
)

// chain returns a store holding n entries appended through Record.
func chain(t *testing.T, n int) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	log := New(db, func() time.Time { at = at.Add(time.Second); return at })
	for i := range n {
		if err := log.Record(t.Context(), "ops@example.com", ActionView,
			"sub-1", "entry "+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestVerifyFindsTheFirstBrokenEntry changes the stored log the ways a
// tamperer would and checks that Verify names the entry and the reason.
func TestVerifyFindsTheFirstBrokenEntry(t *testing.T) {
	tests := []struct {
		name       string
		tamper     string // SQL run against the five-entry log
		wantSeq    int64  // 0: intact
		wantReason string
		wantIntact int64
	}{
		{name: "intact", wantIntact: 5},
		{name: "detail modified", tamper: `UPDATE audit_log SET detail = 'entry z' WHERE seq = 3`,
			wantSeq: 3, wantReason: "modified", wantIntact: 2},
		{name: "actor modified", tamper: `UPDATE audit_log SET actor = 'someone@example.com' WHERE seq = 1`,
			wantSeq: 1, wantReason: "modified", wantIntact: 0},
		{name: "entry removed", tamper: `DELETE FROM audit_log WHERE seq = 4`,
			wantSeq: 5, wantReason: "removed", wantIntact: 3},
		{name: "entry rewritten with a fresh hash",
			tamper:  `UPDATE audit_log SET hash = 'ab' || substr(hash, 3) WHERE seq = 2`,
			wantSeq: 2, wantReason: "modified", wantIntact: 1},
		{name: "last entry removed", tamper: `DELETE FROM audit_log WHERE seq = 5`,
			wantIntact: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := chain(t, 5)
			if tt.tamper != "" {
				if _, err := db.SQL().ExecContext(t.Context(), tt.tamper); err != nil {
					t.Fatal(err)
				}
			}
			problem, intact, err := New(db, nil).Verify(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if intact != tt.wantIntact {
				t.Errorf("%d entries reported intact, want %d", intact, tt.wantIntact)
			}
			switch {
			case tt.wantSeq == 0 && problem != nil:
				t.Errorf("problem %+v, want none", *problem)
			case tt.wantSeq != 0 && problem == nil:
				t.Errorf("no problem found, want entry %d", tt.wantSeq)
			case tt.wantSeq != 0 && (problem.Seq != tt.wantSeq ||
				!strings.Contains(problem.Reason, tt.wantReason)):
				t.Errorf("problem %+v, want entry %d, %q", *problem, tt.wantSeq, tt.wantReason)
			}
		})
	}
}

// TestHashFieldsCannotShift: moving text from one field into the next
// must change the hash, or a tamperer could rewrite an entry's meaning
// without breaking the chain.
func TestHashFieldsCannotShift(t *testing.T) {
	e := store.AuditEntry{Seq: 1, At: time.Unix(0, 0), Actor: "ops@example.com",
		Action: "purge", SubmissionID: "sub-1", Detail: "", PrevHash: genesis}
	shifted := e
	shifted.Action, shifted.SubmissionID = "purgesub-1", ""
	if Hash(e) == Hash(shifted) {
		t.Fatal("two entries with the same text in different fields hash alike")
	}
}

// TestCheckAnchor: an entry noted down earlier shows what the chain alone
// cannot, a log cut back or rewritten from some entry on.
func TestCheckAnchor(t *testing.T) {
	tests := []struct {
		name       string
		tamper     string
		wantReason string // empty: the anchor holds
	}{
		{name: "unchanged"},
		{name: "later entries added", tamper: `INSERT INTO audit_log
			(seq, at, actor, action, submission_id, detail, prev_hash, hash)
			SELECT 6, at, actor, action, submission_id, detail, hash, 'x' FROM audit_log WHERE seq = 5`},
		{name: "cut back", tamper: `DELETE FROM audit_log WHERE seq >= 4`, wantReason: "cut back"},
		{name: "rewritten", tamper: `UPDATE audit_log SET hash = 'rewritten' WHERE seq = 4`,
			wantReason: "rewritten"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := chain(t, 5)
			log := New(db, nil)
			noted, found, err := log.Entry(t.Context(), 4)
			if err != nil || !found {
				t.Fatalf("entry 4: found %v, %v", found, err)
			}
			if tt.tamper != "" {
				if _, err := db.SQL().ExecContext(t.Context(), tt.tamper); err != nil {
					t.Fatal(err)
				}
			}
			problem, err := log.CheckAnchor(t.Context(), 4, noted.Hash)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.wantReason == "" && problem != nil:
				t.Errorf("problem %+v, want the anchor to hold", *problem)
			case tt.wantReason != "" && (problem == nil || !strings.Contains(problem.Reason, tt.wantReason)):
				t.Errorf("problem %v, want one saying %q", problem, tt.wantReason)
			}
		})
	}
}

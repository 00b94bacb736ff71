package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
)

// chain returns a build function for AppendAudit that links each entry
// to the last one, the way package audit does (with a simpler hash).
func chain(actor, action, submissionID string) func(store.AuditEntry) store.AuditEntry {
	return func(last store.AuditEntry) store.AuditEntry {
		e := store.AuditEntry{Seq: last.Seq + 1, At: base, Actor: actor,
			Action: action, SubmissionID: submissionID, PrevHash: last.Hash,
			Detail: "detail of " + action}
		sum := sha256.Sum256([]byte(e.PrevHash + "|" + strconv.FormatInt(e.Seq, 10) +
			"|" + e.Actor + "|" + e.Action))
		e.Hash = hex.EncodeToString(sum[:])
		return e
	}
}

func testAudit(t *testing.T, db *store.DB) {
	ctx := t.Context()
	var want []store.AuditEntry
	for i, sub := range []string{"sub-1", "", "sub-1", "sub-2"} {
		e, err := db.AppendAudit(ctx, chain("admin", fmt.Sprintf("act-%d", i), sub))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, e)
	}
	if want[0].Seq != 1 || want[1].PrevHash != want[0].Hash {
		t.Errorf("first entries not chained: %+v", want[:2])
	}
	all, err := db.AuditEntries(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("AuditEntries (-want +got):\n%s", diff)
	}
	page, err := db.AuditEntries(ctx, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[1:3], page); diff != "" {
		t.Errorf("AuditEntries(after 1, limit 2) (-want +got):\n%s", diff)
	}
	mine, err := db.AuditForSubmission(ctx, "sub-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.AuditEntry{want[0], want[2]}, mine); diff != "" {
		t.Errorf("AuditForSubmission (-want +got):\n%s", diff)
	}
	newest, err := db.AuditForSubmission(ctx, "sub-1", 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.AuditEntry{want[2]}, newest); diff != "" {
		t.Errorf("AuditForSubmission(limit 1) (-want +got):\n%s", diff)
	}
}

// testAuditConcurrent appends from 8 goroutines at once, as several
// instances would: the log must stay one gapless chain.
func testAuditConcurrent(t *testing.T, db *store.DB) {
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				_, err := db.AppendAudit(t.Context(),
					chain(fmt.Sprintf("w%d", w), fmt.Sprintf("a%d", i), ""))
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("AppendAudit: %v", err)
	}
	all, err := db.AuditEntries(t.Context(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*each {
		t.Fatalf("%d entries, want %d", len(all), writers*each)
	}
	prev := ""
	for i, e := range all {
		if e.Seq != int64(i+1) || e.PrevHash != prev {
			t.Fatalf("entry %d: seq %d prev %q; want seq %d prev %q", i, e.Seq,
				e.PrevHash, i+1, prev)
		}
		prev = e.Hash
	}
}

func testKeyring(t *testing.T, db *store.DB) {
	ctx := t.Context()
	k := db.KeyringStore()
	if _, err := k.LoadKeyring(ctx); !errors.Is(err, secrets.ErrNoKeyring) {
		t.Fatalf("LoadKeyring on an empty store: %v, want ErrNoKeyring", err)
	}
	docA, docB := []byte(`{"v":"a"}`), []byte(`{"v":"b"}`)
	steps := []struct {
		name           string
		previous, next []byte
		wantErr        error
	}{
		{"create", nil, docA, nil},
		{"create again", nil, docB, secrets.ErrKeyringChanged},
		{"stale previous", []byte(`{"v":"old"}`), docB, secrets.ErrKeyringChanged},
		{"swap", docA, docB, nil},
		{"swap from the replaced document", docA, docA, secrets.ErrKeyringChanged},
	}
	for _, st := range steps {
		err := k.SaveKeyring(ctx, st.previous, st.next)
		if !errors.Is(err, st.wantErr) {
			t.Errorf("%s: SaveKeyring = %v, want %v", st.name, err, st.wantErr)
		}
	}
	got, err := k.LoadKeyring(ctx)
	if err != nil || !bytes.Equal(got, docB) {
		t.Errorf("LoadKeyring = %q, %v; want %q", got, err, docB)
	}
}

// testKeyringConcurrentSaves starts 8 instances at once on an empty
// database, each creating the keyring, then has them all rotate from
// the same document: each time exactly one must win.
func testKeyringConcurrent(t *testing.T, db *store.DB) {
	k := db.KeyringStore()
	saves := func(previous []byte) (wins int, winner []byte) {
		const instances = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := range instances {
			wg.Go(func() {
				next := fmt.Appendf(nil, `{"by":%d,"at":%d}`, i, time.Now().UnixNano())
				err := k.SaveKeyring(t.Context(), previous, next)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
					winner = next
				case !errors.Is(err, secrets.ErrKeyringChanged):
					t.Errorf("SaveKeyring: %v, want nil or ErrKeyringChanged", err)
				}
			})
		}
		wg.Wait()
		return wins, winner
	}
	created, doc := saves(nil)
	if created != 1 {
		t.Fatalf("%d instances created the keyring, want exactly 1", created)
	}
	rotated, next := saves(doc)
	if rotated != 1 {
		t.Fatalf("%d instances replaced the keyring, want exactly 1", rotated)
	}
	got, err := k.LoadKeyring(t.Context())
	if err != nil || !bytes.Equal(got, next) {
		t.Errorf("LoadKeyring = %q, %v; want the winner's %q", got, err, next)
	}
}

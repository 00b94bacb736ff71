package storetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"tbaportal/internal/store"
)

func ids(subs []store.Submission) []string {
	out := []string{}
	for _, s := range subs {
		out = append(out, s.ID)
	}
	return out
}

func list(t *testing.T, db *store.DB, f store.ListFilter) []string {
	t.Helper()
	got, err := db.ListSubmissions(t.Context(), f)
	if err != nil {
		t.Fatalf("ListSubmissions(%+v): %v", f, err)
	}
	return ids(got)
}

func testListFilters(t *testing.T, db *store.DB) {
	rows := []struct {
		id      string
		status  store.Status
		expires time.Duration // from base
	}{
		{"invited-live", store.StatusInvited, time.Hour},
		{"invited-expired", store.StatusInvited, -time.Hour},
		{"progress-expired", store.StatusInProgress, -time.Minute},
		{"verified-expired", store.StatusVerified, 0},
		{"failed-expired", store.StatusVerificationFailed, -time.Hour},
		{"connected-old", store.StatusConnected, -time.Hour},
		{"rejected-old", store.StatusRejected, -time.Hour},
	}
	for i, r := range rows {
		s := newSubmission(r.id, "Company")
		s.Status, s.InvitationExpiresAt = r.status, at(r.expires)
		s.LastActivityAt = at(time.Duration(i) * time.Second) // newest last
		create(t, db, s)
	}
	tests := []struct {
		name string
		f    store.ListFilter
		want []string
	}{
		{"all, newest activity first", store.ListFilter{}, []string{
			"rejected-old", "connected-old", "failed-expired",
			"verified-expired", "progress-expired", "invited-expired",
			"invited-live"}},
		{"one status", store.ListFilter{Status: string(store.StatusInvited)},
			[]string{"invited-expired", "invited-live"}},
		{"status with no rows", store.ListFilter{Status: string(store.StatusPurged)},
			[]string{}},
		{"expired: open and past the deadline", store.ListFilter{Status: "expired",
			Now: base}, []string{"failed-expired", "verified-expired",
			"progress-expired", "invited-expired"}},
		{"limit", store.ListFilter{Limit: 2}, []string{"rejected-old", "connected-old"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := gocmp.Diff(tt.want, list(t, db, tt.f)); diff != "" {
				t.Errorf("ListSubmissions (-want +got):\n%s", diff)
			}
		})
	}
	for i := range 60 {
		create(t, db, newSubmission(sid(i), "Filler"))
	}
	if n := len(list(t, db, store.ListFilter{})); n != 50 {
		t.Errorf("no limit gave %d rows, want the default 50", n)
	}
}

func testListSearch(t *testing.T, db *store.DB) {
	rows := []struct{ id, company, account, email string }{
		{"plain", "Acme Ltd", "1234567", "ops@acme.example"},
		{"percent", "100% Widgets", "7654321_SB1", "it@widgets.example"},
		{"underscore", "Under_Score", "5555555", "a_b@under.example"},
		{"backslash", `Back\Slash`, "6666666", "x@back.example"},
		{"upper", "ÉCOLE NORMALE", "8888888", "INFO@ECOLE.EXAMPLE"},
	}
	for i, r := range rows {
		s := newSubmission(r.id, r.company)
		s.AccountID, s.ContactEmail = r.account, r.email
		s.LastActivityAt = at(time.Duration(i) * time.Second)
		create(t, db, s)
	}
	tests := []struct {
		name   string
		search string
		want   []string
	}{
		{"company, any case", "aCmE", []string{"plain"}},
		{"account ID", "7654321", []string{"percent"}},
		{"sandbox suffix", "_sb1", []string{"percent"}},
		{"email", "@under.", []string{"underscore"}},
		{"percent is literal", "%", []string{"percent"}},
		{"percent inside", "0% w", []string{"percent"}},
		{"underscore is literal", "_", []string{"underscore", "percent"}},
		{"underscore is not a wildcard", "Under Score", []string{}},
		{"backslash is literal", `k\s`, []string{"backslash"}},
		{"non-ASCII, any case", "école", []string{"upper"}},
		{"surrounding spaces ignored", "  acme  ", []string{"plain"}},
		{"no match", "zzz", []string{}},
		{"blank means all", "   ", []string{"upper", "backslash",
			"underscore", "percent", "plain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := list(t, db, store.ListFilter{Search: tt.search})
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("search %q (-want +got):\n%s", tt.search, diff)
			}
		})
	}
}

// testListPagination walks every page with the keyset cursor, with many
// rows sharing one activity time, and compares the walk with the whole
// list sorted in Go.
func testListPagination(t *testing.T, db *store.DB) {
	var all []store.Submission
	for i := range 57 {
		s := newSubmission(sid((i*37)%57), "Page Co") // IDs not in time order
		s.LastActivityAt = at(time.Duration(i/4) * time.Second)
		if i%5 == 0 {
			s.Status = store.StatusConnected
		}
		create(t, db, s)
		all = append(all, s)
	}
	slices.SortFunc(all, func(a, b store.Submission) int {
		return cmp.Or(b.LastActivityAt.Compare(a.LastActivityAt), cmp.Compare(b.ID, a.ID))
	})
	connected := slices.DeleteFunc(slices.Clone(all), func(s store.Submission) bool {
		return s.Status != store.StatusConnected
	})
	tests := []struct {
		name   string
		status string
		size   int
		want   []store.Submission
	}{
		{"all, pages of 10", "", 10, all},
		{"all, pages of 1", "", 1, all},
		{"all, one page", "", 57, all},
		{"one status, pages of 3", string(store.StatusConnected), 3, connected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := walk(t, db, store.ListFilter{Status: tt.status, Limit: tt.size})
			if diff := gocmp.Diff(ids(tt.want), got); diff != "" {
				t.Errorf("pages joined (-want +got):\n%s", diff)
			}
		})
	}
}

// walk follows the cursor until a page comes back short.
func walk(t *testing.T, db *store.DB, f store.ListFilter) []string {
	t.Helper()
	var out []string
	for range 100 {
		page, err := db.ListSubmissions(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ids(page)...)
		if len(page) < f.Limit {
			return out
		}
		last := page[len(page)-1]
		f.After = store.Cursor{LastActivityAt: last.LastActivityAt, ID: last.ID}
	}
	t.Fatal("the walk did not end after 100 pages")
	return nil
}

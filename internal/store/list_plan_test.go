package store_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"tbaportal/internal/store"
)

// deepCursor is the list position after about 90% of the rows with
// status (all rows when it is empty), leaving at least one row after it.
// The status is one of the store's own constants, so it is written into
// the query.
func deepCursor(tb testing.TB, db *store.DB, status string) store.Cursor {
	tb.Helper()
	where := ""
	if status != "" {
		where = " WHERE status = '" + status + "'"
	}
	ctx := tb.Context()
	var n int
	err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM submissions`+
		where).Scan(&n)
	if err != nil {
		tb.Fatalf("count rows: %v", err)
	}
	var at int64
	var c store.Cursor
	err = db.SQL().QueryRowContext(ctx, `SELECT last_activity_at, id
		FROM submissions`+where+` ORDER BY last_activity_at DESC, id DESC
		LIMIT 1 OFFSET `+strconv.Itoa(max(min(n*9/10, n-2), 0))).Scan(&at, &c.ID)
	if err != nil {
		tb.Fatalf("find the deep cursor: %v", err)
	}
	c.LastActivityAt = time.UnixMilli(at).UTC()
	return c
}

// plan returns the database's plan of the list query, as text.
func plan(t *testing.T, db *store.DB, f store.ListFilter) string {
	t.Helper()
	query, args := store.ListQuery(db, f)
	prefix := "EXPLAIN QUERY PLAN "
	if db.Dialect() == store.Postgres {
		prefix = "EXPLAIN "
	}
	rows, err := db.SQL().QueryContext(t.Context(), prefix+query, args...)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, toString(vals[len(vals)-1]))
	}
	return strings.Join(lines, "\n")
}

func toString(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	s, _ := v.(string)
	return s
}

// planCheck is what a plan must and must not contain.
type planCheck struct{ has, hasNot []string }

// testListPlans checks that the list reads the activity indexes from the
// cursor on, instead of reading every row and sorting them.
func testListPlans(t *testing.T, db *store.DB, checks map[string]planCheck) {
	const rows = 20000
	if err := store.SeedSubmissions(t.Context(), db, rows); err != nil {
		t.Fatal(err)
	}
	// One row in a hundred: rare enough that its own index pays.
	failed := string(store.StatusHandoffFailed)
	tests := []struct {
		name string
		f    store.ListFilter
	}{
		{"first", store.ListFilter{}},
		{"deep", store.ListFilter{After: deepCursor(t, db, "")}},
		{"status first", store.ListFilter{Status: failed}},
		{"status deep", store.ListFilter{Status: failed,
			After: deepCursor(t, db, failed)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := plan(t, db, tt.f)
			c := checks[tt.name]
			for _, want := range c.has {
				if !strings.Contains(p, want) {
					t.Errorf("plan lacks %q:\n%s", want, p)
				}
			}
			for _, bad := range c.hasNot {
				if strings.Contains(p, bad) {
					t.Errorf("plan has %q:\n%s", bad, p)
				}
			}
		})
	}
}

func TestListPlanSQLite(t *testing.T) {
	sorts := []string{"TEMP B-TREE", "SCAN submissions\n"}
	testListPlans(t, openSQLite(t), map[string]planCheck{
		"first": {has: []string{"SCAN submissions USING INDEX submissions_activity"},
			hasNot: sorts},
		"deep": {has: []string{"SEARCH submissions USING INDEX submissions_activity"},
			hasNot: sorts},
		"status first": {has: []string{"submissions_status_activity (status=?)"},
			hasNot: sorts},
		"status deep": {has: []string{"submissions_status_activity (status=? AND"},
			hasNot: sorts},
	})
}

// TestListPlanPostgres allows a sort only in the deep page of a rare
// status, where the index has already cut the rows down to the few
// after the cursor.
func TestListPlanPostgres(t *testing.T) {
	bad := []string{"Seq Scan", "Sort"}
	testListPlans(t, openPostgres(t), map[string]planCheck{
		"first": {has: []string{"Index Scan using submissions_activity"},
			hasNot: bad},
		"deep": {has: []string{"Index Scan using submissions_activity",
			"Index Cond: (ROW(last_activity_at, id) < ROW("}, hasNot: bad},
		"status first": {has: []string{"Index Scan using submissions_status_activity",
			"Index Cond: (status = "}, hasNot: bad},
		"status deep": {has: []string{"submissions_status_activity",
			"ROW(last_activity_at, id) < ROW("},
			hasNot: []string{"Seq Scan"}},
	})
}

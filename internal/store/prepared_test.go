package store

import (
	"context"
	"sync"
	"testing"
)

// TestPreparedStatementsSharedAtFirstUse reads submissions from many
// goroutines at once on a fresh database: every read succeeds, the query
// is kept prepared once, and Close lets go of it.
func TestPreparedStatementsSharedAtFirstUse(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := SeedSubmissions(ctx, db, 16); err != nil {
		t.Fatal(err)
	}
	var ids []string
	rows, err := db.sql.QueryContext(ctx, `SELECT id FROM submissions`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()

	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := ids[i%len(ids)]
			if s, err := db.Submission(ctx, id); err != nil || s.ID != id {
				t.Errorf("Submission(%s) = %q, %v", id, s.ID, err)
			}
		}()
	}
	wg.Wait()
	if n := len(db.stmts.byText); n != 1 {
		t.Errorf("%d statements kept, want 1", n)
	}
	if err := db.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if db.stmts.byText != nil {
		t.Error("Close kept the prepared statements")
	}
}

func TestPreparedStatementErrorReachesScan(t *testing.T) {
	db, err := Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.queryRow(context.Background(), `SELECT nope FROM nowhere`).Scan(&n); err == nil {
		t.Error("a query that cannot be prepared scanned without error")
	}
}

package web_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"

	"tbaportal/internal/store"
)

// seedSubmissions inserts n submissions with one multi-row INSERT in one
// transaction: a recursive CTE makes the rows inside SQLite.
func seedSubmissions(tb testing.TB, db *store.DB, n int) {
	tb.Helper()
	tx, err := db.SQL().BeginTx(context.Background(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	_, err = tx.Exec(`WITH RECURSIVE seq(n) AS (
		SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
	INSERT INTO submissions (id, company, contact_email, status, step,
		account_id, invitation_hash, invitation_expires_at, created_at,
		last_activity_at, search_text)
	SELECT printf('s%07d', n), printf('Company %d', n),
		printf('admin%d@example.com', n),
		CASE n % 5 WHEN 0 THEN 'invited' WHEN 1 THEN 'in_progress'
			WHEN 2 THEN 'verified' WHEN 3 THEN 'connected'
			ELSE 'handoff_failed' END,
		'welcome', printf('%d', 1000000 + n), randomblob(32),
		1900000000000, 1700000000000 + n * 1000,
		1700000000000 + (n / 3) * 1000,
		lower(printf('company %d', n) || char(0) || printf('%d', 1000000 + n)
			|| char(0) || printf('admin%d@example.com', n))
	FROM seq`, n)
	if err != nil {
		_ = tx.Rollback()
		tb.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkAdminList lists the first page and a deep page (past 90,000
// rows) of 100,000 submissions through the whole router. With keyset
// paging both should cost about the same.
func BenchmarkAdminList(b *testing.B) {
	e := newAdminEnv(b)
	e.addAdmin("ops@example.com", store.RoleOperator)
	seedSubmissions(b, e.DB, 100_000)
	br := e.signIn("ops@example.com")

	var at int64
	var id string
	err := e.DB.SQL().QueryRow(`SELECT last_activity_at, id FROM submissions
		ORDER BY last_activity_at DESC, id DESC LIMIT 1 OFFSET 90000`).Scan(&at, &id)
	if err != nil {
		b.Fatal(err)
	}
	deep := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at, 10) + ":" + id))

	for _, bc := range []struct{ name, path string }{
		{"first page", "/admin/submissions"},
		{"deep page", "/admin/submissions?after=" + deep},
		{"deep page, one status", "/admin/submissions?status=connected&after=" + deep},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				// Sessions stay alive: the clock stands still.
				if r := br.Get(bc.path); r.StatusCode != http.StatusOK {
					b.Fatalf("status %d", r.StatusCode)
				}
			}
		})
	}
}

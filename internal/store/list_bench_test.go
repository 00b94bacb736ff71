package store_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"tbaportal/internal/store"
	"tbaportal/internal/store/pgtest"
)

// benchSizes are the list sizes benchmarked. The million-row size takes
// a while to seed (well under a minute per database), so it runs only
// with PORTAL_BENCH_LARGE=1; CI's short benchmark run stays fast.
func benchSizes() []struct {
	name string
	rows int
} {
	sizes := []struct {
		name string
		rows int
	}{{"1k", 1_000}, {"10k", 10_000}, {"100k", 100_000}}
	if os.Getenv("PORTAL_BENCH_LARGE") == "1" {
		sizes = append(sizes, struct {
			name string
			rows int
		}{"1M", 1_000_000})
	}
	return sizes
}

// BenchmarkListSubmissions reads one admin list page (50 rows) from the
// start and from a cursor after about 90% of the rows, on each database
// and size. With keyset paging both should cost about the same at every
// size.
func BenchmarkListSubmissions(b *testing.B) {
	dbs := []struct {
		name string
		open func(b *testing.B) *store.DB
	}{
		{"sqlite", func(b *testing.B) *store.DB {
			return openBench(b, "", b.TempDir())
		}},
		{"postgres", func(b *testing.B) *store.DB {
			return openBench(b, pgtest.NewDatabase(b), "")
		}},
	}
	for _, d := range dbs {
		b.Run(d.name, func(b *testing.B) {
			for _, size := range benchSizes() {
				b.Run(size.name, func(b *testing.B) {
					db := d.open(b)
					seed(b, db, size.rows)
					benchPages(b, db)
				})
			}
		})
	}
}

func openBench(b *testing.B, url, dir string) *store.DB {
	b.Helper()
	db, err := store.Open(b.Context(), url, dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func seed(b *testing.B, db *store.DB, rows int) {
	b.Helper()
	start := time.Now()
	if err := store.SeedSubmissions(b.Context(), db, rows); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d submissions in %s", rows, time.Since(start).Round(time.Millisecond))
}

func benchPages(b *testing.B, db *store.DB) {
	failed := string(store.StatusHandoffFailed)
	pages := []struct {
		name string
		f    store.ListFilter
	}{
		{"first", store.ListFilter{Limit: 50}},
		{"deep", store.ListFilter{Limit: 50, After: deepCursor(b, db, "")}},
		{"status_deep", store.ListFilter{Limit: 50, Status: failed,
			After: deepCursor(b, db, failed)}},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				got, err := db.ListSubmissions(b.Context(), p.f)
				took = append(took, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if len(got) == 0 {
					b.Fatal("empty page")
				}
			}
			// The budget is on the tail, not the mean.
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*95/100].Nanoseconds()), "p95-ns")
		})
	}
}

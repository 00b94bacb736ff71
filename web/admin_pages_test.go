package web_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"tbaportal/internal/audit"
	"tbaportal/internal/netsuite"
	"tbaportal/internal/store"
	"tbaportal/internal/testharness"
)

const payload = `<script>alert(1)</script>`

var adminCSPNonce = regexp.MustCompile(`'nonce-([^']+)'`)

// onlyOwnScript fails unless the page's one script element is the
// layout's, carrying the response's CSP nonce.
func onlyOwnScript(t *testing.T, r *http.Response, d *goquery.Document) {
	t.Helper()
	m := adminCSPNonce.FindStringSubmatch(r.Header.Get("Content-Security-Policy"))
	if m == nil {
		t.Fatal("no CSP nonce")
	}
	scripts := d.Find("script")
	if scripts.Length() != 1 {
		t.Fatalf("%d script elements, want only the page's own", scripts.Length())
	}
	if n, _ := scripts.Attr("nonce"); n != m[1] {
		t.Errorf("script nonce %q, want the CSP's %q", n, m[1])
	}
	if d.Find("[onerror], [onload], [onclick]").Length() != 0 {
		t.Error("an event handler attribute reached the page")
	}
}

func TestAdminPagesRenderOutsideTextInert(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("ops@example.com", store.RoleOperator)
	inv, err := e.Service.CreateInvitation(context.Background(),
		payload+`"><img src=x onerror=alert(2)>`, "", 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	sub := inv.Submission
	now := e.clock.Now()
	err = e.DB.RecordAttempt(context.Background(), sub, sub.Status, store.Attempt{
		SubmissionID: sub.ID, At: now, Actor: "customer",
		Outcome: "unknown_fault", Code: payload, Message: payload,
	}, store.Event{SubmissionID: sub.ID, At: now, Actor: payload,
		Kind: "verification", Detail: payload})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.DB.SQL().Exec(`INSERT INTO handoff_jobs (submission_id, state,
		attempts, next_run_at, last_error, created_at, updated_at)
		VALUES (?, 'failed', 3, 0, ?, 1, 1)`, sub.ID, payload)
	if err != nil {
		t.Fatal(err)
	}
	b := e.signIn("ops@example.com")

	for _, path := range []string{"/admin/submissions", "/admin/submissions/" + sub.ID,
		"/admin/audit", "/admin/submissions?q=" + url.QueryEscape(payload)} {
		t.Run(path, func(t *testing.T) {
			r := b.Get(path)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("status %d", r.StatusCode)
			}
			d := doc(t, r)
			onlyOwnScript(t, r.Response, d)
			if !strings.Contains(d.Text(), payload) {
				t.Error("the text is not shown (as text)")
			}
		})
	}
}

func TestAdminSubmissionDetail(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("ops@example.com", store.RoleOperator)
	id, cb, _ := e.filled("Acme")
	wantRedirect(t, cb.Post("/wizard/verify", nil), "/wizard/verify#diagnosis")
	b := e.signIn("ops@example.com")

	r := b.Get("/admin/submissions/" + id)
	if r.StatusCode != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, Cache-Control %q", r.StatusCode, r.Header.Get("Cache-Control"))
	}
	d := doc(t, r)
	masks := d.Find("code.masked").Map(func(_ int, s *goquery.Selection) string {
		return s.Text()
	})
	if len(masks) != 4 {
		t.Fatalf("masked values %q, want four", masks)
	}
	a := testharness.Demo()
	demo := []string{a.ConsumerKey, a.ConsumerSecret, a.TokenID, a.TokenSecret}
	for i, m := range masks {
		if !strings.HasPrefix(m, "…"+demo[i][len(demo[i])-4:]+" (fp ") {
			t.Errorf("mask %q does not end like the value", m)
		}
	}
	for _, v := range demo {
		if strings.Contains(r.Body, v) {
			t.Error("a credential is shown in full")
		}
	}
	if got := d.Find("table.table tbody tr").First().Find("td").Eq(2).Text(); got != "verified" {
		t.Errorf("latest attempt outcome %q, want verified", got)
	}
	if d.Find("ol.timeline li").Length() < 3 {
		t.Error("the timeline is missing events")
	}
	if !hasAudit(t, e, audit.ActionView, id, "ops@example.com") {
		t.Error("viewing was not audited")
	}
	if r := b.Get("/admin/submissions/nosuchsubmission"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown ID: status %d, want 404", r.StatusCode)
	}
}

func TestAdminListFiltersAndPages(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("ops@example.com", store.RoleOperator)
	ctx := context.Background()
	var all []string
	for i := range 57 {
		inv, err := e.Service.CreateInvitation(ctx, fmt.Sprintf("Company %02d", i),
			"", 0, "test")
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, inv.Submission.ID)
		e.clock.Advance(time.Second)
	}
	withAccount, err := e.DB.Submission(ctx, all[30])
	if err != nil {
		t.Fatal(err)
	}
	acct, err := netsuite.ParseAccountID("7654321_SB1")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Service.SaveAccountID(ctx, withAccount, acct); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	if _, err := e.Service.CreateInvitation(ctx, "Zeta Industries",
		"ap@zeta.example", 0, "test"); err != nil {
		t.Fatal(err)
	}
	_, err = e.DB.SQL().Exec(`UPDATE submissions SET invitation_expires_at = 1000
		WHERE id = ?`, all[0])
	if err != nil {
		t.Fatal(err)
	}
	// One submission in each later state.
	later := []store.Status{store.StatusInProgress, store.StatusVerified,
		store.StatusVerificationFailed, store.StatusAwaitingApproval,
		store.StatusHandingOff, store.StatusConnected, store.StatusHandoffFailed,
		store.StatusPurged}
	for i, st := range later {
		if _, err := e.DB.SQL().Exec(`UPDATE submissions SET status = ?
			WHERE id = ?`, string(st), all[10+i]); err != nil {
			t.Fatal(err)
		}
	}
	b := e.signIn("ops@example.com")

	first := doc(t, b.Get("/admin/submissions"))
	rows := first.Find("table.table tbody tr")
	if rows.Length() != 50 {
		t.Fatalf("first page has %d rows, want 50", rows.Length())
	}
	if got := rows.First().Find("td").First().Text(); got != "Zeta Industries" {
		t.Errorf("first row %q, want the most recent activity", got)
	}
	next, ok := first.Find(`nav.pagination a[rel=next]`).Attr("href")
	if !ok {
		t.Fatal("no Next page link")
	}
	second := doc(t, b.Get(next))
	seen := map[string]bool{}
	for _, d := range []*goquery.Document{first, second} {
		d.Find("table.table tbody tr td a").Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			if seen[href] {
				t.Errorf("%s listed twice", href)
			}
			seen[href] = true
		})
	}
	if len(seen) != 58 || second.Find(`a[rel=next]`).Length() != 0 {
		t.Errorf("two pages list %d submissions, want all 58 and no third page", len(seen))
	}

	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{name: "search by company", query: "?q=zeta", want: []string{"Zeta Industries"}},
		{name: "search by email", query: "?q=ap%40zeta", want: []string{"Zeta Industries"}},
		{name: "expired", query: "?status=expired", want: []string{"Company 00"}},
		{name: "search by Account ID", query: "?q=7654321_sb1", want: []string{"Company 30"}},
		{name: "in progress", query: "?status=in_progress",
			want: []string{"Company 30", "Company 10"}},
		{name: "verified", query: "?status=verified", want: []string{"Company 11"}},
		{name: "verification failed", query: "?status=verification_failed",
			want: []string{"Company 12"}},
		{name: "waiting for approval", query: "?status=awaiting_approval",
			want: []string{"Company 13"}},
		{name: "handing off", query: "?status=handing_off", want: []string{"Company 14"}},
		{name: "connected", query: "?status=connected", want: []string{"Company 15"}},
		{name: "handoff failed", query: "?status=handoff_failed", want: []string{"Company 16"}},
		{name: "purged", query: "?status=purged", want: []string{"Company 17"}},
		{name: "status and search", query: "?status=connected&q=zeta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := doc(t, b.Get("/admin/submissions"+tt.query))
			got := d.Find("table.table tbody tr td:first-child").Map(
				func(_ int, s *goquery.Selection) string { return s.Text() })
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}

	for _, q := range []string{"?status=nonsense", "?after=not*base64", "?after=" +
		base64.RawURLEncoding.EncodeToString([]byte("x:y")), "?q=%00"} {
		if r := b.Get("/admin/submissions" + q); r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, r.StatusCode)
		}
	}
}

func TestAdminAuditChain(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("ops@example.com", store.RoleOperator)
	e.Invite("Acme")
	e.Invite("Globex")
	b := e.signIn("ops@example.com")

	d := doc(t, b.Get("/admin/audit"))
	if got := d.Find("#chain-status h2").Text(); got != "Chain intact" {
		t.Fatalf("chain status %q, want intact", got)
	}
	if d.Find("table.table tbody tr").Length() < 3 {
		t.Error("the audit page lists too few entries")
	}

	if _, err := e.DB.SQL().Exec(`UPDATE audit_log SET detail = 'company=Initech'
		WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	problem, _, err := audit.New(e.DB, nil).Verify(context.Background())
	if err != nil || problem == nil || problem.Seq != 2 {
		t.Fatalf("Verify = %+v, %v; want a problem at seq 2", problem, err)
	}
	d = doc(t, b.Get("/admin/audit"))
	if got := d.Find("#chain-status h2").Text(); got != "Chain broken at entry 2" {
		t.Errorf("chain status %q, want broken at entry 2", got)
	}
}

func TestAdminMetricsBehindSignIn(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("viewer@example.com", store.RoleViewer)
	wantRedirect(t, e.NewBrowser().Get("/admin/metrics"), "/admin/sign-in")
	b := e.signIn("viewer@example.com")
	r := b.Get("/admin/metrics")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "portal_http_requests_total") {
		t.Errorf("metrics: status %d, series missing", r.StatusCode)
	}
}

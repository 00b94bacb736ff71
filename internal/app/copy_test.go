package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/admins"
	"tbaportal/internal/netsuite"
	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/store"
	"tbaportal/internal/store/pgtest"
	"tbaportal/internal/testharness"
)

// TestDatabaseCopyToPostgres moves a portal with real data from SQLite to
// PostgreSQL with `portal db copy`, then runs the portal on the copy: the
// rows are the same, the audit chain verifies, the sealed values open
// with the copied keyring and the same KMS, and new rows get new ids.
func TestDatabaseCopyToPostgres(t *testing.T) {
	kms := testharness.NewKMSURL(t)
	target := pgtest.NewDatabase(t)
	src := testharness.New(t, testharness.Options{KMSURL: kms})
	ctx := context.Background()

	// One submission handed off (its secrets shredded), one verified and
	// waiting, and an admin.
	inv, link := src.Invite("Acme Ltd")
	src.CompleteWizard(link, netsuitesim.DemoAccount())
	if _, err := src.Service.Verify(ctx, inv.Submission.ID, "customer"); err != nil {
		t.Fatal(err)
	}
	if err := src.Service.Connect(ctx, inv.Submission.ID); err != nil {
		t.Fatal(err)
	}
	src.RunHandoffs()
	waiting, link := src.Invite("Globex Corp")
	customer := src.CompleteWizard(link, netsuitesim.DemoAccount())
	if _, err := src.Service.Verify(ctx, waiting.Submission.ID, "customer"); err != nil {
		t.Fatal(err)
	}
	if _, err := admins.Create(ctx, src.DB, "ops@example.com", "a long admin password", store.RoleOperator, time.Now()); err != nil {
		t.Fatal(err)
	}

	vars := map[string]string{"PORTAL_DATA_DIR": src.DataDir, "PORTAL_KMS_URL": kms}
	env, out, _ := testEnv([]string{"db", "copy", "--to", target}, vars)
	if err := Run(ctx, env); err != nil {
		t.Fatalf("portal db copy: %v", err)
	}
	if !strings.Contains(out.String(), "Copied 2 submissions, 1 admins") {
		t.Errorf("output %q does not count what was copied", out.String())
	}

	dst := testharness.New(t, testharness.Options{DatabaseURL: target, KMSURL: kms})
	for _, table := range []string{"submissions", "secret_fields", "verification_attempts",
		"events", "handoff_jobs", "admins", "keyring"} {
		if diff := cmp.Diff(tableRows(t, src.DB, table), tableRows(t, dst.DB, table)); diff != "" {
			t.Errorf("%s differs after the copy (-source +copy):\n%s", table, diff)
		}
	}
	// The copy's own audit entry follows the copied ones.
	srcAudit, dstAudit := tableRows(t, src.DB, "audit_log"), tableRows(t, dst.DB, "audit_log")
	if len(dstAudit) != len(srcAudit)+1 || !cmp.Equal(srcAudit, dstAudit[:len(srcAudit)]) {
		t.Errorf("audit log: %d entries copied from %d, want them all and one more for the copy",
			len(dstAudit), len(srcAudit))
	}
	env, out, _ = testEnv([]string{"audit", "verify"},
		map[string]string{"PORTAL_DATABASE_URL": target, "PORTAL_DATA_DIR": t.TempDir()})
	if err := Run(ctx, env); err != nil {
		t.Fatalf("audit verify on the copy: %v", err)
	}
	if !strings.Contains(out.String(), "Audit log intact") {
		t.Errorf("audit verify on the copy printed %q", out.String())
	}

	// The customer's browser carries on against the new deployment: its
	// cookie is checked with the session keys copied in the keyring.
	moved := dst.NewBrowser()
	portalURL, err := url.Parse(dst.Portal.URL)
	if err != nil {
		t.Fatal(err)
	}
	moved.Client.Jar.SetCookies(portalURL, customer.Cookies())
	if r := moved.Get("/wizard/verify"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Globex Corp") {
		t.Errorf("the customer's wizard on the copy: status %d, want 200 with the company", r.StatusCode)
	}

	// The waiting submission's sealed values open with the copied keyring
	// and check out against NetSuite; the attempt gets a fresh id.
	v, err := dst.Service.Verify(ctx, waiting.Submission.ID, "admin@example.com")
	if err != nil {
		t.Fatalf("verify on the copy: %v", err)
	}
	if v.Result.Outcome != netsuite.OutcomeVerified {
		t.Errorf("verify on the copy: %q, want verified", v.Result.Outcome)
	}
	if err := dst.Service.Connect(ctx, waiting.Submission.ID); err != nil {
		t.Fatal(err)
	}
	dst.RunHandoffs()
	sub, err := dst.DB.Submission(ctx, waiting.Submission.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != store.StatusConnected {
		t.Errorf("the copied submission handed off to %q, want connected", sub.Status)
	}

	// A second copy into the same database is refused.
	env, _, _ = testEnv([]string{"db", "copy", "--to", target}, vars)
	if err := Run(ctx, env); !errors.Is(err, store.ErrTargetNotEmpty) {
		t.Errorf("second copy: %v, want ErrTargetNotEmpty", err)
	}
}

// TestDatabaseCopyNeedsTheKeyringInTheDatabase: with the keyring still in
// its file, the copy would carry data keys that nothing on the new side
// can unwrap, so it is refused before anything is written.
func TestDatabaseCopyNeedsTheKeyringInTheDatabase(t *testing.T) {
	dir := t.TempDir()
	env, _, _ := testEnv([]string{"invite", "--company", "Acme Ltd"},
		map[string]string{"PORTAL_DATA_DIR": dir})
	if err := Run(t.Context(), env); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"no KMS", map[string]string{"PORTAL_DATA_DIR": dir}, "PORTAL_KMS_URL"},
		{"KMS set, keyring still in its file",
			map[string]string{"PORTAL_DATA_DIR": dir, "PORTAL_KMS_URL": testharness.NewKMSURL(t)},
			"holds no keyring"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, _ := testEnv([]string{"db", "copy", "--to",
				"postgres://postgres@127.0.0.1:1/unreachable"}, tt.vars)
			err := Run(t.Context(), env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("copy: %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

// tableRows reads a whole table in a stable order, every value printed,
// so that rows from SQLite and PostgreSQL compare alike.
func tableRows(t *testing.T, db *store.DB, table string) [][]string {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(), `SELECT * FROM `+table+` ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		values := make([]any, len(cols))
		dests := make([]any, len(cols))
		for i := range values {
			dests[i] = &values[i]
		}
		if err := rows.Scan(dests...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range values {
			if b, ok := v.([]byte); ok {
				v = base64.StdEncoding.EncodeToString(b)
			}
			row[i] = cols[i] + "=" + fmt.Sprint(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

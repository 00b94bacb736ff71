package crashtest

import (
	"database/sql"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the test opens the portal's database itself

	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/store/pgtest"
	"tbaportal/internal/testharness"
)

func TestVersionPrintsBuildVersion(t *testing.T) {
	f := newFixture(t, netsuitesim.Options{})
	r := f.run("", "version")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "portal "+testVersion {
		t.Errorf("portal version: exit %d, output %q; want 0 and %q",
			r.code, r.stdout, "portal "+testVersion)
	}
}

var invitationLine = regexp.MustCompile(`^https://127\.0\.0\.1/invite/[A-Za-z0-9_-]{43}$`)

func TestInvitePrintsURLAsLastLine(t *testing.T) {
	f := newFixture(t, netsuitesim.Options{})
	r := f.run("", "invite", "--company", "Acme Ltd", "--email", "it@acme.example")
	if r.code != 0 {
		t.Fatalf("portal invite: exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if last := lines[len(lines)-1]; !invitationLine.MatchString(last) {
		t.Errorf("last line %q is not an invitation URL under PORTAL_PUBLIC_URL", last)
	}
	if !strings.Contains(r.stdout, "Acme Ltd") {
		t.Errorf("output does not name the company: %q", r.stdout)
	}

	r = f.run("", "invite")
	if r.code != 2 || !strings.Contains(r.stderr, "--company is required") {
		t.Errorf("invite without a company: exit %d, stderr %q; want 2 naming --company",
			r.code, r.stderr)
	}
}

func TestAdminAdd(t *testing.T) {
	f := newFixture(t, netsuitesim.Options{})
	// The steps share one database, in order.
	steps := []struct {
		name     string
		email    string
		password string
		wantCode int
		wantOut  string // in stdout on success, stderr on failure
	}{
		{name: "short password", email: "ops@example.com", password: "short-pw",
			wantCode: 1, wantOut: "at least 12 characters"},
		{name: "empty password", email: "ops@example.com", password: "",
			wantCode: 1, wantOut: "standard input"},
		{name: "good password", email: "ops@example.com",
			password: "correct horse battery", wantCode: 0,
			wantOut: "Admin ops@example.com added as operator"},
		{name: "same email again", email: "OPS@example.com",
			password: "another good password", wantCode: 1,
			wantOut: "already exists"},
		{name: "not an email", email: "ops", password: "correct horse battery",
			wantCode: 1, wantOut: "email"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := f.run(st.password+"\n", "admin", "add", "--email", st.email)
			out := r.stdout
			if st.wantCode != 0 {
				out = r.stderr
			}
			if r.code != st.wantCode || !strings.Contains(out, st.wantOut) {
				t.Errorf("exit %d, output %q; want %d and %q",
					r.code, out, st.wantCode, st.wantOut)
			}
			if st.password != "" && strings.Contains(r.stdout+r.stderr, st.password) {
				t.Error("the output repeats the password")
			}
		})
	}
}

// TestKeysRotateWhileServing rotates the key-encryption key with the CLI
// while a portal runs: the running portal still opens the submission's
// rewrapped data key and verifies it, and the old version can be retired.
func TestKeysRotateWhileServing(t *testing.T) {
	f := newFixture(t, netsuitesim.Options{})
	_, invitePath := f.invite("Rotate Ltd")
	p := f.start()
	b := newBrowser(p)
	b.walkWizard(p, invitePath, netsuitesim.DemoAccount())

	r := f.run("", "keys", "rotate")
	if r.code != 0 || !strings.Contains(r.stdout, "Key version 2 is current; 1 data key(s) rewrapped") {
		t.Fatalf("keys rotate: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	verifyThroughPortal(t, b, p)

	r = f.run("", "keys", "retire", "1")
	if r.code != 0 || !strings.Contains(r.stdout, "Key version 1 retired") {
		t.Fatalf("keys retire 1: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = f.run("", "keys", "list")
	if r.code != 0 || strings.Contains(r.stdout, "version 1") ||
		!strings.Contains(r.stdout, "version 2 (current)") {
		t.Errorf("keys list after retiring 1: exit %d, %q", r.code, r.stdout)
	}
	verifyThroughPortal(t, b, p)

	r = f.run("", "keys", "retire", "2")
	if r.code == 0 || !strings.Contains(r.stderr, "still wraps") {
		t.Errorf("retiring the version in use: exit %d, stderr %q; want a refusal", r.code, r.stderr)
	}
}

// verifyThroughPortal asks the running portal to verify the browser's
// submission and checks that NetSuite accepted the values.
func verifyThroughPortal(t *testing.T, b *browser, p *portal) {
	t.Helper()
	if code, _ := b.do(http.MethodPost, p.url("/wizard/verify"), url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("verify: status %d; logs:\n%s", code, p.logs)
	}
	if _, page := b.do(http.MethodGet, p.url("/wizard/verify"), nil); !strings.Contains(page, "Credentials verified") {
		t.Fatalf("verify page lacks the success diagnosis; logs:\n%s", p.logs)
	}
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	f := newFixture(t, netsuitesim.Options{})
	f.invite("First Ltd")
	f.invite("Second Ltd")
	r := f.run("", "audit", "verify")
	if r.code != 0 || !strings.Contains(r.stdout, "Audit log intact") {
		t.Fatalf("audit verify: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	db, err := sql.Open("sqlite", filepath.Join(f.dataDir, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.ExecContext(t.Context(),
		`UPDATE audit_log SET detail = 'company=Nobody Ltd' WHERE seq = 1`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("tampered with %d rows, want 1", n)
	}
	db.Close()

	r = f.run("", "audit", "verify")
	if r.code == 0 || !strings.Contains(r.stderr, "audit log tampered: entry 1") {
		t.Errorf("audit verify after tampering: exit %d, stderr %q; want non-zero naming entry 1",
			r.code, r.stderr)
	}
}

// TestAuditAnchorFindsACutBackLog: removing the newest entries leaves a
// chain that checks out on its own; the anchor that audit verify printed
// earlier shows the cut.
func TestAuditAnchorFindsACutBackLog(t *testing.T) {
	f := newFixture(t, netsuitesim.Options{})
	f.invite("First Ltd")
	f.invite("Second Ltd")
	r := f.run("", "audit", "verify")
	m := regexp.MustCompile(`--anchor: (\d+):([0-9a-f]{64})\n`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("audit verify: exit %d, stdout %q; want the newest entry as an anchor", r.code, r.stdout)
	}
	anchor := m[1] + ":" + m[2]
	if r := f.run("", "audit", "verify", "--anchor", anchor); r.code != 0 {
		t.Fatalf("audit verify --anchor on the untouched log: exit %d, stderr %q", r.code, r.stderr)
	}

	db, err := sql.Open("sqlite", filepath.Join(f.dataDir, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), `DELETE FROM audit_log WHERE seq = ?`, m[1]); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if r := f.run("", "audit", "verify"); r.code != 0 {
		t.Fatalf("audit verify of the shortened chain: exit %d; a chain alone cannot see the cut", r.code)
	}
	r = f.run("", "audit", "verify", "--anchor", anchor)
	if r.code == 0 || !strings.Contains(r.stderr, "cut back") {
		t.Errorf("audit verify --anchor after the cut: exit %d, stderr %q; want non-zero saying it was cut back",
			r.code, r.stderr)
	}
}

// TestServeWaitsForTheDatabase starts the portal while its PostgreSQL
// does not answer: the process stays up, /healthz answers, /readyz and
// the pages answer 503; once the database answers, the portal gets ready
// without a restart.
func TestServeWaitsForTheDatabase(t *testing.T) {
	dbURL, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	realDB := dbURL.Host
	dbURL.Host = freeAddr(t)
	f := newFixture(t, netsuitesim.Options{})
	f.extra = append(f.extra, "PORTAL_DATABASE_URL="+dbURL.String(),
		"PORTAL_KMS_URL="+testharness.NewKMSURL(t))
	p := f.startUntil("listening")

	for path, want := range map[string]int{"/healthz": 200, "/readyz": 503,
		"/wizard/welcome": 503} {
		resp, err := p.client.Get(p.url(path))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s while the database is away: %d, want %d",
				path, resp.StatusCode, want)
		}
		if want == 503 && resp.Header.Get("Retry-After") == "" {
			t.Errorf("GET %s: a 503 without Retry-After", path)
		}
	}
	forward(t, dbURL.Host, realDB)
	eventually(t, 45*time.Second, "/readyz never answered 200", func() bool {
		resp, err := p.client.Get(p.url("/readyz"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// freeAddr returns a loopback address nothing listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// forward starts relaying TCP connections from addr to target: the
// database "comes back" at the address the portal was given.
func forward(t *testing.T, addr, target string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s again: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			go relay(in, out)
			go relay(out, in)
		}
	}()
}

func relay(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
}

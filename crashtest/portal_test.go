// Package crashtest runs the real portal binary as a child process against
// NetSuite and Cloud Elements simulators in the test process, and checks
// what only a whole process can show: a kill -9 in the middle of a
// handoff, a graceful stop, and the one-shot commands.
package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tbaportal/internal/cloudelements/cloudelementssim"
	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/testharness"
)

// testVersion is stamped into the binary, so `portal version` can be
// checked against something the build chose.
const testVersion = "crashtest-1.2.3"

// portalBin is the binary TestMain builds.
var portalBin string

// TestMain builds the portal once for every test: building per test would
// repeat the same link step many times over.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "crashtest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	portalBin = filepath.Join(dir, "portal")
	build := exec.Command("go", "build", "-o", portalBin,
		"-ldflags", "-X tbaportal/internal/app.Version="+testVersion,
		"tbaportal/cmd/portal")
	build.Env = os.Environ()
	if flags := os.Getenv("GOFLAGS"); !strings.Contains(flags, "-mod=") {
		// go.mod may be mid-edit by others; never rewrite it from here.
		build.Env = append(build.Env, "GOFLAGS="+flags+" -mod=mod")
	}
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture is one data directory with its simulators. Every portal process
// and command a test runs shares them.
type fixture struct {
	t       *testing.T
	dataDir string
	ns      *netsuitesim.Simulator
	ce      *cloudelementssim.Simulator
	nsURL   string
	ceURL   string
	caFile  string
	extra   []string // more environment, NAME=value
}

// newFixture starts both simulators over TLS and writes their certificate
// where the child will find it.
//
// The child must trust the simulators' certificate without any test-only
// switch in the portal. Go's crypto/x509 on Linux reads the system roots
// from the file SSL_CERT_FILE names, so the test writes the simulators'
// certificate (httptest's, shared by both servers) there and sets the
// variable for the child only: the portal then verifies TLS exactly as in
// production, against a root set that happens to hold one certificate.
func newFixture(t *testing.T, nso netsuitesim.Options) *fixture {
	t.Helper()
	f := &fixture{t: t, dataDir: filepath.Join(t.TempDir(), "data")}
	f.ns = netsuitesim.New(nso)
	f.ns.AddAccount(netsuitesim.DemoAccount())
	nsSrv := httptest.NewTLSServer(f.ns.Handler())
	t.Cleanup(nsSrv.Close)
	f.ce = cloudelementssim.New(cloudelementssim.Demo())
	ceSrv := httptest.NewTLSServer(f.ce.Handler())
	t.Cleanup(ceSrv.Close)
	f.nsURL, f.ceURL = nsSrv.URL, ceSrv.URL

	var pems bytes.Buffer
	for _, c := range []*x509.Certificate{nsSrv.Certificate(), ceSrv.Certificate()} {
		_ = pem.Encode(&pems, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	f.caFile = filepath.Join(t.TempDir(), "simulators.pem")
	if err := os.WriteFile(f.caFile, pems.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// environ is the child's environment: the parent's, without any portal
// or certificate setting it may carry, plus the fixture's settings.
func (f *fixture) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PORTAL_") || strings.HasPrefix(kv, "SSL_CERT_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"SSL_CERT_FILE="+f.caFile,
		"PORTAL_DATA_DIR="+f.dataDir,
		// Port 0: the kernel picks a free port; the test reads it from
		// the "portal ready" log line, so no other process can take it
		// between a probe and the start.
		"PORTAL_ADDR=127.0.0.1:0",
		"PORTAL_PUBLIC_URL=https://127.0.0.1",
		"PORTAL_LOG_FORMAT=json",
		"PORTAL_HANDOFF_LEASE=2s",
		"PORTAL_NETSUITE_ENDPOINT="+f.nsURL,
		"PORTAL_CLOUD_ELEMENTS_URL="+f.ceURL,
		"PORTAL_CLOUD_ELEMENTS_USER_SECRET="+cloudelementssim.DemoUserSecret,
		"PORTAL_CLOUD_ELEMENTS_ORG_SECRET="+cloudelementssim.DemoOrgSecret,
	)
	return append(env, f.extra...)
}

// result is a finished command.
type result struct {
	stdout, stderr string
	code           int
}

// run runs one portal command to its end, with stdin as its input.
func (f *fixture) run(stdin string, args ...string) result {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, portalBin, args...)
	cmd.Env = f.environ()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		f.t.Fatalf("portal %s: %v", strings.Join(args, " "), err)
	}
	return result{out.String(), errOut.String(), cmd.ProcessState.ExitCode()}
}

var submissionInInvite = regexp.MustCompile(`\(submission ([a-z0-9]+)\)`)

// invite creates an invitation with `portal invite` and returns the
// submission ID and the link's path.
func (f *fixture) invite(company string) (id, path string) {
	f.t.Helper()
	r := f.run("", "invite", "--company", company)
	if r.code != 0 {
		f.t.Fatalf("portal invite: exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	u, err := url.Parse(lines[len(lines)-1])
	if err != nil || !strings.HasPrefix(u.Path, "/invite/") {
		f.t.Fatalf("last line of portal invite is not an invitation URL: %q", r.stdout)
	}
	m := submissionInInvite.FindStringSubmatch(r.stdout)
	if m == nil {
		f.t.Fatalf("portal invite names no submission: %q", r.stdout)
	}
	return m[1], u.Path
}

// portal is a running `portal serve`.
type portal struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	logs   *testharness.SafeBuffer
	done   chan struct{} // closed once the process has exited
	client *http.Client  // trusts the data directory's certificate
}

// start runs `portal serve` and waits until it is ready.
func (f *fixture) start() *portal { return f.startUntil("portal ready") }

// startUntil runs `portal serve` and waits for the log line with message
// msg and an address: "listening" comes before the database is open,
// "portal ready" once everything is.
func (f *fixture) startUntil(msg string) *portal {
	f.t.Helper()
	p := &portal{t: f.t, logs: &testharness.SafeBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(portalBin, "serve")
	p.cmd.Env = f.environ()
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		f.t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	ready := make(chan string, 1)
	go p.readLogs(stderr, msg, ready)
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	f.t.Cleanup(p.kill)

	select {
	case p.addr = <-ready:
	case <-p.done:
		f.t.Fatalf("portal exited before it was ready:\n%s", p.logs)
	case <-time.After(30 * time.Second):
		f.t.Fatalf("portal not ready after 30 s:\n%s", p.logs)
	}
	p.client = trustingClient(f.t, filepath.Join(f.dataDir, "tls-cert.pem"))
	return p
}

// readLogs copies the child's log lines and reports the address of the
// first line whose message is msg.
func (p *portal) readLogs(r io.Reader, msg string, ready chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		p.logs.Write(append(line, '\n'))
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(line, &rec) == nil && rec.Msg == msg && rec.Addr != "" {
			select {
			case ready <- rec.Addr:
			default:
			}
		}
	}
}

// kill ends the process with SIGKILL, if it still runs, and waits for it.
func (p *portal) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// exited waits up to d for the process to end and reports whether it did.
func (p *portal) exited(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// url returns the portal's address for path.
func (p *portal) url(path string) string { return "https://" + p.addr + path }

// trustingClient trusts exactly the certificate in certFile.
func trustingClient(t *testing.T, certFile string) *http.Client {
	t.Helper()
	b, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatalf("read the portal's certificate: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("no certificate in %s", certFile)
	}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
}

// browser is a customer's browser: a cookie jar, no redirects followed,
// and the fetch metadata a browser sends with a same-origin form.
type browser struct {
	t      *testing.T
	client *http.Client
}

// newBrowser returns a browser whose connections trust p's certificate.
// Cookies are kept per host, not per port, so the browser keeps its
// wizard session across a restart of the portal on another port.
func newBrowser(p *portal) *browser {
	jar, _ := cookiejar.New(nil)
	c := *p.client
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	return &browser{t: p.t, client: &c}
}

// use points the browser's connections at p (after a restart).
func (b *browser) use(p *portal) { b.client.Transport = p.client.Transport }

// do sends a request and returns its status and body; it fails the test
// if there is no answer.
func (b *browser) do(method, u string, form url.Values) (int, string) {
	b.t.Helper()
	code, body, err := b.send(method, u, form)
	if err != nil {
		b.t.Fatal(err)
	}
	return code, body
}

// send is do for goroutines other than the test's: it returns the error.
func (b *browser) send(method, u string, form url.Values) (int, string, error) {
	var body io.Reader
	if form != nil || method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://"+req.URL.Host)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), err
}

// walkWizard opens the invitation on p and posts every setup step with
// a's values, up to the Verify step.
func (b *browser) walkWizard(p *portal, invitePath string, a netsuitesim.Account) {
	b.t.Helper()
	if code, _ := b.do(http.MethodGet, p.url(invitePath), nil); code != http.StatusSeeOther {
		b.t.Fatalf("open invitation: status %d", code)
	}
	for _, st := range testharness.WizardSteps(a) {
		if code, _ := b.do(http.MethodPost, p.url(st.Path), st.Form); code != http.StatusSeeOther {
			b.t.Fatalf("POST %s: status %d", st.Path, code)
		}
	}
}

// eventually polls cond every 100 ms until it holds, or fails the test
// after d with what.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

package multiinstance

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"tbaportal/internal/cloudelements/cloudelementssim"
	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
	"tbaportal/internal/store/pgtest"
	"tbaportal/internal/testharness"
	"tbaportal/web"
)

// cluster is two portal processes on one PostgreSQL database, one KMS
// key and one pair of simulators.
type cluster struct {
	a, b    *instance
	bin     string
	env     []string
	tls     testTLS
	cloud   *cloudelementssim.Simulator
	db      *store.DB
	service *onboarding.Service
	secrets []string // values that must never appear in a log
}

// startCluster starts the simulators and both instances at the same
// moment on an empty database, so they also race to migrate it and to
// create the keyring.
//
// Trust: the portal's NetSuite and Cloud Elements clients trust only the
// system roots, as in production. Rather than add a test-only switch to
// the binary, the simulators present a certificate that the children's
// system roots include: Go reads SSL_CERT_FILE on Linux, so pointing it
// at the test certificate makes the real TLS verification pass. The
// demo mode is no help here: its simulators live inside each process, so
// two instances would create instances in two different simulators.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{bin: buildPortal(t), tls: newTestTLS(t),
		cloud: cloudelementssim.New(cloudelementssim.Demo())}
	ns := netsuitesim.New(netsuitesim.Options{})
	ns.AddAccount(netsuitesim.DemoAccount())
	nsSrv := c.tls.serveTLS(t, ns.Handler())
	ceSrv := c.tls.serveTLS(t, c.cloud.Handler())

	dbURL, kmsURL := pgtest.NewDatabase(t), testharness.NewKMSURL(t)
	demo := netsuitesim.DemoAccount()
	c.secrets = []string{demo.ConsumerKey, demo.ConsumerSecret, demo.TokenID,
		demo.TokenSecret, cloudelementssim.DemoUserSecret,
		cloudelementssim.DemoOrgSecret, strings.TrimPrefix(kmsURL, "base64key://")}
	c.env = append(baseEnv(),
		"SSL_CERT_FILE="+c.tls.certFile,
		"PORTAL_DATABASE_URL="+dbURL,
		"PORTAL_KMS_URL="+kmsURL,
		"PORTAL_TLS_CERT_FILE="+c.tls.certFile,
		"PORTAL_TLS_KEY_FILE="+c.tls.keyFile,
		"PORTAL_NETSUITE_ENDPOINT="+nsSrv.URL,
		"PORTAL_CLOUD_ELEMENTS_URL="+ceSrv.URL,
		"PORTAL_CLOUD_ELEMENTS_USER_SECRET="+cloudelementssim.DemoUserSecret,
		"PORTAL_CLOUD_ELEMENTS_ORG_SECRET="+cloudelementssim.DemoOrgSecret,
		"PORTAL_HANDOFF_WORKERS=4",
		// Both instances stand behind one load balancer on loopback that
		// reports each customer's address, as a real deployment would;
		// without it every simulated customer would share one address
		// and one page rate limit.
		"PORTAL_TRUSTED_PROXIES=127.0.0.1",
		"PORTAL_SHUTDOWN_TIMEOUT=5s",
		"PORTAL_LOG_FORMAT=json",
		"PORTAL_LOG_LEVEL=debug",
	)
	var wg sync.WaitGroup
	wg.Go(func() { c.a = startPortal(t, c.bin, "A", c.env) })
	wg.Go(func() { c.b = startPortal(t, c.bin, "B", c.env) })
	wg.Wait()
	probe := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: c.tls.pool}}}
	c.a.waitReady(t, probe)
	c.b.waitReady(t, probe)
	c.openService(t, dbURL, kmsURL)
	return c
}

// openService opens the shared database and keyring in the test process,
// as `portal invite` would, to create invitations and read results.
func (c *cluster) openService(t *testing.T, dbURL, kmsURL string) {
	t.Helper()
	db, err := store.Open(t.Context(), dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.DiscardHandler)
	keys, err := secrets.OpenKeyring(t.Context(), secrets.Options{
		Store: db.KeyringStore(), KMSURL: kmsURL, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keys.Close() })
	c.db = db
	c.service = onboarding.New(onboarding.Deps{DB: db, Keys: keys, Logger: log},
		onboarding.DefaultConfig())
}

// browser is one customer's browser: its own cookie jar, shared by both
// instances because cookies ignore ports, and its own address as the
// load balancer reports it.
type browser struct {
	client *http.Client
	ip     string
}

func (c *cluster) newBrowser(ip string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{ip: ip, client: &http.Client{
		Jar: jar, Timeout: 60 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.tls.pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// do sends a request to in, with the headers a browser sends for a
// same-origin page, and returns the status and body.
func (b *browser) do(in *instance, method, path string, form url.Values) (int, string, error) {
	var body io.Reader
	if form != nil || method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, in.url+path, body)
	if err != nil {
		return 0, "", err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", in.url)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", b.ip)
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("%s %s on %s: %w", method, path, in.name, err)
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(text), err
}

// expect sends a request and checks its status.
func (b *browser) expect(in *instance, method, path string, form url.Values,
	status int) (string, error) {
	got, body, err := b.do(in, method, path, form)
	if err != nil {
		return "", err
	}
	if got != status {
		return body, fmt.Errorf("%s %s on %s: status %d, want %d; body:\n%.2000s",
			method, path, in.name, got, status, body)
	}
	return body, nil
}

// invitationPath is the path of an invitation link, which works on any
// instance.
func invitationPath(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || !strings.HasPrefix(u.Path, "/invite/") {
		t.Fatalf("not an invitation link: %q", link)
	}
	return u.Path
}

// waitConnected polls the database until every submission is connected,
// failing at once on a submission whose handoff failed.
func (c *cluster) waitConnected(t *testing.T, ids []string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	pending := map[string]bool{}
	for _, id := range ids {
		pending[id] = true
	}
	for len(pending) > 0 && time.Now().Before(deadline) {
		for id := range pending {
			s, err := c.db.Submission(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			switch s.Status {
			case store.StatusConnected:
				delete(pending, id)
			case store.StatusHandoffFailed:
				t.Fatalf("handoff of %s failed", id)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(pending) > 0 {
		t.Fatalf("%d of %d submissions not connected after 3 minutes", len(pending), len(ids))
	}
}

func (c *cluster) assertOneInstance(t *testing.T, id string) {
	t.Helper()
	if n := c.cloud.CountWithTag(onboarding.SubmissionTag(id)); n != 1 {
		t.Errorf("submission %s has %d Cloud Elements instances, want exactly 1", id, n)
	}
}

// TestTwoInstances runs two portal processes on one PostgreSQL database
// and checks that they behave as one portal.
func TestTwoInstances(t *testing.T) {
	pgtest.ServerURL(t)
	c := startCluster(t)
	t.Run("wizard started on A finishes on B", func(t *testing.T) {
		testWizardMovesBetweenInstances(t, c)
	})
	t.Run("50 submissions across both", func(t *testing.T) {
		testManySubmissions(t, c, 50)
	})
	if got, want := len(c.cloud.Instances()), 51; got != want {
		t.Errorf("the simulator holds %d instances, want %d (1 + 50)", got, want)
	}
	assertAuditChain(t, c.db)
	c.assertNoSecretsLogged(t)
}

// testWizardMovesBetweenInstances is a customer whose requests the load
// balancer sends first to A, then to B, then back: the session cookie
// made by A opens on B, the data key made on A seals on B, and the
// verification done on B shows on A.
func testWizardMovesBetweenInstances(t *testing.T, c *cluster) {
	out := runPortal(t, c.bin, append(c.env, "PORTAL_PUBLIC_URL="+c.a.url),
		"invite", "--company", "Moving Co", "--email", "it@moving.example")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	path := invitationPath(t, lines[len(lines)-1])
	steps := testharness.WizardSteps(netsuitesim.DemoAccount())
	b := c.newBrowser("198.51.100.7")
	must := func(_ string, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	must(b.expect(c.a, http.MethodGet, path, nil, http.StatusSeeOther))
	for _, st := range steps[:6] { // up to the integration's Consumer Key and Secret
		must(b.expect(c.a, http.MethodPost, st.Path, st.Form, http.StatusSeeOther))
	}
	// Control: without A's cookie, B refuses the step, so the 303 below
	// shows that B accepted a session A made.
	stranger := c.newBrowser("198.51.100.8")
	must(stranger.expect(c.b, http.MethodPost, steps[6].Path, steps[6].Form,
		http.StatusUnauthorized))
	must(b.expect(c.b, http.MethodPost, steps[6].Path, steps[6].Form, http.StatusSeeOther))
	must(b.expect(c.b, http.MethodPost, "/wizard/verify", nil, http.StatusSeeOther))
	page, err := b.expect(c.a, http.MethodGet, "/wizard/verify", nil, http.StatusOK)
	must(page, err)
	if !strings.Contains(page, "Credentials verified") {
		t.Fatalf("A does not show B's verification:\n%s", page)
	}
	must(b.expect(c.a, http.MethodPost, "/wizard/connect", nil, http.StatusSeeOther))

	id := submissionOf(t, c, "Moving Co")
	c.waitConnected(t, []string{id})
	page, err = b.expect(c.b, http.MethodGet, "/wizard/connect", nil, http.StatusOK)
	must(page, err)
	if !strings.Contains(page, "<h1>Connected</h1>") {
		t.Errorf("B's connect page does not say Connected:\n%s", page)
	}
	c.assertOneInstance(t, id)
}

// submissionOf finds the one submission of a company.
func submissionOf(t *testing.T, c *cluster, company string) string {
	t.Helper()
	subs, err := c.db.ListSubmissions(t.Context(), store.ListFilter{Search: company})
	if err != nil || len(subs) != 1 {
		t.Fatalf("submissions of %q: %d (%v), want 1", company, len(subs), err)
	}
	return subs[0].ID
}

// testManySubmissions drives n customers through the wizard at once,
// each customer's requests alternating between A and B, while both
// instances' handoff workers compete for the jobs. Every submission must
// end with exactly one instance.
func testManySubmissions(t *testing.T, c *cluster, n int) {
	links := make([]string, n)
	ids := make([]string, n)
	for i := range n {
		inv, err := c.service.CreateInvitation(t.Context(),
			fmt.Sprintf("Customer %02d", i), "", 0, "test")
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = inv.Submission.ID
		links[i] = web.InvitationURL(c.a.url, inv.Token)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8) // eight customers at a time
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			ip := fmt.Sprintf("203.0.113.%d", i+1)
			errs[i] = c.driveAlternating(t, c.newBrowser(ip), links[i], i%2)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	c.waitConnected(t, ids)
	for _, id := range ids {
		c.assertOneInstance(t, id)
	}
	for _, in := range []*instance{c.a, c.b} {
		t.Logf("instance %s finished %d handoffs", in.name,
			strings.Count(in.output.String(), `"msg":"handoff finished"`))
	}
}

// driveAlternating walks one wizard, sending each request to the other
// instance than the one before, starting with A or B by first.
func (c *cluster) driveAlternating(t *testing.T, b *browser, link string, first int) error {
	instances := [2]*instance{c.a, c.b}
	turn := first
	next := func() *instance {
		in := instances[turn%2]
		turn++
		return in
	}
	path := invitationPath(t, link)
	if _, err := b.expect(next(), http.MethodGet, path, nil, http.StatusSeeOther); err != nil {
		return err
	}
	steps := append(testharness.WizardSteps(netsuitesim.DemoAccount()),
		testharness.WizardStep{Path: "/wizard/verify"})
	for _, st := range steps {
		_, err := b.expect(next(), http.MethodPost, st.Path, st.Form,
			http.StatusSeeOther)
		if err != nil {
			return err
		}
	}
	page, err := b.expect(next(), http.MethodGet, "/wizard/verify", nil, http.StatusOK)
	if err != nil {
		return err
	}
	if !strings.Contains(page, "Credentials verified") {
		return fmt.Errorf("verification of %s did not pass:\n%.2000s", path, page)
	}
	_, err = b.expect(next(), http.MethodPost, "/wizard/connect", nil, http.StatusSeeOther)
	return err
}

// assertNoSecretsLogged reads both instances' whole output for any
// credential, Cloud Elements secret or the KMS key.
func (c *cluster) assertNoSecretsLogged(t *testing.T) {
	t.Helper()
	for _, in := range []*instance{c.a, c.b} {
		out := in.output.String()
		if !strings.Contains(out, "portal ready") {
			t.Errorf("instance %s logged nothing recognisable; the check below would prove nothing", in.name)
		}
		for _, s := range c.secrets {
			if strings.Contains(out, s) {
				t.Errorf("instance %s logged a secret value (%d characters)", in.name, len(s))
			}
		}
	}
}

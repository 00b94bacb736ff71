// Package testharness assembles the whole portal in one test process: a
// real SQLite (or PostgreSQL) database in a temporary directory, a real
// keyring, the NetSuite and Cloud Elements simulators behind real TLS, the
// onboarding service, and the portal itself behind real TLS. Tests drive
// it with Browser, an HTTPS client with a cookie jar that sends the
// headers a browser would.
package testharness

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tbaportal/internal/audit"
	"tbaportal/internal/cloudelements"
	"tbaportal/internal/cloudelements/cloudelementssim"
	"tbaportal/internal/netsuite"
	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
	"tbaportal/web"
)

// Options change how the harness is built.
type Options struct {
	DatabaseURL string // empty: SQLite in a temporary directory
	DataDir     string // empty: t.TempDir()
	KMSURL      string
	Config      func(*onboarding.Config) // adjust onboarding rules
	Web         func(*web.Options)       // adjust server options
	Now         func() time.Time
	NetSuite    netsuitesim.Options
	// LogTo receives the portal's log lines instead of Logs, which keeps
	// every line in memory: benchmarks send them to io.Discard.
	LogTo io.Writer
}

// Harness is a running portal with its simulators.
type Harness struct {
	T        testing.TB
	DataDir  string
	DB       *store.DB
	Keys     *secrets.Keyring
	NetSuite *netsuitesim.Simulator
	Cloud    *cloudelementssim.Simulator
	Service  *onboarding.Service
	Server   *web.Server
	Metrics  *web.Metrics
	Portal   *httptest.Server
	NSServer *httptest.Server
	CEServer *httptest.Server
	Logs     *SafeBuffer // every log line of the portal, as JSON
	Log      *slog.Logger
}

// SafeBuffer is a bytes.Buffer safe for concurrent writers.
type SafeBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SafeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SafeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// NewKMSURL returns a base64key:// KMS URL holding a fresh random key:
// the stand-in for a real KMS that every instance of a test reaches.
func NewKMSURL(t testing.TB) string {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return "base64key://" + base64.URLEncoding.EncodeToString(k)
}

// New builds and starts a harness; everything stops when the test ends.
func New(t testing.TB, o Options) *Harness {
	t.Helper()
	ctx := context.Background()
	h := &Harness{T: t, DataDir: o.DataDir, Logs: &SafeBuffer{}}
	if h.DataDir == "" {
		h.DataDir = t.TempDir()
	}
	var logTo io.Writer = h.Logs
	if o.LogTo != nil {
		logTo = o.LogTo
	}
	h.Log = slog.New(web.ContextHandler{Handler: slog.NewJSONHandler(logTo,
		&slog.HandlerOptions{Level: slog.LevelDebug})})

	db, err := store.Open(ctx, o.DatabaseURL, h.DataDir)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	h.DB = db
	t.Cleanup(func() { db.Close() })
	ko := secrets.Options{KMSURL: o.KMSURL, Logger: h.Log,
		Store: secrets.NewFileKeyringStore(filepath.Join(h.DataDir, "keyring.json"))}
	if o.KMSURL != "" {
		ko.Store = db.KeyringStore()
	}
	if h.Keys, err = secrets.OpenKeyring(ctx, ko); err != nil {
		t.Fatalf("open keyring: %v", err)
	}
	t.Cleanup(func() { h.Keys.Close() })

	nso := o.NetSuite
	nso.Logger = h.Log
	h.NetSuite = netsuitesim.New(nso)
	h.NetSuite.AddAccount(netsuitesim.DemoAccount())
	h.NSServer = httptest.NewTLSServer(h.NetSuite.Handler())
	t.Cleanup(h.NSServer.Close)
	h.Cloud = cloudelementssim.New(cloudelementssim.Demo())
	h.CEServer = httptest.NewTLSServer(h.Cloud.Handler())
	t.Cleanup(h.CEServer.Close)

	h.Metrics = web.NewMetrics(nil)
	cfg := onboarding.DefaultConfig()
	cfg.HandoffBackoffBase = 10 * time.Millisecond
	cfg.HandoffBackoffCap = 50 * time.Millisecond
	if o.Config != nil {
		o.Config(&cfg)
	}
	h.Service = onboarding.New(onboarding.Deps{
		DB: db, Keys: h.Keys, Logger: h.Log, Metrics: h.Metrics, Now: o.Now,
		Audit: audit.New(db, o.Now),
		NetSuite: netsuite.NewClient(netsuite.ClientOptions{
			Endpoint: h.NSServer.URL, HTTPClient: h.NSServer.Client(),
			CheckREST: true, Logger: h.Log, Now: o.Now,
			RetryWait: func(int, time.Duration) time.Duration { return 5 * time.Millisecond },
		}),
		Cloud: cloudelements.NewClient(cloudelements.Options{
			BaseURL: h.CEServer.URL, HTTPClient: h.CEServer.Client(),
			UserSecret: secrets.New(cloudelementssim.DemoUserSecret),
			OrgSecret:  secrets.New(cloudelementssim.DemoOrgSecret), Logger: h.Log,
		}),
	}, cfg)

	h.Portal = httptest.NewUnstartedServer(nil)
	h.Portal.StartTLS()
	t.Cleanup(h.Portal.Close)
	wo := web.Options{PublicURL: h.Portal.URL, SessionKeys: h.Keys.SessionKeys(),
		AdminKeys: h.Keys, Now: o.Now,
		Readiness: func(ctx context.Context) error { return db.Ping(ctx) }}
	if o.Web != nil {
		o.Web(&wo)
	}
	h.Server = web.New(h.Service, db, h.Log, h.Metrics, wo)
	h.Portal.Config.Handler = h.Server.Handler()
	return h
}

// Invite creates an invitation and returns it with its full link.
func (h *Harness) Invite(company string) (onboarding.Invitation, string) {
	h.T.Helper()
	inv, err := h.Service.CreateInvitation(context.Background(), company,
		"admin@example.com", 0, "test")
	if err != nil {
		h.T.Fatalf("create invitation: %v", err)
	}
	return inv, web.InvitationURL(h.Portal.URL, inv.Token)
}

// RunHandoffs works handoff jobs until none is due.
func (h *Harness) RunHandoffs() {
	for h.Service.HandoffOnce(context.Background(), "test-worker") {
	}
}

// Browser is an HTTPS client with its own cookie jar. It follows no
// redirects, so tests see every 303, and sends Origin and Sec-Fetch-Site
// on POSTs as a browser does for a same-origin form.
type Browser struct {
	h      *Harness
	Client *http.Client
}

// NewBrowser returns a browser with an empty cookie jar.
func (h *Harness) NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	// Portal.Client returns the same *http.Client every time: copy it, or
	// every browser would share the newest browser's cookie jar.
	c := *h.Portal.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Browser{h: h, Client: &c}
}

// Response is a finished request with its body read.
type Response struct {
	*http.Response
	Body string
}

// Get fetches a path (or full URL) on the portal.
func (b *Browser) Get(path string) Response {
	b.h.T.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.url(path), nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.Do(req)
}

// Post sends a same-origin form.
func (b *Browser) Post(path string, form url.Values) Response {
	b.h.T.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.url(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.h.Portal.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.Do(req)
}

// Do sends any request and reads the whole body.
func (b *Browser) Do(req *http.Request) Response {
	b.h.T.Helper()
	resp, err := b.Client.Do(req)
	if err != nil {
		b.h.T.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return Response{Response: resp, Body: string(body)}
}

func (b *Browser) url(path string) string {
	if strings.HasPrefix(path, "https://") {
		return path
	}
	return b.h.Portal.URL + path
}

// Cookies returns the cookies the jar holds for the portal.
func (b *Browser) Cookies() []*http.Cookie {
	u, _ := url.Parse(b.h.Portal.URL)
	return b.Client.Jar.Cookies(u)
}

// Demo is the simulator's demo account values, as a customer would paste
// them.
func Demo() netsuitesim.Account { return netsuitesim.DemoAccount() }

// WizardStep is one setup step's form as a customer posts it.
type WizardStep struct {
	Path string
	Form url.Values
}

// WizardSteps are the setup steps from Welcome to the access token, with
// a's values typed in, in the order a customer posts them.
func WizardSteps(a netsuitesim.Account) []WizardStep {
	return []WizardStep{
		{"/wizard/welcome", nil},
		{"/wizard/account-id", url.Values{"account_id": {a.ID}}},
		{"/wizard/enable-tba", nil},
		{"/wizard/role", nil},
		{"/wizard/assign-role", nil},
		{"/wizard/integration", url.Values{"consumer_key": {a.ConsumerKey},
			"consumer_secret": {a.ConsumerSecret}}},
		{"/wizard/access-token", url.Values{"token_id": {a.TokenID},
			"token_secret": {a.TokenSecret}}},
	}
}

// CompleteWizard walks a fresh browser from the invitation link through
// the Verify step with the given values, and returns the browser.
func (h *Harness) CompleteWizard(link string, a netsuitesim.Account) *Browser {
	h.T.Helper()
	b := h.NewBrowser()
	if r := b.Get(link); r.StatusCode != http.StatusSeeOther {
		h.T.Fatalf("open invitation: status %d", r.StatusCode)
	}
	for _, st := range WizardSteps(a) {
		if r := b.Post(st.Path, st.Form); r.StatusCode != http.StatusSeeOther {
			h.T.Fatalf("POST %s: status %d", st.Path, r.StatusCode)
		}
	}
	return b
}

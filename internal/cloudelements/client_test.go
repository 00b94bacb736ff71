package cloudelements

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"tbaportal/internal/cloudelements/cloudelementssim"
	"tbaportal/internal/secrets"
)

// apiRoot is where the tests mount the simulator, as in production.
const apiRoot = "/elements/api-v2"

// Values that look like what NetSuite issues: 64 hex characters each.
var (
	testConsumerKey    = strings.Repeat("c0", 32)
	testConsumerSecret = strings.Repeat("c5", 32)
	testTokenID        = strings.Repeat("70", 32)
	testTokenSecret    = strings.Repeat("75", 32)
)

// allSecrets lists every secret value a test sends, to prove none of
// them leaks into an error or a log line.
func allSecrets() []string {
	return []string{
		testConsumerKey, testConsumerSecret, testTokenID, testTokenSecret,
		cloudelementssim.DemoUserSecret, cloudelementssim.DemoOrgSecret,
	}
}

// fixture is a simulator behind a test server, and a client for it.
type fixture struct {
	sim    *cloudelementssim.Simulator
	srv    *httptest.Server
	client *Client
	logs   *syncBuffer
}

// newFixture starts a simulator with the demo secrets under apiRoot.
// Every log line the client writes is checked for secrets at cleanup.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	sim := cloudelementssim.New(cloudelementssim.Demo())
	mux := http.NewServeMux()
	mux.Handle(apiRoot+"/", http.StripPrefix(apiRoot, sim.Handler()))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	logs := &syncBuffer{}
	f := &fixture{sim: sim, srv: srv, logs: logs}
	f.client = NewClient(Options{
		BaseURL:    srv.URL + apiRoot,
		UserSecret: secrets.New(cloudelementssim.DemoUserSecret),
		OrgSecret:  secrets.New(cloudelementssim.DemoOrgSecret),
		Logger: slog.New(slog.NewTextHandler(logs,
			&slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	t.Cleanup(func() { assertNoSecret(t, "log", logs.String()) })
	return f
}

// validRequest is a request the simulator accepts, tagged with tag.
func validRequest(tag string) InstanceRequest {
	return InstanceRequest{
		Name:           "NetSuite – Acme",
		Tags:           []string{"tbaportal", tag},
		AccountID:      "1234567_SB1",
		Sandbox:        true,
		ConsumerKey:    secrets.New(testConsumerKey),
		ConsumerSecret: secrets.New(testConsumerSecret),
		TokenID:        secrets.New(testTokenID),
		TokenSecret:    secrets.New(testTokenSecret),
	}
}

// assertNoSecret fails if s contains any secret value the tests use.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, v := range allSecrets() {
		if strings.Contains(s, v) {
			t.Errorf("%s contains a secret value: %q", what, s)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a
// logger shared by server and client goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written.
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestNewClientDefaults(t *testing.T) {
	c := NewClient(Options{})
	if c.base != DefaultBaseURL {
		t.Errorf("base = %q, want %q", c.base, DefaultBaseURL)
	}
	if c.elementKey != DefaultElementKey {
		t.Errorf("elementKey = %q, want %q", c.elementKey, DefaultElementKey)
	}
	if c.http.Timeout != requestTimeout {
		t.Errorf("timeout = %v, want %v", c.http.Timeout, requestTimeout)
	}
	if c.http.CheckRedirect == nil {
		t.Error("CheckRedirect is nil; redirects would be followed")
	}
}

func TestNewClientKeepsCallerClient(t *testing.T) {
	tests := []struct {
		name        string
		timeout     time.Duration
		wantTimeout time.Duration
	}{
		{name: "with a timeout", timeout: 7, wantTimeout: 7},
		// A call with no bound could outlast the handoff's attempt.
		{name: "without a timeout", timeout: 0, wantTimeout: requestTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc := &http.Client{Timeout: tt.timeout}
			c := NewClient(Options{HTTPClient: hc})
			if c.http.Timeout != tt.wantTimeout {
				t.Errorf("timeout = %v, want %v", c.http.Timeout, tt.wantTimeout)
			}
			if hc.CheckRedirect != nil || hc.Timeout != tt.timeout {
				t.Error("the caller's client was modified")
			}
			if c.http.CheckRedirect == nil {
				t.Error("CheckRedirect is nil; redirects would be followed")
			}
		})
	}
}

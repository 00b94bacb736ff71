package netsuite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/secrets"
)

// testNow is a whole second, so Date headers lose nothing.
var testNow = time.Date(2026, time.March, 14, 15, 9, 26, 0, time.UTC)

// hexValue derives a NetSuite-shaped 64-hex value from a label.
func hexValue(label string) string {
	sum := sha256.Sum256([]byte(label))
	return hex.EncodeToString(sum[:])
}

// prodAccount and sandboxAccount share their integration record, as a
// sandbox refreshed from production does, but not their tokens.
var (
	prodAccount = netsuitesim.Account{
		ID:             "1234567",
		ConsumerKey:    hexValue("consumer key"),
		ConsumerSecret: hexValue("consumer secret"),
		TokenID:        hexValue("prod token id"),
		TokenSecret:    hexValue("prod token secret"),
	}
	sandboxAccount = netsuitesim.Account{
		ID:             "1234567_SB1",
		ConsumerKey:    hexValue("consumer key"),
		ConsumerSecret: hexValue("consumer secret"),
		TokenID:        hexValue("sandbox token id"),
		TokenSecret:    hexValue("sandbox token secret"),
	}
)

// credsFor returns the Credentials an administrator would type for a.
func credsFor(t testing.TB, a netsuitesim.Account) Credentials {
	t.Helper()
	id, err := ParseAccountID(a.ID)
	if err != nil {
		t.Fatalf("ParseAccountID(%q): %v", a.ID, err)
	}
	return Credentials{
		Account:        id,
		ConsumerKey:    secrets.New(a.ConsumerKey),
		ConsumerSecret: secrets.New(a.ConsumerSecret),
		TokenID:        secrets.New(a.TokenID),
		TokenSecret:    secrets.New(a.TokenSecret),
	}
}

// fixture is a simulator behind httptest and a client pointed at it.
type fixture struct {
	sim    *netsuitesim.Simulator
	srv    *httptest.Server
	client *Client
	logs   *syncBuffer
}

// fixtureOptions adjust a fixture; zero values give a healthy simulator
// with both accounts and the same clock as the client.
type fixtureOptions struct {
	simClockOffset time.Duration
	sim            netsuitesim.Options
	client         ClientOptions
	wrap           func(http.Handler) http.Handler
}

func newFixture(t *testing.T, o fixtureOptions) *fixture {
	t.Helper()
	simOpts := o.sim
	offset := o.simClockOffset
	simOpts.Now = func() time.Time { return testNow.Add(offset) }
	sim := netsuitesim.New(simOpts)
	sim.AddAccount(prodAccount)
	sim.AddAccount(sandboxAccount)
	var h http.Handler = sim.Handler()
	if o.wrap != nil {
		h = o.wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	logs := &syncBuffer{}
	co := o.client
	co.Endpoint = srv.URL
	if co.Now == nil {
		co.Now = func() time.Time { return testNow }
	}
	co.Logger = slog.New(slog.NewJSONHandler(logs,
		&slog.HandlerOptions{Level: slog.LevelDebug}))
	if co.RetryWait == nil {
		co.RetryWait = func(int, time.Duration) time.Duration { return time.Millisecond }
	}
	return &fixture{sim: sim, srv: srv, client: NewClient(co), logs: logs}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

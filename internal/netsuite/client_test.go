package netsuite

import (
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// failedDial wraps a resolver's answer as a failed request wraps it.
func failedDial(de *net.DNSError) error {
	de.Err = "no such host"
	return &url.Error{Op: "Post", URL: "https://" + de.Name + "/services/x",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: de}}
}

func TestErrorOutcome(t *testing.T) {
	const host = "7654321.suitetalk.api.netsuite.com"
	tests := []struct {
		name string
		err  error
		want Outcome
	}{
		{name: "account host does not exist",
			err:  failedDial(&net.DNSError{Name: host, IsNotFound: true}),
			want: OutcomeAccountNotFound},
		{name: "sandbox host, fully qualified",
			err: failedDial(&net.DNSError{IsNotFound: true,
				Name: "1234567-SB1.suitetalk.api.netsuite.com."}),
			want: OutcomeAccountNotFound},
		{name: "data-center lookup host does not exist",
			err:  failedDial(&net.DNSError{Name: "rest.netsuite.com", IsNotFound: true}),
			want: OutcomeNetworkError},
		{name: "endpoint override host does not exist",
			err:  failedDial(&net.DNSError{Name: "sim.invalid", IsNotFound: true}),
			want: OutcomeNetworkError},
		{name: "look-alike host",
			err: failedDial(&net.DNSError{IsNotFound: true,
				Name: "x.suitetalk.api.netsuite.com.evil.example"}),
			want: OutcomeNetworkError},
		{name: "resolver failure",
			err:  failedDial(&net.DNSError{Name: host, IsTemporary: true}),
			want: OutcomeNetworkError},
		{name: "resolver timeout",
			err:  failedDial(&net.DNSError{Name: host, IsTimeout: true}),
			want: OutcomeTimeout},
		{name: "connection refused",
			err:  &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
			want: OutcomeNetworkError},
		{name: "deadline", err: context.DeadlineExceeded, want: OutcomeTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorOutcome(context.Background(), tt.err); got != tt.want {
				t.Errorf("errorOutcome(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

// noSuchHost is a dialer for a network where no name resolves, as for an
// Account ID that NetSuite never gave out. It records what was dialled.
type noSuchHost struct {
	mu     sync.Mutex
	dialed []string
}

func (d *noSuchHost) DialContext(_ context.Context, network,
	addr string) (net.Conn, error) {
	d.mu.Lock()
	d.dialed = append(d.dialed, addr)
	d.mu.Unlock()
	host, _, _ := net.SplitHostPort(addr)
	return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{
		Err: "no such host", Name: host, IsNotFound: true}}
}

// TestVerifyAccountHostMissing: against NetSuite's own hosts, a web
// services host that does not resolve is an unknown account, not a network
// error, and is not retried. The failed data-center lookup does not block.
func TestVerifyAccountHostMissing(t *testing.T) {
	d := &noSuchHost{}
	tr := &http.Transport{DialContext: d.DialContext}
	c := NewClient(ClientOptions{
		HTTPClient: &http.Client{Transport: tr},
		RetryWait:  shortWait,
	})
	cr := credsFor(t, prodAccount)
	cr.Account = mustParse(t, "7654321")

	r := c.Verify(context.Background(), cr)

	if diff := cmp.Diff(summary{Outcome: OutcomeAccountNotFound, Attempts: 2},
		summarise(r)); diff != "" {
		t.Errorf("Verify() mismatch (-want +got):\n%s", diff)
	}
	want := []string{"rest.netsuite.com:443", "7654321.suitetalk.api.netsuite.com:443"}
	if diff := cmp.Diff(want, d.dialed); diff != "" {
		t.Errorf("dialled (-want +got):\n%s", diff)
	}
	if steps := Diagnose(r).Steps; !slices.Equal(steps, []Step{StepAccountID}) {
		t.Errorf("Diagnose().Steps = %v, want the Account ID step", steps)
	}
}

// TestClientOverTLS: the client refuses a server whose certificate no
// trusted authority signed, before any request reaches it, and returns
// a redirect as it is instead of following it, for every call.
func TestClientOverTLS(t *testing.T) {
	var elsewhere atomic.Int32
	target := quietTLSServer(t, func(http.ResponseWriter, *http.Request) {
		elsewhere.Add(1)
	})
	tests := []struct {
		name        string
		handler     func(w http.ResponseWriter, r *http.Request)
		trusting    bool // the caller's client trusts the test certificate
		wantOutcome Outcome
		wantStatus  int
		wantLog     string
	}{
		{
			name:        "untrusted certificate",
			handler:     func(http.ResponseWriter, *http.Request) {},
			wantOutcome: OutcomeNetworkError,
			wantLog:     "certificate",
		},
		{
			name: "trusted server redirects every call",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+r.URL.RequestURI(),
					http.StatusTemporaryRedirect)
			},
			trusting:    true,
			wantOutcome: OutcomeUnexpectedResponse,
			wantStatus:  http.StatusTemporaryRedirect,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var reached atomic.Int32
			srv := quietTLSServer(t, func(w http.ResponseWriter, r *http.Request) {
				reached.Add(1)
				tt.handler(w, r)
			})
			logs := &syncBuffer{}
			o := ClientOptions{
				Endpoint:  srv.URL,
				Logger:    slog.New(slog.NewJSONHandler(logs, nil)),
				RetryWait: shortWait,
			}
			if tt.trusting {
				// srv.Client follows redirects; NewClient must stop that.
				o.HTTPClient = srv.Client()
			}

			r := NewClient(o).Verify(context.Background(), credsFor(t, prodAccount))

			if r.Outcome != tt.wantOutcome || r.HTTPStatus != tt.wantStatus {
				t.Errorf("got %q with status %d, want %q with %d",
					r.Outcome, r.HTTPStatus, tt.wantOutcome, tt.wantStatus)
			}
			if got := reached.Load() > 0; got != tt.trusting {
				t.Errorf("server reached = %v, want %v", got, tt.trusting)
			}
			if n := elsewhere.Load(); n != 0 {
				t.Errorf("redirect target got %d requests, want 0", n)
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, logs)
			}
		})
	}
}

// quietTLSServer starts a TLS test server whose handshake failures are
// not printed: the test provokes them.
func quietTLSServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func shortWait(int, time.Duration) time.Duration { return time.Millisecond }

// TestRetryableSkipsMissingAccount: retrying a name that does not exist
// only repeats the answer.
func TestRetryableSkipsMissingAccount(t *testing.T) {
	err := failedDial(&net.DNSError{IsNotFound: true,
		Name: "7654321.suitetalk.api.netsuite.com"})
	if retryable(context.Background(), answer{err: err}) {
		t.Error("a missing account host is retried")
	}
	if !retryable(context.Background(), answer{err: errors.New("connection reset")}) {
		t.Error("a network error is not retried")
	}
}

package netsuite

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/secrets"
)

// summary is the part of a Result the outcome tests compare.
type summary struct {
	Outcome        Outcome
	Code           string
	MatchedAccount string
	Attempts       int
	RESTChecked    bool
	RESTEnabled    bool
}

func summarise(r Result) summary {
	return summary{r.Outcome, r.Code, r.MatchedAccount, r.Attempts,
		r.RESTChecked, r.RESTEnabled}
}

func TestVerifyOutcomes(t *testing.T) {
	tests := []struct {
		name      string
		opts      fixtureOptions
		behaviour netsuitesim.Behaviour
		creds     func(t *testing.T) Credentials
		want      summary
		wantAudit []string // the Login Audit Trail of the account entered
	}{
		{
			name:  "verified",
			creds: func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want:  summary{Outcome: OutcomeVerified, Attempts: 2},
		},
		{
			name: "verified with REST",
			opts: fixtureOptions{client: ClientOptions{CheckREST: true}},
			creds: func(t *testing.T) Credentials {
				return credsFor(t, sandboxAccount)
			},
			want: summary{Outcome: OutcomeVerified, Attempts: 3,
				RESTChecked: true, RESTEnabled: true},
		},
		{
			name:      "REST refused after SOAP verified",
			opts:      fixtureOptions{client: ClientOptions{CheckREST: true}},
			behaviour: netsuitesim.NoRESTPermission,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want: summary{Outcome: OutcomeVerified, Attempts: 3,
				RESTChecked: true},
			wantAudit: []string{netsuitesim.DetailPermissionViolation},
		},
		{
			name: "wrong Consumer Secret",
			creds: func(t *testing.T) Credentials {
				c := credsFor(t, prodAccount)
				c.ConsumerSecret = secrets.New(hexValue("typo"))
				return c
			},
			want: summary{Outcome: OutcomeInvalidLogin,
				Code: "INVALID_LOGIN_ATTEMPT", Attempts: 4},
			wantAudit: []string{netsuitesim.DetailInvalidSignature},
		},
		{
			name: "Consumer Key and Token ID swapped",
			creds: func(t *testing.T) Credentials {
				c := credsFor(t, prodAccount)
				c.ConsumerKey, c.TokenID = c.TokenID, c.ConsumerKey
				return c
			},
			want: summary{Outcome: OutcomeInvalidLogin,
				Code: "INVALID_LOGIN_ATTEMPT", Attempts: 4},
			wantAudit: []string{netsuitesim.DetailConsumerKeyUnknown},
		},
		{
			name:      "integration disabled",
			behaviour: netsuitesim.IntegrationDisabled,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want: summary{Outcome: OutcomeInvalidLogin,
				Code: "INVALID_LOGIN_ATTEMPT", Attempts: 4},
			wantAudit: []string{netsuitesim.DetailConsumerKeyRefused},
		},
		{
			name:      "token revoked",
			behaviour: netsuitesim.TokenRevoked,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want: summary{Outcome: OutcomeInvalidLogin,
				Code: "INVALID_LOGIN_ATTEMPT", Attempts: 4},
			wantAudit: []string{netsuitesim.DetailTokenRevoked},
		},
		{
			name: "production tokens entered for the sandbox",
			creds: func(t *testing.T) Credentials {
				c := credsFor(t, prodAccount)
				c.Account = credsFor(t, sandboxAccount).Account
				return c
			},
			want: summary{Outcome: OutcomeSandboxMismatch,
				Code: "INVALID_LOGIN_ATTEMPT", MatchedAccount: "1234567",
				Attempts: 4},
			wantAudit: []string{netsuitesim.DetailTokenUnknown},
		},
		{
			name: "sandbox tokens entered for production",
			creds: func(t *testing.T) Credentials {
				c := credsFor(t, sandboxAccount)
				c.Account = credsFor(t, prodAccount).Account
				return c
			},
			want: summary{Outcome: OutcomeSandboxMismatch,
				Code: "INVALID_LOGIN_ATTEMPT", MatchedAccount: "1234567_SB1",
				Attempts: 4},
			wantAudit: []string{netsuitesim.DetailTokenUnknown},
		},
		{
			name:  "portal clock ten minutes slow",
			opts:  fixtureOptions{simClockOffset: 10 * time.Minute},
			creds: func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want: summary{Outcome: OutcomeClockSkew,
				Code: "INVALID_LOGIN_ATTEMPT", Attempts: 2},
			wantAudit: []string{netsuitesim.DetailInvalidTimestamp},
		},
		{
			name:      "no web services permission",
			behaviour: netsuitesim.NoWebServicesPermission,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want: summary{Outcome: OutcomeInsufficientPermission,
				Code: "INSUFFICIENT_PERMISSION", Attempts: 2},
			wantAudit: []string{netsuitesim.DetailPermissionViolation},
		},
		{
			name:      "feature disabled",
			behaviour: netsuitesim.FeatureDisabled,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want: summary{Outcome: OutcomeFeatureDisabled,
				Code: "FEATURE_DISABLED", Attempts: 2},
			wantAudit: []string{netsuitesim.DetailFeatureDisabled},
		},
		{
			name: "account not found",
			creds: func(t *testing.T) Credentials {
				c := credsFor(t, prodAccount)
				c.Account = mustParse(t, "7654321")
				return c
			},
			want: summary{Outcome: OutcomeAccountNotFound, Attempts: 1},
		},
		{
			name:      "concurrency limit",
			behaviour: netsuitesim.ConcurrencyLimit,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want: summary{Outcome: OutcomeConcurrencyLimit,
				Code: "WS_CONCUR_SESSION_DISALLOWED", Attempts: 2},
		},
		{
			name:      "busy 429 on every attempt",
			behaviour: netsuitesim.Busy429,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want:      summary{Outcome: OutcomeBusy, Attempts: 4},
		},
		{
			name:      "unavailable 503 on every attempt",
			behaviour: netsuitesim.Unavailable503,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want:      summary{Outcome: OutcomeBusy, Attempts: 4},
		},
		{
			name: "hang",
			opts: fixtureOptions{client: ClientOptions{
				VerifyTimeout: 300 * time.Millisecond}},
			behaviour: netsuitesim.Hang,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want:      summary{Outcome: OutcomeTimeout, Attempts: 2},
		},
		{
			name: "slow but in time",
			opts: fixtureOptions{sim: netsuitesim.Options{
				SlowDelay: 50 * time.Millisecond}},
			behaviour: netsuitesim.Slow,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want:      summary{Outcome: OutcomeVerified, Attempts: 2},
		},
		{
			name: "slower than the deadline",
			opts: fixtureOptions{
				sim:    netsuitesim.Options{SlowDelay: 2 * time.Second},
				client: ClientOptions{VerifyTimeout: 200 * time.Millisecond},
			},
			behaviour: netsuitesim.Slow,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want:      summary{Outcome: OutcomeTimeout, Attempts: 2},
		},
		{
			name:      "malformed XML",
			behaviour: netsuitesim.MalformedXML,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want:      summary{Outcome: OutcomeUnexpectedResponse, Attempts: 2},
		},
		{
			name:      "dropped connection",
			behaviour: netsuitesim.DropConnection,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want:      summary{Outcome: OutcomeNetworkError, Attempts: 4},
		},
		{
			name:      "data-center lookup dropped",
			behaviour: netsuitesim.LookupDropped,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want:      summary{Outcome: OutcomeVerified, Attempts: 2},
		},
		{
			name:      "unknown fault from the simulator",
			behaviour: netsuitesim.UnknownFault,
			creds:     func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want: summary{Outcome: OutcomeUnknownFault,
				Code: netsuitesim.UnknownFaultCode, Attempts: 2},
		},
		{
			name: "unknown fault",
			opts: fixtureOptions{wrap: soapAnswer(http.StatusInternalServerError,
				faultBody("NEW_FAULT_CODE", "Something <new> & odd."))},
			creds: func(t *testing.T) Credentials { return credsFor(t, prodAccount) },
			want: summary{Outcome: OutcomeUnknownFault, Code: "NEW_FAULT_CODE",
				Attempts: 2},
		},
		{
			name: "missing Token Secret",
			creds: func(t *testing.T) Credentials {
				c := credsFor(t, prodAccount)
				c.TokenSecret = secrets.Secret{}
				return c
			},
			want: summary{Outcome: OutcomeIncomplete},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts)
			cr := tt.creds(t)
			if tt.behaviour != "" {
				f.sim.SetBehaviour(cr.Account.Realm(), tt.behaviour)
			}

			got := f.client.Verify(context.Background(), cr)

			if diff := cmp.Diff(tt.want, summarise(got)); diff != "" {
				t.Errorf("Verify() mismatch (-want +got):\n%s", diff)
			}
			if got.Attempts != f.sim.Requests() {
				t.Errorf("Attempts = %d, simulator saw %d requests",
					got.Attempts, f.sim.Requests())
			}
			audit := f.sim.LoginAudit(cr.Account.Realm())
			if diff := cmp.Diff(tt.wantAudit, audit); diff != "" {
				t.Errorf("LoginAudit mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func mustParse(t testing.TB, s string) AccountID {
	t.Helper()
	a, err := ParseAccountID(s)
	if err != nil {
		t.Fatalf("ParseAccountID(%q): %v", s, err)
	}
	return a
}

// soapAnswer replaces the simulator's SOAP answers with a fixed one while
// leaving the data-center lookup to the simulator.
func soapAnswer(status int, body string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, "/services/NetSuitePort_") {
				next.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(httptest.NewRecorder(), r) // counted, discarded
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		})
	}
}

func faultBody(code, message string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">` +
		`<soapenv:Body><soapenv:Fault><faultcode>soapenv:Server.userException</faultcode>` +
		`<faultstring>` + xmlText(message) + `</faultstring><detail>` +
		`<f:someFault xmlns:f="urn:faults_2016_2.platform.webservices.netsuite.com">` +
		`<f:code>` + code + `</f:code><f:message>` + xmlText(message) +
		`</f:message></f:someFault></detail></soapenv:Fault></soapenv:Body>` +
		`</soapenv:Envelope>`
}

func xmlText(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

func TestVerifyKeepsNetSuiteMessage(t *testing.T) {
	tests := []struct {
		name      string
		opts      fixtureOptions
		behaviour netsuitesim.Behaviour
		want      string
	}{
		{
			name: "scripted answer",
			opts: fixtureOptions{wrap: soapAnswer(http.StatusInternalServerError,
				faultBody("NEW_FAULT_CODE", "Something <new> & odd."))},
			want: "Something <new> & odd.",
		},
		{
			name:      "simulator behaviour",
			behaviour: netsuitesim.UnknownFault,
			want:      netsuitesim.UnknownFaultMessage,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.opts)
			f.sim.SetBehaviour(prodAccount.ID, tt.behaviour)

			got := f.client.Verify(context.Background(), credsFor(t, prodAccount))

			if got.Message != tt.want {
				t.Errorf("Message = %q, want %q (raw, unescaped)", got.Message, tt.want)
			}
			if got.HTTPStatus != http.StatusInternalServerError {
				t.Errorf("HTTPStatus = %d, want 500", got.HTTPStatus)
			}
		})
	}
}

func TestVerifyServerTimeAndSkew(t *testing.T) {
	f := newFixture(t, fixtureOptions{simClockOffset: 3 * time.Minute})

	got := f.client.Verify(context.Background(), credsFor(t, prodAccount))

	if got.Outcome != OutcomeVerified {
		t.Fatalf("Outcome = %q, want verified", got.Outcome)
	}
	if want := testNow.Add(3 * time.Minute); !got.ServerTime.Equal(want) {
		t.Errorf("ServerTime = %v, want %v", got.ServerTime, want)
	}
	if got.Skew != 3*time.Minute {
		t.Errorf("Skew = %v, want 3m", got.Skew)
	}
}

func TestVerifyClockSkewFromDateHeader(t *testing.T) {
	f := newFixture(t, fixtureOptions{simClockOffset: -7 * time.Minute})

	got := f.client.Verify(context.Background(), credsFor(t, prodAccount))

	if got.Outcome != OutcomeClockSkew {
		t.Fatalf("Outcome = %q, want clock_skew", got.Outcome)
	}
	if got.Skew != -7*time.Minute {
		t.Errorf("Skew = %v, want -7m", got.Skew)
	}
}

func TestVerifyRetriesThenSucceeds(t *testing.T) {
	var f *fixture
	var waits []int
	f = newFixture(t, fixtureOptions{client: ClientOptions{
		RetryWait: func(attempt int, _ time.Duration) time.Duration {
			waits = append(waits, attempt)
			if attempt == 2 { // the third attempt will succeed
				f.sim.SetBehaviour("1234567", netsuitesim.Normal)
			}
			return time.Millisecond
		},
	}})
	f.sim.SetBehaviour("1234567", netsuitesim.Unavailable503)

	got := f.client.Verify(context.Background(), credsFor(t, prodAccount))

	want := summary{Outcome: OutcomeVerified, Attempts: 4}
	if diff := cmp.Diff(want, summarise(got)); diff != "" {
		t.Errorf("Verify() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{1, 2}, waits); diff != "" {
		t.Errorf("RetryWait attempts mismatch (-want +got):\n%s", diff)
	}
}

// TestVerifyStopsAfterThreeAttempts scripts three 503 answers followed by
// success: the success is never reached, because at most three attempts
// are made, and a later verification gets it.
func TestVerifyStopsAfterThreeAttempts(t *testing.T) {
	var soapCalls atomic.Int32
	var f *fixture
	f = newFixture(t, fixtureOptions{wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/services/NetSuitePort_") &&
				soapCalls.Add(1) == 3 {
				defer f.sim.SetBehaviour("1234567", netsuitesim.Normal)
			}
			next.ServeHTTP(w, r)
		})
	}})
	f.sim.SetBehaviour("1234567", netsuitesim.Unavailable503)

	first := f.client.Verify(context.Background(), credsFor(t, prodAccount))
	second := f.client.Verify(context.Background(), credsFor(t, prodAccount))

	if diff := cmp.Diff(summary{Outcome: OutcomeBusy, Attempts: 4},
		summarise(first)); diff != "" {
		t.Errorf("first Verify() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(summary{Outcome: OutcomeVerified, Attempts: 2},
		summarise(second)); diff != "" {
		t.Errorf("second Verify() mismatch (-want +got):\n%s", diff)
	}
}

func TestVerifyRetryAfter(t *testing.T) {
	tests := []struct {
		name     string
		dateForm bool
	}{
		{name: "seconds"},
		{name: "HTTP date", dateForm: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []time.Duration
			f := newFixture(t, fixtureOptions{
				sim: netsuitesim.Options{RetryAfterDate: tt.dateForm},
				client: ClientOptions{RetryWait: func(_ int, after time.Duration) time.Duration {
					got = append(got, after)
					return time.Millisecond
				}},
			})
			f.sim.SetBehaviour("1234567", netsuitesim.Busy429)

			r := f.client.Verify(context.Background(), credsFor(t, prodAccount))

			if r.Outcome != OutcomeBusy {
				t.Errorf("Outcome = %q, want netsuite_busy", r.Outcome)
			}
			want := []time.Duration{time.Second, time.Second}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Retry-After mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVerifyRetryAfterBeyondDeadline uses the default backoff: a server
// asking for a pause longer than the time left gets no retry.
func TestVerifyRetryAfterBeyondDeadline(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.client.retryWait = nil
	f.client.verifyTimeout = 500 * time.Millisecond
	f.sim.SetBehaviour("1234567", netsuitesim.Busy429)

	r := f.client.Verify(context.Background(), credsFor(t, prodAccount))

	if diff := cmp.Diff(summary{Outcome: OutcomeBusy, Attempts: 2},
		summarise(r)); diff != "" {
		t.Errorf("Verify() mismatch (-want +got):\n%s", diff)
	}
	// Sleeping towards the one-second Retry-After would have run into
	// the deadline; giving up at once ends well before it.
	if r.Duration >= f.client.verifyTimeout {
		t.Errorf("Duration = %v; Verify waited instead of giving up", r.Duration)
	}
}

func TestVerifyNetworkError(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.srv.Close()

	r := f.client.Verify(context.Background(), credsFor(t, prodAccount))

	// One failed lookup (not retried, and not blocking), then three
	// SOAP attempts.
	if diff := cmp.Diff(summary{Outcome: OutcomeNetworkError, Attempts: 4},
		summarise(r)); diff != "" {
		t.Errorf("Verify() mismatch (-want +got):\n%s", diff)
	}
}

func TestVerifyDoesNotFollowRedirects(t *testing.T) {
	var elsewhere atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
	}))
	defer target.Close()
	redirect := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/services/") {
				http.Redirect(w, r, target.URL+r.URL.Path, http.StatusTemporaryRedirect)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	tests := []struct {
		name string
		hc   *http.Client
	}{
		{name: "built-in client"},
		{name: "caller's client that follows redirects", hc: &http.Client{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, fixtureOptions{
				wrap:   redirect,
				client: ClientOptions{HTTPClient: tt.hc},
			})

			r := f.client.Verify(context.Background(), credsFor(t, prodAccount))

			if r.Outcome != OutcomeUnexpectedResponse {
				t.Errorf("Outcome = %q, want unexpected_response", r.Outcome)
			}
			if r.HTTPStatus != http.StatusTemporaryRedirect {
				t.Errorf("HTTPStatus = %d, want 307", r.HTTPStatus)
			}
			if n := elsewhere.Load(); n != 0 {
				t.Errorf("redirect target got %d requests, want 0", n)
			}
		})
	}
}

func TestVerifyOversizedAnswer(t *testing.T) {
	huge := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">` +
		strings.Repeat(" ", maxBodyBytes) + `</soapenv:Envelope>`
	f := newFixture(t, fixtureOptions{wrap: soapAnswer(http.StatusOK, huge)})

	r := f.client.Verify(context.Background(), credsFor(t, prodAccount))

	if r.Outcome != OutcomeUnexpectedResponse {
		t.Errorf("Outcome = %q, want unexpected_response", r.Outcome)
	}
}

func TestVerifyUsesFreshNoncePerAttempt(t *testing.T) {
	// The clock is fixed, so every request carries the same timestamp:
	// only a fresh nonce each time keeps the simulator from refusing a
	// replay with NonceUsed.
	f := newFixture(t, fixtureOptions{})
	for i := range 5 {
		r := f.client.Verify(context.Background(), credsFor(t, prodAccount))
		if r.Outcome != OutcomeVerified {
			t.Fatalf("verification %d: Outcome = %q, want verified", i, r.Outcome)
		}
	}
	if audit := f.sim.LoginAudit("1234567"); len(audit) != 0 {
		t.Errorf("LoginAudit = %v, want none", audit)
	}
}

func TestVerifyLogsNoSecret(t *testing.T) {
	f := newFixture(t, fixtureOptions{client: ClientOptions{CheckREST: true}})
	cr := credsFor(t, prodAccount)
	wrong := cr
	wrong.TokenSecret = secrets.New(hexValue("another token secret"))

	var attempts int
	for _, c := range []Credentials{cr, wrong} {
		attempts += f.client.Verify(context.Background(), c).Attempts
	}
	f.sim.SetBehaviour("1234567", netsuitesim.Busy429)
	attempts += f.client.Verify(context.Background(), cr).Attempts

	logs := f.logs.String()
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) != attempts {
		t.Errorf("%d log lines for %d attempts, want one each:\n%s",
			len(lines), attempts, logs)
	}
	forbidden := []string{
		prodAccount.ConsumerKey, prodAccount.ConsumerSecret,
		prodAccount.TokenID, prodAccount.TokenSecret,
		hexValue("another token secret"), "OAuth", "oauth_", "signature",
	}
	for _, s := range forbidden {
		if strings.Contains(logs, s) {
			t.Errorf("log contains %q:\n%s", s, logs)
		}
	}
	for _, key := range []string{`"attempt":`, `"status":`, `"outcome":`} {
		if n := strings.Count(logs, key); n != attempts {
			t.Errorf("%s appears %d times, want %d", key, n, attempts)
		}
	}
}

func TestVerifyDuration(t *testing.T) {
	f := newFixture(t, fixtureOptions{sim: netsuitesim.Options{
		SlowDelay: 30 * time.Millisecond}})
	f.sim.SetBehaviour("1234567", netsuitesim.Slow)

	r := f.client.Verify(context.Background(), credsFor(t, prodAccount))

	if r.Duration < 30*time.Millisecond {
		t.Errorf("Duration = %v, want at least the 30ms delay", r.Duration)
	}
}

func TestVerifyHonoursCallerCancel(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.sim.SetBehaviour("1234567", netsuitesim.Hang)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)

	r := f.client.Verify(ctx, credsFor(t, prodAccount))

	if r.Outcome != OutcomeNetworkError {
		t.Errorf("Outcome = %q, want network_error", r.Outcome)
	}
	if r.Duration > 5*time.Second {
		t.Errorf("Duration = %v; cancel was not honoured", r.Duration)
	}
}

func TestLookupDataCenter(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	tests := []struct {
		name    string
		account string
		want    DataCenterResult
	}{
		{
			name:    "sandbox",
			account: "1234567-sb1",
			want: DataCenterResult{
				Found: true, Reached: true,
				SystemDomain:      "https://1234567-sb1.app.netsuite.com",
				WebServicesDomain: "https://1234567-sb1.suitetalk.api.netsuite.com",
				RESTDomain:        "https://1234567-sb1.restlets.api.netsuite.com",
			},
		},
		{
			name:    "unknown account",
			account: "7654321",
			want:    DataCenterResult{Reached: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.client.LookupDataCenter(context.Background(),
				mustParse(t, tt.account))
			if err != nil {
				t.Fatalf("LookupDataCenter: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LookupDataCenter mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLookupDataCenterAnswers(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   DataCenterResult
	}{
		{
			name:   "foreign domains dropped",
			status: http.StatusOK,
			body: `{"systemDomain":"https://evil.example","restDomain":` +
				`"http://1.restlets.api.netsuite.com","webservicesDomain":` +
				`"https://1234567.suitetalk.api.netsuite.com"}`,
			want: DataCenterResult{Found: true, Reached: true,
				WebServicesDomain: "https://1234567.suitetalk.api.netsuite.com"},
		},
		{name: "empty object", status: http.StatusOK, body: `{}`,
			want: DataCenterResult{Reached: true}},
		{name: "not JSON", status: http.StatusOK, body: `<html>`},
		{name: "not found", status: http.StatusNotFound, body: ``,
			want: DataCenterResult{Reached: true}},
		{name: "throttled", status: http.StatusTooManyRequests},
		{name: "server error", status: http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c := NewClient(ClientOptions{Endpoint: srv.URL})

			got, err := c.LookupDataCenter(context.Background(), mustParse(t, "1234567"))
			if err != nil {
				t.Fatalf("LookupDataCenter: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LookupDataCenter mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLookupDataCenterUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c := NewClient(ClientOptions{Endpoint: srv.URL})

	got, err := c.LookupDataCenter(context.Background(), mustParse(t, "1234567"))

	if err != nil {
		t.Fatalf("LookupDataCenter: %v", err)
	}
	if got.Reached || got.Found {
		t.Errorf("got %+v, want Reached=false Found=false", got)
	}
}

func TestLookupDataCenterRequest(t *testing.T) {
	var gotPath, gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotQuery = r.URL.Path, r.URL.RawQuery
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	c := NewClient(ClientOptions{Endpoint: srv.URL + "/prefix"})

	if _, err := c.LookupDataCenter(context.Background(),
		mustParse(t, "1234567-sb2")); err != nil {
		t.Fatalf("LookupDataCenter: %v", err)
	}

	got := fmt.Sprintf("%s?%s", gotPath, gotQuery)
	if want := "/prefix/rest/datacenterurls?account=1234567_SB2"; got != want {
		t.Errorf("request = %q, want %q", got, want)
	}
}

func TestValidateEndpoint(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "http", in: "http://127.0.0.1:8080"},
		{name: "https with path", in: "https://sim.example/netsuite"},
		{name: "no scheme", in: "127.0.0.1:8080", wantErr: true},
		{name: "ftp", in: "ftp://example.com", wantErr: true},
		{name: "user info", in: "http://u:p@example.com", wantErr: true},
		{name: "query", in: "http://example.com/?a=b", wantErr: true},
		{name: "empty host", in: "http:///path", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateEndpoint(tt.in)
			if (err != nil) != tt.wantErr {
				t.Errorf("ValidateEndpoint(%q) = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestVerifyBadEndpoint(t *testing.T) {
	c := NewClient(ClientOptions{Endpoint: "not a url"})
	r := c.Verify(context.Background(), credsFor(t, prodAccount))
	if r.Outcome != OutcomeNetworkError || r.Attempts != 0 {
		t.Errorf("got %q after %d attempts, want network_error after 0",
			r.Outcome, r.Attempts)
	}
}

package cloudelements

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/cloudelements/cloudelementssim"
	"tbaportal/internal/secrets"
)

func TestCreateInstance(t *testing.T) {
	f := newFixture(t)
	req := validRequest("submission-1")
	req.Extra = map[string]string{"filter.response.nulls": "true"}

	got, err := f.client.CreateInstance(context.Background(), req)
	if err != nil {
		t.Fatalf("CreateInstance: %v", err)
	}

	held := f.sim.Instances()
	if len(held) != 1 {
		t.Fatalf("simulator holds %d instances, want 1", len(held))
	}
	h := held[0]
	want := Instance{
		ID:    strconv.FormatInt(h.ID, 10),
		Name:  req.Name,
		Tags:  req.Tags,
		Token: secrets.New(h.Token),
	}
	opt := cmp.Comparer(func(a, b secrets.Secret) bool {
		return a.Reveal() == b.Reveal()
	})
	if diff := cmp.Diff(want, got, opt); diff != "" {
		t.Errorf("instance mismatch (-want +got):\n%s", diff)
	}
	if got.Token.IsZero() {
		t.Error("instance token is empty")
	}

	wantConf := map[string]any{
		"netsuite.accountId":    "1234567_SB1",
		"netsuite.sandbox":      true,
		"authentication.type":   "TokenBasedAuthentication",
		"consumer_key":          testConsumerKey,
		"consumer_secret":       testConsumerSecret,
		"token_id":              testTokenID,
		"token_secret":          testTokenSecret,
		"filter.response.nulls": "true",
	}
	if diff := cmp.Diff(wantConf, h.Configuration); diff != "" {
		t.Errorf("configuration mismatch (-want +got):\n%s", diff)
	}
	if h.ElementKey != DefaultElementKey {
		t.Errorf("element key = %q, want %q", h.ElementKey, DefaultElementKey)
	}
}

func TestCreateInstanceFailures(t *testing.T) {
	tests := []struct {
		name       string
		faults     []cloudelementssim.Fault
		edit       func(*InstanceRequest)
		timeout    time.Duration
		wantKind   ErrorKind
		wantStatus int
		wantMsg    string // a part of Message
		wantRetry  bool
		wantAfter  time.Duration
		wantHeld   int // instances the simulator holds afterwards
	}{
		{
			name:       "scripted 400 keeps its message",
			faults:     []cloudelementssim.Fault{"400"},
			wantKind:   KindRejected,
			wantStatus: 400,
			wantMsg:    "Simulated rejection of the instance",
		},
		{
			name:       "400 names the bad Account ID key",
			edit:       func(r *InstanceRequest) { r.AccountID = "1234567-sb1" },
			wantKind:   KindRejected,
			wantStatus: 400,
			wantMsg:    "netsuite.accountId",
		},
		{
			name: "400 names the bad Token Secret key",
			edit: func(r *InstanceRequest) {
				r.TokenSecret = secrets.New("not-hex-and-too-short")
			},
			wantKind:   KindRejected,
			wantStatus: 400,
			wantMsg:    "token_secret",
		},
		{
			name:       "503 is a retryable server error",
			faults:     []cloudelementssim.Fault{"503"},
			wantKind:   KindServer,
			wantStatus: 503,
			wantMsg:    "Service Unavailable",
			wantRetry:  true,
		},
		{
			name:       "429 with Retry-After seconds",
			faults:     []cloudelementssim.Fault{"429"},
			wantKind:   KindRateLimited,
			wantStatus: 429,
			wantMsg:    "Rate limit exceeded",
			wantRetry:  true,
			wantAfter:  time.Second,
		},
		{
			name:       "not JSON",
			faults:     []cloudelementssim.Fault{"bad_json"},
			wantKind:   KindBadResponse,
			wantStatus: 200,
			wantRetry:  true,
		},
		{
			name:      "connection reset",
			faults:    []cloudelementssim.Fault{"reset"},
			wantKind:  KindNetwork,
			wantRetry: true,
		},
		{
			name:      "timeout",
			faults:    []cloudelementssim.Fault{"timeout"},
			timeout:   200 * time.Millisecond,
			wantKind:  KindTimeout,
			wantRetry: true,
		},
		{
			name:       "created but the answer was lost",
			faults:     []cloudelementssim.Fault{"create_then_503"},
			wantKind:   KindServer,
			wantStatus: 503,
			wantRetry:  true,
			wantHeld:   1,
		},
		{
			name:      "created and then no answer",
			faults:    []cloudelementssim.Fault{"create_then_hang"},
			timeout:   200 * time.Millisecond,
			wantKind:  KindTimeout,
			wantRetry: true,
			wantHeld:  1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.sim.FailNext(tt.faults...)
			req := validRequest("submission-2")
			if tt.edit != nil {
				tt.edit(&req)
			}
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}

			_, err := f.client.CreateInstance(ctx, req)

			e := asError(t, err)
			if e.Kind != tt.wantKind || e.Status != tt.wantStatus {
				t.Errorf("kind, status = %q, %d; want %q, %d",
					e.Kind, e.Status, tt.wantKind, tt.wantStatus)
			}
			if !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("message = %q, want it to contain %q",
					e.Message, tt.wantMsg)
			}
			if e.Retryable() != tt.wantRetry {
				t.Errorf("Retryable() = %v, want %v",
					e.Retryable(), tt.wantRetry)
			}
			if e.RetryAfter != tt.wantAfter {
				t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, tt.wantAfter)
			}
			if n := len(f.sim.Instances()); n != tt.wantHeld {
				t.Errorf("simulator holds %d instances, want %d",
					n, tt.wantHeld)
			}
		})
	}
}

// asError checks that err is an *Error free of secrets and returns it.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want an *Error", err, err)
	}
	assertNoSecret(t, "error", err.Error())
	return e
}

func TestCreateInstanceTimeoutUnwrapsDeadline(t *testing.T) {
	f := newFixture(t)
	f.sim.FailNext("timeout")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	_, err := f.client.CreateInstance(ctx, validRequest("t"))

	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want it to wrap context.DeadlineExceeded", err)
	}
}

func TestCreateInstanceHTTPClientTimeout(t *testing.T) {
	f := newFixture(t)
	f.sim.SetDelay(2 * time.Second)
	c := NewClient(Options{
		BaseURL:    f.srv.URL + apiRoot,
		UserSecret: secrets.New(cloudelementssim.DemoUserSecret),
		OrgSecret:  secrets.New(cloudelementssim.DemoOrgSecret),
		HTTPClient: &http.Client{Timeout: 100 * time.Millisecond},
	})

	_, err := c.CreateInstance(context.Background(), validRequest("t"))

	if e := asError(t, err); e.Kind != KindTimeout {
		t.Errorf("kind = %q, want %q", e.Kind, KindTimeout)
	}
}

func TestCreateInstanceRetryAfterDate(t *testing.T) {
	f := newFixture(t)
	f.sim.FailNext("429_date")

	_, err := f.client.CreateInstance(context.Background(), validRequest("t"))

	e := asError(t, err)
	if e.Kind != KindRateLimited {
		t.Errorf("kind = %q, want %q", e.Kind, KindRateLimited)
	}
	// The simulator names a whole second two minutes ahead.
	if e.RetryAfter <= 115*time.Second || e.RetryAfter > 120*time.Second {
		t.Errorf("RetryAfter = %v, want about 2m", e.RetryAfter)
	}
}

func TestCreateInstanceUnauthorized(t *testing.T) {
	tests := []struct {
		name      string
		user, org string
		wantHTTP  bool // whether the request reaches the server
	}{
		{"wrong organization secret", cloudelementssim.DemoUserSecret,
			"wrong-org-secret-0000", true},
		{"wrong user secret", "wrong-user-secret-0000",
			cloudelementssim.DemoOrgSecret, true},
		{"missing user secret", "", cloudelementssim.DemoOrgSecret, false},
		{"secret with a comma", "a,b-user-secret",
			cloudelementssim.DemoOrgSecret, false},
		{"secret with a newline", "user\r\nX-Evil: 1",
			cloudelementssim.DemoOrgSecret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			sim := cloudelementssim.New(cloudelementssim.Demo())
			srv := httptest.NewServer(http.HandlerFunc(
				func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					sim.Handler().ServeHTTP(w, r)
				}))
			defer srv.Close()
			c := NewClient(Options{
				BaseURL:    srv.URL,
				UserSecret: secrets.New(tt.user),
				OrgSecret:  secrets.New(tt.org),
			})

			_, err := c.CreateInstance(context.Background(), validRequest("t"))

			e := asError(t, err)
			if e.Kind != KindUnauthorized || e.Retryable() {
				t.Errorf("kind = %q, retryable %v; want %q, false",
					e.Kind, e.Retryable(), KindUnauthorized)
			}
			if got := hits.Load() > 0; got != tt.wantHTTP {
				t.Errorf("request sent = %v, want %v", got, tt.wantHTTP)
			}
			if strings.Contains(err.Error(), tt.user) && tt.user != "" {
				t.Errorf("error %q reveals the user secret", err)
			}
		})
	}
}

func TestCreateInstanceRefusedBeforeSending(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*InstanceRequest)
		wantMsg string
	}{
		{"no name", func(r *InstanceRequest) { r.Name = "" }, "name"},
		{"no Account ID", func(r *InstanceRequest) { r.AccountID = "" },
			"Account ID"},
		{"no Token Secret",
			func(r *InstanceRequest) { r.TokenSecret = secrets.Secret{} },
			"empty"},
		{"extra replaces consumer_key", func(r *InstanceRequest) {
			r.Extra = map[string]string{"consumer_key": "evil"}
		}, `"consumer_key"`},
		{"extra replaces netsuite.sandbox", func(r *InstanceRequest) {
			r.Extra = map[string]string{"netsuite.sandbox": "false"}
		}, `"netsuite.sandbox"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			req := validRequest("t")
			tt.edit(&req)

			_, err := f.client.CreateInstance(context.Background(), req)

			e := asError(t, err)
			if e.Kind != KindRejected || e.Status != 0 {
				t.Errorf("kind, status = %q, %d; want %q, 0",
					e.Kind, e.Status, KindRejected)
			}
			if !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("message = %q, want it to contain %q",
					e.Message, tt.wantMsg)
			}
			if n := len(f.sim.Instances()); n != 0 {
				t.Errorf("simulator holds %d instances, want 0", n)
			}
		})
	}
}

func TestCreateInstanceDoesNotFollowRedirect(t *testing.T) {
	tests := []struct {
		name   string
		client *http.Client
	}{
		{"default client", nil},
		{"caller's client that would follow", &http.Client{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var authSeen atomic.Value
			redirector := httptest.NewServer(http.HandlerFunc(
				func(w http.ResponseWriter, r *http.Request) {
					authSeen.Store(r.Header.Get("Authorization") != "")
					http.Redirect(w, r, f.srv.URL+apiRoot+"/instances",
						http.StatusTemporaryRedirect)
				}))
			defer redirector.Close()
			c := NewClient(Options{
				BaseURL:    redirector.URL,
				UserSecret: secrets.New(cloudelementssim.DemoUserSecret),
				OrgSecret:  secrets.New(cloudelementssim.DemoOrgSecret),
				HTTPClient: tt.client,
			})

			_, err := c.CreateInstance(context.Background(), validRequest("t"))

			e := asError(t, err)
			if e.Kind != KindRejected || e.Status != 307 || e.Retryable() {
				t.Errorf("kind, status, retryable = %q, %d, %v; "+
					"want rejected, 307, false", e.Kind, e.Status, e.Retryable())
			}
			if n := len(f.sim.Instances()); n != 0 {
				t.Errorf("redirect was followed: %d instances created", n)
			}
		})
	}
}

func TestCreateInstanceScrubsEchoedSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusBadRequest)
			// A server that echoes the whole request in its message.
			msg := strings.ReplaceAll(string(body), `"`, `'`)
			_, _ = io.WriteString(w, `{"message":"bad: `+msg+
				` auth `+r.Header.Get("Authorization")+`"}`)
		}))
	defer srv.Close()
	c := NewClient(Options{
		BaseURL:    srv.URL,
		UserSecret: secrets.New(cloudelementssim.DemoUserSecret),
		OrgSecret:  secrets.New(cloudelementssim.DemoOrgSecret),
	})

	_, err := c.CreateInstance(context.Background(), validRequest("t"))

	e := asError(t, err)
	if !strings.Contains(e.Message, secrets.Redacted) {
		t.Errorf("message = %q, want secrets replaced by %q",
			e.Message, secrets.Redacted)
	}
}

func TestCreateInstanceOversizedBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"id":1,"token":"`)
			_, _ = io.WriteString(w, strings.Repeat("x", maxCreateBody))
			_, _ = io.WriteString(w, `"}`)
		}))
	defer srv.Close()
	c := NewClient(Options{
		BaseURL:    srv.URL,
		UserSecret: secrets.New(cloudelementssim.DemoUserSecret),
		OrgSecret:  secrets.New(cloudelementssim.DemoOrgSecret),
	})

	_, err := c.CreateInstance(context.Background(), validRequest("t"))

	if e := asError(t, err); e.Kind != KindBadResponse {
		t.Errorf("kind = %q, want %q", e.Kind, KindBadResponse)
	}
}

func TestCreateInstanceCanceled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := f.client.CreateInstance(ctx, validRequest("t"))

	e := asError(t, err)
	if e.Kind != KindNetwork || !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want network kind wrapping context.Canceled", err)
	}
}

func TestCreateInstanceConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	c := NewClient(Options{
		BaseURL:    base,
		UserSecret: secrets.New(cloudelementssim.DemoUserSecret),
		OrgSecret:  secrets.New(cloudelementssim.DemoOrgSecret),
	})

	_, err := c.CreateInstance(context.Background(), validRequest("t"))

	if e := asError(t, err); e.Kind != KindNetwork || !e.Retryable() {
		t.Errorf("kind = %q, retryable %v; want network, true",
			e.Kind, e.Retryable())
	}
}

func TestCreateInstanceBadBaseURL(t *testing.T) {
	c := NewClient(Options{
		BaseURL:    "ftp://example.com",
		UserSecret: secrets.New(cloudelementssim.DemoUserSecret),
		OrgSecret:  secrets.New(cloudelementssim.DemoOrgSecret),
	})

	_, err := c.CreateInstance(context.Background(), validRequest("t"))

	if e := asError(t, err); e.Kind != KindRejected {
		t.Errorf("kind = %q, want %q", e.Kind, KindRejected)
	}
}

package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"tbaportal/internal/onboarding"
	"tbaportal/internal/secrets"
	"tbaportal/internal/webhook"
)

// delivery is one request the receiver got.
type delivery struct {
	header http.Header
	body   []byte
}

// receiver is an operator's webhook endpoint that records what it gets
// and answers with the statuses it is given, in order (then 204).
type receiver struct {
	mu       sync.Mutex
	got      []delivery
	statuses []int
	srv      *httptest.Server
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, delivery{header: r.Header.Clone(), body: body})
	status := http.StatusNoContent
	if len(rc.statuses) > 0 {
		status, rc.statuses = rc.statuses[0], rc.statuses[1:]
	}
	rc.mu.Unlock()
	w.WriteHeader(status)
}

// deliveries returns a copy of what was received so far.
func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// expectedSignature computes the signature independently of Sign: an
// HMAC-SHA256 over "<timestamp>.<body>", hex, prefixed "sha256=".
func expectedSignature(key string, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(ts + "." + string(body)))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// checkSigned fails the test unless d carries a fresh timestamp and a
// signature over it and the body made with key.
func checkSigned(t *testing.T, key string, d delivery) {
	t.Helper()
	tsText := d.header.Get(webhook.TimestampHeader)
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		t.Fatalf("timestamp header %q is not Unix seconds", tsText)
	}
	if age := time.Since(time.Unix(ts, 0)); age < -time.Minute || age > time.Minute {
		t.Errorf("timestamp %d is %v away from now", ts, age)
	}
	got := d.header.Get(webhook.SignatureHeader)
	if want := webhook.Sign([]byte(key), ts, d.body); !hmac.Equal([]byte(got), []byte(want)) {
		t.Errorf("signature %q does not match webhook.Sign %q", got, want)
	}
	if want := expectedSignature(key, tsText, d.body); got != want {
		t.Errorf("signature %q, want HMAC-SHA256 of timestamp.body %q", got, want)
	}
	if ct := d.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q, want application/json", ct)
	}
}

// newNotifier builds a Notifier signing with key, or fails the test.
func newNotifier(t *testing.T, url, key string) *webhook.Notifier {
	t.Helper()
	n, err := webhook.NewNotifier(url, secrets.New(key),
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("NewNotifier: %v", err)
	}
	return n
}

func TestSign(t *testing.T) {
	base := webhook.Sign([]byte("key"), 1700000000, []byte(`{"a":1}`))
	tests := []struct {
		name string
		key  string
		ts   int64
		body string
		same bool
	}{
		{name: "same input", key: "key", ts: 1700000000, body: `{"a":1}`, same: true},
		{name: "other key", key: "kez", ts: 1700000000, body: `{"a":1}`},
		{name: "other time", key: "key", ts: 1700000001, body: `{"a":1}`},
		{name: "other body", key: "key", ts: 1700000000, body: `{"a":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := webhook.Sign([]byte(tt.key), tt.ts, []byte(tt.body))
			want := expectedSignature(tt.key, strconv.FormatInt(tt.ts, 10), []byte(tt.body))
			if got != want {
				t.Errorf("Sign = %q, want %q", got, want)
			}
			if (got == base) != tt.same {
				t.Errorf("signature equal to the base case = %v, want %v", got == base, tt.same)
			}
		})
	}
}

func TestNotifySignsEachAttemptAndRetries(t *testing.T) {
	rc := newReceiver(t, http.StatusInternalServerError)
	const key = "webhook-key-for-tests"
	n := newNotifier(t, rc.srv.URL, key)

	n.Notify(t.Context(), onboarding.Notification{Event: "submission.connected",
		SubmissionID: "abc", Company: "Acme Ltd", At: time.Now()})

	got := rc.deliveries()
	if len(got) != 2 {
		t.Fatalf("%d deliveries, want 2 (a 500, then the retry)", len(got))
	}
	for _, d := range got {
		checkSigned(t, key, d)
	}
}

func TestNotifyGivesUpAfterThreeAttempts(t *testing.T) {
	rc := newReceiver(t, 500, 502, 503, 500, 500)
	n := newNotifier(t, rc.srv.URL, "k")
	n.Notify(t.Context(), onboarding.Notification{Event: "submission.connected"})
	if got := len(rc.deliveries()); got != 3 {
		t.Errorf("%d deliveries, want 3", got)
	}
}

func TestNewNotifierRefusesWhatItCannotSend(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		key     secrets.Secret
		wantErr error
	}{
		{name: "signed", url: "https://hooks.example.com/portal",
			key: secrets.New("k")},
		{name: "no secret", url: "https://hooks.example.com/portal",
			wantErr: webhook.ErrNoSecret},
		{name: "empty secret", url: "https://hooks.example.com/portal",
			key: secrets.New(""), wantErr: webhook.ErrNoSecret},
		{name: "relative URL", url: "/portal", key: secrets.New("k"),
			wantErr: webhook.ErrBadURL},
		{name: "other scheme", url: "ftp://hooks.example.com/portal",
			key: secrets.New("k"), wantErr: webhook.ErrBadURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := webhook.NewNotifier(tt.url, tt.key, nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("NewNotifier: %v, want %v", err, tt.wantErr)
			}
			if (n == nil) != (tt.wantErr != nil) {
				t.Errorf("notifier %v with error %v", n, err)
			}
		})
	}
}

func TestNotifyFollowsNoRedirect(t *testing.T) {
	target := newReceiver(t)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.srv.URL, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	n := newNotifier(t, redirector.URL, "k")

	// The redirect counts as a failure; the context ends the retries.
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	n.Notify(ctx, onboarding.Notification{Event: "submission.connected"})
	if got := len(target.deliveries()); got != 0 {
		t.Errorf("redirect target got %d deliveries, want 0", got)
	}
}

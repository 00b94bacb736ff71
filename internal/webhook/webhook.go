// Package webhook tells the operator's systems, with a signed JSON POST,
// that a submission connected or failed. Events carry no secrets.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"tbaportal/internal/onboarding"
	"tbaportal/internal/secrets"
)

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of timestamp.body>".
const SignatureHeader = "X-Portal-Signature"

// TimestampHeader carries the Unix time the event was signed at, so a
// receiver can refuse replays of old events.
const TimestampHeader = "X-Portal-Timestamp"

// requestTimeout bounds one delivery, from connecting to reading the
// answer.
const requestTimeout = 10 * time.Second

// Errors NewNotifier returns; the portal reports them at start.
var (
	// ErrNoSecret: events must be signed, so that a receiver can tell
	// them from forgeries, and there is no key to sign them with.
	ErrNoSecret = errors.New("webhook: a webhook URL needs a signing secret")
	// ErrBadURL: the URL is not an absolute http or https URL.
	ErrBadURL = errors.New("webhook: the URL is not an absolute http(s) URL")
)

// Notifier posts events to one URL.
type Notifier struct {
	url    string
	key    secrets.Secret
	client *http.Client
	log    *slog.Logger
}

// NewNotifier returns a Notifier that posts HMAC-SHA256-signed events to
// rawURL. It refuses, with ErrNoSecret, to be built without a key, and
// with ErrBadURL for a URL it could not post to. Its client follows no
// redirect, which would send the event somewhere the operator did not
// configure, and gives up on a delivery after 10 s.
func NewNotifier(rawURL string, key secrets.Secret,
	log *slog.Logger) (*Notifier, error) {
	if key.IsZero() {
		return nil, ErrNoSecret
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, ErrBadURL
	}
	if log == nil {
		log = slog.Default()
	}
	return &Notifier{url: rawURL, key: key, log: log, client: &http.Client{
		Timeout: requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}, nil
}

// Sign returns the signature of body at ts.
func Sign(key []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Notify sends the event, retrying twice on failure. Failures are logged,
// never returned: a webhook must not hold up the handoff.
func (n *Notifier) Notify(ctx context.Context, e onboarding.Notification) {
	if n.client == nil {
		n.log.ErrorContext(ctx, "webhook event not sent: notifier not configured",
			"submission_id", e.SubmissionID, "event", e.Event)
		return
	}
	body, _ := json.Marshal(e)
	const attempts = 3
	for attempt := range attempts {
		err := n.post(ctx, body)
		if err == nil {
			return
		}
		n.log.WarnContext(ctx, "webhook failed", "submission_id", e.SubmissionID,
			"attempt", attempt+1, "error", err)
		if attempt == attempts-1 {
			return // no pause after the last attempt: the handoff waits on it
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(attempt+1) * time.Second):
		}
	}
}

func (n *Notifier) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Sign([]byte(n.key.Reveal()), ts, body))
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return errors.New("webhook answered " + resp.Status)
	}
	return nil
}

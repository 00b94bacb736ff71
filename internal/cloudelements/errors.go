package cloudelements

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrorKind names a class of failure, chosen so that the handoff job can
// decide between retrying later and asking the operator to act.
type ErrorKind string

// The kinds of failure an *Error reports.
const (
	// KindNetwork: the request did not complete (refused, reset, DNS).
	KindNetwork ErrorKind = "network"
	// KindTimeout: the request or its context ran out of time.
	KindTimeout ErrorKind = "timeout"
	// KindServer: Cloud Elements answered 5xx.
	KindServer ErrorKind = "server"
	// KindRateLimited: Cloud Elements answered 429.
	KindRateLimited ErrorKind = "rate_limited"
	// KindRejected: Cloud Elements answered another 4xx (or a redirect),
	// or the request was refused before sending: the input is wrong.
	KindRejected ErrorKind = "rejected"
	// KindUnauthorized: 401 or 403, so the operator's User or
	// Organization secret is wrong.
	KindUnauthorized ErrorKind = "unauthorized"
	// KindBadResponse: a success status whose body could not be read as
	// the expected JSON.
	KindBadResponse ErrorKind = "bad_response"
)

// maxRetryAfter bounds a Retry-After hint so that a hostile or broken
// value cannot overflow a Duration or park the handoff for days.
const maxRetryAfter = 24 * time.Hour

// Error is the one error type the client returns. Message is Cloud
// Elements' own text (raw, so the UI must escape it) or a short status
// text; neither it nor Error() ever holds the request body or a secret.
type Error struct {
	Kind       ErrorKind
	Status     int
	Message    string
	RetryAfter time.Duration
	Err        error

	op string // "create instance" or "find instances"
}

// Error returns a one-line description: operation, kind, status and
// Cloud Elements' message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("cloudelements: ")
	if e.op != "" {
		b.WriteString(e.op + ": ")
	}
	b.WriteString(string(e.Kind))
	if e.Status != 0 {
		fmt.Fprintf(&b, " (status %d)", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause, so errors.Is sees context.DeadlineExceeded
// and the like.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same call may succeed if made again later.
//
// Network failures, timeouts, 5xx, 429 and unreadable success bodies are
// retryable; rejections and bad operator secrets are not, since repeating
// them changes nothing. Creating an instance is not idempotent: after a
// retryable CreateInstance failure other than rate_limited the instance
// may already exist (the response, not the request, may have been lost),
// so the caller looks it up with FindInstancesByTag before posting again.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case KindNetwork, KindTimeout, KindServer, KindRateLimited,
		KindBadResponse:
		return true
	}
	return false
}

// statusError turns a non-success HTTP answer into an *Error.
func statusError(op string, status int, h http.Header, body []byte,
	now time.Time) *Error {
	e := &Error{
		op:      op,
		Kind:    kindOfStatus(status),
		Status:  status,
		Message: errorMessage(status, body),
	}
	if status == http.StatusTooManyRequests ||
		status == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(h.Get("Retry-After"), now)
	}
	return e
}

// kindOfStatus classifies a status code that is not the expected success.
func kindOfStatus(status int) ErrorKind {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return KindUnauthorized
	case status == http.StatusTooManyRequests:
		return KindRateLimited
	case status >= 500:
		return KindServer
	case status >= 200 && status < 300:
		return KindBadResponse
	}
	// 4xx, and redirects: no redirect is followed, and a redirect means
	// the configured base URL is wrong, which retrying will not fix.
	return KindRejected
}

// transportError classifies a failure of the round trip itself.
func transportError(op string, err error) *Error {
	kind := KindNetwork
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()) {
		kind = KindTimeout
	}
	return &Error{op: op, Kind: kind, Err: err}
}

// parseRetryAfter reads a Retry-After value in either of its forms:
// delay seconds or an HTTP date. Anything unreadable or past yields 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	switch {
	case d <= 0:
		return 0
	case d > maxRetryAfter:
		return maxRetryAfter
	}
	return d
}

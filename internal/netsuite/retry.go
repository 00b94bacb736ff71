package netsuite

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff limits. The first retry waits about half a second, the second
// about a second; a Retry-After longer than maxRetryAfter is treated as
// "not within this verification".
const (
	backoffBase   = 500 * time.Millisecond
	maxRetryAfter = 10 * time.Minute
)

// backoff returns the pause before retrying after attempt n: exponential
// with up to 50% random jitter, and never shorter than retryAfter.
func backoff(n int, retryAfter time.Duration) time.Duration {
	base := backoffBase << min(n-1, 6)
	wait := base + rand.N(base/2)
	return max(wait, retryAfter)
}

// retryAfter reads a Retry-After header in either of its forms, delay
// seconds or an HTTP date, and returns 0 when there is none or it cannot
// be read. Dates in the past count as 0.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return min(time.Duration(n)*time.Second, maxRetryAfter)
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	return min(max(t.Sub(now), 0), maxRetryAfter)
}

// dateSkew returns NetSuite's clock minus the portal's as shown by the
// HTTP Date header of an answer. The header has whole seconds only.
func dateSkew(h http.Header, receivedAt time.Time) (time.Duration, bool) {
	v := h.Get("Date")
	if v == "" || receivedAt.IsZero() {
		return 0, false
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return t.Sub(receivedAt.Truncate(time.Second)), true
}

package cloudelements

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		value string
		want  time.Duration
	}{
		{"empty", "", 0},
		{"seconds", "7", 7 * time.Second},
		{"seconds with spaces", " 3 ", 3 * time.Second},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"huge seconds capped", "99999999999999999", maxRetryAfter},
		{"http date", "Wed, 04 Mar 2026 10:01:30 GMT", 90 * time.Second},
		{"rfc 850 date", "Wednesday, 04-Mar-26 10:00:10 GMT",
			10 * time.Second},
		{"past date", "Wed, 04 Mar 2026 09:00:00 GMT", 0},
		{"far date capped", "Wed, 04 Mar 2099 09:00:00 GMT", maxRetryAfter},
		{"garbage", "soon", 0},
		{"fraction", "1.5", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(tt.value, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v",
					tt.value, got, tt.want)
			}
		})
	}
}

func TestKindOfStatus(t *testing.T) {
	tests := []struct {
		name   string
		status int
		want   ErrorKind
	}{
		{"bad request", 400, KindRejected},
		{"unauthorized", 401, KindUnauthorized},
		{"forbidden", 403, KindUnauthorized},
		{"not found", 404, KindRejected},
		{"conflict", 409, KindRejected},
		{"too many requests", 429, KindRateLimited},
		{"internal", 500, KindServer},
		{"bad gateway", 502, KindServer},
		{"unavailable", 503, KindServer},
		{"redirect", 302, KindRejected},
		{"odd success", 204, KindBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kindOfStatus(tt.status); got != tt.want {
				t.Errorf("kindOfStatus(%d) = %q, want %q",
					tt.status, got, tt.want)
			}
		})
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		name string
		kind ErrorKind
		want bool
	}{
		{"network", KindNetwork, true},
		{"timeout", KindTimeout, true},
		{"server", KindServer, true},
		{"rate limited", KindRateLimited, true},
		{"bad response", KindBadResponse, true},
		{"rejected", KindRejected, false},
		{"unauthorized", KindUnauthorized, false},
		{"unknown", ErrorKind("other"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (&Error{Kind: tt.kind}).Retryable(); got != tt.want {
				t.Errorf("Retryable() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	cause := errors.New("connection reset by peer")
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{
			name: "status and message",
			err: &Error{op: opCreate, Kind: KindRejected, Status: 400,
				Message: "Missing required configuration: token_id"},
			want: "cloudelements: create instance: rejected (status 400): " +
				"Missing required configuration: token_id",
		},
		{
			name: "cause",
			err:  &Error{op: opFind, Kind: KindNetwork, Err: cause},
			want: "cloudelements: find instances: network: " +
				"connection reset by peer",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
	if !errors.Is(&Error{Err: cause}, cause) {
		t.Error("errors.Is does not reach the cause")
	}
}

func TestErrorMessage(t *testing.T) {
	long := strings.Repeat("é", maxMessageLen)
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"message and request id", 400,
			`{"requestId":"abc123","message":"Missing name"}`,
			"Missing name (request id abc123)"},
		{"message only", 404, `{"message":"No instance"}`, "No instance"},
		{"not JSON", 502, `<html>Bad Gateway</html>`, "Bad Gateway"},
		{"empty JSON", 500, `{}`, "Internal Server Error"},
		{"unknown status", 599, ``, "HTTP status 599"},
		{"invalid UTF-8", 400, "{\"message\":\"a\xffb\"}", "a\uFFFDb"},
		{"long message clipped", 400, `{"message":"` + long + `"}`,
			strings.Repeat("é", (maxMessageLen-3)/2) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := errorMessage(tt.status, []byte(tt.body))
			if got != tt.want {
				t.Errorf("errorMessage = %q, want %q", got, tt.want)
			}
			if len(got) > maxMessageLen {
				t.Errorf("message is %d bytes, over %d", len(got), maxMessageLen)
			}
		})
	}
}

func TestStatusErrorRetryAfterOnlyWhenMeaningful(t *testing.T) {
	h := http.Header{"Retry-After": {"5"}}
	now := time.Now()
	if e := statusError(opCreate, 400, h, nil, now); e.RetryAfter != 0 {
		t.Errorf("400 RetryAfter = %v, want 0", e.RetryAfter)
	}
	if e := statusError(opCreate, 503, h, nil, now); e.RetryAfter != 5*time.Second {
		t.Errorf("503 RetryAfter = %v, want 5s", e.RetryAfter)
	}
}

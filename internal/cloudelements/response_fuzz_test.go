package cloudelements

import (
	"net/http"
	"testing"
	"time"
	"unicode/utf8"
)

// knownKinds are the kinds an *Error may carry.
var knownKinds = map[ErrorKind]bool{
	KindNetwork: true, KindTimeout: true, KindServer: true,
	KindRateLimited: true, KindRejected: true, KindUnauthorized: true,
	KindBadResponse: true,
}

// FuzzParseInstanceResponse feeds arbitrary answers to both response
// parsers. The seed corpus in testdata/fuzz holds real-looking successes
// and error bodies. Run longer with
// go test -fuzz=FuzzParseInstanceResponse ./internal/cloudelements.
func FuzzParseInstanceResponse(f *testing.F) {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		h := http.Header{"Retry-After": {retryAfter}}

		in, e := parseInstanceResponse(status, h, body, now)
		if e != nil {
			checkFuzzError(t, e)
		} else {
			if status != 200 && status != 201 {
				t.Errorf("status %d accepted as success", status)
			}
			checkFuzzInstance(t, in)
		}

		list, e := parseInstanceList(status, h, body, now)
		if e != nil {
			checkFuzzError(t, e)
			return
		}
		for _, in := range list {
			checkFuzzInstance(t, in)
		}
	})
}

// checkFuzzInstance checks what a parsed instance promises.
func checkFuzzInstance(t *testing.T, in Instance) {
	t.Helper()
	if !isDigits(in.ID) || len(in.ID) > maxIDLen {
		t.Errorf("instance id %q is not a bounded whole number", in.ID)
	}
	if in.Token.IsZero() {
		t.Error("instance accepted without a token")
	}
}

// checkFuzzError checks what every *Error promises.
func checkFuzzError(t *testing.T, e *Error) {
	t.Helper()
	if !knownKinds[e.Kind] {
		t.Errorf("unknown kind %q", e.Kind)
	}
	if !utf8.ValidString(e.Message) || len(e.Message) > maxMessageLen {
		t.Errorf("message not valid bounded UTF-8: %q", e.Message)
	}
	if e.RetryAfter < 0 || e.RetryAfter > maxRetryAfter {
		t.Errorf("RetryAfter %v out of range", e.RetryAfter)
	}
	_ = e.Error()
}

package webhook

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tbaportal/internal/secrets"
)

// TestDeliveryIsBounded checks the two limits of the notifier's client:
// a timeout, so that a receiver that never answers cannot hold up the
// handoff worker, and no redirects, so that an event goes only where the
// operator said.
func TestDeliveryIsBounded(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(hang) })
	n, err := NewNotifier(srv.URL, secrets.New("k"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n.client.Timeout <= 0 || n.client.Timeout > requestTimeout {
		t.Fatalf("client timeout %v, want within (0, %v]", n.client.Timeout,
			requestTimeout)
	}

	tests := []struct {
		name    string
		path    string
		timeout time.Duration
		check   func(error) bool
	}{
		{name: "redirect not followed", path: "/moved", timeout: time.Second,
			check: func(err error) bool {
				return err != nil && strings.Contains(err.Error(), "302")
			}},
		{name: "silent receiver cut off", path: "/hang",
			timeout: 100 * time.Millisecond, check: isTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n.url = srv.URL + tt.path
			n.client.Timeout = tt.timeout // the real 10 s is too slow here
			start := time.Now()
			err := n.post(t.Context(), []byte(`{}`))
			if !tt.check(err) {
				t.Errorf("post: %v", err)
			}
			if d := time.Since(start); d > tt.timeout+time.Second {
				t.Errorf("post took %v, want about %v at most", d, tt.timeout)
			}
		})
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

package web_test

import (
	"net/http"
	"strings"
	"testing"

	"tbaportal/internal/testharness"
	"tbaportal/web"
)

// TestPageRateLimitPerClientIP checks that one client IP is limited, and
// that X-Forwarded-For counts only when the peer is a trusted proxy.
func TestPageRateLimitPerClientIP(t *testing.T) {
	tests := []struct {
		name      string
		trusted   string
		forwarded func(i int) string
		wantLimit bool
	}{
		{name: "one client, no proxy", forwarded: func(int) string { return "" }, wantLimit: true},
		{name: "spoofed X-Forwarded-For from an untrusted peer is ignored",
			forwarded: func(i int) string { return "203.0.113." + string(rune('0'+i%10)) }, wantLimit: true},
		{name: "trusted proxy: each forwarded client has its own budget", trusted: "127.0.0.1/32",
			forwarded: func(i int) string { return "198.51.100." + string(rune('0'+i%10)) }, wantLimit: false},
		{name: "trusted proxy: one forwarded client is limited", trusted: "127.0.0.1",
			forwarded: func(int) string { return "198.51.100.7" }, wantLimit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testharness.New(t, testharness.Options{Web: func(o *web.Options) {
				o.PageRateLimit = 5
				proxies, err := web.ParseTrustedProxies(tt.trusted)
				if err != nil {
					t.Fatal(err)
				}
				o.TrustedProxies = proxies
			}})
			b := h.NewBrowser()
			limited := false
			for i := range 10 {
				req, _ := http.NewRequest(http.MethodGet, h.Portal.URL+"/wizard/welcome", nil)
				if f := tt.forwarded(i); f != "" {
					req.Header.Set("X-Forwarded-For", f)
				}
				r := b.Do(req)
				if r.StatusCode == http.StatusTooManyRequests {
					limited = true
					if r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body, "Too many requests") {
						t.Errorf("429 without Retry-After or the portal's page")
					}
				}
			}
			if limited != tt.wantLimit {
				t.Errorf("limited = %v, want %v", limited, tt.wantLimit)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	if _, err := web.ParseTrustedProxies("10.0.0.0/8, 192.0.2.1 ,::1"); err != nil {
		t.Errorf("valid list refused: %v", err)
	}
	for _, bad := range []string{"10.0.0.0/33", "not-an-ip", "192.0.2.1/x"} {
		if _, err := web.ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted", bad)
		}
	}
}

package netsuite

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := testNow
	tests := []struct {
		name  string
		value string
		want  time.Duration
	}{
		{name: "absent", value: "", want: 0},
		{name: "seconds", value: "3", want: 3 * time.Second},
		{name: "zero", value: "0", want: 0},
		{name: "white space", value: " 2 ", want: 2 * time.Second},
		{name: "HTTP date", value: now.Add(90 * time.Second).Format(http.TimeFormat),
			want: 90 * time.Second},
		{name: "date in the past", value: now.Add(-time.Hour).Format(http.TimeFormat),
			want: 0},
		{name: "huge seconds capped", value: "4000000000", want: maxRetryAfter},
		{name: "far date capped", value: now.Add(48 * time.Hour).Format(http.TimeFormat),
			want: maxRetryAfter},
		{name: "negative", value: "-5", want: 0},
		{name: "fraction", value: "1.5", want: 0},
		{name: "garbage", value: "soon", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.value != "" {
				h.Set("Retry-After", tt.value)
			}
			if got := retryAfter(h, now); got != tt.want {
				t.Errorf("retryAfter(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		name       string
		attempt    int
		retryAfter time.Duration
		min, max   time.Duration
	}{
		{name: "first", attempt: 1, min: 500 * time.Millisecond, max: 750 * time.Millisecond},
		{name: "second", attempt: 2, min: time.Second, max: 1500 * time.Millisecond},
		{name: "Retry-After wins", attempt: 1, retryAfter: 5 * time.Second,
			min: 5 * time.Second, max: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 200 {
				got := backoff(tt.attempt, tt.retryAfter)
				if got < tt.min || got > tt.max {
					t.Fatalf("backoff(%d, %v) = %v, want in [%v, %v]",
						tt.attempt, tt.retryAfter, got, tt.min, tt.max)
				}
				seen[got] = true
			}
			if tt.min != tt.max && len(seen) < 2 {
				t.Errorf("backoff has no jitter: always %v", seen)
			}
		})
	}
}

func TestDateSkew(t *testing.T) {
	h := http.Header{"Date": {testNow.Add(-6 * time.Minute).Format(http.TimeFormat)}}
	got, ok := dateSkew(h, testNow.Add(400*time.Millisecond))
	if !ok || got != -6*time.Minute {
		t.Errorf("dateSkew = %v, %v; want -6m, true", got, ok)
	}
	if _, ok := dateSkew(http.Header{"Date": {"yesterday"}}, testNow); ok {
		t.Errorf("dateSkew read an unparseable Date")
	}
}

package admins

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		failures    []time.Duration // offsets from start
		at          time.Duration
		wantBlocked bool
		wantRetry   time.Duration
	}{
		{name: "under the limit", failures: []time.Duration{0, time.Second},
			at: 3 * time.Second},
		{name: "at the limit", failures: []time.Duration{0, time.Minute,
			2 * time.Minute}, at: 3 * time.Minute, wantBlocked: true,
			wantRetry: 10 * time.Minute},
		{name: "oldest failure left the window", failures: []time.Duration{0,
			time.Minute, 2 * time.Minute}, at: 10 * time.Minute},
		{name: "none", at: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := NewThrottle(3, 10*time.Minute)
			for _, d := range tt.failures {
				th.Fail("a@example.com", start.Add(d))
			}
			retry, blocked := th.Blocked("a@example.com", start.Add(tt.at))
			if blocked != tt.wantBlocked {
				t.Fatalf("blocked = %v, want %v", blocked, tt.wantBlocked)
			}
			if blocked && !retry.Equal(start.Add(tt.wantRetry)) {
				t.Errorf("retry at %v, want %v", retry, start.Add(tt.wantRetry))
			}
			if _, other := th.Blocked("b@example.com", start.Add(tt.at)); other {
				t.Error("another account is blocked too")
			}
		})
	}
}

func TestThrottleReset(t *testing.T) {
	now := time.Now()
	th := NewThrottle(1, time.Hour)
	th.Fail("a", now)
	if _, blocked := th.Blocked("a", now); !blocked {
		t.Fatal("not blocked after the allowed failures")
	}
	th.Reset("a")
	if _, blocked := th.Blocked("a", now); blocked {
		t.Error("still blocked after Reset")
	}
}

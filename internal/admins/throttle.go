package admins

import (
	"sync"
	"time"
)

// maxTrackedAccounts bounds the throttle's memory when someone sprays
// sign-ins at many made-up emails.
const maxTrackedAccounts = 100_000

// Throttle counts failed sign-ins per account in a sliding window. After
// max failures the account is refused until the oldest one leaves the
// window. Keys are what was typed (the normalised email), whether or not
// an admin has it, so a refusal says nothing about which accounts exist.
//
// The counts live in memory: with several portal instances each counts
// on its own, so the effective limit is max per instance.
type Throttle struct {
	max    int
	window time.Duration

	mu    sync.Mutex
	fails map[string][]time.Time
}

// NewThrottle returns a Throttle allowing max failures per window.
func NewThrottle(max int, window time.Duration) *Throttle {
	return &Throttle{max: max, window: window, fails: map[string][]time.Time{}}
}

// Blocked reports whether key has used up its failures at now, and when
// the next attempt will be allowed.
func (t *Throttle) Blocked(key string, now time.Time) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.recent(key, now)
	if len(recent) < t.max {
		return time.Time{}, false
	}
	return recent[len(recent)-t.max].Add(t.window), true
}

// Fail counts one failure for key at now.
func (t *Throttle) Fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.fails) >= maxTrackedAccounts {
		t.prune(now)
	}
	t.fails[key] = append(t.recent(key, now), now)
}

// Reset forgets key's failures, after a complete sign-in.
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}

// recent drops key's failures older than the window and returns the rest.
func (t *Throttle) recent(key string, now time.Time) []time.Time {
	list := t.fails[key]
	cut := 0
	for cut < len(list) && !list[cut].After(now.Add(-t.window)) {
		cut++
	}
	list = list[cut:]
	if len(list) == 0 {
		delete(t.fails, key)
		return nil
	}
	t.fails[key] = list
	return list
}

// prune forgets every key whose failures have all left the window.
func (t *Throttle) prune(now time.Time) {
	for key := range t.fails {
		t.recent(key, now)
	}
}

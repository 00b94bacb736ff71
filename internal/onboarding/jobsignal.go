package onboarding

import "sync"

// jobSignal wakes this process's idle handoff workers when a job is
// scheduled here, so a Connect does not wait out a worker's poll
// interval. Jobs scheduled by another instance are still found by
// polling: the signal only shortens the wait, it is never the only way a
// job is seen.
type jobSignal struct {
	mu      sync.Mutex
	waiting chan struct{}
}

// wait returns a channel closed at the next broadcast. A worker takes it
// before it looks for jobs, so a job committed while it looks is not
// missed.
func (j *jobSignal) wait() <-chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.waiting == nil {
		j.waiting = make(chan struct{})
	}
	return j.waiting
}

// broadcast wakes every worker that took a channel from wait.
func (j *jobSignal) broadcast() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.waiting != nil {
		close(j.waiting)
		j.waiting = nil
	}
}

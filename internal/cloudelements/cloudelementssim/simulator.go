// Package cloudelementssim is a stand-in for Cloud Elements' instances
// API, for tests and demonstrations. It checks requests with its own code
// (it does not import the client it serves), keeps instances in memory,
// and can be scripted to fail in the ways the real service does.
//
// The handler serves paths relative to the API root: /instances and
// /instances/{id}. Mount it with http.StripPrefix to serve it under
// /elements/api-v2.
package cloudelementssim

import (
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Secrets the demonstration setup uses. They guard nothing real.
const (
	DemoUserSecret = "sim-user-2f8c1e0b9d7a4c35"
	DemoOrgSecret  = "sim-org-7b3e9f1a60d24c88"
)

// firstID is the first instance id handed out; real ids are numbers of
// about this size.
const firstID = 480100

// Options configures a Simulator.
type Options struct {
	UserSecret, OrgSecret string       // expected in Authorization
	Logger                *slog.Logger // nil: discard
}

// Demo returns Options with the demonstration secrets.
func Demo() Options {
	return Options{UserSecret: DemoUserSecret, OrgSecret: DemoOrgSecret}
}

// Instance is an instance the simulator holds.
type Instance struct {
	ID            int64
	Name          string
	Tags          []string
	Configuration map[string]any
	ElementKey    string
	Token         string
}

// Fault is a scripted failure for one POST /instances.
type Fault string

// The scripted failures FailNext accepts.
const (
	// Fault503 answers 503 without creating anything.
	Fault503 Fault = "503"
	// Fault429 answers 429 with Retry-After: 1.
	Fault429 Fault = "429"
	// Fault429Date answers 429 with Retry-After as an HTTP date two
	// minutes ahead.
	Fault429Date Fault = "429_date"
	// Fault400 answers 400 with a message.
	Fault400 Fault = "400"
	// FaultTimeout never answers; it waits until the client gives up.
	FaultTimeout Fault = "timeout"
	// FaultBadJSON answers 200 with a body that is not JSON, creating
	// nothing.
	FaultBadJSON Fault = "bad_json"
	// FaultReset closes the connection without answering.
	FaultReset Fault = "reset"
	// FaultCreateThen503 creates the instance, then answers 503, as when
	// the real answer is lost on the way back.
	FaultCreateThen503 Fault = "create_then_503"
	// FaultCreateThenHang creates the instance, then never answers.
	FaultCreateThenHang Fault = "create_then_hang"
)

// Simulator holds instances and scripted faults. It is safe for
// concurrent use.
type Simulator struct {
	user, org string
	log       *slog.Logger

	mu        sync.Mutex
	nextID    int64
	instances []Instance
	faults    []Fault
	delay     time.Duration
}

// New returns an empty Simulator expecting the secrets in o.
func New(o Options) *Simulator {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Simulator{
		user:   o.UserSecret,
		org:    o.OrgSecret,
		log:    log,
		nextID: firstID,
	}
}

// Handler returns the HTTP handler serving the instances API.
func (s *Simulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /instances", s.serveCreate)
	mux.HandleFunc("GET /instances", s.serveList)
	mux.HandleFunc("GET /instances/{id}", s.serveGet)
	return s.logged(s.delayed(mux))
}

// Instances returns a copy of every instance held, oldest first.
func (s *Simulator) Instances() []Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Instance, len(s.instances))
	for i, in := range s.instances {
		out[i] = in.clone()
	}
	return out
}

// CountWithTag returns how many instances carry tag.
func (s *Simulator) CountWithTag(tag string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, in := range s.instances {
		if slices.Contains(in.Tags, tag) {
			n++
		}
	}
	return n
}

// FailNext queues faults; each of the next POST /instances requests
// consumes one, in order.
func (s *Simulator) FailNext(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// SetDelay makes every later request wait d before it is handled.
func (s *Simulator) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// nextFault takes the first queued fault, or "" when none is queued.
func (s *Simulator) nextFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return ""
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f
}

// currentDelay returns the delay SetDelay last set.
func (s *Simulator) currentDelay() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delay
}

// clone copies in deeply enough that callers cannot change the
// simulator's state through it.
func (in Instance) clone() Instance {
	in.Tags = slices.Clone(in.Tags)
	in.Configuration = maps.Clone(in.Configuration)
	return in
}

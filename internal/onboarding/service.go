// Package onboarding is the life of a submission: invitation, the setup
// steps, verification attempts, approval, handoff and purge, as states and
// the rules between them. It is the one place that knows the order of
// things; the web layer turns requests into calls here, and the protocol
// packages (netsuite, cloudelements) and storage (store, secrets) do the
// work it asks for.
package onboarding

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"tbaportal/internal/audit"
	"tbaportal/internal/cloudelements"
	"tbaportal/internal/netsuite"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
)

// Verifier checks credentials against NetSuite.
type Verifier interface {
	LookupDataCenter(ctx context.Context, a netsuite.AccountID) (netsuite.DataCenterResult, error)
	Verify(ctx context.Context, c netsuite.Credentials) netsuite.Result
}

// InstanceCreator creates and finds Cloud Elements instances.
type InstanceCreator interface {
	CreateInstance(ctx context.Context, r cloudelements.InstanceRequest) (cloudelements.Instance, error)
	FindInstancesByTag(ctx context.Context, tag string) ([]cloudelements.Instance, error)
}

// Notifier tells the operator's systems that a submission connected or
// failed. Events carry no secrets.
type Notifier interface {
	Notify(ctx context.Context, e Notification)
}

// Notification is one webhook event.
type Notification struct {
	Event        string    `json:"event"` // "submission.connected" or "submission.handoff_failed"
	SubmissionID string    `json:"submission_id"`
	Company      string    `json:"company"`
	AccountID    string    `json:"account_id"`
	InstanceID   string    `json:"instance_id,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	At           time.Time `json:"at"`
}

// Config holds the onboarding rules an operator can change.
type Config struct {
	InvitationTTL        time.Duration // default lifetime of an invitation
	SecretRetention      time.Duration // delay between a handoff and the purge
	RequireApproval      bool          // an admin approves before the handoff
	VerifyLimit          int           // attempts per submission per VerifyWindow
	VerifyWindow         time.Duration
	InstanceNameTemplate string
	InstanceExtras       map[string]string
	HandoffLease         time.Duration // renewed every third while worked
	// HandoffAttemptTimeout bounds one attempt's calls to Cloud
	// Elements; the lease is no longer renewed after it, so a stuck
	// worker cannot hold a job for ever.
	HandoffAttemptTimeout time.Duration
	HandoffMaxAttempts    int
	HandoffBackoffBase    time.Duration
	HandoffBackoffCap     time.Duration
}

// DefaultConfig returns the rules the portal starts with.
func DefaultConfig() Config {
	return Config{
		InvitationTTL:        14 * 24 * time.Hour,
		VerifyLimit:          10,
		VerifyWindow:         15 * time.Minute,
		InstanceNameTemplate: "NetSuite – {{.Company}}",
		HandoffLease:         2 * time.Minute,
		// A lookup and a create at the client's 30 s each, with room.
		HandoffAttemptTimeout: 90 * time.Second,
		HandoffMaxAttempts:    8,
		HandoffBackoffBase:    2 * time.Second,
		HandoffBackoffCap:     5 * time.Minute,
	}
}

// Service runs onboardings.
type Service struct {
	db       *store.DB
	keys     *secrets.Keyring
	netsuite Verifier
	ce       InstanceCreator
	notifier Notifier
	audit    *audit.Log
	log      *slog.Logger
	cfg      Config
	now      func() time.Time
	metrics  Metrics
	jobs     jobSignal
}

// Metrics receives outcome counts; nil-safe through noMetrics.
type Metrics interface {
	VerificationOutcome(outcome string)
	HandoffOutcome(outcome string)
}

type noMetrics struct{}

func (noMetrics) VerificationOutcome(string) {}
func (noMetrics) HandoffOutcome(string)      {}

// Deps are the collaborators of a Service.
type Deps struct {
	DB       *store.DB
	Keys     *secrets.Keyring
	NetSuite Verifier
	Cloud    InstanceCreator
	Notifier Notifier // optional
	Audit    *audit.Log
	Logger   *slog.Logger
	Metrics  Metrics          // optional
	Now      func() time.Time // optional
}

// New returns a Service.
func New(d Deps, cfg Config) *Service {
	s := &Service{
		db: d.DB, keys: d.Keys, netsuite: d.NetSuite, ce: d.Cloud,
		notifier: d.Notifier, audit: d.Audit, log: d.Logger, cfg: cfg,
		now: d.Now, metrics: d.Metrics,
	}
	if s.now == nil {
		s.now = time.Now
	}
	// A zero lease would let every worker claim a job at once.
	def := DefaultConfig()
	if s.cfg.HandoffLease <= 0 {
		s.cfg.HandoffLease = def.HandoffLease
	}
	if s.cfg.HandoffAttemptTimeout <= 0 {
		s.cfg.HandoffAttemptTimeout = def.HandoffAttemptTimeout
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.metrics == nil {
		s.metrics = noMetrics{}
	}
	if s.audit == nil {
		s.audit = audit.New(d.DB, s.now)
	}
	return s
}

// Config returns the service's rules.
func (s *Service) Config() Config { return s.cfg }

// Errors the web layer turns into pages.
var (
	ErrInvitationUnknown = errors.New("onboarding: unknown invitation")
	ErrInvitationExpired = errors.New("onboarding: invitation expired")
	ErrInvitationRevoked = errors.New("onboarding: invitation revoked")
	ErrNotFound          = errors.New("onboarding: submission not found")
	ErrLocked            = errors.New("onboarding: submission can no longer change")
	ErrNotVerified       = errors.New("onboarding: credentials not verified")
	ErrIncomplete        = errors.New("onboarding: credentials incomplete")
	ErrWrongState        = errors.New("onboarding: action not allowed in this state")
	ErrSecretsPurged     = errors.New("onboarding: secrets were purged")
)

// TooManyAttemptsError says when the next verification may start.
type TooManyAttemptsError struct{ RetryAt time.Time }

func (e *TooManyAttemptsError) Error() string {
	return "onboarding: too many verification attempts"
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

func event(id, actor, kind, detail string, at time.Time) store.Event {
	return store.Event{SubmissionID: id, Actor: actor, Kind: kind, Detail: detail, At: at}
}

func (s *Service) load(ctx context.Context, id string) (store.Submission, error) {
	sub, err := s.db.Submission(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return sub, ErrNotFound
	}
	return sub, err
}

func (s *Service) record(ctx context.Context, actor, action, id, detail string) {
	if err := s.audit.Record(ctx, actor, action, id, detail); err != nil {
		s.log.ErrorContext(ctx, "audit append failed", "action", action,
			"submission_id", id, "error", err)
	}
}

// Package store keeps submissions, their sealed secrets, verification
// attempts, handoff jobs, admins, admin sessions and the audit log.
//
// One type, *DB, serves both databases: SQLite (the embedded default,
// through modernc.org/sqlite) and PostgreSQL (through pgx's database/sql
// driver). Queries are written once with ? placeholders and rebound for
// PostgreSQL; the few places where the dialects differ say so. Every
// method that changes more than one row does it in one transaction.
package store

import (
	"errors"
	"time"
)

// ErrNotFound is returned when the requested row does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a conditional update found the row in
// another state than the caller expected.
var ErrConflict = errors.New("store: state changed concurrently")

// Status is the state of a submission.
type Status string

// The states of a submission, in the order a good onboarding passes them.
const (
	StatusInvited            Status = "invited"
	StatusInProgress         Status = "in_progress"
	StatusVerified           Status = "verified"
	StatusVerificationFailed Status = "verification_failed"
	StatusAwaitingApproval   Status = "awaiting_approval"
	StatusHandingOff         Status = "handing_off"
	StatusConnected          Status = "connected"
	StatusHandoffFailed      Status = "handoff_failed"
	StatusRejected           Status = "rejected"
	StatusPurged             Status = "purged"
)

// Submission is one customer's onboarding, from invitation to instance.
type Submission struct {
	ID                  string
	Company             string
	ContactEmail        string
	Status              Status
	Step                string // the furthest wizard step reached
	AccountID           string // realm form, empty until given
	InvitationHash      []byte
	InvitationExpiresAt time.Time
	InvitationRevokedAt time.Time
	WrappedKey          []byte // the submission's data key, wrapped
	KeyVersion          int    // key-encryption-key version of WrappedKey
	InstanceID          string
	InstanceName        string
	DecidedBy           string // the admin who approved or rejected
	DecidedAt           time.Time
	CreatedAt           time.Time
	LastActivityAt      time.Time
	ConnectedAt         time.Time
	PurgeAfter          time.Time
	PurgedAt            time.Time
}

// SecretField is one sealed credential of a submission, with the mask
// that may be shown in its place.
type SecretField struct {
	SubmissionID string
	Field        string
	Sealed       []byte
	Last4        string
	Fingerprint  string
	UpdatedAt    time.Time
}

// Attempt is one verification of a submission's credentials.
type Attempt struct {
	ID           int64
	SubmissionID string
	At           time.Time
	Actor        string
	Outcome      string
	Code         string
	Message      string
	Skew         time.Duration
	RESTChecked  bool
	RESTEnabled  bool
	Duration     time.Duration
}

// Event is one line of a submission's timeline.
type Event struct {
	ID           int64
	SubmissionID string
	At           time.Time
	Actor        string
	Kind         string
	Detail       string
}

// Job states of a handoff.
const (
	JobPending = "pending"
	JobDone    = "done"
	JobFailed  = "failed"
)

// HandoffJob is the durable work item that creates a submission's Cloud
// Elements instance.
type HandoffJob struct {
	SubmissionID string
	State        string
	Attempts     int
	NextRunAt    time.Time
	LockedBy     string
	LockedUntil  time.Time
	LastError    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Admin roles.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
)

// Admin is a member of the operator's staff.
type Admin struct {
	ID             string
	Email          string
	PasswordHash   string
	Role           string
	TOTPSealed     []byte
	TOTPKey        []byte
	TOTPKeyVersion int
	TOTPEnabled    bool
	CreatedAt      time.Time
	DisabledAt     time.Time
}

// AdminSession is a signed-in (or half signed-in) admin browser.
type AdminSession struct {
	IDHash     []byte
	AdminID    string
	Stage      string // "password" until the second factor passes, then "full"
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	RevokedAt  time.Time
}

// AuditEntry is one hash-chained line of the audit log.
type AuditEntry struct {
	Seq          int64
	At           time.Time
	Actor        string
	Action       string
	SubmissionID string
	Detail       string
	PrevHash     string
	Hash         string
}

// ListFilter selects and pages the admin submissions list.
type ListFilter struct {
	Status string // a Status, or "expired"; empty for all
	Search string // matched against company, Account ID and email
	After  Cursor // keyset: rows strictly after this one
	Limit  int
	Now    time.Time
}

// Cursor is a keyset position in the list, ordered by last activity,
// newest first, then by ID.
type Cursor struct {
	LastActivityAt time.Time
	ID             string
}

// IsZero reports whether the cursor points at the start of the list.
func (c Cursor) IsZero() bool { return c.ID == "" }

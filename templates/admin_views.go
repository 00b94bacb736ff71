package templates

// Option is one choice of a select.
type Option struct {
	Value    string
	Label    string
	Selected bool
}

// AdminSignInView is the password step of an admin's sign-in.
type AdminSignInView struct {
	Page
	Email   string // as typed, shown again after a failure
	Error   string
	OIDC    bool // offer sign-in through the identity provider
	Notices []Notice
}

// AdminCodeView is the second step: the authenticator code, preceded on
// the first sign-in by enrolment. QRCode and Key carry the second-factor
// secret and are set only while enrolling.
type AdminCodeView struct {
	Page
	Email  string
	Enroll bool
	QRCode string // a data: URL of a PNG
	Key    string // base32, in groups of four for reading
	Error  string
}

// SubmissionRow is one line of the submissions list.
type SubmissionRow struct {
	URL          string
	Company      string
	Email        string
	AccountID    string
	Status       string // a store.Status, for the badge class
	StatusLabel  string
	Expired      bool
	Revoked      bool
	LastActivity string
}

// AdminListView is the submissions list.
type AdminListView struct {
	Page
	Rows     []SubmissionRow
	Statuses []Option
	Search   string
	NextURL  string // empty on the last page
	FirstURL string // empty on the first page
}

// SubmissionSummary is the head of a submission's page.
type SubmissionSummary struct {
	ID           string
	Company      string
	Email        string
	AccountID    string
	Status       string
	StatusLabel  string
	Step         string
	Invitation   string // "valid until …", "expired …", "revoked …"
	Expired      bool
	Revoked      bool
	Created      string
	LastActivity string
	Decided      string
	InstanceID   string
	InstanceName string
	Purge        string
}

// MaskedCredential is a saved secret as an admin sees it: never the value.
type MaskedCredential struct {
	Label string
	Mask  string // "…1a2b (fp 9f3c0a1b)", or empty when not saved
}

// AttemptRow is one verification attempt with its diagnosis.
type AttemptRow struct {
	At        string
	Actor     string
	Outcome   string
	Success   bool
	Diagnosis string
	Summary   string
	Code      string // NetSuite's code
	Message   string // NetSuite's message, escaped on output
	Skew      string
	REST      string
	Duration  string
}

// HandoffView is a submission's handoff job.
type HandoffView struct {
	State     string
	Attempts  string
	NextRun   string
	Updated   string
	LastError string // Cloud Elements' text, escaped on output
}

// EventRow is one line of a timeline.
type EventRow struct {
	At     string
	Actor  string
	Kind   string
	Detail string
}

// AuditRow is one audit log entry.
type AuditRow struct {
	Seq           string
	At            string
	Actor         string
	Action        string
	SubmissionURL string
	SubmissionID  string
	Detail        string
}

// ActionLink leads to an action's confirmation page.
type ActionLink struct {
	Title  string
	URL    string
	Danger bool
}

// AdminDetailView is one submission's page.
type AdminDetailView struct {
	Page
	Sub            SubmissionSummary
	Notices        []Notice
	Credentials    []MaskedCredential
	Attempts       []AttemptRow
	Handoff        *HandoffView
	HandoffHistory []EventRow
	Timeline       []EventRow
	Audit          []AuditRow
	Actions        []ActionLink
}

// AdminConfirmView asks an operator to confirm an action.
type AdminConfirmView struct {
	Page
	Company       string
	SubmissionURL string
	Heading       string
	Explanation   []string
	Action        string // the form's action
	Button        string
	Danger        bool
	Error         string
	Durations     []Option // for extending an invitation
}

// AdminLinkView shows a new invitation link once, to copy.
type AdminLinkView struct {
	Page
	Heading       string
	Company       string
	Link          string
	Expires       string
	Notes         []string
	SubmissionURL string
}

// AdminInviteView is the form that creates an invitation.
type AdminInviteView struct {
	Page
	Durations []Option
	Errors    []FieldError
	Fields    []Field
}

// AdminAuditView is the audit log page.
type AdminAuditView struct {
	Page
	Checked       string // how many entries were checked
	Intact        bool
	ProblemSeq    string
	ProblemReason string
	Entries       []AuditRow
}

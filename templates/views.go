// Package templates renders the portal's pages with templ. Components are
// fed plain view data (strings, masks, step lists); they never receive a
// database handle or an opened secret.
package templates

// Page is what every page's layout needs.
type Page struct {
	Title     string // the <title>, without the product name
	Nonce     string // the request's CSP nonce
	CSSURL    string
	ScriptURL string
	Demo      bool   // show the demo banner
	Company   string // shown in the header of wizard pages
	Admin     *AdminNav
}

// AdminNav is the admin header: who is signed in, and where to go.
type AdminNav struct {
	Email    string
	Role     string
	Operator bool
}

// ProgressItem is one step in the progress indicator.
type ProgressItem struct {
	Number int
	Title  string
	URL    string // empty when the step cannot be visited yet
	State  string // "done", "current" or "todo"
}

// Illustration is a step's picture.
type Illustration struct {
	URL     string
	Alt     string
	Caption string
}

// Notice is a boxed message: Kind is info, success, warning or error.
type Notice struct {
	Kind  string
	Title string
	Body  string
}

// Field is one form input. Value is never a secret: secret inputs are
// always rendered empty, with SavedMask telling what is already stored.
type Field struct {
	ID           string
	Name         string
	Label        string
	Hint         string
	Value        string
	Error        string
	Secret       bool
	SavedMask    string // "1a2b" when a value is saved, shown as "Saved, ending in 1a2b"
	Autocomplete string
	InputMode    string
	Required     bool
}

// FieldError links the error summary to a field.
type FieldError struct {
	FieldID string
	Message string
}

// Form is a step's form.
type Form struct {
	Action      string
	Fields      []Field
	Errors      []FieldError
	SubmitLabel string
	Hidden      []Hidden
}

// Hidden is a hidden form input.
type Hidden struct {
	Name  string
	Value string
}

// StepView is a setup step page (welcome to access token).
type StepView struct {
	Page
	Progress     []ProgressItem
	Heading      string
	Lead         string
	Illustration Illustration
	MenuPath     []string
	Instructions []string
	Permissions  []Permission // for the role step
	Notices      []Notice
	Form         Form
	BackURL      string
	ReadOnly     bool // the submission can no longer change
}

// Permission is one row of the role step's permission table.
type Permission struct {
	Tab    string
	Name   string
	Level  string
	Reason string
}

// CredentialSummary is one masked value on the verify page.
type CredentialSummary struct {
	Label   string
	Mask    string // "…1a2b (fp 9f3c0a1b)" or "not saved"
	EditURL string
	Missing bool
}

// DiagnosisView explains a verification outcome.
type DiagnosisView struct {
	Success    bool
	Title      string
	Summary    string
	Causes     []string
	Steps      []StepLink
	AuditTrail []string
	Info       []string
	Code       string // NetSuite's own code, for unknown faults
	Message    string // NetSuite's own message, escaped on output
	RetryLater bool
	At         string
}

// StepLink points back to a setup step.
type StepLink struct {
	Title string
	URL   string
}

// VerifyView is the Verify step.
type VerifyView struct {
	Page
	Progress     []ProgressItem
	Illustration Illustration
	AccountID    string
	Credentials  []CredentialSummary
	Complete     bool
	Diagnosis    *DiagnosisView
	Notices      []Notice
	CanVerify    bool
	CanContinue  bool
	Action       string
	BackURL      string
	NextURL      string
}

// ConnectView is the Connect step and its progress and outcome.
type ConnectView struct {
	Page
	Progress     []ProgressItem
	Illustration Illustration
	State        string // "ready", "waiting_approval", "working", "connected", "failed", "rejected", "not_verified"
	InstanceName string
	InstanceID   string
	Action       string
	RefreshURL   string
	VerifyURL    string
	BackURL      string
	// SecretsErasedBy is when the handed-over values leave the portal:
	// empty once they are gone.
	SecretsErasedBy string
	Notices         []Notice
}

// MessageView is a full page with one message: errors, expired links.
type MessageView struct {
	Page
	Heading string
	Body    []string
	Status  int
	Link    *StepLink
}

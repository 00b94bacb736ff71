package onboarding

import "tbaportal/internal/store"

// Step is one page of the setup wizard.
type Step struct {
	Slug  string // the URL segment, and netsuite.Step's value where they meet
	Title string // short name for the progress indicator
}

// The wizard's steps, in order. NetSuite's own setup comes first, then the
// portal's checks.
var Steps = []Step{
	{Slug: "welcome", Title: "Welcome"},
	{Slug: "account-id", Title: "Account ID"},
	{Slug: "enable-tba", Title: "Enable TBA"},
	{Slug: "role", Title: "Create role"},
	{Slug: "assign-role", Title: "Assign role"},
	{Slug: "integration", Title: "Integration"},
	{Slug: "access-token", Title: "Access token"},
	{Slug: "verify", Title: "Verify"},
	{Slug: "connect", Title: "Connect"},
}

// StepIndex returns the position of slug in Steps, or -1.
func StepIndex(slug string) int {
	for i, st := range Steps {
		if st.Slug == slug {
			return i
		}
	}
	return -1
}

// Secret field names, as sealed and stored.
const (
	FieldConsumerKey    = "consumer_key"
	FieldConsumerSecret = "consumer_secret"
	FieldTokenID        = "token_id"
	FieldTokenSecret    = "token_secret"
	FieldInstanceToken  = "instance_token"
)

// CredentialFields are the four values the customer types, in the order
// NetSuite shows them.
var CredentialFields = []string{
	FieldConsumerKey, FieldConsumerSecret, FieldTokenID, FieldTokenSecret,
}

// editable reports whether the customer may still change a submission's
// values in this state.
func editable(st store.Status) bool {
	switch st {
	case store.StatusInvited, store.StatusInProgress, store.StatusVerified,
		store.StatusVerificationFailed:
		return true
	}
	return false
}

// Editable reports whether the customer may still change the submission's
// values.
func Editable(st store.Status) bool { return editable(st) }

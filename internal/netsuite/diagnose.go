package netsuite

import (
	"fmt"
	"math"
	"time"
)

// Step names a setup step of the guide that an administrator can go back
// to. The values appear in URLs and are stored; they never change.
type Step string

// The setup steps, in the order the guide shows them.
const (
	StepAccountID   Step = "account-id"
	StepEnableTBA   Step = "enable-tba"
	StepRole        Step = "role"
	StepAssignRole  Step = "assign-role"
	StepIntegration Step = "integration"
	StepAccessToken Step = "access-token"
	StepVerify      Step = "verify"
)

// Steps lists every Step in guide order.
func Steps() []Step {
	return []Step{StepAccountID, StepEnableTBA, StepRole, StepAssignRole,
		StepIntegration, StepAccessToken, StepVerify}
}

// Diagnosis explains a Result in plain language. Every text is the
// portal's own, except Summary for OutcomeUnknownFault, which quotes
// NetSuite's code and message raw: callers escape all of it when
// rendering.
type Diagnosis struct {
	Title   string   // short headline
	Summary string   // one or two plain sentences
	Causes  []string // likely causes, most likely first
	Steps   []Step   // steps to revisit, most likely first
	// AuditTrailDetails are values of the Detail column of NetSuite's
	// Login Audit Trail worth looking for.
	AuditTrailDetails []string
	// RetryLater: nothing is wrong with the setup; try again shortly.
	RetryLater bool
	// Info holds notes that need no action to finish the setup.
	Info []string
}

// loginAuditTrailPath is where NetSuite shows why a login failed.
const loginAuditTrailPath = "Setup > Users/Roles > User Management > " +
	"View Login Audit Trail"

// skewNoteLimit is the clock difference worth a note even when NetSuite
// accepted the signature.
const skewNoteLimit = 2 * time.Minute

// Diagnose explains r: what went wrong, the likely causes and the steps to
// revisit. It never includes a secret; r holds none.
func Diagnose(r Result) Diagnosis {
	d := diagnosisOf(r)
	d.Info = append(d.Info, infoNotes(r)...)
	return d
}

func diagnosisOf(r Result) Diagnosis {
	switch r.Outcome {
	case OutcomeVerified:
		return Diagnosis{
			Title:   "Credentials verified",
			Summary: "NetSuite accepted the Account ID and the four token values.",
		}
	case OutcomeIncomplete:
		return incompleteDiagnosis()
	case OutcomeInvalidLogin:
		return invalidLoginDiagnosis()
	case OutcomeSandboxMismatch:
		return mismatchDiagnosis(r)
	case OutcomeClockSkew:
		return clockSkewDiagnosis(r)
	case OutcomeInsufficientPermission:
		return permissionDiagnosis()
	case OutcomeFeatureDisabled:
		return featureDiagnosis()
	case OutcomeAccountNotFound:
		return accountNotFoundDiagnosis()
	case OutcomeConcurrencyLimit, OutcomeBusy, OutcomeTimeout,
		OutcomeNetworkError, OutcomeUnexpectedResponse:
		return retryDiagnosis(r.Outcome)
	}
	return unknownFaultDiagnosis(r)
}

func incompleteDiagnosis() Diagnosis {
	return Diagnosis{
		Title: "A value is missing",
		Summary: "All five values are needed: Account ID, Consumer Key, " +
			"Consumer Secret, Token ID and Token Secret.",
		Causes: []string{"One of the fields was left empty."},
		Steps:  []Step{StepVerify},
	}
}

func invalidLoginDiagnosis() Diagnosis {
	return Diagnosis{
		Title: "NetSuite refused the login",
		Summary: "NetSuite answered \"Invalid login attempt.\", which it says " +
			"for most token mistakes. The exact reason is in its Login Audit " +
			"Trail (" + loginAuditTrailPath + "), in the Detail column.",
		Causes: []string{
			"A key or secret was mistyped, cut short, or two values were " +
				"swapped (for example the Consumer Key and the Token ID).",
			"The token belongs to another integration, another user or " +
				"another account.",
			"The token was revoked, or the sandbox was refreshed, which " +
				"removes every token in it.",
			"The integration record is disabled (its State is Blocked).",
		},
		Steps: []Step{StepVerify, StepAccessToken, StepIntegration,
			StepAccountID},
		AuditTrailDetails: []string{
			"InvalidSignature", "consumer_key_unknown", "consumer_key_refused",
			"FeatureDisabled", "NonceUsed", "nonce_rejected",
			"InvalidTimestamp", "MissingTokenPassportRequiredFields",
		},
	}
}

func mismatchDiagnosis(r Result) Diagnosis {
	matched := r.MatchedAccount
	if matched == "" {
		matched = "the other account"
	}
	return Diagnosis{
		Title: "The tokens belong to another account",
		Summary: fmt.Sprintf("The tokens were refused for the Account ID "+
			"entered but work with Account ID %s. Sandbox and production "+
			"accounts each need their own integration and token.", matched),
		Causes: []string{
			"The Account ID of the production account was entered for a " +
				"sandbox, or the other way round.",
			"The token was created in the other account.",
		},
		Steps: []Step{StepAccountID, StepAccessToken},
	}
}

func clockSkewDiagnosis(r Result) Diagnosis {
	return Diagnosis{
		Title: "The portal's clock is wrong",
		Summary: fmt.Sprintf("The portal's clock differs from NetSuite's "+
			"by about %s, so NetSuite refuses every signature. Nothing is "+
			"wrong with your setup; the portal's operator must fix the "+
			"clock.", roundMinutes(r.Skew)),
		Causes: []string{"The clock of the server running the portal is wrong."},
		// Nothing in the setup to redo: check again once the clock is
		// right.
		Steps:      []Step{StepVerify},
		RetryLater: true,
	}
}

func permissionDiagnosis() Diagnosis {
	return Diagnosis{
		Title: "The role lacks a permission",
		Summary: "NetSuite accepted the token but the role it was created " +
			"for may not use web services.",
		Causes: []string{
			"The role lacks the Web Services or the User Access Tokens " +
				"permission, both on the role's Setup tab (newer releases " +
				"call them SOAP Web Services and Log in using Access Tokens).",
			"The token was created for a different role than the one set " +
				"up for the integration.",
		},
		Steps: []Step{StepRole, StepAssignRole, StepAccessToken},
	}
}

func featureDiagnosis() Diagnosis {
	return Diagnosis{
		Title: "A NetSuite feature is not enabled",
		Summary: "Token-based authentication needs features that are " +
			"switched off in this account.",
		Causes: []string{
			"Token-Based Authentication or SOAP Web Services is not enabled " +
				"under Setup > Company > Enable Features > SuiteCloud.",
		},
		Steps:             []Step{StepEnableTBA},
		AuditTrailDetails: []string{"FeatureDisabled"},
	}
}

func accountNotFoundDiagnosis() Diagnosis {
	return Diagnosis{
		Title:   "NetSuite does not know this Account ID",
		Summary: "No NetSuite account has this Account ID. No secret was sent.",
		Causes: []string{
			"The Account ID was mistyped.",
			"The sandbox suffix (_SB1, _SB2 ...) is missing or wrong.",
			"The sandbox does not exist yet or was deleted.",
		},
		Steps: []Step{StepAccountID},
	}
}

// retryDiagnosis explains the outcomes that pass by themselves. The
// setup may well be right, so the step to revisit is Verify: check again.
func retryDiagnosis(o Outcome) Diagnosis {
	d := Diagnosis{Steps: []Step{StepVerify}, RetryLater: true}
	switch o {
	case OutcomeConcurrencyLimit:
		d.Title = "NetSuite is handling too many requests for this account"
		d.Summary = "Other integrations are using all the web services " +
			"requests the account allows at once. Try again in a few minutes."
		d.Causes = []string{"Other integrations of the same account are busy."}
	case OutcomeBusy:
		d.Title = "NetSuite is busy"
		d.Summary = "NetSuite asked the portal to slow down or is briefly " +
			"unavailable. Try again in a few minutes."
		d.Causes = []string{"NetSuite is under load or in maintenance."}
	case OutcomeTimeout:
		d.Title = "NetSuite did not answer in time"
		d.Summary = "The check took too long. Try again in a few minutes."
		d.Causes = []string{"NetSuite or the network is slow right now."}
	case OutcomeNetworkError:
		d.Title = "NetSuite could not be reached"
		d.Summary = "The portal could not connect to NetSuite. Try again " +
			"in a few minutes."
		d.Causes = []string{"A network problem between the portal and NetSuite."}
	default:
		d.Title = "NetSuite gave an answer the portal could not read"
		d.Summary = "This is usually brief, for example during NetSuite " +
			"maintenance. Try again in a few minutes."
		d.Causes = []string{"NetSuite is in maintenance or answered in an " +
			"unexpected way."}
	}
	return d
}

func unknownFaultDiagnosis(r Result) Diagnosis {
	summary := "NetSuite reported an error the portal does not recognise."
	if r.Code != "" || r.Message != "" {
		summary = fmt.Sprintf("NetSuite answered with %s: %s", r.Code, r.Message)
	}
	return Diagnosis{
		Title:   "NetSuite reported an error",
		Summary: summary,
		Causes: []string{"See NetSuite's message; it may point to the " +
			"account, the role or the token."},
		Steps: []Step{StepVerify},
	}
}

// infoNotes returns the notes that apply to r whatever its outcome.
func infoNotes(r Result) []string {
	var notes []string
	if r.RESTChecked && !r.RESTEnabled {
		notes = append(notes, "REST web services are not enabled for this "+
			"role. The integration does not need them.")
	}
	if r.Outcome != OutcomeClockSkew &&
		(r.Skew > skewNoteLimit || r.Skew < -skewNoteLimit) {
		notes = append(notes, fmt.Sprintf("The portal's clock differs "+
			"from NetSuite's by about %s; above 5 minutes NetSuite would "+
			"refuse the login.", roundMinutes(r.Skew)))
	}
	return notes
}

// roundMinutes renders the size of a clock difference in whole minutes.
func roundMinutes(d time.Duration) string {
	m := int64(math.Round(math.Abs(d.Minutes())))
	if m == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

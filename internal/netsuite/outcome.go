package netsuite

import (
	"strings"
	"time"
)

// Outcome is the result of a verification as a stable snake_case code; it
// is stored in the database, so existing values never change.
type Outcome string

// The outcomes of a verification.
const (
	// OutcomeVerified: NetSuite accepted the credentials.
	OutcomeVerified Outcome = "verified"
	// OutcomeIncomplete: a value was missing; no request was made.
	OutcomeIncomplete Outcome = "incomplete"
	// OutcomeInvalidLogin: NetSuite answered "Invalid login attempt."
	OutcomeInvalidLogin Outcome = "invalid_login"
	// OutcomeInsufficientPermission: the role lacks a permission.
	OutcomeInsufficientPermission Outcome = "insufficient_permission"
	// OutcomeFeatureDisabled: a feature the call needs is not enabled.
	OutcomeFeatureDisabled Outcome = "feature_disabled"
	// OutcomeAccountNotFound: the data-center lookup does not know the
	// Account ID; no secret was sent.
	OutcomeAccountNotFound Outcome = "account_not_found"
	// OutcomeSandboxMismatch: the tokens work with the counterpart
	// account (production instead of sandbox or the other way round).
	OutcomeSandboxMismatch Outcome = "sandbox_mismatch"
	// OutcomeClockSkew: the portal's own clock is too far from
	// NetSuite's for any signature to be accepted.
	OutcomeClockSkew Outcome = "clock_skew"
	// OutcomeConcurrencyLimit: the account's web services concurrency
	// limit was reached.
	OutcomeConcurrencyLimit Outcome = "concurrency_limit"
	// OutcomeBusy: NetSuite answered 429 or 503 on every attempt.
	OutcomeBusy Outcome = "netsuite_busy"
	// OutcomeTimeout: NetSuite did not answer in time.
	OutcomeTimeout Outcome = "timeout"
	// OutcomeNetworkError: NetSuite could not be reached.
	OutcomeNetworkError Outcome = "network_error"
	// OutcomeUnexpectedResponse: an answer the portal cannot read, such
	// as a redirect, an unknown status or malformed XML.
	OutcomeUnexpectedResponse Outcome = "unexpected_response"
	// OutcomeUnknownFault: a SOAP fault the portal does not recognise.
	OutcomeUnknownFault Outcome = "unknown_fault"
)

// Outcomes lists every Outcome, for callers that validate stored values.
func Outcomes() []Outcome {
	return []Outcome{
		OutcomeVerified, OutcomeIncomplete, OutcomeInvalidLogin,
		OutcomeInsufficientPermission, OutcomeFeatureDisabled,
		OutcomeAccountNotFound, OutcomeSandboxMismatch, OutcomeClockSkew,
		OutcomeConcurrencyLimit, OutcomeBusy, OutcomeTimeout,
		OutcomeNetworkError, OutcomeUnexpectedResponse, OutcomeUnknownFault,
	}
}

// Result is everything a verification found out. It holds no secret.
type Result struct {
	Outcome Outcome
	// Code is NetSuite's own fault code, if any (INVALID_LOGIN_ATTEMPT).
	Code string
	// Message is NetSuite's own message, raw: callers escape it.
	Message string
	// HTTPStatus is the status of the last answer, 0 when none came.
	HTTPStatus int
	// MatchedAccount is the Realm form of the Account ID the tokens
	// belong to, set with OutcomeSandboxMismatch.
	MatchedAccount string
	// ServerTime is NetSuite's clock, from getServerTime.
	ServerTime time.Time
	// Skew is NetSuite's clock minus the portal's, from getServerTime or
	// from the HTTP Date header; zero when unknown.
	Skew        time.Duration
	RESTChecked bool // the REST probe got an answer
	RESTEnabled bool // the REST probe succeeded
	// Attempts counts every HTTP request the verification made,
	// data-center lookups and retries included.
	Attempts int
	Duration time.Duration
}

// outcomeOfFault maps NetSuite's fault codes to an Outcome. Unknown codes
// are OutcomeUnknownFault so that their text reaches an operator.
func outcomeOfFault(f *soapFault) Outcome {
	switch strings.ToUpper(f.Code) {
	case "INVALID_LOGIN_ATTEMPT", "INVALID_LOGIN", "INVALID_LOGIN_CREDENTIALS":
		return OutcomeInvalidLogin
	case "INSUFFICIENT_PERMISSION", "INVALID_ROLE":
		return OutcomeInsufficientPermission
	case "FEATURE_DISABLED", "WEB_SERVICES_NOT_ENABLED":
		return OutcomeFeatureDisabled
	case "WS_CONCUR_SESSION_DISALLOWED", "WS_REQUEST_BLOCKED",
		"SSS_REQUEST_LIMIT_EXCEEDED", "EXCEEDED_CONCURRENT_REQUEST_LIMIT":
		return OutcomeConcurrencyLimit
	case "INVALID_ACCT", "INVALID_ACCOUNT":
		return OutcomeAccountNotFound
	}
	switch strings.ToLower(f.DetailType) {
	case "exceededconcurrentrequestlimitfault",
		"exceededrequestlimitfault":
		return OutcomeConcurrencyLimit
	case "insufficientpermissionfault":
		return OutcomeInsufficientPermission
	}
	return OutcomeUnknownFault
}

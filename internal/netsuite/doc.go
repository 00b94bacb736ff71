// Package netsuite speaks just enough of NetSuite's protocols to check
// token-based authentication (TBA) credentials before the portal keeps
// them: it normalises the Account ID, signs requests (TokenPassport for
// SOAP, OAuth 1.0a for REST, HMAC-SHA256 only), makes the verification
// call, and turns NetSuite's terse answers into an Outcome and a Diagnosis
// that names the setup step to revisit.
//
// The package stores nothing and serves no pages. Every outbound request
// goes to a host built from a parsed AccountID (or to an operator-set
// endpoint), never to a host taken from user input or from a response.
package netsuite

package netsuite

import (
	"bytes"
	"context"
	"net/http"
	"time"
)

// clockSkewLimit is how far NetSuite lets a TBA timestamp stray from its
// own clock before it refuses the login.
const clockSkewLimit = 5 * time.Minute

// Paths of the two verification calls.
const (
	soapPathPrefix = "/services/NetSuitePort_"
	restServerTime = "/services/rest/system/v1/serverTime"
)

// Verify checks the credentials live: a data-center lookup (no secret
// sent), then a signed SOAP getServerTime, then, if asked, the REST probe.
// An invalid login is examined further: a portal clock far from NetSuite's
// gives OutcomeClockSkew, and tokens that work with the counterpart
// account give OutcomeSandboxMismatch. Verify never returns an error; the
// Result says what happened.
func (c *Client) Verify(ctx context.Context, cr Credentials) Result {
	start := time.Now()
	v := &verification{c: c}
	r := v.run(ctx, cr)
	r.Attempts = v.attempts
	r.Duration = time.Since(start)
	return r
}

// verification holds the state of one Verify call.
type verification struct {
	c        *Client
	attempts int
}

func (v *verification) run(ctx context.Context, cr Credentials) Result {
	if !cr.complete() {
		return Result{Outcome: OutcomeIncomplete}
	}
	if v.c.baseErr != nil {
		return Result{Outcome: OutcomeNetworkError}
	}
	ctx, cancel := context.WithTimeout(ctx, v.c.verifyTimeout)
	defer cancel()

	dc := v.c.lookup(ctx, cr.Account, &v.attempts)
	if dc.Reached && !dc.Found {
		return Result{Outcome: OutcomeAccountNotFound}
	}

	r := v.serverTime(ctx, cr, maxAttempts)
	switch r.Outcome {
	case OutcomeVerified:
		if v.c.checkREST {
			v.probeREST(ctx, cr, &r)
		}
	case OutcomeInvalidLogin:
		r = v.explainInvalidLogin(ctx, cr, r)
	}
	return r
}

// serverTime makes the SOAP getServerTime call with up to tries attempts.
func (v *verification) serverTime(ctx context.Context, cr Credentials, tries int) Result {
	u, err := v.c.endpointURL(cr.Account, soapPathPrefix+v.c.version)
	if err != nil {
		return Result{Outcome: OutcomeNetworkError}
	}
	cl := call{
		name:        "getServerTime",
		account:     cr.Account,
		maxAttempts: tries,
		build: func(ctx context.Context) (*http.Request, error) {
			return v.soapRequest(ctx, cr, u.String())
		},
		outcome: func(ans answer) string {
			return string(soapResult(ctx, ans).Outcome)
		},
	}
	return soapResult(ctx, v.c.do(ctx, cl, &v.attempts))
}

// soapRequest builds one signed getServerTime request, with a new nonce
// and timestamp, so that a retry is never refused as a replay.
func (v *verification) soapRequest(ctx context.Context, cr Credentials,
	u string) (*http.Request, error) {
	nonce, err := NewNonce()
	if err != nil {
		return nil, err
	}
	ts := v.c.now().Unix()
	body := getServerTimeEnvelope(soapRequest{
		Version:   v.c.version,
		Account:   cr.Account.Realm(),
		Key:       cr.ConsumerKey.Reveal(),
		Token:     cr.TokenID.Reveal(),
		Nonce:     nonce,
		Timestamp: ts,
		Signature: TokenPassportSignature(cr, nonce, ts),
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u,
		bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"getServerTime"`)
	req.Header.Set("Accept", "text/xml")
	return req, nil
}

// soapResult turns the last answer to getServerTime into a Result.
func soapResult(ctx context.Context, ans answer) Result {
	r := Result{HTTPStatus: ans.status}
	if skew, ok := dateSkew(ans.header, ans.receivedAt); ok {
		r.Skew = skew
	}
	switch {
	case ans.err != nil:
		r.Outcome = errorOutcome(ctx, ans.err)
		return r
	case ans.status == http.StatusTooManyRequests,
		ans.status == http.StatusServiceUnavailable:
		r.Outcome = OutcomeBusy
		return r
	case ans.status >= 300 && ans.status < 400, ans.tooLarge:
		r.Outcome = OutcomeUnexpectedResponse
		return r
	}
	parsed, err := parseSOAPResponse(ans.body)
	if err != nil {
		r.Outcome = OutcomeUnexpectedResponse
		return r
	}
	if f := parsed.Fault; f != nil {
		r.Outcome = outcomeOfFault(f)
		r.Code, r.Message = faultText(f)
		return r
	}
	if ans.status != http.StatusOK {
		r.Outcome = OutcomeUnexpectedResponse
		return r
	}
	r.Outcome = OutcomeVerified
	r.ServerTime = parsed.ServerTime
	r.Skew = parsed.ServerTime.Sub(ans.receivedAt)
	return r
}

// faultText picks NetSuite's own code and message, falling back to the
// SOAP fault's.
func faultText(f *soapFault) (code, message string) {
	code, message = f.Code, f.Message
	if code == "" {
		code = f.DetailType
	}
	if code == "" || code == "status" {
		code = f.FaultCode
	}
	if message == "" {
		message = f.Text
	}
	return code, message
}

// explainInvalidLogin looks for the two causes of "Invalid login attempt"
// the portal can detect itself: its own clock, and tokens that belong to
// the counterpart account.
func (v *verification) explainInvalidLogin(ctx context.Context,
	cr Credentials, r Result) Result {
	if r.Skew > clockSkewLimit || r.Skew < -clockSkewLimit {
		r.Outcome = OutcomeClockSkew
		return r
	}
	other, ok := cr.Account.Counterpart()
	if !ok {
		return r
	}
	if dc := v.c.lookup(ctx, other, &v.attempts); !dc.Found {
		return r
	}
	alt := cr
	alt.Account = other
	if got := v.serverTime(ctx, alt, 1); got.Outcome == OutcomeVerified {
		r.Outcome = OutcomeSandboxMismatch
		r.MatchedAccount = other.Realm()
		r.ServerTime = got.ServerTime
		r.Skew = got.Skew
	}
	return r
}

// probeREST calls the REST serverTime resource. A refusal after SOAP
// succeeded means the role lacks REST web services, which is only noted;
// a probe that got no usable answer leaves RESTChecked false.
func (v *verification) probeREST(ctx context.Context, cr Credentials, r *Result) {
	u, err := v.c.endpointURL(cr.Account, restServerTime)
	if err != nil {
		return
	}
	cl := call{
		name:        "restServerTime",
		account:     cr.Account,
		maxAttempts: maxAttempts,
		build: func(ctx context.Context) (*http.Request, error) {
			return v.restRequest(ctx, cr, u.String())
		},
		outcome: func(ans answer) string { return restOutcome(ans) },
	}
	ans := v.c.do(ctx, cl, &v.attempts)
	switch restOutcome(ans) {
	case "rest_enabled":
		r.RESTChecked, r.RESTEnabled = true, true
	case "rest_refused":
		r.RESTChecked = true
	}
}

func (v *verification) restRequest(ctx context.Context, cr Credentials,
	raw string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	nonce, err := NewNonce()
	if err != nil {
		return nil, err
	}
	auth := OAuthHeader(cr, http.MethodGet, req.URL, nonce, v.c.now().Unix())
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	return req, nil
}

func restOutcome(ans answer) string {
	switch {
	case ans.err != nil:
		return "rest_unchecked"
	case ans.status >= 200 && ans.status < 300:
		return "rest_enabled"
	case ans.status == http.StatusUnauthorized,
		ans.status == http.StatusForbidden:
		return "rest_refused"
	}
	return "rest_unchecked"
}

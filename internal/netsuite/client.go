package netsuite

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Defaults for ClientOptions.
const (
	defaultVerifyTimeout = 20 * time.Second
	defaultLookupTimeout = 5 * time.Second
	maxAttempts          = 3
	maxBodyBytes         = 1 << 20
)

// dataCenterBase is where the data-center lookup is made when no endpoint
// override is set.
const dataCenterBase = "https://rest.netsuite.com"

// ClientOptions configure a Client. The zero value talks to the real
// NetSuite endpoints with the default limits.
type ClientOptions struct {
	// Endpoint, when set (PORTAL_NETSUITE_ENDPOINT), receives every
	// request in place of NetSuite's hosts; the dialer guard is then off
	// so that a simulator on 127.0.0.1 can be used.
	Endpoint string
	// SOAPVersion selects /services/NetSuitePort_<version>; default "2016_2".
	SOAPVersion string
	// HTTPClient, when nil, is built with a 5 s connect timeout, TLS
	// verification and the dialer guard. Redirects are never followed,
	// whichever client is used.
	HTTPClient *http.Client
	// Now is the portal's clock; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// RetryWait, when set, chooses the pause before a retry; tests use it
	// to keep waits short. retryAfter is the server's Retry-After, or 0.
	RetryWait func(attempt int, retryAfter time.Duration) time.Duration
	// CheckREST runs the optional REST probe after a verified SOAP call.
	CheckREST bool
	// VerifyTimeout bounds a whole Verify; default 20 s.
	VerifyTimeout time.Duration
	// LookupTimeout bounds one data-center lookup; default 5 s.
	LookupTimeout time.Duration
}

// Client verifies TBA credentials against NetSuite. It is safe for
// concurrent use.
type Client struct {
	base          *url.URL // nil: NetSuite's own hosts
	baseErr       error
	version       string
	http          *http.Client
	now           func() time.Time
	log           *slog.Logger
	retryWait     func(attempt int, retryAfter time.Duration) time.Duration
	checkREST     bool
	verifyTimeout time.Duration
	lookupTimeout time.Duration
}

var soapVersionPattern = regexp.MustCompile(`^20[0-9]{2}_[12]$`)

// NewClient returns a Client configured by o. An Endpoint that is not an
// http or https URL makes every call fail with OutcomeNetworkError; check
// it first with ValidateEndpoint.
func NewClient(o ClientOptions) *Client {
	c := &Client{
		version:       o.SOAPVersion,
		now:           o.Now,
		log:           o.Logger,
		retryWait:     o.RetryWait,
		checkREST:     o.CheckREST,
		verifyTimeout: o.VerifyTimeout,
		lookupTimeout: o.LookupTimeout,
	}
	c.setDefaults()
	if o.Endpoint != "" {
		c.base, c.baseErr = parseEndpoint(o.Endpoint)
	}
	c.http = httpClient(o.HTTPClient, c.base == nil && c.baseErr == nil)
	return c
}

func (c *Client) setDefaults() {
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.verifyTimeout <= 0 {
		c.verifyTimeout = defaultVerifyTimeout
	}
	if c.lookupTimeout <= 0 {
		c.lookupTimeout = defaultLookupTimeout
	}
	if c.version == "" {
		c.version = defaultSOAPVersion
	}
	if !soapVersionPattern.MatchString(c.version) {
		c.log.Warn("netsuite: unusable SOAP version, using the default",
			slog.String("soap_version", defaultSOAPVersion))
		c.version = defaultSOAPVersion
	}
}

// ValidateEndpoint reports whether s can serve as ClientOptions.Endpoint:
// an absolute http or https URL with a host and no user, query or fragment.
func ValidateEndpoint(s string) error {
	_, err := parseEndpoint(s)
	return err
}

func parseEndpoint(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("netsuite: endpoint is not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("netsuite: endpoint must be an http or " +
			"https URL with a host and no user, query or fragment")
	}
	return u, nil
}

// httpClient returns a copy of given (or a new client) that never follows
// a redirect. guard selects the guarded dialer for a client built here.
func httpClient(given *http.Client, guard bool) *http.Client {
	if given != nil {
		hc := *given
		hc.CheckRedirect = refuseRedirect
		return &hc
	}
	dialer := &net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}
	if guard {
		dialer = GuardedDialer()
	}
	return &http.Client{
		Transport: &http.Transport{
			// No proxy: a proxy would do its own name resolution and
			// defeat the dialer guard.
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:   connectTimeout,
			ResponseHeaderTimeout: defaultVerifyTimeout,
			MaxIdleConns:          10,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		CheckRedirect: refuseRedirect,
		Timeout:       defaultVerifyTimeout,
	}
}

// refuseRedirect makes the client return a 3xx as it is: NetSuite never
// redirects these calls, and following one could lead anywhere.
func refuseRedirect(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}

// endpointURL returns the URL for path on the override endpoint, or on the
// account's web services host.
func (c *Client) endpointURL(a AccountID, path string) (*url.URL, error) {
	if c.baseErr != nil {
		return nil, c.baseErr
	}
	if c.base != nil {
		if a.IsZero() {
			return nil, errNoHost
		}
		return c.base.JoinPath(path), nil
	}
	return a.webServicesURL(path)
}

// answer is one HTTP exchange as the verification sees it.
type answer struct {
	status     int
	header     http.Header
	body       []byte
	tooLarge   bool
	err        error     // transport error; status is 0
	receivedAt time.Time // the portal's clock when the answer came
}

// call describes a request made with retries.
type call struct {
	name        string // for the log: "getServerTime", "datacenterurls", ...
	account     AccountID
	maxAttempts int
	build       func(ctx context.Context) (*http.Request, error)
	outcome     func(answer) string // for the log line of an attempt
}

// do makes up to cl.maxAttempts requests, retrying 429, 503 and network
// errors with exponential backoff and jitter, honouring Retry-After. Each
// attempt builds a fresh request, so each has a fresh nonce. attempts is
// increased once per request sent.
func (c *Client) do(ctx context.Context, cl call, attempts *int) answer {
	var ans answer
	for n := 1; ; n++ {
		ans = c.attempt(ctx, cl)
		if ans.err == nil || !errors.Is(ans.err, errNotSent) {
			*attempts++
		}
		wait, retry := c.retryDelay(ctx, cl, n, ans)
		c.logAttempt(ctx, cl, n, ans, retry)
		if !retry || !sleep(ctx, wait) {
			return ans
		}
	}
}

var errNotSent = errors.New("netsuite: request not sent")

func (c *Client) attempt(ctx context.Context, cl call) answer {
	req, err := cl.build(ctx)
	if err != nil {
		return answer{err: fmt.Errorf("%w: %w", errNotSent, err)}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{err: err, receivedAt: c.now()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	ans := answer{
		status:     resp.StatusCode,
		header:     resp.Header,
		body:       body,
		tooLarge:   len(body) > maxBodyBytes,
		receivedAt: c.now(),
	}
	if err != nil {
		ans.err = err
		ans.status = 0
	}
	return ans
}

// retryDelay decides whether attempt n is retried and after what pause.
// A retry that could not finish before the deadline is not made.
func (c *Client) retryDelay(ctx context.Context, cl call, n int, ans answer) (time.Duration, bool) {
	if n >= cl.maxAttempts || ctx.Err() != nil || !retryable(ctx, ans) {
		return 0, false
	}
	after := retryAfter(ans.header, c.now())
	var wait time.Duration
	if c.retryWait != nil {
		wait = c.retryWait(n, after)
	} else {
		wait = backoff(n, after)
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= wait {
		return 0, false
	}
	return wait, true
}

func retryable(ctx context.Context, ans answer) bool {
	if ans.err != nil {
		return errorOutcome(ctx, ans.err) == OutcomeNetworkError &&
			!errors.Is(ans.err, errNotSent) &&
			!errors.Is(ans.err, ErrForbiddenAddress)
	}
	return ans.status == http.StatusTooManyRequests ||
		ans.status == http.StatusServiceUnavailable
}

// errorOutcome tells a timeout and a missing account host from any other
// transport failure.
func errorOutcome(ctx context.Context, err error) Outcome {
	if accountHostMissing(err) {
		return OutcomeAccountNotFound
	}
	if errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return OutcomeTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return OutcomeTimeout
	}
	return OutcomeNetworkError
}

// accountHostMissing reports whether err is a DNS answer that an
// account's web services host does not exist. NetSuite publishes that
// name for every account, so its absence means there is no such account.
// Any other name (rest.netsuite.com, an endpoint override) says nothing
// about the account, and a failed lookup that is not a definite "no such
// host" may pass.
func accountHostMissing(err error) bool {
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(de.Name), ".")
	label, ok := strings.CutSuffix(host, webServicesSuffix)
	return ok && isHostLabel(label)
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (c *Client) logAttempt(ctx context.Context, cl call, n int, ans answer, retry bool) {
	level := slog.LevelInfo
	if retry {
		level = slog.LevelDebug
	}
	outcome := ""
	if ans.err != nil {
		outcome = string(errorOutcome(ctx, ans.err))
	} else if cl.outcome != nil {
		outcome = cl.outcome(ans)
	}
	attrs := []slog.Attr{
		slog.String("call", cl.name),
		slog.String("account_id", cl.account.Realm()),
		slog.Int("attempt", n),
		slog.Int("status", ans.status),
		slog.String("outcome", outcome),
		slog.Bool("retry", retry),
	}
	if ans.err != nil {
		attrs = append(attrs, slog.String("error", ans.err.Error()))
	}
	c.log.LogAttrs(ctx, level, "netsuite request", attrs...)
}

// Package cloudelements creates NetSuite instances in Cloud Elements (the
// handoff) and finds them again by tag. It does protocol work only: one
// HTTP call per method, no retries and no storage. The handoff job that
// retries lives elsewhere and decides with Error.Kind and
// Error.Retryable.
package cloudelements

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"tbaportal/internal/secrets"
)

// DefaultBaseURL is Cloud Elements' public API root.
const DefaultBaseURL = "https://api.cloud-elements.com/elements/api-v2"

// DefaultElementKey names the NetSuite 2016 ERP element.
const DefaultElementKey = "netsuiteerpv2"

// Timeouts of the HTTP client NewClient builds when given none.
const (
	connectTimeout = 5 * time.Second
	requestTimeout = 30 * time.Second
)

// Caps on response bodies: one instance is small, and a tag matches few.
const (
	maxCreateBody = 1 << 20
	maxListBody   = 4 << 20
)

// Operation names used in errors and logs.
const (
	opCreate = "create instance"
	opFind   = "find instances"
)

// Options configures a Client. Zero values take the defaults noted.
type Options struct {
	BaseURL    string // default DefaultBaseURL
	UserSecret secrets.Secret
	OrgSecret  secrets.Secret
	ElementKey string // default DefaultElementKey
	// HTTPClient nil: one with a 5 s connect and 30 s request timeout.
	// A client without a timeout gets the 30 s one. Either way the
	// client never follows a redirect.
	HTTPClient *http.Client
	Logger     *slog.Logger // nil: discard
}

// Client calls the Cloud Elements instances API. It is safe for
// concurrent use.
type Client struct {
	base       string
	user, org  secrets.Secret
	elementKey string
	http       *http.Client
	log        *slog.Logger
	now        func() time.Time // replaced in tests of Retry-After dates
}

// NewClient returns a Client for o, filling in defaults.
func NewClient(o Options) *Client {
	c := &Client{
		base:       strings.TrimRight(o.BaseURL, "/"),
		user:       o.UserSecret,
		org:        o.OrgSecret,
		elementKey: o.ElementKey,
		http:       noRedirects(o.HTTPClient),
		log:        o.Logger,
		now:        time.Now,
	}
	if c.base == "" {
		c.base = DefaultBaseURL
	}
	if c.elementKey == "" {
		c.elementKey = DefaultElementKey
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// noRedirects returns a copy of hc (or a new client with timeouts) that
// stops at the first redirect: following one would resend the secrets in
// the Authorization header to wherever the redirect points. A copy with
// no timeout gets requestTimeout, so that no call is unbounded.
func noRedirects(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c = http.Client{Transport: newTransport()}
	}
	if c.Timeout <= 0 {
		c.Timeout = requestTimeout
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	return &c
}

// newTransport is the default transport with a bounded connect phase.
func newTransport() *http.Transport {
	d := &net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   connectTimeout,
		ResponseHeaderTimeout: requestTimeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          10,
	}
}

// reply is a response read in full (up to its cap).
type reply struct {
	status int
	header http.Header
	body   []byte
}

// send makes one authorised call and reads at most maxBody bytes of the
// answer. A body over the cap on a success status is a bad response.
func (c *Client) send(ctx context.Context, op, method, path string,
	query url.Values, body []byte, maxBody int64) (reply, *Error) {
	req, e := c.newRequest(ctx, op, method, path, query, body)
	if e != nil {
		return reply{}, e
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return reply{}, transportError(op, err)
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return reply{}, transportError(op, err)
	}
	if int64(len(data)) > maxBody {
		if resp.StatusCode < 300 {
			return reply{}, badResponse(op, resp.StatusCode,
				errors.New("response body too large"))
		}
		data = data[:maxBody]
	}
	return reply{resp.StatusCode, resp.Header, data}, nil
}

// newRequest builds the request with the headers every call carries.
func (c *Client) newRequest(ctx context.Context, op, method, path string,
	query url.Values, body []byte) (*http.Request, *Error) {
	auth, e := c.authorization(op)
	if e != nil {
		return nil, e
	}
	u, err := url.Parse(c.base + path)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") ||
		u.Host == "" {
		return nil, &Error{op: op, Kind: KindRejected,
			Message: "Cloud Elements base URL is not an http(s) URL"}
	}
	u.RawQuery = query.Encode()

	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, &Error{op: op, Kind: KindRejected,
			Message: "could not build the request", Err: err}
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// authorization builds Cloud Elements' header from the operator's
// secrets, refusing values that would break the header.
func (c *Client) authorization(op string) (string, *Error) {
	user, org := c.user.Reveal(), c.org.Reveal()
	if user == "" || org == "" || !headerSafe(user) || !headerSafe(org) {
		return "", &Error{op: op, Kind: KindUnauthorized,
			Message: "Cloud Elements User or Organization secret " +
				"is missing or malformed"}
	}
	return "User " + user + ", Organization " + org, nil
}

// headerSafe reports whether s can stand in the Authorization header
// without ending it early or being split at its comma.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x21 || b > 0x7e || b == ',' {
			return false
		}
	}
	return true
}

// scrub replaces any secret value that an error message echoes back.
// Cloud Elements is not known to echo configuration, but a message that
// did would otherwise reach logs and admin pages.
func scrub(msg string, ss ...secrets.Secret) string {
	for _, s := range ss {
		// Very short values would blank out ordinary words; real secrets
		// are long.
		if v := s.Reveal(); len(v) >= 8 {
			msg = strings.ReplaceAll(msg, v, secrets.Redacted)
		}
	}
	return msg
}

// fail logs a failed call and returns its error, scrubbed of secrets.
func (c *Client) fail(ctx context.Context, e *Error,
	ss ...secrets.Secret) *Error {
	ss = append(ss, c.user, c.org)
	e.Message = scrub(e.Message, ss...)
	c.log.LogAttrs(ctx, slog.LevelWarn, "cloud elements call failed",
		slog.String("op", e.op),
		slog.String("error_kind", string(e.Kind)),
		slog.Int("status", e.Status),
		slog.String("error", e.Error()))
	return e
}

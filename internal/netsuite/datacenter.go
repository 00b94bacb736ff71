package netsuite

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// DataCenterResult is what NetSuite's data-center lookup says about an
// Account ID. The domains are informational: requests always go to the
// host built from the AccountID, never to a host read from an answer.
type DataCenterResult struct {
	// Found: NetSuite knows the account.
	Found bool
	// Reached: the lookup got an answer it could read. When false the
	// account may well exist; callers go on without blocking.
	Reached           bool
	SystemDomain      string
	WebServicesDomain string
	RESTDomain        string
}

// LookupDataCenter asks NetSuite whether the account exists, without
// sending any secret. It fails only for the zero AccountID or an unusable
// endpoint; a lookup that cannot be made gives Reached=false.
func (c *Client) LookupDataCenter(ctx context.Context, a AccountID) (DataCenterResult, error) {
	if a.IsZero() {
		return DataCenterResult{}, errNoHost
	}
	if c.baseErr != nil {
		return DataCenterResult{}, c.baseErr
	}
	var attempts int
	return c.lookup(ctx, a, &attempts), nil
}

// lookup makes one GET {base}/rest/datacenterurls?account=<REALM>, within
// the lookup timeout.
func (c *Client) lookup(ctx context.Context, a AccountID, attempts *int) DataCenterResult {
	if a.IsZero() || c.baseErr != nil {
		return DataCenterResult{}
	}
	ctx, cancel := context.WithTimeout(ctx, c.lookupTimeout)
	defer cancel()
	u := c.lookupURL(a)
	cl := call{
		name:        "datacenterurls",
		account:     a,
		maxAttempts: 1,
		build: func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err == nil {
				req.Header.Set("Accept", "application/json")
			}
			return req, err
		},
		outcome: func(ans answer) string { return lookupOutcome(dataCenterFrom(ans)) },
	}
	return dataCenterFrom(c.do(ctx, cl, attempts))
}

func (c *Client) lookupURL(a AccountID) string {
	base := c.base
	if base == nil {
		base, _ = url.Parse(dataCenterBase)
	}
	u := base.JoinPath("rest", "datacenterurls")
	u.RawQuery = url.Values{"account": {a.Realm()}}.Encode()
	return u.String()
}

func lookupOutcome(dc DataCenterResult) string {
	switch {
	case !dc.Reached:
		return "not_reached"
	case dc.Found:
		return "found"
	}
	return "not_found"
}

// dataCenterFrom reads a lookup answer. NetSuite answers an unknown
// account with a client error; a server error, a throttle or an unreadable
// body tells nothing about the account.
func dataCenterFrom(ans answer) DataCenterResult {
	switch {
	case ans.err != nil || ans.tooLarge:
		return DataCenterResult{}
	case ans.status == http.StatusOK:
		return parseDataCenter(ans.body)
	case ans.status >= 400 && ans.status < 500 &&
		ans.status != http.StatusTooManyRequests:
		return DataCenterResult{Reached: true}
	}
	return DataCenterResult{}
}

func parseDataCenter(body []byte) DataCenterResult {
	var v struct {
		RESTDomain        string `json:"restDomain"`
		WebServicesDomain string `json:"webservicesDomain"`
		SystemDomain      string `json:"systemDomain"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return DataCenterResult{}
	}
	dc := DataCenterResult{
		Reached:           true,
		SystemDomain:      netsuiteDomain(v.SystemDomain),
		WebServicesDomain: netsuiteDomain(v.WebServicesDomain),
		RESTDomain:        netsuiteDomain(v.RESTDomain),
	}
	dc.Found = dc.SystemDomain != "" || dc.WebServicesDomain != "" ||
		dc.RESTDomain != ""
	return dc
}

// netsuiteDomain keeps a domain from the answer only when it is an https
// URL on netsuite.com, reduced to scheme and host; anything else is
// dropped, since the value may be shown to an administrator.
func netsuiteDomain(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme != "https" || u.User != nil || u.Port() != "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if !strings.HasSuffix(host, ".netsuite.com") {
		return ""
	}
	for _, label := range strings.Split(host, ".") {
		if !isHostLabel(label) {
			return ""
		}
	}
	return "https://" + host
}

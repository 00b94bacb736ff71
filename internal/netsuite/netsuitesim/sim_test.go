package netsuitesim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var simNow = time.Date(2026, time.March, 14, 15, 9, 26, 0, time.UTC)

// The example values shared with package netsuite's signing tests; the
// signatures below were computed with openssl, not with either package.
var example = Account{
	ID:             "1234567_SB1",
	ConsumerKey:    "c0ffee00c0ffee01c0ffee02c0ffee03c0ffee04c0ffee05c0ffee06c0ffee07",
	ConsumerSecret: "5ec2e700aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff",
	TokenID:        "70c3e700a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c",
	TokenSecret:    "5ec2e701ffeeddccbbaa99887766554433221100ffeeddccbbaa998877665544",
}

const (
	exNonce     = "Q7BZ4KXMR2PL9VN3JT6W"
	exTimestamp = "1773500966" // simNow
	// openssl dgst -sha256 -hmac "$CS&$TS" over
	// 1234567_SB1&<key>&<token>&Q7BZ4KXMR2PL9VN3JT6W&1773500966
	exPassportSignature = "fdBRalALXgMGZpjtc3llncx56aUm9eSa8jSCbCZ+/Tk="
	// the same key over the OAuth base string of
	// GET https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/system/v1/serverTime
	exRESTSignature = "zc5hXrcuCLZXc16Lv7pcH17MFHA8RR1GeV36LxMmp3U="
)

var other = Account{
	ID:             "7654321",
	ConsumerKey:    strings.Repeat("ab", 32),
	ConsumerSecret: strings.Repeat("cd", 32),
	TokenID:        strings.Repeat("ef", 32),
	TokenSecret:    strings.Repeat("01", 32),
}

func newSim(t *testing.T, o Options) *Simulator {
	t.Helper()
	if o.Now == nil {
		o.Now = func() time.Time { return simNow }
	}
	s := New(o)
	s.AddAccount(example)
	s.AddAccount(other)
	return s
}

// passport is a hand-built TokenPassport.
type passport struct {
	Account, Key, Token, Nonce, Timestamp, Algorithm, Signature string
}

// signedPassport signs with HMAC-SHA256 computed here. The values are
// letters, digits and '_', which percent-encoding leaves alone, so the
// base string is a plain join.
func signedPassport(a Account, nonce string, ts int64) passport {
	tsText := strconv.FormatInt(ts, 10)
	base := strings.Join([]string{a.ID, a.ConsumerKey, a.TokenID, nonce, tsText}, "&")
	m := hmac.New(sha256.New, []byte(a.ConsumerSecret+"&"+a.TokenSecret))
	m.Write([]byte(base))
	return passport{a.ID, a.ConsumerKey, a.TokenID, nonce, tsText, "HMAC-SHA256",
		base64.StdEncoding.EncodeToString(m.Sum(nil))}
}

func soapBody(p passport) string {
	const msgs = "urn:messages_2016_2.platform.webservices.netsuite.com"
	const core = "urn:core_2016_2.platform.webservices.netsuite.com"
	return `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">` +
		`<soap:Header><tokenPassport xmlns="` + msgs + `">` +
		`<account xmlns="` + core + `">` + p.Account + `</account>` +
		`<consumerKey xmlns="` + core + `">` + p.Key + `</consumerKey>` +
		`<token xmlns="` + core + `">` + p.Token + `</token>` +
		`<nonce xmlns="` + core + `">` + p.Nonce + `</nonce>` +
		`<timestamp xmlns="` + core + `">` + p.Timestamp + `</timestamp>` +
		`<signature xmlns="` + core + `" algorithm="` + p.Algorithm + `">` +
		p.Signature + `</signature></tokenPassport></soap:Header>` +
		`<soap:Body><getServerTime xmlns="` + msgs + `"/></soap:Body></soap:Envelope>`
}

func soapRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/services/NetSuitePort_2016_2",
		strings.NewReader(body))
	r.Header.Set("Content-Type", "text/xml; charset=utf-8")
	r.Header.Set("SOAPAction", `"getServerTime"`)
	return r
}

// soapAnswer is what the tests read from a SOAP answer.
type soapAnswer struct {
	Status     int
	Code       string // NetSuite's fault code, or "" for success
	ServerTime string
}

func readSOAP(t *testing.T, w *httptest.ResponseRecorder) soapAnswer {
	t.Helper()
	var env struct {
		Body struct {
			Fault *struct {
				Code string `xml:"detail>invalidCredentialsFault>code"`
				Perm string `xml:"detail>insufficientPermissionFault>code"`
				Conc string `xml:"detail>exceededConcurrentRequestLimitFault>code"`
				Odd  string `xml:"detail>simUnrecognisedFault>code"`
			} `xml:"Fault"`
			Time string `xml:"getServerTimeResponse>getServerTimeResult>serverTime"`
		} `xml:"Body"`
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatalf("answer is not XML: %v\n%s", err, w.Body)
	}
	got := soapAnswer{Status: w.Code, ServerTime: env.Body.Time}
	if f := env.Body.Fault; f != nil {
		got.Code = f.Code + f.Perm + f.Conc + f.Odd
	}
	return got
}

func TestSOAPPublishedExample(t *testing.T) {
	s := newSim(t, Options{})
	body := soapBody(passport{example.ID, example.ConsumerKey, example.TokenID,
		exNonce, exTimestamp, "HMAC-SHA256", exPassportSignature})
	w := httptest.NewRecorder()

	s.Handler().ServeHTTP(w, soapRequest(body))

	want := soapAnswer{Status: 200, ServerTime: "2026-03-14T07:09:26.000-08:00"}
	if diff := cmp.Diff(want, readSOAP(t, w)); diff != "" {
		t.Errorf("answer mismatch (-want +got):\n%s", diff)
	}
	if got := w.Header().Get("Date"); got != "Sat, 14 Mar 2026 15:09:26 GMT" {
		t.Errorf("Date = %q", got)
	}
}

func TestSOAPLogin(t *testing.T) {
	ts := simNow.Unix()
	good := signedPassport(example, "NONCE0000000000000001", ts)
	tests := []struct {
		name      string
		behaviour Behaviour
		passport  passport
		wantCode  string
		wantAudit []string
	}{
		{name: "accepted", passport: good},
		{
			name:      "wrong Consumer Secret",
			passport:  signedPassport(withSecret(example, other.ConsumerSecret), "N2345678", ts),
			wantCode:  "INVALID_LOGIN_ATTEMPT",
			wantAudit: []string{DetailInvalidSignature},
		},
		{
			name:      "unknown Consumer Key",
			passport:  withKey(good, other.ConsumerKey),
			wantCode:  "INVALID_LOGIN_ATTEMPT",
			wantAudit: []string{DetailConsumerKeyUnknown},
		},
		{
			name:      "token of another account",
			passport:  withToken(good, other.TokenID),
			wantCode:  "INVALID_LOGIN_ATTEMPT",
			wantAudit: []string{DetailTokenUnknown},
		},
		{
			name:      "HMAC-SHA1",
			passport:  withAlgorithm(good, "HMAC-SHA1"),
			wantCode:  "INVALID_LOGIN_ATTEMPT",
			wantAudit: []string{DetailUnsupportedMethod},
		},
		{
			name:      "timestamp six minutes old",
			passport:  signedPassport(example, "N2345678", ts-360),
			wantCode:  "INVALID_LOGIN_ATTEMPT",
			wantAudit: []string{DetailInvalidTimestamp},
		},
		{
			name:      "timestamp six minutes ahead",
			passport:  signedPassport(example, "N2345678", ts+360),
			wantCode:  "INVALID_LOGIN_ATTEMPT",
			wantAudit: []string{DetailInvalidTimestamp},
		},
		{
			name:      "nonce too short",
			passport:  signedPassport(example, "N1", ts),
			wantCode:  "INVALID_LOGIN_ATTEMPT",
			wantAudit: []string{DetailNonceRejected},
		},
		{
			name:      "missing nonce",
			passport:  signedPassport(example, "", ts),
			wantCode:  "INVALID_LOGIN_ATTEMPT",
			wantAudit: []string{DetailMissingFields},
		},
		{
			name:      "account in host label form",
			passport:  withAccount(good, "1234567-sb1"),
			wantCode:  "INVALID_LOGIN_ATTEMPT",
			wantAudit: []string{DetailRealmMismatch},
		},
		{
			name:      "integration disabled",
			behaviour: IntegrationDisabled,
			passport:  good,
			wantCode:  "INVALID_LOGIN_ATTEMPT",
			wantAudit: []string{DetailConsumerKeyRefused},
		},
		{
			name:      "token revoked",
			behaviour: TokenRevoked,
			passport:  good,
			wantCode:  "INVALID_LOGIN_ATTEMPT",
			wantAudit: []string{DetailTokenRevoked},
		},
		{
			name:      "feature disabled",
			behaviour: FeatureDisabled,
			passport:  good,
			wantCode:  "FEATURE_DISABLED",
			wantAudit: []string{DetailFeatureDisabled},
		},
		{
			name:      "no web services permission",
			behaviour: NoWebServicesPermission,
			passport:  good,
			wantCode:  "INSUFFICIENT_PERMISSION",
			wantAudit: []string{DetailPermissionViolation},
		},
		{
			name:      "concurrency limit",
			behaviour: ConcurrencyLimit,
			passport:  good,
			wantCode:  "WS_CONCUR_SESSION_DISALLOWED",
		},
		{
			name:      "unknown fault",
			behaviour: UnknownFault,
			passport:  good,
			wantCode:  UnknownFaultCode,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, Options{})
			s.SetBehaviour(example.ID, tt.behaviour)
			w := httptest.NewRecorder()

			s.Handler().ServeHTTP(w, soapRequest(soapBody(tt.passport)))

			got := readSOAP(t, w)
			wantStatus := http.StatusOK
			if tt.wantCode != "" {
				wantStatus = http.StatusInternalServerError
			}
			if got.Status != wantStatus || got.Code != tt.wantCode {
				t.Errorf("got %d %q, want %d %q", got.Status, got.Code,
					wantStatus, tt.wantCode)
			}
			if diff := cmp.Diff(tt.wantAudit, s.LoginAudit(example.ID)); diff != "" {
				t.Errorf("LoginAudit mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func withSecret(a Account, secret string) Account { a.ConsumerSecret = secret; return a }
func withKey(p passport, key string) passport     { p.Key = key; return p }
func withToken(p passport, token string) passport { p.Token = token; return p }
func withAccount(p passport, id string) passport  { p.Account = id; return p }
func withAlgorithm(p passport, alg string) passport {
	p.Algorithm = alg
	return p
}

func TestSOAPReplay(t *testing.T) {
	s := newSim(t, Options{})
	body := soapBody(signedPassport(example, "REPLAYED0000000000001", simNow.Unix()))

	first := httptest.NewRecorder()
	s.Handler().ServeHTTP(first, soapRequest(body))
	second := httptest.NewRecorder()
	s.Handler().ServeHTTP(second, soapRequest(body))

	if first.Code != http.StatusOK {
		t.Fatalf("first request: %d\n%s", first.Code, first.Body)
	}
	if got := readSOAP(t, second); got.Code != "INVALID_LOGIN_ATTEMPT" {
		t.Errorf("replay answered %+v, want INVALID_LOGIN_ATTEMPT", got)
	}
	if diff := cmp.Diff([]string{DetailNonceUsed}, s.LoginAudit(example.ID)); diff != "" {
		t.Errorf("LoginAudit mismatch (-want +got):\n%s", diff)
	}
}

func TestSOAPThrottlingBehaviours(t *testing.T) {
	good := soapBody(signedPassport(example, "NONCE0000000000000002", simNow.Unix()))
	tests := []struct {
		name           string
		behaviour      Behaviour
		opts           Options
		wantStatus     int
		wantRetryAfter string
	}{
		{name: "429 seconds", behaviour: Busy429, wantStatus: 429, wantRetryAfter: "1"},
		{name: "429 date", behaviour: Busy429, opts: Options{RetryAfterDate: true},
			wantStatus: 429, wantRetryAfter: "Sat, 14 Mar 2026 15:09:27 GMT"},
		{name: "503", behaviour: Unavailable503, wantStatus: 503},
		{name: "slow", behaviour: Slow, opts: Options{SlowDelay: 20 * time.Millisecond},
			wantStatus: 200},
		{name: "hang ends at the limit", behaviour: Hang,
			opts: Options{HangLimit: 20 * time.Millisecond}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, tt.opts)
			s.SetBehaviour(example.ID, tt.behaviour)
			w := httptest.NewRecorder()

			s.Handler().ServeHTTP(w, soapRequest(good))

			if w.Code != tt.wantStatus || w.Header().Get("Retry-After") != tt.wantRetryAfter {
				t.Errorf("got %d Retry-After %q, want %d %q", w.Code,
					w.Header().Get("Retry-After"), tt.wantStatus, tt.wantRetryAfter)
			}
		})
	}
}

func TestSOAPMalformedXML(t *testing.T) {
	s := newSim(t, Options{})
	s.SetBehaviour(example.ID, MalformedXML)
	w := httptest.NewRecorder()

	s.Handler().ServeHTTP(w, soapRequest(soapBody(signedPassport(example,
		"NONCE0000000000000003", simNow.Unix()))))

	var v any
	if err := xml.Unmarshal(w.Body.Bytes(), &v); err == nil {
		t.Errorf("malformed_xml answered well-formed XML:\n%s", w.Body)
	}
}

// TestSOAPUnknownFault: the markup in the message travels as XML text,
// so a client reads it back exactly as NetSuite wrote it.
func TestSOAPUnknownFault(t *testing.T) {
	s := newSim(t, Options{})
	s.SetBehaviour(example.ID, UnknownFault)
	w := httptest.NewRecorder()

	s.Handler().ServeHTTP(w, soapRequest(soapBody(signedPassport(example,
		"NONCE0000000000000004", simNow.Unix()))))

	if strings.Contains(w.Body.String(), "<b>") {
		t.Errorf("the message is not escaped in the XML:\n%s", w.Body)
	}
	var env struct {
		Text    string `xml:"Body>Fault>faultstring"`
		Message string `xml:"Body>Fault>detail>simUnrecognisedFault>message"`
	}
	if err := xml.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatalf("answer is not XML: %v\n%s", err, w.Body)
	}
	for _, got := range []string{env.Text, env.Message} {
		if got != UnknownFaultMessage {
			t.Errorf("message %q, want %q", got, UnknownFaultMessage)
		}
	}
}

// TestDroppedConnections sends real requests over TLS, as the harness
// does, since only a real connection can be dropped: each behaviour closes
// the connection of its own calls without a status line and leaves the
// other calls alone.
func TestDroppedConnections(t *testing.T) {
	soap := func(srv *httptest.Server, n int) *http.Request {
		p := signedPassport(example, fmt.Sprintf("DROP%016d", n), simNow.Unix())
		r := soapRequest(soapBody(p))
		r.URL, _ = url.Parse(srv.URL + "/services/NetSuitePort_2016_2")
		r.RequestURI = ""
		return r
	}
	rest := func(srv *httptest.Server, _ int) *http.Request {
		r := restRequest(oauthHeader(example, exNonce, exTimestamp,
			"HMAC-SHA256", exRESTSignature))
		r.URL, _ = url.Parse(srv.URL + "/services/rest/system/v1/serverTime")
		r.Host = "1234567-sb1.suitetalk.api.netsuite.com" // as signed
		r.RequestURI = ""
		return r
	}
	lookup := func(srv *httptest.Server, _ int) *http.Request {
		r, _ := http.NewRequest(http.MethodGet,
			srv.URL+"/rest/datacenterurls?account="+example.ID, nil)
		return r
	}
	tests := []struct {
		name      string
		behaviour Behaviour
		request   func(*httptest.Server, int) *http.Request
		dropped   bool
	}{
		{name: "SOAP dropped", behaviour: DropConnection, request: soap, dropped: true},
		{name: "REST dropped", behaviour: DropConnection, request: rest, dropped: true},
		{name: "lookup kept", behaviour: DropConnection, request: lookup},
		{name: "lookup dropped", behaviour: LookupDropped, request: lookup,
			dropped: true},
		{name: "SOAP kept", behaviour: LookupDropped, request: soap},
		{name: "REST kept", behaviour: LookupDropped, request: rest},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, Options{})
			s.SetBehaviour(example.ID, tt.behaviour)
			srv := httptest.NewTLSServer(s.Handler())
			defer srv.Close()
			// A fresh connection each time, so the transport never
			// retries a request on its own.
			tr := srv.Client().Transport.(*http.Transport).Clone()
			tr.DisableKeepAlives = true
			c := &http.Client{Transport: tr}

			resp, err := c.Do(tt.request(srv, i))

			if err == nil {
				resp.Body.Close()
			}
			if dropped := err != nil; dropped != tt.dropped {
				t.Errorf("dropped = %v (error %v), want %v", dropped, err, tt.dropped)
			}
			if err == nil && resp.StatusCode != http.StatusOK {
				t.Errorf("status %d, want 200", resp.StatusCode)
			}
			if s.Requests() != 1 {
				t.Errorf("Requests() = %d, want 1", s.Requests())
			}
		})
	}
}

func TestSOAPBadRequests(t *testing.T) {
	good := soapBody(signedPassport(example, "NONCE0000000000000004", simNow.Unix()))
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{name: "no SOAPAction", status: 500, req: func() *http.Request {
			r := soapRequest(good)
			r.Header.Del("SOAPAction")
			return r
		}},
		{name: "wrong content type", status: 500, req: func() *http.Request {
			r := soapRequest(good)
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
		{name: "not XML", status: 500, req: func() *http.Request {
			return soapRequest("{}")
		}},
		{name: "other version's namespace", status: 500, req: func() *http.Request {
			return soapRequest(strings.ReplaceAll(good, "2016_2", "2019_1"))
		}},
		{name: "too large", status: 500, req: func() *http.Request {
			return soapRequest(good + strings.Repeat(" ", maxRequestBody))
		}},
		{name: "unknown port", status: 404, req: func() *http.Request {
			r := soapRequest(good)
			r.URL.Path = "/services/OtherPort"
			return r
		}},
		{name: "GET", status: 405, req: func() *http.Request {
			return httptest.NewRequest(http.MethodGet, "/services/NetSuitePort_2016_2", nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, Options{})
			w := httptest.NewRecorder()

			s.Handler().ServeHTTP(w, tt.req())

			if w.Code != tt.status {
				t.Errorf("status %d, want %d\n%s", w.Code, tt.status, w.Body)
			}
			if len(s.LoginAudit(example.ID)) != 0 {
				t.Errorf("a malformed request reached the audit trail")
			}
		})
	}
}

// oauthHeader builds an OAuth header computed here, for the serverTime
// resource on the sandbox host.
func oauthHeader(a Account, nonce, ts, method, signature string) string {
	return fmt.Sprintf(`OAuth realm="%s", oauth_consumer_key="%s", `+
		`oauth_token="%s", oauth_nonce="%s", oauth_timestamp="%s", `+
		`oauth_signature_method="%s", oauth_version="1.0", oauth_signature="%s"`,
		a.ID, a.ConsumerKey, a.TokenID, nonce, ts, method,
		strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(signature))
}

func restRequest(auth string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://1234567-sb1.suitetalk.api."+
		"netsuite.com/services/rest/system/v1/serverTime", nil)
	r.Header.Set("Authorization", auth)
	return r
}

func TestREST(t *testing.T) {
	good := oauthHeader(example, exNonce, exTimestamp, "HMAC-SHA256", exRESTSignature)
	tests := []struct {
		name      string
		behaviour Behaviour
		auth      string
		status    int
		code      string
		wantAudit []string
	}{
		{name: "published example accepted", auth: good, status: 200},
		{name: "signature of another request", status: 401, code: "INVALID_LOGIN",
			auth: oauthHeader(example, exNonce, exTimestamp, "HMAC-SHA256",
				exPassportSignature),
			wantAudit: []string{DetailInvalidSignature}},
		{name: "HMAC-SHA1", status: 401, code: "INVALID_LOGIN",
			auth: oauthHeader(example, exNonce, exTimestamp, "HMAC-SHA1",
				exRESTSignature),
			wantAudit: []string{DetailUnsupportedMethod}},
		{name: "old timestamp", status: 401, code: "INVALID_LOGIN",
			auth: oauthHeader(example, exNonce, "1773500000", "HMAC-SHA256",
				exRESTSignature),
			wantAudit: []string{DetailInvalidTimestamp}},
		{name: "no REST permission", behaviour: NoRESTPermission, auth: good,
			status: 403, code: "INSUFFICIENT_PERMISSION",
			wantAudit: []string{DetailPermissionViolation}},
		{name: "not OAuth", auth: "Bearer x", status: 401, code: "INVALID_LOGIN"},
		{name: "unquoted value", auth: `OAuth realm=1234567_SB1`, status: 401,
			code: "INVALID_LOGIN"},
		{name: "busy", behaviour: Busy429, auth: good, status: 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, Options{})
			s.SetBehaviour(example.ID, tt.behaviour)
			w := httptest.NewRecorder()

			s.Handler().ServeHTTP(w, restRequest(tt.auth))

			if w.Code != tt.status {
				t.Fatalf("status %d, want %d\n%s", w.Code, tt.status, w.Body)
			}
			if tt.code != "" {
				var p restProblem
				if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil ||
					len(p.Details) != 1 || p.Details[0].Code != tt.code {
					t.Errorf("body %s, want o:errorCode %s", w.Body, tt.code)
				}
			}
			if diff := cmp.Diff(tt.wantAudit, s.LoginAudit(example.ID)); diff != "" {
				t.Errorf("LoginAudit mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOAuthBaseRFCExample checks the simulator's base string against the
// one printed in RFC 5849 section 3.4.1.1.
func TestOAuthBaseRFCExample(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost,
		"http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", nil)
	protocol := map[string]string{
		"realm":                  "Example",
		"oauth_consumer_key":     "9djdj82h48djs9d2",
		"oauth_token":            "kkk9d7dh3k39sjv7",
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        "137131201",
		"oauth_nonce":            "7d8f3e4a",
		"oauth_signature":        "bYT5CMsGcbgUdFHObYMEfcx6bsw=",
		// the form body "c2&a3=2+q", decoded
		"c2": "",
		"a3": "2 q",
	}
	want := "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q" +
		"%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_" +
		"key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m" +
		"ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk" +
		"9d7dh3k39sjv7"

	got, err := oauthBase(r, protocol)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("base string:\n got %s\nwant %s", got, want)
	}
}

func TestDataCenter(t *testing.T) {
	tests := []struct {
		name    string
		account string
		status  int
		want    map[string]string
	}{
		{name: "sandbox", account: "1234567_SB1", status: 200, want: map[string]string{
			"restDomain":        "https://1234567-sb1.restlets.api.netsuite.com",
			"webservicesDomain": "https://1234567-sb1.suitetalk.api.netsuite.com",
			"systemDomain":      "https://1234567-sb1.app.netsuite.com",
		}},
		{name: "host label form", account: "1234567-sb1", status: 200, want: map[string]string{
			"restDomain":        "https://1234567-sb1.restlets.api.netsuite.com",
			"webservicesDomain": "https://1234567-sb1.suitetalk.api.netsuite.com",
			"systemDomain":      "https://1234567-sb1.app.netsuite.com",
		}},
		{name: "production", account: "7654321", status: 200, want: map[string]string{
			"restDomain":        "https://7654321.restlets.api.netsuite.com",
			"webservicesDomain": "https://7654321.suitetalk.api.netsuite.com",
			"systemDomain":      "https://7654321.app.netsuite.com",
		}},
		{name: "unknown", account: "1111111", status: 400},
		{name: "missing", account: "", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, Options{})
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet,
				"/rest/datacenterurls?account="+tt.account, nil)

			s.Handler().ServeHTTP(w, r)

			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if tt.want == nil {
				return
			}
			var got map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestsAndAuditBounds(t *testing.T) {
	s := newSim(t, Options{})
	h := s.Handler()
	for i := range 3 {
		p := signedPassport(example, fmt.Sprintf("NOPE%016d", i), simNow.Unix())
		p.Account = "9999999" // not an account of the simulator
		h.ServeHTTP(httptest.NewRecorder(), soapRequest(soapBody(p)))
	}
	if s.Requests() != 3 {
		t.Errorf("Requests() = %d, want 3", s.Requests())
	}
	if got := s.LoginAudit("9999999"); len(got) != 0 {
		t.Errorf("unknown account has an audit trail: %v", got)
	}
}

func TestDemoAccount(t *testing.T) {
	a, b := DemoAccount(), DemoAccount()
	if a != b {
		t.Fatalf("DemoAccount is not fixed")
	}
	values := []string{a.ConsumerKey, a.ConsumerSecret, a.TokenID, a.TokenSecret}
	seen := map[string]bool{}
	for _, v := range values {
		if len(v) != 64 || strings.Trim(v, "0123456789abcdef") != "" || seen[v] {
			t.Errorf("demo value %q is not a distinct 64-hex value", v)
		}
		seen[v] = true
	}
	s := New(Options{Now: func() time.Time { return simNow }})
	s.AddAccount(a)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, soapRequest(soapBody(signedPassport(a,
		"DEMO0000000000000001", simNow.Unix()))))
	if w.Code != http.StatusOK {
		body, _ := io.ReadAll(w.Body)
		t.Errorf("demo account refused: %d %s", w.Code, body)
	}
}

package netsuitesim

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const soapEnvNS = "http://schemas.xmlsoap.org/soap/envelope/"

var portPattern = regexp.MustCompile(`^NetSuitePort_(20[0-9]{2}_[12])$`)

// requestEnvelope is a SOAP 1.1 getServerTime request.
type requestEnvelope struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Header  struct {
		Passport *struct {
			XMLName     xml.Name
			Account     string `xml:"account"`
			ConsumerKey string `xml:"consumerKey"`
			Token       string `xml:"token"`
			Nonce       string `xml:"nonce"`
			Timestamp   string `xml:"timestamp"`
			Signature   struct {
				Algorithm string `xml:"algorithm,attr"`
				Value     string `xml:",chardata"`
			} `xml:"signature"`
		} `xml:"tokenPassport"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Header"`
	Body struct {
		GetServerTime *struct {
			XMLName xml.Name
		} `xml:"getServerTime"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

// fault is a SOAP fault as NetSuite words it.
type fault struct {
	status  int
	code    string // soapenv faultcode
	kind    string // detail element, e.g. "invalidCredentialsFault"
	nsCode  string // NetSuite's code
	message string
}

var invalidLogin = fault{
	status:  http.StatusInternalServerError,
	code:    "soapenv:Server.userException",
	kind:    "invalidCredentialsFault",
	nsCode:  "INVALID_LOGIN_ATTEMPT",
	message: "Invalid login attempt.",
}

func (s *Simulator) serveSOAP(w http.ResponseWriter, r *http.Request) {
	m := portPattern.FindStringSubmatch(r.PathValue("port"))
	if m == nil {
		http.NotFound(w, r)
		return
	}
	version := m[1]
	env, f := readEnvelope(r, version)
	if f != nil {
		s.writeFault(w, version, *f)
		return
	}
	p := env.Header.Passport
	a, known := s.account(p.Account)
	if known && !s.preAuth(w, r, a, version) {
		return
	}
	l := login{
		Account: p.Account, ConsumerKey: p.ConsumerKey, Token: p.Token,
		Nonce: p.Nonce, Timestamp: p.Timestamp,
		Method: p.Signature.Algorithm, Signature: strings.TrimSpace(p.Signature.Value),
		Base: passportBase(p.Account, p.ConsumerKey, p.Token, p.Nonce, p.Timestamp),
	}
	a, detail := s.authenticate(l)
	if detail != "" {
		s.refuse(r, p.Account, detail)
		s.writeFault(w, version, invalidLogin)
		return
	}
	if f := postAuthFault(a.Behaviour); f != nil {
		if a.Behaviour == NoWebServicesPermission {
			s.recordAudit(a.ID, DetailPermissionViolation)
		}
		s.writeFault(w, version, *f)
		return
	}
	s.writeServerTime(w, version)
}

// readEnvelope reads and checks the request. A missing TokenPassport is
// answered as a failed login, as NetSuite does for a TBA request.
func readEnvelope(r *http.Request, version string) (requestEnvelope, *fault) {
	var env requestEnvelope
	action := strings.Trim(strings.TrimSpace(r.Header.Get("SOAPAction")), `"`)
	if action != "getServerTime" {
		return env, clientFault("The SOAPAction header must name getServerTime.")
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/xml") {
		return env, clientFault("The request must be text/xml.")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return env, clientFault("The request could not be read.")
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		return env, clientFault("The request is not a SOAP envelope.")
	}
	msgs := "urn:messages_" + version + ".platform.webservices.netsuite.com"
	op := env.Body.GetServerTime
	if op == nil || op.XMLName.Space != msgs {
		return env, clientFault("The body must hold getServerTime in " + msgs + ".")
	}
	if env.Header.Passport == nil || env.Header.Passport.XMLName.Space != msgs {
		f := invalidLogin
		return env, &f
	}
	return env, nil
}

func clientFault(msg string) *fault {
	return &fault{
		status:  http.StatusInternalServerError,
		code:    "soapenv:Client",
		message: msg,
	}
}

// preAuth plays the behaviours that act before the login is checked and
// reports whether the request should go on.
func (s *Simulator) preAuth(w http.ResponseWriter, r *http.Request,
	a Account, version string) bool {
	switch a.Behaviour {
	case Busy429:
		s.writeRetryAfter(w)
		http.Error(w, "Too many requests", http.StatusTooManyRequests)
		return false
	case Unavailable503:
		http.Error(w, "Service unavailable", http.StatusServiceUnavailable)
		return false
	case Hang:
		s.wait(r.Context(), s.opts.HangLimit)
		return false
	case Slow:
		return s.wait(r.Context(), s.opts.SlowDelay)
	case DropConnection:
		drop(w)
		return false
	case MalformedXML:
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = io.WriteString(w, `<?xml version="1.0"?><soapenv:Envelope `+
			`xmlns:soapenv="`+soapEnvNS+`"><soapenv:Body><getServerTimeRes`)
		return false
	case FeatureDisabled:
		s.recordAudit(a.ID, DetailFeatureDisabled)
		s.writeFault(w, version, fault{
			status:  http.StatusInternalServerError,
			code:    "soapenv:Server.userException",
			kind:    "invalidCredentialsFault",
			nsCode:  "FEATURE_DISABLED",
			message: "Token-based authentication is not enabled for this account.",
		})
		return false
	}
	return true
}

// wait pauses for d or until the client goes away, and reports whether
// the full pause passed.
func (s *Simulator) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Simulator) writeRetryAfter(w http.ResponseWriter) {
	if s.opts.RetryAfterDate {
		at := s.opts.Now().Add(time.Second).UTC().Format(http.TimeFormat)
		w.Header().Set("Retry-After", at)
		return
	}
	w.Header().Set("Retry-After", "1")
}

func postAuthFault(b Behaviour) *fault {
	switch b {
	case NoWebServicesPermission:
		return &fault{
			status: http.StatusInternalServerError,
			code:   "soapenv:Server.userException",
			kind:   "insufficientPermissionFault",
			nsCode: "INSUFFICIENT_PERMISSION",
			message: "Permission Violation: You need the 'SOAP Web Services' " +
				"permission to access this page. Please contact your " +
				"account administrator.",
		}
	case ConcurrencyLimit:
		return &fault{
			status:  http.StatusInternalServerError,
			code:    "soapenv:Server.userException",
			kind:    "exceededConcurrentRequestLimitFault",
			nsCode:  "WS_CONCUR_SESSION_DISALLOWED",
			message: "Only one request may be made against a session at a time",
		}
	case UnknownFault:
		return &fault{
			status:  http.StatusInternalServerError,
			code:    "soapenv:Server.userException",
			kind:    "simUnrecognisedFault",
			nsCode:  UnknownFaultCode,
			message: UnknownFaultMessage,
		}
	}
	return nil
}

func (s *Simulator) refuse(r *http.Request, accountID, detail string) {
	s.recordAudit(accountID, detail)
	s.opts.Logger.LogAttrs(r.Context(), slog.LevelDebug, "netsuitesim refused login",
		slog.String("route", r.URL.Path),
		slog.String("account_id", canonicalID(accountID)),
		slog.String("detail", detail))
}

func (s *Simulator) writeFault(w http.ResponseWriter, version string, f fault) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + soapEnvNS + `">`)
	b.WriteString(`<soapenv:Body><soapenv:Fault>`)
	b.WriteString(`<faultcode>` + f.code + `</faultcode>`)
	b.WriteString(`<faultstring>` + escape(f.message) + `</faultstring>`)
	b.WriteString(`<detail>`)
	if f.kind != "" {
		ns := "urn:faults_" + version + ".platform.webservices.netsuite.com"
		b.WriteString(`<platformFaults:` + f.kind +
			` xmlns:platformFaults="` + ns + `">`)
		b.WriteString(`<platformFaults:code>` + f.nsCode + `</platformFaults:code>`)
		b.WriteString(`<platformFaults:message>` + escape(f.message) +
			`</platformFaults:message>`)
		b.WriteString(`</platformFaults:` + f.kind + `>`)
	}
	b.WriteString(`<ns1:hostname xmlns:ns1="http://xml.apache.org/axis/">` +
		`netsuitesim</ns1:hostname>`)
	b.WriteString(`</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, b.String())
}

// pacific is the zone NetSuite's data centres report server time in.
var pacific = time.FixedZone("PST", -8*60*60)

func (s *Simulator) writeServerTime(w http.ResponseWriter, version string) {
	msgs := "urn:messages_" + version + ".platform.webservices.netsuite.com"
	core := "urn:core_" + version + ".platform.webservices.netsuite.com"
	now := s.opts.Now().In(pacific).Format("2006-01-02T15:04:05.000-07:00")
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>`)
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + soapEnvNS + `">`)
	b.WriteString(`<soapenv:Header><platformMsgs:documentInfo ` +
		`xmlns:platformMsgs="` + msgs + `"><platformMsgs:nsId>` +
		`WEBSERVICES_SIM_` + strconv.FormatInt(s.opts.Now().UnixNano(), 36) +
		`</platformMsgs:nsId></platformMsgs:documentInfo></soapenv:Header>`)
	b.WriteString(`<soapenv:Body><getServerTimeResponse xmlns="` + msgs + `">`)
	b.WriteString(`<platformCore:getServerTimeResult xmlns:platformCore="` +
		core + `">`)
	b.WriteString(`<platformCore:status isSuccess="true"/>`)
	b.WriteString(`<platformCore:serverTime>` + now + `</platformCore:serverTime>`)
	b.WriteString(`</platformCore:getServerTimeResult></getServerTimeResponse>`)
	b.WriteString(`</soapenv:Body></soapenv:Envelope>`)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = io.WriteString(w, b.String())
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

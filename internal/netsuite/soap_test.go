package netsuite

import (
	"context"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const envOpen = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>`
const envClose = `</soapenv:Body></soapenv:Envelope>`

func faultXML(detail string) string {
	return envOpen + `<soapenv:Fault><faultcode>soapenv:Server.userException</faultcode>` +
		`<faultstring>Fault string.</faultstring><detail>` + detail +
		`</detail></soapenv:Fault>` + envClose
}

func detailElem(kind, code, message string) string {
	return `<platformFaults:` + kind + ` xmlns:platformFaults="urn:faults_2016_2.platform.webservices.netsuite.com">` +
		`<platformFaults:code>` + code + `</platformFaults:code>` +
		`<platformFaults:message>` + message + `</platformFaults:message>` +
		`</platformFaults:` + kind + `>`
}

const axisHost = `<ns1:hostname xmlns:ns1="http://xml.apache.org/axis/">partners123</ns1:hostname>`

func TestParseSOAPResponse(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		want        soapResponse
		wantOutcome Outcome
	}{
		{
			name: "server time",
			body: envOpen + `<getServerTimeResponse xmlns="urn:messages_2016_2.platform.webservices.netsuite.com">` +
				`<platformCore:getServerTimeResult xmlns:platformCore="urn:core_2016_2.platform.webservices.netsuite.com">` +
				`<platformCore:status isSuccess="true"/>` +
				`<platformCore:serverTime>2026-03-14T08:09:26.250-07:00</platformCore:serverTime>` +
				`</platformCore:getServerTimeResult></getServerTimeResponse>` + envClose,
			want: soapResponse{ServerTime: time.Date(2026, 3, 14, 15, 9, 26,
				250_000_000, time.UTC)},
			wantOutcome: OutcomeVerified,
		},
		{
			name: "invalid login",
			body: faultXML(detailElem("invalidCredentialsFault", "INVALID_LOGIN_ATTEMPT",
				"Invalid login attempt.") + axisHost),
			want: soapResponse{Fault: &soapFault{
				FaultCode: "soapenv:Server.userException", Text: "Fault string.",
				DetailType: "invalidCredentialsFault",
				Code:       "INVALID_LOGIN_ATTEMPT", Message: "Invalid login attempt."}},
			wantOutcome: OutcomeInvalidLogin,
		},
		{
			name: "host name first, fault second",
			body: faultXML(axisHost + detailElem("insufficientPermissionFault",
				"INSUFFICIENT_PERMISSION", "Permission Violation.")),
			want: soapResponse{Fault: &soapFault{
				FaultCode: "soapenv:Server.userException", Text: "Fault string.",
				DetailType: "insufficientPermissionFault",
				Code:       "INSUFFICIENT_PERMISSION", Message: "Permission Violation."}},
			wantOutcome: OutcomeInsufficientPermission,
		},
		{
			name: "concurrency by fault type only",
			body: faultXML(detailElem("exceededConcurrentRequestLimitFault", "",
				"Too many.")),
			want: soapResponse{Fault: &soapFault{
				FaultCode: "soapenv:Server.userException", Text: "Fault string.",
				DetailType: "exceededConcurrentRequestLimitFault",
				Message:    "Too many."}},
			wantOutcome: OutcomeConcurrencyLimit,
		},
		{
			name: "feature disabled",
			body: faultXML(detailElem("invalidCredentialsFault", "FEATURE_DISABLED",
				"Off.")),
			want: soapResponse{Fault: &soapFault{
				FaultCode: "soapenv:Server.userException", Text: "Fault string.",
				DetailType: "invalidCredentialsFault",
				Code:       "FEATURE_DISABLED", Message: "Off."}},
			wantOutcome: OutcomeFeatureDisabled,
		},
		{
			name: "fault without detail",
			body: envOpen + `<soapenv:Fault><faultcode>soapenv:Client</faultcode>` +
				`<faultstring>Bad request</faultstring></soapenv:Fault>` + envClose,
			want: soapResponse{Fault: &soapFault{FaultCode: "soapenv:Client",
				Text: "Bad request"}},
			wantOutcome: OutcomeUnknownFault,
		},
		{
			name: "status not successful",
			body: envOpen + `<getServerTimeResponse><getServerTimeResult>` +
				`<status isSuccess="false"><statusDetail type="ERROR">` +
				`<code>INSUFFICIENT_PERMISSION</code><message>No.</message>` +
				`</statusDetail></status></getServerTimeResult>` +
				`</getServerTimeResponse>` + envClose,
			want: soapResponse{Fault: &soapFault{DetailType: "status",
				Code: "INSUFFICIENT_PERMISSION", Message: "No."}},
			wantOutcome: OutcomeInsufficientPermission,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSOAPResponse([]byte(tt.body))
			if err != nil {
				t.Fatalf("parseSOAPResponse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseSOAPResponse mismatch (-want +got):\n%s", diff)
			}
			ans := answer{status: 500, body: []byte(tt.body)}
			if got.Fault == nil {
				ans.status = 200
			}
			if o := soapResult(context.Background(), ans).Outcome; o != tt.wantOutcome {
				t.Errorf("Outcome = %q, want %q", o, tt.wantOutcome)
			}
		})
	}
}

func TestParseSOAPResponseRejects(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{name: "empty", body: ""},
		{name: "HTML", body: "<html><body>Maintenance</body></html>"},
		{name: "truncated", body: envOpen + `<getServerTimeRes`},
		{name: "empty body", body: envOpen + envClose},
		{name: "bad server time", body: envOpen + `<getServerTimeResponse>` +
			`<getServerTimeResult><serverTime>soon</serverTime>` +
			`</getServerTimeResult></getServerTimeResponse>` + envClose},
		{name: "undefined entity", body: envOpen + `&xxe;` + envClose},
		{name: "doctype with entity", body: `<!DOCTYPE x [<!ENTITY e SYSTEM ` +
			`"file:///etc/passwd">]>` + envOpen + `&e;` + envClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := parseSOAPResponse([]byte(tt.body)); err == nil {
				t.Errorf("parseSOAPResponse accepted it: %+v", got)
			}
		})
	}
}

func TestFaultTextIsClipped(t *testing.T) {
	long := strings.Repeat("é", maxMessageLen)
	body := faultXML(detailElem("someFault", strings.Repeat("C", 500), long))

	got, err := parseSOAPResponse([]byte(body))
	if err != nil {
		t.Fatalf("parseSOAPResponse: %v", err)
	}
	f := got.Fault
	if len(f.Code) != maxCodeLen || len(f.Message) > maxMessageLen {
		t.Errorf("code %d bytes, message %d bytes; want at most %d and %d",
			len(f.Code), len(f.Message), maxCodeLen, maxMessageLen)
	}
	if !strings.HasPrefix(long, f.Message) || len(f.Message)%2 != 0 {
		t.Errorf("message was not cut on a character boundary")
	}
}

func TestGetServerTimeEnvelope(t *testing.T) {
	body := getServerTimeEnvelope(soapRequest{
		Version: "2016_2", Account: "1234567_SB1", Key: `k<&>"`,
		Token: "t", Nonce: "n", Timestamp: 42, Signature: "s+/=",
	})
	var env struct {
		Header struct {
			Passport struct {
				XMLName   xml.Name
				Account   string `xml:"account"`
				Key       string `xml:"consumerKey"`
				Timestamp string `xml:"timestamp"`
				Signature struct {
					Algorithm string `xml:"algorithm,attr"`
					Value     string `xml:",chardata"`
				} `xml:"signature"`
			} `xml:"tokenPassport"`
		} `xml:"Header"`
		Body struct {
			Op struct{ XMLName xml.Name } `xml:"getServerTime"`
		} `xml:"Body"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		t.Fatalf("envelope is not XML: %v\n%s", err, body)
	}
	p := env.Header.Passport
	got := []string{p.XMLName.Space, p.Account, p.Key, p.Timestamp,
		p.Signature.Algorithm, p.Signature.Value, env.Body.Op.XMLName.Space}
	msgs := "urn:messages_2016_2.platform.webservices.netsuite.com"
	want := []string{msgs, "1234567_SB1", `k<&>"`, "42", "HMAC-SHA256", "s+/=", msgs}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("envelope mismatch (-want +got):\n%s", diff)
	}
}

func TestOutcomeOfFault(t *testing.T) {
	tests := []struct {
		code, kind string
		want       Outcome
	}{
		{"INVALID_LOGIN_ATTEMPT", "", OutcomeInvalidLogin},
		{"invalid_login", "", OutcomeInvalidLogin},
		{"INSUFFICIENT_PERMISSION", "", OutcomeInsufficientPermission},
		{"", "insufficientPermissionFault", OutcomeInsufficientPermission},
		{"FEATURE_DISABLED", "", OutcomeFeatureDisabled},
		{"WS_CONCUR_SESSION_DISALLOWED", "", OutcomeConcurrencyLimit},
		{"", "ExceededConcurrentRequestLimitFault", OutcomeConcurrencyLimit},
		{"SSS_REQUEST_LIMIT_EXCEEDED", "", OutcomeConcurrencyLimit},
		{"INVALID_ACCT", "", OutcomeAccountNotFound},
		{"SOMETHING_NEW", "invalidCredentialsFault", OutcomeUnknownFault},
		{"", "", OutcomeUnknownFault},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.kind, func(t *testing.T) {
			got := outcomeOfFault(&soapFault{Code: tt.code, DetailType: tt.kind})
			if got != tt.want {
				t.Errorf("outcomeOfFault(%q, %q) = %q, want %q",
					tt.code, tt.kind, got, tt.want)
			}
		})
	}
}

// FuzzParseSOAPResponse shows that no answer makes the parser panic, that
// an accepted answer always carries a fault or a server time, and that
// kept texts stay within their limits.
func FuzzParseSOAPResponse(f *testing.F) {
	f.Add([]byte(faultXML(detailElem("invalidCredentialsFault",
		"INVALID_LOGIN_ATTEMPT", "Invalid login attempt.") + axisHost)))
	f.Add([]byte(envOpen + `<getServerTimeResponse><getServerTimeResult>` +
		`<serverTime>2026-03-14T08:09:26.250-07:00</serverTime>` +
		`</getServerTimeResult></getServerTimeResponse>` + envClose))
	f.Add([]byte(envOpen + `<getServerTimeRes`))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := parseSOAPResponse(body)
		r := soapResult(context.Background(), answer{status: 500, body: body})
		if !slices.Contains(Outcomes(), r.Outcome) {
			t.Fatalf("outcome %q is not a known Outcome", r.Outcome)
		}
		if err != nil {
			return
		}
		if got.Fault == nil && got.ServerTime.IsZero() {
			t.Fatalf("accepted an answer with neither fault nor time")
		}
		if f := got.Fault; f != nil && (len(f.Code) > maxCodeLen ||
			len(f.Message) > maxMessageLen || len(f.Text) > maxMessageLen ||
			len(f.FaultCode) > maxCodeLen || len(f.DetailType) > maxCodeLen) {
			t.Fatalf("fault text over its limit: %+v", f)
		}
	})
}

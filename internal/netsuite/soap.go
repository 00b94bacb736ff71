package netsuite

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
	"time"
)

// defaultSOAPVersion is the endpoint version Cloud Elements' NetSuite 2016
// ERP element uses; the verification call behaves alike on every version.
const defaultSOAPVersion = "2016_2"

// soapRequest is what getServerTimeEnvelope needs to build one request.
type soapRequest struct {
	Version   string
	Account   string // Realm form
	Key       string // Consumer Key
	Token     string // Token ID
	Nonce     string
	Timestamp int64
	Signature string
}

// getServerTimeEnvelope returns a SOAP 1.1 getServerTime request whose
// header carries the TokenPassport. Every value is escaped as XML text.
func getServerTimeEnvelope(r soapRequest) []byte {
	msgs := "urn:messages_" + r.Version + ".platform.webservices.netsuite.com"
	core := "urn:core_" + r.Version + ".platform.webservices.netsuite.com"
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	b.WriteString(`<soapenv:Envelope xmlns:soapenv=` +
		`"http://schemas.xmlsoap.org/soap/envelope/"`)
	b.WriteString(` xmlns:msgs="` + msgs + `" xmlns:core="` + core + `">`)
	b.WriteString(`<soapenv:Header><msgs:tokenPassport>`)
	writeElement(&b, "core:account", r.Account)
	writeElement(&b, "core:consumerKey", r.Key)
	writeElement(&b, "core:token", r.Token)
	writeElement(&b, "core:nonce", r.Nonce)
	writeElement(&b, "core:timestamp", strconv.FormatInt(r.Timestamp, 10))
	b.WriteString(`<core:signature algorithm="` + signatureMethod + `">`)
	_ = xml.EscapeText(&b, []byte(r.Signature))
	b.WriteString(`</core:signature>`)
	b.WriteString(`</msgs:tokenPassport></soapenv:Header>`)
	b.WriteString(`<soapenv:Body><msgs:getServerTime/></soapenv:Body>`)
	b.WriteString(`</soapenv:Envelope>`)
	return b.Bytes()
}

func writeElement(b *bytes.Buffer, name, text string) {
	b.WriteString("<" + name + ">")
	// EscapeText writes to a bytes.Buffer, which cannot fail.
	_ = xml.EscapeText(b, []byte(text))
	b.WriteString("</" + name + ">")
}

// soapResponse is what the portal reads from a getServerTime answer:
// either a server time, a failed status, or a fault.
type soapResponse struct {
	ServerTime time.Time
	Fault      *soapFault
}

// soapFault is a SOAP fault, or a status with isSuccess="false", reduced
// to NetSuite's code and message.
type soapFault struct {
	FaultCode  string // e.g. "soapenv:Server.userException"
	Text       string // faultstring
	DetailType string // local name of the detail element, e.g. "invalidCredentialsFault"
	Code       string // NetSuite's code, e.g. "INVALID_LOGIN_ATTEMPT"
	Message    string // NetSuite's message
}

// envelopeXML matches elements by local name only, so any namespace
// prefix NetSuite chooses is accepted.
type envelopeXML struct {
	XMLName xml.Name `xml:"Envelope"`
	Body    struct {
		Fault *struct {
			Code   string `xml:"faultcode"`
			String string `xml:"faultstring"`
			Detail struct {
				Items []detailXML `xml:",any"`
			} `xml:"detail"`
		} `xml:"Fault"`
		Response *struct {
			Result struct {
				Status *struct {
					IsSuccess string `xml:"isSuccess,attr"`
					Details   []struct {
						Code    string `xml:"code"`
						Message string `xml:"message"`
					} `xml:"statusDetail"`
				} `xml:"status"`
				ServerTime string `xml:"serverTime"`
			} `xml:"getServerTimeResult"`
		} `xml:"getServerTimeResponse"`
	} `xml:"Body"`
}

type detailXML struct {
	XMLName xml.Name
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

// Longest code and message kept from an answer; NetSuite's are far
// shorter, and a hostile or broken answer must not bloat the database.
const (
	maxCodeLen    = 100
	maxMessageLen = 1000
)

var errNotSOAP = errors.New("netsuite: answer is not a getServerTime response or fault")

// parseSOAPResponse reads a getServerTime answer. It fails on anything
// that is neither a fault, a failed status nor a readable server time.
func parseSOAPResponse(body []byte) (soapResponse, error) {
	var env envelopeXML
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	if err := d.Decode(&env); err != nil {
		return soapResponse{}, err
	}
	if f := env.Body.Fault; f != nil {
		return soapResponse{Fault: faultFrom(f.Code, f.String, f.Detail.Items)}, nil
	}
	resp := env.Body.Response
	if resp == nil {
		return soapResponse{}, errNotSOAP
	}
	if st := resp.Result.Status; st != nil && st.IsSuccess == "false" {
		f := &soapFault{DetailType: "status"}
		if len(st.Details) > 0 {
			f.Code = clip(st.Details[0].Code, maxCodeLen)
			f.Message = clip(st.Details[0].Message, maxMessageLen)
		}
		return soapResponse{Fault: f}, nil
	}
	t, err := parseServerTime(resp.Result.ServerTime)
	if err != nil {
		return soapResponse{}, err
	}
	if t.IsZero() {
		return soapResponse{}, errNotSOAP
	}
	return soapResponse{ServerTime: t}, nil
}

func faultFrom(code, text string, items []detailXML) *soapFault {
	f := &soapFault{
		FaultCode: clip(code, maxCodeLen),
		Text:      clip(text, maxMessageLen),
	}
	// The first detail element carrying a code is NetSuite's own fault;
	// others (such as the Axis host name) are ignored.
	for _, it := range items {
		if it.Code == "" && f.DetailType != "" {
			continue
		}
		f.DetailType = clip(it.XMLName.Local, maxCodeLen)
		f.Code = clip(it.Code, maxCodeLen)
		f.Message = clip(it.Message, maxMessageLen)
		if f.Code != "" {
			break
		}
	}
	return f
}

// parseServerTime reads an xsd:dateTime; NetSuite sends an offset and
// milliseconds, but a value without an offset is taken as UTC.
func parseServerTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}

// clip trims white space and cuts s to at most n bytes, on a rune
// boundary.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

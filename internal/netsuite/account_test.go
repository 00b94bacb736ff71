package netsuite

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/secrets"
)

func TestParseAccountID(t *testing.T) {
	type parsed struct {
		Realm, HostLabel, Host string
		Kind                   AccountKind
		Sandbox                bool
	}
	tests := []struct {
		name string
		in   string
		want parsed
	}{
		{
			name: "production",
			in:   "1234567",
			want: parsed{"1234567", "1234567",
				"1234567.suitetalk.api.netsuite.com", Production, false},
		},
		{
			name: "sandbox realm form",
			in:   "1234567_SB1",
			want: parsed{"1234567_SB1", "1234567-sb1",
				"1234567-sb1.suitetalk.api.netsuite.com", Sandbox, true},
		},
		{
			name: "sandbox host form",
			in:   "1234567-sb1",
			want: parsed{"1234567_SB1", "1234567-sb1",
				"1234567-sb1.suitetalk.api.netsuite.com", Sandbox, true},
		},
		{
			name: "sandbox mixed case",
			in:   "1234567_sB12",
			want: parsed{"1234567_SB12", "1234567-sb12",
				"1234567-sb12.suitetalk.api.netsuite.com", Sandbox, true},
		},
		{
			name: "release preview",
			in:   "1234567_rp1",
			want: parsed{"1234567_RP1", "1234567-rp1",
				"1234567-rp1.suitetalk.api.netsuite.com", ReleasePreview, false},
		},
		{
			name: "release preview host form",
			in:   "1234567-RP2",
			want: parsed{"1234567_RP2", "1234567-rp2",
				"1234567-rp2.suitetalk.api.netsuite.com", ReleasePreview, false},
		},
		{
			name: "test drive",
			in:   "tstdrv1234567",
			want: parsed{"TSTDRV1234567", "tstdrv1234567",
				"tstdrv1234567.suitetalk.api.netsuite.com", TestDrive, false},
		},
		{
			name: "white space and quotes",
			in:   " \t\"1234567_SB1\"\r\n",
			want: parsed{"1234567_SB1", "1234567-sb1",
				"1234567-sb1.suitetalk.api.netsuite.com", Sandbox, true},
		},
		{
			name: "typographic quotes and no-break space",
			in:   "\u00a0\u201c1234567\u201d ",
			want: parsed{"1234567", "1234567",
				"1234567.suitetalk.api.netsuite.com", Production, false},
		},
		{
			name: "single quotes",
			in:   "'TSTDRV7654321'",
			want: parsed{"TSTDRV7654321", "tstdrv7654321",
				"tstdrv7654321.suitetalk.api.netsuite.com", TestDrive, false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAccountID(tt.in)
			if err != nil {
				t.Fatalf("ParseAccountID(%q): %v", tt.in, err)
			}
			got := parsed{a.Realm(), a.HostLabel(), a.WebServicesHost(),
				a.Kind(), a.IsSandbox()}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseAccountID(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if a.String() != tt.want.Realm || a.IsZero() {
				t.Errorf("String() = %q, IsZero() = %v", a.String(), a.IsZero())
			}
		})
	}
}

func TestParseAccountIDRejectsBadForms(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{name: "empty", in: ""},
		{name: "only spaces and quotes", in: ` " ' `},
		{name: "too few digits", in: "12"},
		{name: "too many digits", in: "1234567890123"},
		{name: "sandbox zero", in: "1234567_SB0"},
		{name: "sandbox leading zero", in: "1234567_SB01"},
		{name: "sandbox without number", in: "1234567_SB"},
		{name: "sandbox number too long", in: "1234567_SB1000"},
		{name: "unknown suffix", in: "1234567_XX1"},
		{name: "double separator", in: "1234567__SB1"},
		{name: "two suffixes", in: "1234567_SB1_SB2"},
		{name: "mixed separators", in: "1234567_SB1-RP1"},
		{name: "test drive with suffix", in: "TSTDRV1234567_SB1"},
		{name: "test drive without digits", in: "TSTDRV"},
		{name: "letters", in: "ABCDEFG"},
		{name: "leading separator", in: "_SB1"},
		{name: "trailing separator", in: "1234567_"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAccountID(tt.in)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseAccountID(%q) = %v, %v; want *InputError",
					tt.in, a, err)
			}
			if !a.IsZero() {
				t.Errorf("ParseAccountID(%q) returned %v with an error", tt.in, a)
			}
			if ie.Field != "account_id" || !strings.Contains(ie.Message, "1234567_SB1") {
				t.Errorf("InputError = %+v; want field account_id and the "+
					"expected forms", ie)
			}
		})
	}
}

// hostConfusion are inputs that try to steer the request to another host,
// smuggle header or XML content, or hide characters. Each must be refused
// before any request is made.
var hostConfusion = []string{
	"evil.com#",
	"evil.com",
	"x@evil.com",
	"1234567@evil.com",
	"127.0.0.1#",
	"127.0.0.1",
	"[::1]",
	"169.254.169.254",
	"localhost",
	"0x7f000001",
	"1234567%2Fevil.com",
	"1234567%2f..%2f",
	"%31%32%33%34%35%36%37",
	"1234567\\evil.com",
	"1234567\\@evil.com",
	"１２３４５６７",
	"1234567．evil.com",
	"ＴＳＴＤＲＶ1234567",
	"1234567\r\nHost: evil.com",
	"1234567\nX-Injected: 1",
	"1234567_SB1%0d%0a",
	`1234567", realm="evil`,
	"1234567'evil",
	"1234567<evil/>",
	"1234567.evil.com",
	"1234567-sb1.suitetalk.api.netsuite.com.evil.com",
	"https://1234567.app.netsuite.com",
	"1234567/..",
	"1234567/../../admin",
	"1234567?x=1",
	"1234567;evil",
	"1234567:443",
	"1234567 evil.com",
	"1234567\tevil",
	"1234567\x00",
	"1234567\x00.evil.com",
	"1234567%00",
	"1234567\u200b",
	"\u200b1234567",
	"12345\u200d67",
	"\u202e7654321",
	"1234567\u202e",
	"\ufeff1234567",
	"1234567_\u017fB1", // long s upper-cases to S
	"TSTDRV1234567\u0131",
	"1234567\xff",
	"..",
	".",
	strings.Repeat("1", 200),
}

func TestParseAccountIDRefusesHostConfusion(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	c := NewClient(ClientOptions{Endpoint: srv.URL})
	secret := secrets.New(hexValue("any"))

	if len(hostConfusion) < 25 {
		t.Fatalf("only %d payloads; the bar is 25", len(hostConfusion))
	}
	for _, in := range hostConfusion {
		t.Run(url.PathEscape(in), func(t *testing.T) {
			a, err := ParseAccountID(in)
			var ie *InputError
			if !errors.As(err, &ie) || !a.IsZero() {
				t.Fatalf("ParseAccountID(%q) = %q, %v; want refusal", in, a, err)
			}
			// A fixed message cannot repeat hostile input.
			if ie.Message != accountIDFormMessage {
				t.Errorf("Message = %q, want the fixed form message", ie.Message)
			}
			// Even a caller that ignores the error sends nothing.
			if h := a.WebServicesHost(); h != "" {
				t.Errorf("WebServicesHost() = %q, want empty", h)
			}
			if _, err := c.LookupDataCenter(context.Background(), a); err == nil {
				t.Errorf("LookupDataCenter accepted the zero AccountID")
			}
			r := c.Verify(context.Background(), Credentials{Account: a,
				ConsumerKey: secret, ConsumerSecret: secret,
				TokenID: secret, TokenSecret: secret})
			if r.Outcome != OutcomeIncomplete || r.Attempts != 0 {
				t.Errorf("Verify = %q after %d attempts; want incomplete, none",
					r.Outcome, r.Attempts)
			}
		})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}

	// The counter works: a valid Account ID does reach the server.
	if _, err := c.LookupDataCenter(context.Background(), mustParse(t, "1234567")); err != nil {
		t.Fatalf("LookupDataCenter: %v", err)
	}
	if requests.Load() != 1 {
		t.Errorf("server got %d requests for a valid ID, want 1", requests.Load())
	}
}

func TestCounterpart(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string
		wantOK bool
	}{
		{name: "production", in: "1234567", want: "1234567_SB1", wantOK: true},
		{name: "first sandbox", in: "1234567_SB1", want: "1234567", wantOK: true},
		{name: "second sandbox", in: "1234567_SB2", want: "1234567", wantOK: true},
		{name: "release preview", in: "1234567_RP1"},
		{name: "test drive", in: "TSTDRV1234567"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := mustParse(t, tt.in).Counterpart()
			if ok != tt.wantOK || (ok && got.Realm() != tt.want) {
				t.Errorf("Counterpart(%s) = %q, %v; want %q, %v",
					tt.in, got.Realm(), ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestZeroAccountID(t *testing.T) {
	var a AccountID
	if !a.IsZero() || a.WebServicesHost() != "" || a.Realm() != "" ||
		a.Kind().String() != "unknown" {
		t.Errorf("zero AccountID: IsZero %v, host %q, realm %q, kind %v",
			a.IsZero(), a.WebServicesHost(), a.Realm(), a.Kind())
	}
	if _, ok := a.Counterpart(); ok {
		t.Errorf("zero AccountID has a counterpart")
	}
}

func TestAccountIDJSON(t *testing.T) {
	type form struct {
		Account AccountID `json:"account"`
	}
	var f form
	if err := json.Unmarshal([]byte(`{"account":"1234567-sb3"}`), &f); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	out, err := json.Marshal(f)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	if want := `{"account":"1234567_SB3"}`; string(out) != want {
		t.Errorf("Marshal = %s, want %s", out, want)
	}
	if err := json.Unmarshal([]byte(`{"account":"evil.com#"}`), &f); err == nil {
		t.Errorf("Unmarshal accepted a bad Account ID")
	}
}

func TestWebServicesURL(t *testing.T) {
	u, err := mustParse(t, "1234567_SB1").webServicesURL("/services/NetSuitePort_2016_2")
	if err != nil {
		t.Fatalf("webServicesURL: %v", err)
	}
	want := "https://1234567-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2016_2"
	if u.String() != want {
		t.Errorf("webServicesURL = %q, want %q", u, want)
	}
}

var (
	realmPattern = regexp.MustCompile(`^(TSTDRV)?[0-9]+(_(SB|RP)[1-9][0-9]*)?$`)
	labelPattern = regexp.MustCompile(`^(tstdrv)?[0-9]+(-(sb|rp)[1-9][0-9]*)?$`)
)

// FuzzParseAccountID shows that no input yields a host other than
// <label>.suitetalk.api.netsuite.com, or a realm that could break out of
// the OAuth header or the TokenPassport.
func FuzzParseAccountID(f *testing.F) {
	for _, s := range []string{"1234567", "1234567_SB1", "1234567-sb1",
		"TSTDRV1234567", "1234567_RP2", " '1234567' "} {
		f.Add(s)
	}
	for _, s := range hostConfusion {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ParseAccountID(in)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || !a.IsZero() {
				t.Fatalf("error %v is not a bare *InputError", err)
			}
			return
		}
		checkParsedAccount(t, in, a)
	})
}

func checkParsedAccount(t *testing.T, in string, a AccountID) {
	t.Helper()
	realm, label, host := a.Realm(), a.HostLabel(), a.WebServicesHost()
	if !realmPattern.MatchString(realm) || !labelPattern.MatchString(label) {
		t.Fatalf("%q: realm %q or label %q outside the allow-list", in, realm, label)
	}
	if host != label+".suitetalk.api.netsuite.com" {
		t.Fatalf("%q: host %q", in, host)
	}
	u, err := url.Parse("https://" + host + "/services/x")
	if err != nil || u.Hostname() != host || u.Port() != "" || u.User != nil {
		t.Fatalf("%q: host %q does not parse back to itself", in, host)
	}
	for _, form := range []string{realm, label} {
		b, err := ParseAccountID(form)
		if err != nil || b != a {
			t.Fatalf("%q: %q does not round-trip: %v, %v", in, form, b, err)
		}
	}
}

package netsuite

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// AccountKind tells which sort of NetSuite account an Account ID names.
type AccountKind int

// The kinds of NetSuite account. The zero AccountKind names no account.
const (
	Production AccountKind = iota + 1
	Sandbox
	ReleasePreview
	TestDrive
)

// String returns a short lower-case name for the kind.
func (k AccountKind) String() string {
	switch k {
	case Production:
		return "production"
	case Sandbox:
		return "sandbox"
	case ReleasePreview:
		return "release_preview"
	case TestDrive:
		return "test_drive"
	}
	return "unknown"
}

// webServicesSuffix is the only domain any verification request goes to
// when no endpoint override is set.
const webServicesSuffix = ".suitetalk.api.netsuite.com"

// maxAccountIDInput bounds the raw input before any work is done on it; the
// longest valid form ("TSTDRV" and twelve digits, or twelve digits and
// "_SB999") is far shorter.
const maxAccountIDInput = 64

// Limits of the allow-list. Real account numbers have six or seven digits;
// the bounds leave room without admitting anything that is not a number.
const (
	minAccountDigits = 3
	maxAccountDigits = 12
	maxSuffixDigits  = 3
)

// accountIDFormMessage is shown for every rejected Account ID. It repeats
// none of the input, which may be hostile.
const accountIDFormMessage = "Enter the Account ID as NetSuite shows it, " +
	"for example 1234567, 1234567_SB1 (sandbox), " +
	"1234567_RP1 (release preview) or TSTDRV1234567 (test drive)."

// InputError reports a value the administrator typed that cannot be used.
// Message is safe to show as it stands: it never repeats the input.
type InputError struct {
	Field   string // the form field, e.g. "account_id"
	Message string
}

// Error returns the Message.
func (e *InputError) Error() string { return e.Message }

// AccountID is a parsed, normalised NetSuite Account ID. Its zero value
// names no account, and no request is ever made for it.
type AccountID struct {
	number string // upper case: "1234567" or "TSTDRV1234567"
	kind   AccountKind
	index  int // the n of _SB<n> or _RP<n>
}

// ParseAccountID normalises an Account ID typed or pasted in any of the
// forms NetSuite uses (1234567, 1234567_SB1, 1234567-sb1, 1234567_RP1,
// TSTDRV1234567), in any letter case, with surrounding white space and
// quotes removed. Anything else is refused with an *InputError.
func ParseAccountID(s string) (AccountID, error) {
	if len(s) > maxAccountIDInput {
		return AccountID{}, accountIDError()
	}
	t := strings.TrimFunc(s, isTrimmable)
	if t == "" {
		return AccountID{}, &InputError{
			Field:   "account_id",
			Message: "Enter your NetSuite Account ID. " + accountIDFormMessage,
		}
	}
	// Check the bytes before changing case: strings.ToUpper would turn
	// some non-ASCII letters (the dotless i, the long s) into ASCII ones.
	if !isAccountAlphabet(t) {
		return AccountID{}, accountIDError()
	}
	a, ok := parseAccountForm(strings.ToUpper(t))
	if !ok {
		return AccountID{}, accountIDError()
	}
	return a, nil
}

func accountIDError() error {
	return &InputError{Field: "account_id", Message: accountIDFormMessage}
}

// isTrimmable reports whether r may surround a pasted Account ID: white
// space and straight or typographic quotes. Zero-width characters are not
// white space and are refused, not trimmed.
func isTrimmable(r rune) bool {
	switch r {
	case '"', '\'', '`', '\u2018', '\u2019', '\u201c', '\u201d':
		return true
	}
	return unicode.IsSpace(r)
}

func isAccountAlphabet(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case c == '_' || c == '-':
		default:
			return false
		}
	}
	return true
}

// parseAccountForm parses an upper-case Account ID made only of ASCII
// letters, digits, '_' and '-'.
func parseAccountForm(u string) (AccountID, bool) {
	number, suffix, hasSuffix := strings.Cut(u, "_")
	if !hasSuffix {
		number, suffix, hasSuffix = strings.Cut(u, "-")
	}
	if rest, ok := strings.CutPrefix(number, "TSTDRV"); ok {
		if hasSuffix || !isDigits(rest, 1, maxAccountDigits) {
			return AccountID{}, false
		}
		return AccountID{number: number, kind: TestDrive}, true
	}
	if !isDigits(number, minAccountDigits, maxAccountDigits) {
		return AccountID{}, false
	}
	if !hasSuffix {
		return AccountID{number: number, kind: Production}, true
	}
	return parseSuffix(number, suffix)
}

func parseSuffix(number, suffix string) (AccountID, bool) {
	var kind AccountKind
	switch {
	case strings.HasPrefix(suffix, "SB"):
		kind = Sandbox
	case strings.HasPrefix(suffix, "RP"):
		kind = ReleasePreview
	default:
		return AccountID{}, false
	}
	digits := suffix[2:]
	if !isDigits(digits, 1, maxSuffixDigits) || digits[0] == '0' {
		return AccountID{}, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return AccountID{}, false
	}
	return AccountID{number: number, kind: kind, index: n}, true
}

func isDigits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Realm returns the form NetSuite uses in the TokenPassport and the OAuth
// realm: upper case with an underscore, e.g. "1234567_SB1".
func (a AccountID) Realm() string { return a.spell("_", "SB", "RP") }

// HostLabel returns the form used in host names: lower case with a
// hyphen, e.g. "1234567-sb1".
func (a AccountID) HostLabel() string {
	return strings.ToLower(a.spell("-", "SB", "RP"))
}

func (a AccountID) spell(sep, sandbox, preview string) string {
	switch a.kind {
	case Sandbox:
		return a.number + sep + sandbox + strconv.Itoa(a.index)
	case ReleasePreview:
		return a.number + sep + preview + strconv.Itoa(a.index)
	}
	return a.number
}

// Kind returns the sort of account.
func (a AccountID) Kind() AccountKind { return a.kind }

// IsSandbox reports whether the account is a sandbox.
func (a AccountID) IsSandbox() bool { return a.kind == Sandbox }

// IsZero reports whether a names no account.
func (a AccountID) IsZero() bool { return a.kind == 0 }

// String returns the Realm form.
func (a AccountID) String() string { return a.Realm() }

// MarshalText encodes the Realm form, so an AccountID can sit in JSON.
func (a AccountID) MarshalText() ([]byte, error) {
	return []byte(a.Realm()), nil
}

// UnmarshalText parses text with ParseAccountID.
func (a *AccountID) UnmarshalText(text []byte) error {
	parsed, err := ParseAccountID(string(text))
	if err != nil {
		return err
	}
	*a = parsed
	return nil
}

// Counterpart returns the account an administrator may have confused with
// a: the first sandbox of a production account, or the production account
// of a sandbox. Release preview and test drive accounts have none.
func (a AccountID) Counterpart() (AccountID, bool) {
	switch a.kind {
	case Production:
		return AccountID{number: a.number, kind: Sandbox, index: 1}, true
	case Sandbox:
		return AccountID{number: a.number, kind: Production}, true
	}
	return AccountID{}, false
}

// WebServicesHost returns the account's SOAP and REST web services host,
// "<label>.suitetalk.api.netsuite.com", or "" for the zero AccountID.
func (a AccountID) WebServicesHost() string {
	u, err := a.webServicesURL("/")
	if err != nil {
		return ""
	}
	return u.Host
}

var errNoHost = errors.New("netsuite: no web services host for this account")

// webServicesURL builds https://<label>.suitetalk.api.netsuite.com<path>
// with net/url, parses the result again and checks that the host is
// exactly the one intended. The label comes from the allow-list already;
// the re-check guards against a future change to that list.
func (a AccountID) webServicesURL(path string) (*url.URL, error) {
	if a.IsZero() {
		return nil, errNoHost
	}
	label := a.HostLabel()
	want := label + webServicesSuffix
	if !isHostLabel(label) {
		return nil, errNoHost
	}
	built := &url.URL{Scheme: "https", Host: want, Path: path}
	back, err := url.Parse(built.String())
	if err != nil {
		return nil, errNoHost
	}
	if back.Scheme != "https" || back.User != nil || back.Host != want ||
		back.Hostname() != want || back.Port() != "" ||
		!strings.HasSuffix(back.Hostname(), webServicesSuffix) ||
		back.Path != path {
		return nil, errNoHost
	}
	return back, nil
}

// isHostLabel reports whether s is a DNS label of lower-case letters,
// digits and inner hyphens.
func isHostLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

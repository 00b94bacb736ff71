package netsuitesim

import (
	"strconv"
	"time"
)

// timestampWindow is how far a request's timestamp may be from the
// simulator's clock, as NetSuite allows.
const timestampWindow = 5 * time.Minute

// login is what a SOAP TokenPassport or a REST OAuth header presents.
type login struct {
	Account     string // as sent: must already be in Realm form
	ConsumerKey string
	Token       string
	Nonce       string
	Timestamp   string
	Method      string // signature method
	Signature   string // base64
	Base        string // base string rebuilt from the request
}

// authenticate checks a login in the order NetSuite is believed to, and
// returns the account or the Login Audit Trail Detail of the refusal.
func (s *Simulator) authenticate(l login) (Account, string) {
	if l.Account == "" || l.ConsumerKey == "" || l.Token == "" ||
		l.Nonce == "" || l.Timestamp == "" || l.Signature == "" {
		return Account{}, DetailMissingFields
	}
	a, ok := s.account(l.Account)
	if !ok {
		return Account{}, DetailAccountUnknown
	}
	if l.Account != a.ID {
		// The lower-case or hyphen spelling is a host label, not a realm.
		return a, DetailRealmMismatch
	}
	if detail := s.checkFreshness(l); detail != "" {
		return a, detail
	}
	if detail := checkCredentials(l, a); detail != "" {
		return a, detail
	}
	if !s.useNonce(l.ConsumerKey, l.Nonce, l.Timestamp) {
		return a, DetailNonceUsed
	}
	return a, ""
}

func (s *Simulator) checkFreshness(l login) string {
	if l.Method != "HMAC-SHA256" {
		return DetailUnsupportedMethod
	}
	ts, err := strconv.ParseInt(l.Timestamp, 10, 64)
	if err != nil {
		return DetailInvalidTimestamp
	}
	skew := s.opts.Now().Sub(time.Unix(ts, 0))
	if skew > timestampWindow || skew < -timestampWindow {
		return DetailInvalidTimestamp
	}
	if !validNonce(l.Nonce) {
		return DetailNonceRejected
	}
	return ""
}

// checkCredentials compares the presented values with the account's: the
// integration record first, then the token, then the signature.
func checkCredentials(l login, a Account) string {
	switch {
	case l.ConsumerKey != a.ConsumerKey:
		return DetailConsumerKeyUnknown
	case a.Behaviour == IntegrationDisabled:
		return DetailConsumerKeyRefused
	case l.Token != a.TokenID:
		return DetailTokenUnknown
	case a.Behaviour == TokenRevoked:
		return DetailTokenRevoked
	case !signatureMatches(l.Signature, hmacSHA256(compositeKey(a), l.Base)):
		return DetailInvalidSignature
	}
	return ""
}

// validNonce: NetSuite takes 6 to 64 letters and digits.
func validNonce(n string) bool {
	if len(n) < 6 || len(n) > 64 {
		return false
	}
	for _, c := range []byte(n) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

package netsuite

import (
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// signatureMethod is the only method NetSuite accepts since HMAC-SHA1
// was withdrawn in 2023.1.
const signatureMethod = "HMAC-SHA256"

// NewNonce returns a fresh nonce of 26 upper-case letters and digits from
// crypto/rand. NetSuite accepts 6 to 64 alphanumeric characters and
// refuses a nonce and timestamp pair it has seen before.
func NewNonce() (string, error) {
	// rand.Text draws from the RFC 4648 base32 alphabet (A-Z, 2-7), all
	// alphanumeric, with 130 bits of entropy.
	return rand.Text(), nil
}

// TokenPassportSignature returns the base64 HMAC-SHA256 signature of a SOAP
// TokenPassport. The base string is account&consumerKey&token&nonce&
// timestamp and the key consumerSecret&tokenSecret, each part
// percent-encoded as RFC 5849 section 3.6 says.
func TokenPassportSignature(c Credentials, nonce string, timestamp int64) string {
	base := passportBaseString(c.Account.Realm(), c.ConsumerKey.Reveal(),
		c.TokenID.Reveal(), nonce, timestamp)
	return sign(sha256.New, signingKey(c), base)
}

func passportBaseString(account, consumerKey, token, nonce string, ts int64) string {
	parts := []string{account, consumerKey, token, nonce, strconv.FormatInt(ts, 10)}
	for i, p := range parts {
		parts[i] = percentEncode(p)
	}
	return strings.Join(parts, "&")
}

func signingKey(c Credentials) string {
	return percentEncode(c.ConsumerSecret.Reveal()) + "&" +
		percentEncode(c.TokenSecret.Reveal())
}

func sign(h func() hash.Hash, key, base string) string {
	m := hmac.New(h, []byte(key))
	m.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// OAuthHeader returns the value of the Authorization header for a REST
// request: OAuth 1.0a with HMAC-SHA256 as RFC 5849 section 3.4 describes.
// The query parameters of u are signed; the realm (the Account ID in Realm
// form) is sent but, as the RFC says, not signed.
func OAuthHeader(c Credentials, method string, u *url.URL, nonce string, timestamp int64) string {
	protocol := []param{
		{"oauth_consumer_key", c.ConsumerKey.Reveal()},
		{"oauth_nonce", nonce},
		{"oauth_signature_method", signatureMethod},
		{"oauth_timestamp", strconv.FormatInt(timestamp, 10)},
		{"oauth_token", c.TokenID.Reveal()},
		{"oauth_version", "1.0"},
	}
	signed := append(slices.Clone(protocol), queryParams(u)...)
	base := signatureBaseString(method, u, signed)
	signature := sign(sha256.New, signingKey(c), base)

	var b strings.Builder
	b.WriteString(`OAuth realm="`)
	b.WriteString(c.Account.Realm())
	b.WriteByte('"')
	for _, p := range append(protocol, param{"oauth_signature", signature}) {
		b.WriteString(", ")
		b.WriteString(p.key)
		b.WriteString(`="`)
		b.WriteString(percentEncode(p.value))
		b.WriteByte('"')
	}
	return b.String()
}

// param is one name and value of a signature base string.
type param struct{ key, value string }

// queryParams decodes the query of u the way RFC 5849 section 3.4.1.3.1
// asks: as application/x-www-form-urlencoded pairs.
func queryParams(u *url.URL) []param {
	var ps []param
	for k, vs := range u.Query() {
		for _, v := range vs {
			ps = append(ps, param{k, v})
		}
	}
	return ps
}

// signatureBaseString builds the RFC 5849 section 3.4.1 base string from
// the method, the base string URI of u and every parameter to sign.
func signatureBaseString(method string, u *url.URL, ps []param) string {
	return strings.ToUpper(method) + "&" + percentEncode(baseStringURI(u)) +
		"&" + percentEncode(normaliseParams(ps))
}

// baseStringURI applies RFC 5849 section 3.4.1.2: lower-case scheme and
// host, the port only when it is not the scheme's default, no query.
func baseStringURI(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if port != "" && !(scheme == "http" && port == "80") &&
		!(scheme == "https" && port == "443") {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// normaliseParams applies RFC 5849 section 3.4.1.3.2: encode every name
// and value, sort by name then value, join with '=' and '&'.
func normaliseParams(ps []param) string {
	enc := make([]param, len(ps))
	for i, p := range ps {
		enc[i] = param{percentEncode(p.key), percentEncode(p.value)}
	}
	slices.SortFunc(enc, func(a, b param) int {
		return cmp.Or(strings.Compare(a.key, b.key),
			strings.Compare(a.value, b.value))
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// percentEncode encodes s as RFC 5849 section 3.6 requires: every byte of
// its UTF-8 form except ALPHA, DIGIT, '-', '.', '_' and '~' becomes %XX
// with upper-case hexadecimal digits.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0f])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' ||
		'0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

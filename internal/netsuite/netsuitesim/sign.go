package netsuitesim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// The simulator's own implementation of the signing rules, written from
// RFC 5849 and NetSuite's description rather than shared with the client,
// so that a mistake in one is caught by the other.

// rfc3986Encode percent-encodes every byte outside the unreserved set
// (RFC 5849 section 3.6), with upper-case hexadecimal digits.
func rfc3986Encode(s string) string {
	var out []byte
	for _, b := range []byte(s) {
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
			out = append(out, b)
		case strings.IndexByte("-._~", b) >= 0:
			out = append(out, b)
		default:
			out = append(out, fmt.Sprintf("%%%02X", b)...)
		}
	}
	return string(out)
}

// hmacSHA256 returns the raw HMAC-SHA256 of msg under key.
func hmacSHA256(key, msg string) []byte {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// signatureMatches compares a base64 signature with the expected MAC in
// constant time.
func signatureMatches(given string, want []byte) bool {
	got, err := base64.StdEncoding.DecodeString(given)
	if err != nil {
		return false
	}
	return hmac.Equal(got, want)
}

// compositeKey is consumerSecret&tokenSecret, each part encoded.
func compositeKey(a Account) string {
	return rfc3986Encode(a.ConsumerSecret) + "&" + rfc3986Encode(a.TokenSecret)
}

// passportBase is NetSuite's TokenPassport base string:
// account&consumerKey&token&nonce&timestamp, each part encoded.
func passportBase(account, consumerKey, token, nonce, timestamp string) string {
	parts := []string{account, consumerKey, token, nonce, timestamp}
	for i := range parts {
		parts[i] = rfc3986Encode(parts[i])
	}
	return strings.Join(parts, "&")
}

// pair is one parameter of an OAuth base string.
type pair struct{ name, value string }

// oauthBase builds the RFC 5849 section 3.4.1 base string for a request
// as it arrived: method, base string URI, and the normalised parameters
// (query, and protocol parameters other than realm and oauth_signature).
func oauthBase(r *http.Request, protocol map[string]string) (string, error) {
	params, err := queryPairs(r.URL.RawQuery)
	if err != nil {
		return "", err
	}
	for name, value := range protocol {
		if name == "realm" || name == "oauth_signature" {
			continue
		}
		params = append(params, pair{name, value})
	}
	for i, p := range params {
		params[i] = pair{rfc3986Encode(p.name), rfc3986Encode(p.value)}
	}
	// Sort by encoded name, then by encoded value, byte by byte.
	sort.Slice(params, func(i, j int) bool {
		if params[i].name != params[j].name {
			return params[i].name < params[j].name
		}
		return params[i].value < params[j].value
	})
	encoded := make([]string, len(params))
	for i, p := range params {
		encoded[i] = p.name + "=" + p.value
	}
	return strings.ToUpper(r.Method) + "&" +
		rfc3986Encode(requestBaseURI(r)) + "&" +
		rfc3986Encode(strings.Join(encoded, "&")), nil
}

// requestBaseURI rebuilds the base string URI from the request line and
// Host header: lower-case scheme and host, default port left out.
func requestBaseURI(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := strings.ToLower(r.Host)
	if scheme == "http" {
		host = strings.TrimSuffix(host, ":80")
	} else {
		host = strings.TrimSuffix(host, ":443")
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path
}

// queryPairs decodes a raw query as form pairs, keeping empty values and
// duplicate names.
func queryPairs(raw string) ([]pair, error) {
	var out []pair
	for _, field := range strings.Split(raw, "&") {
		if field == "" {
			continue
		}
		name, value, _ := strings.Cut(field, "=")
		n, err := url.QueryUnescape(name)
		if err != nil {
			return nil, err
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			return nil, err
		}
		out = append(out, pair{n, v})
	}
	return out, nil
}

// parseOAuthHeader reads `OAuth name="value", ...` into decoded values.
// Any part that is not a quoted name=value pair makes it fail.
func parseOAuthHeader(h string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		return nil, fmt.Errorf("not an OAuth header")
	}
	out := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		name, quoted, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || len(quoted) < 2 || quoted[0] != '"' ||
			quoted[len(quoted)-1] != '"' {
			return nil, fmt.Errorf("malformed OAuth parameter")
		}
		value, err := url.PathUnescape(quoted[1 : len(quoted)-1])
		if err != nil {
			return nil, err
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("repeated OAuth parameter")
		}
		out[name] = value
	}
	return out, nil
}

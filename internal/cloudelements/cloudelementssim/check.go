package cloudelementssim

import (
	"crypto/subtle"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strings"
)

// elementKey is the only element the simulator knows.
const elementKey = "netsuiteerpv2"

// realmPattern matches a NetSuite account in realm form: digits or a
// test-drive id, optionally followed by a sandbox or release preview
// suffix, upper case.
var realmPattern = regexp.MustCompile(
	`^(?:[0-9]{1,12}|TSTDRV[0-9]{1,12})(?:_(?:SB|RP)[0-9]{1,3})?$`)

// tbaPattern matches a Consumer Key, Consumer Secret, Token ID or Token
// Secret as NetSuite issues them.
var tbaPattern = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// tbaKeys are the token-based configuration keys holding NetSuite values.
var tbaKeys = []string{"consumer_key", "consumer_secret", "token_id",
	"token_secret"}

// authorized reports whether r carries
// "User <user secret>, Organization <organization secret>" with the
// expected secrets, compared in constant time.
func (s *Simulator) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	userPart, orgPart, ok := strings.Cut(h, ",")
	if !ok {
		return false
	}
	user, ok1 := strings.CutPrefix(strings.TrimSpace(userPart), "User ")
	org, ok2 := strings.CutPrefix(strings.TrimSpace(orgPart), "Organization ")
	if !ok1 || !ok2 || s.user == "" || s.org == "" {
		return false
	}
	u := subtle.ConstantTimeCompare([]byte(user), []byte(s.user))
	o := subtle.ConstantTimeCompare([]byte(org), []byte(s.org))
	return u&o == 1
}

// isJSON reports whether r declares a JSON body.
func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// createRequest is the body of POST /instances as the simulator reads it.
type createRequest struct {
	Element *struct {
		Key string `json:"key"`
	} `json:"element"`
	Name          string         `json:"name"`
	Tags          []string       `json:"tags"`
	Configuration map[string]any `json:"configuration"`
}

// check returns the first problem with a create request, worded as Cloud
// Elements might, or "" when there is none.
func (c createRequest) check() string {
	switch {
	case c.Element == nil || c.Element.Key == "":
		return "Missing element key"
	case c.Element.Key != elementKey:
		return fmt.Sprintf("No element found with key %q", c.Element.Key)
	case strings.TrimSpace(c.Name) == "":
		return "Missing instance name"
	case c.Configuration == nil:
		return "Missing configuration"
	}
	for _, t := range c.Tags {
		if strings.TrimSpace(t) == "" {
			return "Tags must not be empty"
		}
	}
	return checkConfiguration(c.Configuration)
}

// checkConfiguration checks each required token-based key: present, of
// the right JSON type and in the right form.
func checkConfiguration(conf map[string]any) string {
	acct, msg := stringKey(conf, "netsuite.accountId")
	if msg != "" {
		return msg
	}
	if !realmPattern.MatchString(acct) {
		return "Invalid value for netsuite.accountId: not a NetSuite " +
			"account ID in realm form"
	}
	if _, ok := conf["netsuite.sandbox"]; !ok {
		return "Missing required configuration: netsuite.sandbox"
	}
	if _, ok := conf["netsuite.sandbox"].(bool); !ok {
		return "Invalid value for netsuite.sandbox: expected a boolean"
	}
	auth, msg := stringKey(conf, "authentication.type")
	if msg != "" {
		return msg
	}
	if auth != "TokenBasedAuthentication" {
		return "Invalid value for authentication.type: expected " +
			"TokenBasedAuthentication"
	}
	for _, k := range tbaKeys {
		v, msg := stringKey(conf, k)
		if msg != "" {
			return msg
		}
		if !tbaPattern.MatchString(v) {
			return "Invalid value for " + k + ": expected 64 " +
				"hexadecimal characters"
		}
	}
	return ""
}

// stringKey returns conf[k] as a string, or a message naming k when it
// is missing or not a string.
func stringKey(conf map[string]any, k string) (string, string) {
	v, ok := conf[k]
	if !ok {
		return "", "Missing required configuration: " + k
	}
	s, ok := v.(string)
	if !ok {
		return "", "Invalid value for " + k + ": expected a string"
	}
	return s, ""
}

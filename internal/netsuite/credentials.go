package netsuite

import (
	"strings"

	"tbaportal/internal/secrets"
)

// Credentials are the five values an administrator enters: the Account ID
// and the four TBA values from the integration record and the access token.
type Credentials struct {
	Account        AccountID
	ConsumerKey    secrets.Secret
	ConsumerSecret secrets.Secret
	TokenID        secrets.Secret
	TokenSecret    secrets.Secret
}

// complete reports whether every value is present.
func (c Credentials) complete() bool {
	return !c.Account.IsZero() && !c.ConsumerKey.IsZero() &&
		!c.ConsumerSecret.IsZero() && !c.TokenID.IsZero() &&
		!c.TokenSecret.IsZero()
}

// tbaValueLength is the length of every Consumer Key, Consumer Secret,
// Token ID and Token Secret NetSuite issues: 64 hexadecimal characters.
const tbaValueLength = 64

// ParseTBAValue trims a pasted Consumer Key, Consumer Secret, Token ID or
// Token Secret and checks that it has NetSuite's shape (64 hexadecimal
// characters). field names the value in the error, e.g. "Consumer Key".
// Errors are *InputError and never repeat the value.
func ParseTBAValue(field, s string) (secrets.Secret, error) {
	t := strings.TrimFunc(s, isTrimmable)
	if t == "" {
		return secrets.Secret{}, &InputError{
			Field:   fieldKey(field),
			Message: "Enter the " + field + ".",
		}
	}
	if len(t) != tbaValueLength || !isHex(t) {
		return secrets.Secret{}, &InputError{
			Field: fieldKey(field),
			Message: "The " + field + " NetSuite shows is 64 characters " +
				"of 0-9 and a-f. Copy it again in full.",
		}
	}
	return secrets.New(t), nil
}

func fieldKey(field string) string {
	return strings.ReplaceAll(strings.ToLower(field), " ", "_")
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' ||
			'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

package cloudelements

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"tbaportal/internal/secrets"
)

// maxMessageLen caps Cloud Elements' error text kept in an *Error, so a
// verbose or hostile server cannot flood logs and admin pages.
const maxMessageLen = 500

// maxIDLen caps an instance ID; real ones are a handful of digits.
const maxIDLen = 40

// wireInstance is an instance as Cloud Elements encodes it. Only the
// fields the portal keeps are declared; the rest are ignored.
type wireInstance struct {
	ID    json.RawMessage `json:"id"`
	Name  string          `json:"name"`
	Token string          `json:"token"`
	Tags  []string        `json:"tags"`
}

// wireError is Cloud Elements' error body.
type wireError struct {
	Message   string `json:"message"`
	RequestID string `json:"requestId"`
}

// parseInstanceResponse turns the answer to POST /instances into an
// Instance, or an *Error for any status other than 200 or 201 and for a
// success body that lacks an id or a token.
func parseInstanceResponse(status int, h http.Header, body []byte,
	now time.Time) (Instance, *Error) {
	if status != http.StatusOK && status != http.StatusCreated {
		return Instance{}, statusError(opCreate, status, h, body, now)
	}
	var w wireInstance
	if err := decodeJSON(body, &w); err != nil {
		return Instance{}, badResponse(opCreate, status, err)
	}
	in, err := w.instance()
	if err != nil {
		return Instance{}, badResponse(opCreate, status, err)
	}
	return in, nil
}

// parseInstanceList turns the answer to GET /instances into instances.
func parseInstanceList(status int, h http.Header, body []byte,
	now time.Time) ([]Instance, *Error) {
	if status != http.StatusOK {
		return nil, statusError(opFind, status, h, body, now)
	}
	var ws []wireInstance
	if err := decodeJSON(body, &ws); err != nil {
		return nil, badResponse(opFind, status, err)
	}
	out := make([]Instance, 0, len(ws))
	for i, w := range ws {
		in, err := w.instance()
		if err != nil {
			return nil, badResponse(opFind, status,
				fmt.Errorf("instance %d: %w", i, err))
		}
		out = append(out, in)
	}
	return out, nil
}

// decodeJSON decodes exactly one JSON value, with numbers kept as text so
// that a large instance ID survives unchanged.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return errors.New("body is not the expected JSON")
	}
	if dec.More() {
		return errors.New("body holds more than one JSON value")
	}
	return nil
}

// instance checks a decoded instance and converts it.
func (w wireInstance) instance() (Instance, error) {
	id, err := parseID(w.ID)
	if err != nil {
		return Instance{}, err
	}
	if w.Token == "" {
		return Instance{}, errors.New("instance token missing")
	}
	return Instance{
		ID:    id,
		Name:  w.Name,
		Tags:  w.Tags,
		Token: secrets.New(w.Token),
	}, nil
}

// parseID accepts the instance id as a JSON integer or a string of
// digits, and keeps its decimal text.
func parseID(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	var s string
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", errors.New("instance id missing")
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", errors.New("instance id unreadable")
		}
	default:
		s = string(raw)
	}
	if !isDigits(s) || len(s) > maxIDLen {
		return "", errors.New("instance id is not a whole number")
	}
	return s, nil
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// errorMessage picks the text to show for a failed call: Cloud Elements'
// message and request id when the body has them, else the status text.
func errorMessage(status int, body []byte) string {
	var w wireError
	if json.Unmarshal(body, &w) != nil || w.Message == "" {
		w.Message = http.StatusText(status)
	}
	if w.Message == "" {
		w.Message = fmt.Sprintf("HTTP status %d", status)
	}
	msg := w.Message
	if w.RequestID != "" {
		msg += " (request id " + w.RequestID + ")"
	}
	return clip(msg, maxMessageLen)
}

// clip makes s valid UTF-8 and cuts it to at most n bytes on a rune
// boundary, marking the cut with an ellipsis.
func clip(s string, n int) string {
	const ellipsis = "…"
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// badResponse reports a success status whose body could not be used.
func badResponse(op string, status int, err error) *Error {
	return &Error{
		op:      op,
		Kind:    KindBadResponse,
		Status:  status,
		Message: "unreadable response from Cloud Elements",
		Err:     err,
	}
}

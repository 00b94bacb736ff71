package cloudelements

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"

	"tbaportal/internal/secrets"
)

// Configuration keys of a token-based NetSuite instance.
const (
	keyAccountID   = "netsuite.accountId"
	keySandbox     = "netsuite.sandbox"
	keyAuthType    = "authentication.type"
	keyConsumerKey = "consumer_key"
	keyConsumerSec = "consumer_secret"
	keyTokenID     = "token_id"
	keyTokenSecret = "token_secret"

	authTypeTBA = "TokenBasedAuthentication"
)

// InstanceRequest is everything needed to create one NetSuite instance.
type InstanceRequest struct {
	Name      string
	Tags      []string // includes the submission's unique tag
	AccountID string   // realm form, e.g. "1234567_SB1"
	Sandbox   bool

	ConsumerKey, ConsumerSecret, TokenID, TokenSecret secrets.Secret

	// Extra holds optional configuration the operator chose, such as
	// netsuite.sso.roleId or filter.response.nulls. It may not name a
	// required key.
	Extra map[string]string
}

// Instance is a Cloud Elements instance as the portal keeps it.
type Instance struct {
	ID    string // Cloud Elements' numeric id, as decimal text
	Name  string
	Tags  []string
	Token secrets.Secret // authorises every later call on the instance
}

// createBody is the JSON body of POST /instances.
type createBody struct {
	Element       elementRef     `json:"element"`
	Name          string         `json:"name"`
	Tags          []string       `json:"tags"`
	Configuration map[string]any `json:"configuration"`
}

// elementRef names the element an instance is made from.
type elementRef struct {
	Key string `json:"key"`
}

// CreateInstance posts one new NetSuite instance. It makes exactly one
// attempt; see Error.Retryable for what a failure means for the next.
func (c *Client) CreateInstance(ctx context.Context,
	r InstanceRequest) (Instance, error) {
	tba := []secrets.Secret{
		r.ConsumerKey, r.ConsumerSecret, r.TokenID, r.TokenSecret,
	}
	body, e := c.createBody(r)
	if e != nil {
		return Instance{}, c.fail(ctx, e, tba...)
	}

	rep, e := c.send(ctx, opCreate, http.MethodPost, "/instances", nil,
		body, maxCreateBody)
	if e != nil {
		return Instance{}, c.fail(ctx, e, tba...)
	}
	in, e := parseInstanceResponse(rep.status, rep.header, rep.body, c.now())
	if e != nil {
		return Instance{}, c.fail(ctx, e, tba...)
	}

	c.log.LogAttrs(ctx, slog.LevelInfo, "cloud elements instance created",
		slog.String("instance_id", in.ID), slog.Int("status", rep.status))
	return in, nil
}

// createBody checks r and encodes it. The checks catch mistakes that
// Cloud Elements would reject anyway, without spending a call.
func (c *Client) createBody(r InstanceRequest) ([]byte, *Error) {
	switch {
	case r.Name == "":
		return nil, rejected("instance name is empty")
	case r.AccountID == "":
		return nil, rejected("Account ID is empty")
	case r.ConsumerKey.IsZero(), r.ConsumerSecret.IsZero(),
		r.TokenID.IsZero(), r.TokenSecret.IsZero():
		return nil, rejected("a token-based authentication value is empty")
	}
	conf, e := configuration(r)
	if e != nil {
		return nil, e
	}
	tags := r.Tags
	if tags == nil {
		tags = []string{}
	}
	body, err := json.Marshal(createBody{
		Element:       elementRef{Key: c.elementKey},
		Name:          r.Name,
		Tags:          tags,
		Configuration: conf,
	})
	if err != nil {
		// Strings, booleans and maps of them always encode.
		return nil, &Error{op: opCreate, Kind: KindRejected,
			Message: "BUG: could not encode the request"}
	}
	return body, nil
}

// configuration builds the instance configuration: the token-based keys
// first, then the extras, none of which may replace a required key.
func configuration(r InstanceRequest) (map[string]any, *Error) {
	conf := map[string]any{
		keyAccountID:   r.AccountID,
		keySandbox:     r.Sandbox,
		keyAuthType:    authTypeTBA,
		keyConsumerKey: r.ConsumerKey.Reveal(),
		keyConsumerSec: r.ConsumerSecret.Reveal(),
		keyTokenID:     r.TokenID.Reveal(),
		keyTokenSecret: r.TokenSecret.Reveal(),
	}
	keys := make([]string, 0, len(r.Extra))
	for k := range r.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the same key each time
	for _, k := range keys {
		if _, required := conf[k]; required || k == "" {
			return nil, rejected("extra configuration key " +
				quote(k) + " may not replace a required key")
		}
	}
	for _, k := range keys {
		conf[k] = r.Extra[k]
	}
	return conf, nil
}

// rejected is a create request refused before it was sent.
func rejected(msg string) *Error {
	return &Error{op: opCreate, Kind: KindRejected, Message: msg}
}

// quote renders a configuration key for a message, bounded in length.
func quote(k string) string {
	b, _ := json.Marshal(clip(k, 80))
	return string(b)
}

// Package netsuitesim is a NetSuite stand-in for tests and demonstrations.
// It serves the data-center lookup, the SOAP getServerTime call with a
// TokenPassport and the REST serverTime resource with OAuth 1.0a, checks
// every signature with its own code (it shares none with package netsuite),
// answers failures the way NetSuite does, and records the real reason in a
// Login Audit Trail that tests can read.
//
// Where NetSuite's behaviour is not documented (the body of a failed
// data-center lookup, the Detail values for some failures), the simulator
// makes a reasonable choice and says so in a comment.
package netsuitesim

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Behaviour scripts how the simulator answers for one account.
type Behaviour string

// The scripted behaviours. Normal ("") answers like a healthy account.
// UnknownFault answers a good login with a fault the portal does not
// know. DropConnection closes the connection of every SOAP and REST call
// without answering; LookupDropped does the same to the data-center
// lookup alone, as when rest.netsuite.com cannot be reached but the
// account's own domain can.
const (
	Normal                  Behaviour = ""
	FeatureDisabled         Behaviour = "feature_disabled"
	NoWebServicesPermission Behaviour = "no_web_services_permission"
	NoRESTPermission        Behaviour = "no_rest_permission"
	ConcurrencyLimit        Behaviour = "concurrency_limit"
	Busy429                 Behaviour = "busy_429"
	Unavailable503          Behaviour = "unavailable_503"
	Hang                    Behaviour = "hang"
	Slow                    Behaviour = "slow"
	MalformedXML            Behaviour = "malformed_xml"
	IntegrationDisabled     Behaviour = "integration_disabled"
	TokenRevoked            Behaviour = "token_revoked"
	UnknownFault            Behaviour = "unknown_fault"
	DropConnection          Behaviour = "drop_connection"
	LookupDropped           Behaviour = "lookup_dropped"
)

// UnknownFaultCode and UnknownFaultMessage are what the UnknownFault
// behaviour answers. The code is made up, so that no fault the portal
// learns to recognise can ever match it, and the message carries markup,
// so that a test can see that it is shown as text.
const (
	UnknownFaultCode    = "SIM_UNRECOGNISED_FAULT"
	UnknownFaultMessage = "Something new went wrong: <b>x</b> & <i>y</i>."
)

// Login Audit Trail Detail values. The first seven are NetSuite's own;
// the others are the simulator's names for causes whose NetSuite Detail
// value is not documented.
const (
	DetailInvalidSignature   = "InvalidSignature"
	DetailConsumerKeyUnknown = "consumer_key_unknown"
	DetailConsumerKeyRefused = "consumer_key_refused"
	DetailFeatureDisabled    = "FeatureDisabled"
	DetailNonceUsed          = "NonceUsed"
	DetailNonceRejected      = "nonce_rejected"
	DetailInvalidTimestamp   = "InvalidTimestamp"
	DetailMissingFields      = "MissingTokenPassportRequiredFields"

	DetailAccountUnknown      = "sim_account_unknown"
	DetailTokenUnknown        = "sim_token_unknown"
	DetailTokenRevoked        = "sim_token_revoked"
	DetailUnsupportedMethod   = "sim_signature_method_unsupported"
	DetailRealmMismatch       = "sim_realm_mismatch"
	DetailPermissionViolation = "sim_permission_violation"
)

// Account is one simulated NetSuite account with one integration record
// (Consumer Key and Secret) and one access token (Token ID and Secret).
type Account struct {
	ID                          string // Realm form: "1234567" or "1234567_SB1"
	ConsumerKey, ConsumerSecret string
	TokenID, TokenSecret        string
	Behaviour                   Behaviour
}

// Options configure a Simulator.
type Options struct {
	// Now is the simulator's clock, also sent in the Date header; a clock
	// set apart from the portal's lets a test provoke clock skew.
	Now    func() time.Time
	Logger *slog.Logger
	// SlowDelay is the pause of the Slow behaviour; default 2 s.
	SlowDelay time.Duration
	// HangLimit ends a Hang after this long even if the client stays;
	// default 1 minute.
	HangLimit time.Duration
	// RetryAfterDate sends Retry-After as an HTTP date instead of seconds.
	RetryAfterDate bool
}

// Simulator is a simulated NetSuite. It is safe for concurrent use.
type Simulator struct {
	opts     Options
	requests atomic.Int64

	mu       sync.Mutex
	accounts map[string]*Account
	nonces   map[string]time.Time
	audit    map[string][]string
}

// New returns a Simulator with no accounts.
func New(opts Options) *Simulator {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = 2 * time.Second
	}
	if opts.HangLimit <= 0 {
		opts.HangLimit = time.Minute
	}
	return &Simulator{
		opts:     opts,
		accounts: map[string]*Account{},
		nonces:   map[string]time.Time{},
		audit:    map[string][]string{},
	}
}

// AddAccount adds a (replacing any account with the same ID).
func (s *Simulator) AddAccount(a Account) {
	a.ID = canonicalID(a.ID)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[a.ID] = &a
}

// SetBehaviour changes the scripted behaviour of a known account.
func (s *Simulator) SetBehaviour(accountID string, b Behaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.accounts[canonicalID(accountID)]; ok {
		a.Behaviour = b
	}
}

// Requests returns how many requests the simulator has received.
func (s *Simulator) Requests() int { return int(s.requests.Load()) }

// LoginAudit returns the Detail values recorded for failed logins to the
// account, oldest first.
func (s *Simulator) LoginAudit(accountID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.audit[canonicalID(accountID)]...)
}

// DemoAccount returns a fixed account for demonstrations; its values are
// 64 hexadecimal characters like NetSuite's and are public.
func DemoAccount() Account {
	return Account{
		ID:             "1234567",
		ConsumerKey:    demoValue("consumer key"),
		ConsumerSecret: demoValue("consumer secret"),
		TokenID:        demoValue("token id"),
		TokenSecret:    demoValue("token secret"),
	}
}

func demoValue(name string) string {
	sum := sha256.Sum256([]byte("tbaportal netsuitesim demo " + name))
	return hex.EncodeToString(sum[:])
}

// canonicalID spells an Account ID the way the simulator keys it: upper
// case with an underscore.
func canonicalID(id string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(id), "-", "_"))
}

// account returns a copy of the account, so that handlers read it without
// holding the lock.
func (s *Simulator) account(id string) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[canonicalID(id)]
	if !ok {
		return Account{}, false
	}
	return *a, true
}

// maxAuditEntries bounds the trail kept per account; older entries go.
const maxAuditEntries = 1000

// recordAudit adds a Detail value to the trail of a known account. As in
// NetSuite, a login to an account that does not exist leaves no trail
// (which also keeps hostile input from growing the simulator's memory).
func (s *Simulator) recordAudit(accountID, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := canonicalID(accountID)
	if _, ok := s.accounts[id]; !ok {
		return
	}
	trail := append(s.audit[id], detail)
	if len(trail) > maxAuditEntries {
		trail = trail[len(trail)-maxAuditEntries:]
	}
	s.audit[id] = trail
}

// nonceWindow is how long a nonce is remembered: longer than the
// timestamp window, so no replay can slip between the two checks.
const nonceWindow = 15 * time.Minute

// useNonce records a nonce and timestamp for a consumer key and reports
// whether the pair was fresh.
func (s *Simulator) useNonce(consumerKey, nonce, timestamp string) bool {
	now := s.opts.Now()
	key := consumerKey + "\x00" + nonce + "\x00" + timestamp
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.nonces[key]; seen {
		return false
	}
	if len(s.nonces) > 10000 {
		for k, at := range s.nonces {
			if now.Sub(at) > nonceWindow {
				delete(s.nonces, k)
			}
		}
	}
	s.nonces[key] = now
	return true
}

// drop closes the connection without answering, as a network failure
// between the portal and NetSuite would. Where the connection cannot be
// taken (HTTP/2, a recorder), the handler aborts, which also sends
// nothing.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// maxRequestBody bounds what the simulator reads of a request.
const maxRequestBody = 1 << 20

// Handler returns the simulator's HTTP handler.
func (s *Simulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rest/datacenterurls", s.serveDataCenter)
	mux.HandleFunc("POST /services/{port}", s.serveSOAP)
	mux.HandleFunc("GET /services/rest/system/v1/serverTime", s.serveREST)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		w.Header().Set("Date", s.opts.Now().UTC().Format(http.TimeFormat))
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		mux.ServeHTTP(w, r)
	})
}

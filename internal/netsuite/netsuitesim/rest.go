package netsuitesim

import (
	"encoding/json"
	"net/http"
	"strings"
)

// restProblem is the body of a failed REST call: an RFC 9457 problem with
// NetSuite's o:errorDetails.
type restProblem struct {
	Type    string            `json:"type"`
	Title   string            `json:"title"`
	Status  int               `json:"status"`
	Details []restErrorDetail `json:"o:errorDetails"`
}

type restErrorDetail struct {
	Detail string `json:"detail"`
	Code   string `json:"o:errorCode"`
}

func (s *Simulator) serveREST(w http.ResponseWriter, r *http.Request) {
	params, err := parseOAuthHeader(r.Header.Get("Authorization"))
	if err != nil {
		s.refuse(r, "", DetailMissingFields)
		writeInvalidREST(w)
		return
	}
	realm := params["realm"]
	a, known := s.account(realm)
	if known && !s.preAuthREST(w, r, a) {
		return
	}
	base, err := oauthBase(r, params)
	version := params["oauth_version"]
	if err != nil || (version != "" && version != "1.0") {
		s.refuse(r, realm, DetailMissingFields)
		writeInvalidREST(w)
		return
	}
	a, detail := s.authenticate(login{
		Account: realm, ConsumerKey: params["oauth_consumer_key"],
		Token: params["oauth_token"], Nonce: params["oauth_nonce"],
		Timestamp: params["oauth_timestamp"],
		Method:    params["oauth_signature_method"],
		Signature: params["oauth_signature"], Base: base,
	})
	if detail != "" {
		s.refuse(r, realm, detail)
		writeInvalidREST(w)
		return
	}
	if a.Behaviour == NoRESTPermission {
		s.recordAudit(a.ID, DetailPermissionViolation)
		writeProblem(w, http.StatusForbidden, "Forbidden", "INSUFFICIENT_PERMISSION",
			"Permission Violation: You need the 'REST Web Services' permission "+
				"to access this page.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"serverTime": s.opts.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
	})
}

// preAuthREST plays the behaviours that act before the login is checked.
// Only throttling, delays and dropped connections apply to REST; the
// SOAP-specific failures do not.
func (s *Simulator) preAuthREST(w http.ResponseWriter, r *http.Request, a Account) bool {
	switch a.Behaviour {
	case Busy429:
		s.writeRetryAfter(w)
		http.Error(w, "Too many requests", http.StatusTooManyRequests)
		return false
	case Unavailable503:
		http.Error(w, "Service unavailable", http.StatusServiceUnavailable)
		return false
	case Hang:
		s.wait(r.Context(), s.opts.HangLimit)
		return false
	case Slow:
		return s.wait(r.Context(), s.opts.SlowDelay)
	case DropConnection:
		drop(w)
		return false
	case FeatureDisabled:
		s.recordAudit(a.ID, DetailFeatureDisabled)
		writeInvalidREST(w)
		return false
	}
	return true
}

func writeInvalidREST(w http.ResponseWriter) {
	writeProblem(w, http.StatusUnauthorized, "Unauthorized", "INVALID_LOGIN",
		"Invalid login attempt. For more details, see the Login Audit Trail "+
			"in the NetSuite UI at Setup > Users/Roles > User Management > "+
			"View Login Audit Trail.")
}

func writeProblem(w http.ResponseWriter, status int, title, code, detail string) {
	w.Header().Set("Content-Type", "application/vnd.oracle.resource+json; "+
		"type=error; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(restProblem{
		Type: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5." +
			statusSection(status),
		Title:   title,
		Status:  status,
		Details: []restErrorDetail{{Detail: detail, Code: code}},
	})
}

func statusSection(status int) string {
	if status == http.StatusForbidden {
		return "4"
	}
	return "2"
}

// labelOf spells a Realm-form Account ID as a host label.
func labelOf(id string) string {
	return strings.ToLower(strings.ReplaceAll(id, "_", "-"))
}

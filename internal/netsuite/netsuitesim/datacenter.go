package netsuitesim

import (
	"encoding/json"
	"net/http"
)

// serveDataCenter answers GET /rest/datacenterurls?account=<id> for known
// accounts. For an unknown account NetSuite's exact answer is not
// documented; the simulator answers 400 with a JSON error, which is what
// a client must treat as "no such account". LookupDropped closes the
// connection instead of answering.
func (s *Simulator) serveDataCenter(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("account")
	a, ok := s.account(id)
	if ok && a.Behaviour == LookupDropped {
		drop(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if !ok || id == "" {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"error": map[string]string{
				"code":    "INVALID_ACCOUNT_ID",
				"message": "Invalid account ID.",
			},
		})
		return
	}
	label := labelOf(a.ID)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"restDomain":        "https://" + label + ".restlets.api.netsuite.com",
		"webservicesDomain": "https://" + label + ".suitetalk.api.netsuite.com",
		"systemDomain":      "https://" + label + ".app.netsuite.com",
	})
}

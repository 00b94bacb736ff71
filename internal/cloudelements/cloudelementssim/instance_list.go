package cloudelementssim

import (
	"net/http"
	"slices"
	"strconv"
)

// serveList handles GET /instances. Every tags[] parameter must be among
// an instance's tags for it to be listed.
func (s *Simulator) serveList(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized,
			"Invalid Organization or User secret, or invalid Element token")
		return
	}
	want := r.URL.Query()["tags[]"]

	out := []wireInstance{}
	for _, in := range s.Instances() {
		if hasAll(in.Tags, want) {
			out = append(out, in.wire())
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// serveGet handles GET /instances/{id}.
func (s *Simulator) serveGet(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized,
			"Invalid Organization or User secret, or invalid Element token")
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "No instance found")
		return
	}
	for _, in := range s.Instances() {
		if in.ID == id {
			writeJSON(w, http.StatusOK, in.wire())
			return
		}
	}
	writeError(w, http.StatusNotFound, "No instance found with id %d", id)
}

// hasAll reports whether tags includes every tag in want.
func hasAll(tags, want []string) bool {
	for _, t := range want {
		if !slices.Contains(tags, t) {
			return false
		}
	}
	return true
}

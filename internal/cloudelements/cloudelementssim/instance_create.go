package cloudelementssim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"time"
)

// maxBody caps a create request body.
const maxBody = 1 << 20

// wireInstance is an instance as the API encodes it.
type wireInstance struct {
	ID      int64    `json:"id"`
	Name    string   `json:"name"`
	Token   string   `json:"token"`
	Tags    []string `json:"tags"`
	Element struct {
		Key string `json:"key"`
	} `json:"element"`
	Valid    bool `json:"valid"`
	Disabled bool `json:"disabled"`
}

// serveCreate handles POST /instances: it reads the body, plays any
// scripted fault, checks the request and stores the instance.
func (s *Simulator) serveCreate(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge,
				"Request body too large")
		}
		return
	}
	fault := s.nextFault()
	if playBefore(w, r, fault) {
		return
	}

	in, status, msg := s.create(r, body)
	if msg != "" {
		writeError(w, status, "%s", msg)
		return
	}

	switch fault {
	case FaultCreateThen503:
		writeError(w, http.StatusServiceUnavailable, "Service Unavailable")
	case FaultCreateThenHang:
		hang(r)
	default:
		writeJSON(w, http.StatusOK, in.wire())
	}
}

// playBefore plays a fault that answers instead of creating, and reports
// whether it did.
func playBefore(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch f {
	case "", FaultCreateThen503, FaultCreateThenHang:
		return false
	case Fault503:
		writeError(w, http.StatusServiceUnavailable, "Service Unavailable")
	case Fault429:
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "Rate limit exceeded")
	case Fault429Date:
		at := time.Now().Add(2 * time.Minute).UTC()
		w.Header().Set("Retry-After", at.Format(http.TimeFormat))
		writeError(w, http.StatusTooManyRequests, "Rate limit exceeded")
	case Fault400:
		writeError(w, http.StatusBadRequest,
			"Simulated rejection of the instance")
	case FaultTimeout:
		hang(r)
	case FaultBadJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"id": 1, "token": "<html>oops`)
	case FaultReset:
		reset(w)
	default:
		writeError(w, http.StatusInternalServerError,
			"Unknown simulated fault %q", string(f))
	}
	return true
}

// create checks the request and stores a new instance. On failure it
// returns the status and message to answer with.
func (s *Simulator) create(r *http.Request, body []byte) (Instance, int,
	string) {
	if !s.authorized(r) {
		return Instance{}, http.StatusUnauthorized,
			"Invalid Organization or User secret, or invalid Element token"
	}
	if !isJSON(r) {
		return Instance{}, http.StatusUnsupportedMediaType,
			"Content-Type must be application/json"
	}
	var req createRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return Instance{}, http.StatusBadRequest, "Malformed JSON body"
	}
	if msg := req.check(); msg != "" {
		return Instance{}, http.StatusBadRequest, msg
	}
	return s.store(req), 0, ""
}

// store keeps a checked request as a new instance with a fresh id and
// token.
func (s *Simulator) store(req createRequest) Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := Instance{
		ID:            s.nextID,
		Name:          req.Name,
		Tags:          slices.Clone(req.Tags),
		Configuration: req.Configuration,
		ElementKey:    req.Element.Key,
		Token:         newToken(),
	}
	s.nextID++
	s.instances = append(s.instances, in)
	return in.clone()
}

// newToken returns a random instance token shaped like Cloud Elements'.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.StdEncoding.EncodeToString(b)
}

// wire encodes in as the API does.
func (in Instance) wire() wireInstance {
	w := wireInstance{
		ID:    in.ID,
		Name:  in.Name,
		Token: in.Token,
		Tags:  in.Tags,
		Valid: true,
	}
	if w.Tags == nil {
		w.Tags = []string{}
	}
	w.Element.Key = in.ElementKey
	return w
}

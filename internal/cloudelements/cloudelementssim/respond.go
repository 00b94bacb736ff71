package cloudelementssim

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// maxHang bounds how long a scripted hang lasts when the client never
// gives up, so that a forgotten test cannot hold a server open forever.
const maxHang = 2 * time.Minute

// errorBody is Cloud Elements' error shape.
type errorBody struct {
	RequestID string `json:"requestId"`
	Message   string `json:"message"`
}

// writeJSON answers status with v encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError answers status with Cloud Elements' error body.
func writeError(w http.ResponseWriter, status int, format string,
	args ...any) {
	writeJSON(w, status, errorBody{
		RequestID: requestID(),
		Message:   fmt.Sprintf(format, args...),
	})
}

// requestID is a random id like the ones Cloud Elements puts in errors.
func requestID() string {
	return rand.Text()[:24]
}

// hang waits until the client goes away (or maxHang passes) and
// answers nothing.
func hang(r *http.Request) {
	t := time.NewTimer(maxHang)
	defer t.Stop()
	select {
	case <-r.Context().Done():
	case <-t.C:
	}
}

// reset drops the connection with a TCP reset and no answer.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 cannot hijack; aborting the handler resets the stream.
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close with RST, not FIN
	}
	_ = conn.Close()
}

// delayed waits the configured delay before handling each request. It
// reads the body first: only then does net/http notice a client that
// hangs up, which ends the wait early.
func (s *Simulator) delayed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := s.currentDelay()
		if d <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge,
				"Request body unreadable or too large")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))

		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-t.C:
			next.ServeHTTP(w, r)
		}
	})
}

// logged records each request with the status it got.
func (s *Simulator) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		s.log.LogAttrs(r.Context(), slog.LevelInfo,
			"cloud elements simulator request",
			slog.String("method", r.Method),
			slog.String("route", r.Pattern),
			slog.Int("status", rec.status))
	})
}

// recorder notes the status a handler wrote. Unwrap lets
// http.ResponseController reach the connection for a hijack.
type recorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader records status and passes it on.
func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// Unwrap returns the wrapped writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

package web

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"
)

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes a component with status. It renders into a pooled buffer
// first, so a template failure still yields a clean error page instead of
// half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf := bufferPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() < 1<<20 {
			bufferPool.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		s.log.ErrorContext(r.Context(), "render failed", "error", err)
		http.Error(w, "The page could not be shown. Please try again.",
			http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// redirect answers a POST with 303 See Other, so reloading the next page
// never posts the form again. Destinations are always paths the portal
// built itself, never user input.
func redirect(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, path, http.StatusSeeOther)
}

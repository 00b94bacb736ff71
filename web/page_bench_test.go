package web_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"tbaportal/internal/testharness"
	"tbaportal/web"
)

// BenchmarkWizardPages serves every wizard page, and the error page,
// through the whole route table and its middleware with a customer's
// session cookie: the cookie check, the database reads, the rendering and
// the access log line, everything the portal does for a page except TLS
// and the network. The customer has verified their values, so every step
// can be shown and Verify shows its diagnosis.
func BenchmarkWizardPages(b *testing.B) {
	h := testharness.New(b, testharness.Options{LogTo: io.Discard,
		Web: func(o *web.Options) { o.PageRateLimit = 1 << 30 }})
	cookie := verifiedCustomer(b, h)
	handler := h.Server.Handler()

	pages := []struct {
		name   string
		path   string
		status int
		want   string // only the complete page holds it
	}{
		{"welcome", "/wizard/welcome", http.StatusOK, `action="/wizard/welcome"`},
		{"account-id", "/wizard/account-id", http.StatusOK, `value="1234567"`},
		{"enable-tba", "/wizard/enable-tba", http.StatusOK, `action="/wizard/enable-tba"`},
		{"role", "/wizard/role", http.StatusOK, "Permissions the role needs"},
		{"assign-role", "/wizard/assign-role", http.StatusOK, `action="/wizard/assign-role"`},
		{"integration", "/wizard/integration", http.StatusOK, "Saved, ending in"},
		{"access-token", "/wizard/access-token", http.StatusOK, "Saved, ending in"},
		{"verify", "/wizard/verify", http.StatusOK, "diagnosis-ok"},
		{"connect", "/wizard/connect", http.StatusOK, `action="/wizard/connect"`},
		{"error", "/wizard/no-such-step", http.StatusNotFound, "Page not found"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			w := &pageWriter{header: http.Header{}}
			for b.Loop() {
				w.reset()
				handler.ServeHTTP(w, pageRequest(p.path, cookie))
				if w.status != p.status || w.body.Len() == 0 {
					b.Fatalf("GET %s: status %d with %d bytes, want %d with a page",
						p.path, w.status, w.body.Len(), p.status)
				}
			}
			body := w.body.String()
			if !strings.Contains(body, p.want) || !strings.HasSuffix(body, "</html>") {
				b.Fatalf("GET %s: page lacks %q or its end:\n%s", p.path, p.want, body)
			}
			b.ReportMetric(float64(w.body.Len()), "html_bytes")
		})
	}
}

// verifiedCustomer walks a customer through the wizard with the demo
// values and a successful verification, and returns their Cookie header.
func verifiedCustomer(b *testing.B, h *testharness.Harness) string {
	b.Helper()
	_, link := h.Invite("Example Manufacturing & Co. Ltd")
	br := h.CompleteWizard(link, testharness.Demo())
	if r := br.Post("/wizard/verify", nil); r.StatusCode != http.StatusSeeOther {
		b.Fatalf("verify: status %d", r.StatusCode)
	}
	var pairs []string
	for _, c := range br.Cookies() {
		pairs = append(pairs, c.Name+"="+c.Value)
	}
	if len(pairs) == 0 {
		b.Fatal("the invitation set no cookie")
	}
	return strings.Join(pairs, "; ")
}

func pageRequest(path, cookie string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "https://portal.example"+path, nil)
	r.RemoteAddr = "192.0.2.1:50000"
	r.Header.Set("Cookie", cookie)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return r
}

// pageWriter is a ResponseWriter reused across iterations, so that the
// allocations measured are the portal's own.
type pageWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *pageWriter) Header() http.Header { return w.header }

func (w *pageWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *pageWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

func (w *pageWriter) reset() {
	clear(w.header)
	w.status = 0
	w.body.Reset()
}

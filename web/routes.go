package web

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"
)

// Handler returns the portal's route table, wrapped in its middleware.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(requestID, s.opts.TrustedProxies.clientIPMiddleware, s.accessLog,
		s.recoverer, securityHeaders, limitBody)
	// Every unsafe method (POST) from another origin is refused, using the
	// browser's Sec-Fetch-Site and Origin headers. No bypass patterns.
	r.Use(http.NewCrossOriginProtection().Handler)
	r.NotFound(s.handle(func(http.ResponseWriter, *http.Request) error {
		return errNotFoundPage
	}))
	r.MethodNotAllowed(s.handle(func(http.ResponseWriter, *http.Request) error {
		return errorf(http.StatusMethodNotAllowed, "Not allowed",
			"This address does not accept that kind of request.", nil)
	}))

	// Operations
	r.Get("/healthz", s.serveHealth)
	r.Get("/readyz", s.serveReady)
	r.Handle("/static/*", s.assets)
	r.Get("/", s.handle(s.serveHome))

	// The customer's wizard
	perIP := httprate.LimitBy(s.opts.PageRateLimit, time.Minute, keyByClientIP,
		httprate.WithLimitHandler(s.tooManyRequests))
	r.Group(func(r chi.Router) {
		r.Use(perIP, noStore)
		r.Get("/invite/{token}", s.handle(s.serveInvitation))
		r.Get("/wizard/{step}", s.handle(s.serveStep))
		r.With(s.verifyRateLimit()).Post("/wizard/verify", s.handle(s.verifyCredentials))
		r.Post("/wizard/connect", s.handle(s.connect))
		r.Post("/wizard/{step}", s.handle(s.saveStep))
	})

	// The operator's admin pages
	r.Route("/admin", s.adminRoutes)
	return r
}

func keyByClientIP(r *http.Request) (string, error) { return clientIP(r), nil }

func (s *Server) tooManyRequests(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "60")
	s.renderError(w, r, errorf(http.StatusTooManyRequests, "Too many requests",
		"Please wait a minute and try again.", nil))
}

// verifyRateLimit is a per-instance first line against a flood of
// verifications for one submission; the durable per-submission limit,
// shared by all instances, lives in the onboarding service.
func (s *Server) verifyRateLimit() func(http.Handler) http.Handler {
	return httprate.LimitBy(20, 15*time.Minute,
		func(r *http.Request) (string, error) {
			return "verify:" + s.wizardSubmissionID(r), nil
		}, httprate.WithLimitHandler(s.tooManyRequests))
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.opts.Readiness != nil {
		if err := s.opts.Readiness(r.Context()); err != nil {
			s.log.WarnContext(r.Context(), "not ready", "error", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready\n"))
			return
		}
	}
	_, _ = w.Write([]byte("ready\n"))
}

func (s *Server) serveHome(w http.ResponseWriter, r *http.Request) error {
	if id := s.wizardSubmissionID(r); id != "" {
		if sub, err := s.svc.Resume(r.Context(), id); err == nil {
			redirect(w, r, "/wizard/"+sub.Step)
			return nil
		}
	}
	return errNoSession
}

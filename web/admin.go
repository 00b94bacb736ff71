package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"
	"github.com/gorilla/sessions"

	"tbaportal/internal/admins"
	"tbaportal/internal/audit"
	"tbaportal/internal/store"
	"tbaportal/templates"
)

// signInPerIP is how many sign-in steps (password, code, identity
// provider callback) one client IP may post a minute. Per-account
// throttling lives in admins.Authenticator.
const signInPerIP = 10

// adminAuth signs admins in and keeps their sessions in the database.
type adminAuth struct {
	auth     *admins.Authenticator
	sessions *admins.SessionStore
	audit    *audit.Log
	oidc     *oidcFlow // nil unless Options.OIDC is set
}

func newAdminAuth(s *Server) *adminAuth {
	log := audit.New(s.db, s.now)
	a := &adminAuth{
		auth: admins.NewAuthenticator(admins.Config{
			DB: s.db, Audit: log, Logger: s.log, Now: s.now,
			Issuer: issuerName(s.opts.PublicURL), Keys: s.opts.AdminKeys,
		}),
		sessions: admins.NewSessionStore(s.db, s.now),
		audit:    log,
	}
	if s.opts.OIDC != nil {
		a.oidc = newOIDCFlow(*s.opts.OIDC, s.opts.PublicURL, s.opts.SessionKeys)
	}
	return a
}

// issuerName labels the portal in authenticator apps.
func issuerName(publicURL string) string {
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		return "NetSuite onboarding (" + u.Hostname() + ")"
	}
	return "NetSuite onboarding"
}

// OIDCConfig enables admin sign-in through an OpenID Connect provider.
// The provider replaces the password step only: the admin must exist
// (`portal admin add`, matched by email), the email must be verified and
// in AllowedDomain, and the portal's own second factor still follows.
type OIDCConfig struct {
	Issuer        string
	ClientID      string
	ClientSecret  string
	AllowedDomain string
	// HTTPClient reaches the provider; nil means a client with a timeout.
	HTTPClient *http.Client
}

func (s *Server) adminRoutes(r chi.Router) {
	r.Use(noStore)
	perIP := httprate.LimitBy(signInPerIP, time.Minute,
		func(r *http.Request) (string, error) {
			return "admin-sign-in:" + clientIP(r), nil
		}, httprate.WithLimitHandler(s.tooManyRequests))

	// Signing in and out
	r.Get("/", s.handle(s.serveAdminHome))
	r.Get("/sign-in", s.handle(s.serveSignIn))
	r.With(perIP).Post("/sign-in", s.handle(s.signIn))
	r.Get("/sign-in/code", s.handle(s.serveCode))
	r.With(perIP).Post("/sign-in/code", s.handle(s.checkCode))
	r.Get("/sign-in/oidc", s.handle(s.startOIDC))
	r.With(perIP).Get("/sign-in/oidc/callback", s.handle(s.finishOIDC))
	r.Post("/sign-out", s.handle(s.signOut))

	r.Group(func(r chi.Router) {
		r.Use(s.requireAdmin)

		// Reading, for every admin
		r.Get("/submissions", s.handle(s.serveSubmissions))
		r.Get("/submissions/{id}", s.handle(s.serveSubmission))
		r.Get("/audit", s.handle(s.serveAudit))
		r.Get("/metrics", s.serveMetrics)

		// Acting, for operators only
		r.Group(func(r chi.Router) {
			r.Use(s.requireOperator)
			r.Get("/invitations/new", s.handle(s.serveNewInvitation))
			r.Post("/invitations", s.handle(s.createInvitation))
			r.Get("/submissions/{id}/{action}", s.handle(s.serveConfirm))
			r.Post("/submissions/{id}/{action}", s.handle(s.runAction))
		})
	})
}

// signedIn is the admin a request acts for, with their session.
type signedIn struct {
	admin   store.Admin
	session *sessions.Session
}

type signedInKey struct{}

// adminSession returns the request's session when it is at stage and its
// admin still exists and is enabled; nil otherwise.
func (s *Server) adminSession(r *http.Request, stage string) (*signedIn, error) {
	sess, err := s.admin.sessions.Get(r, admins.SessionCookie)
	if err != nil {
		return nil, err
	}
	if sess.IsNew || sess.Values[admins.ValueStage] != stage {
		return nil, nil
	}
	id, _ := sess.Values[admins.ValueAdminID].(string)
	a, err := s.db.AdminByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !a.DisabledAt.IsZero() {
		return nil, nil
	}
	return &signedIn{admin: a, session: sess}, nil
}

// requireAdmin lets only fully signed-in admins through; anyone else is
// sent to the sign-in page.
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := s.adminSession(r, admins.StageFull)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		if who == nil {
			redirect(w, r, "/admin/sign-in")
			return
		}
		ctx := context.WithValue(r.Context(), signedInKey{}, who)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requireOperator refuses viewers with 403.
func (s *Server) requireOperator(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if currentAdmin(r).Role != store.RoleOperator {
			s.renderError(w, r, errorf(http.StatusForbidden, "Not allowed",
				"Your role can view submissions but not act on them. Ask an operator.", nil))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// currentAdmin is the signed-in admin; requireAdmin guarantees one.
func currentAdmin(r *http.Request) store.Admin {
	if who, ok := r.Context().Value(signedInKey{}).(*signedIn); ok {
		return who.admin
	}
	return store.Admin{}
}

// adminPage fills the layout for an admin page.
func (s *Server) adminPage(r *http.Request, title string) templates.Page {
	p := s.page(r, title)
	a := currentAdmin(r)
	if a.ID != "" {
		p.Admin = &templates.AdminNav{Email: a.Email, Role: a.Role,
			Operator: a.Role == store.RoleOperator}
	}
	return p
}

func (s *Server) serveAdminHome(w http.ResponseWriter, r *http.Request) error {
	who, err := s.adminSession(r, admins.StageFull)
	if err != nil {
		return err
	}
	if who == nil {
		redirect(w, r, "/admin/sign-in")
		return nil
	}
	redirect(w, r, "/admin/submissions")
	return nil
}

// serveMetrics is the Prometheus endpoint, for signed-in admins only.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if s.metrics == nil {
		s.renderError(w, r, errNotFoundPage)
		return
	}
	s.metrics.Handler().ServeHTTP(w, r)
}

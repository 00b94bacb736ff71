// Package web is the portal's HTTP face: the route table, the handlers of
// the wizard and the admin pages, and the middleware around them. A
// handler turns a request into a call on the onboarding service and the
// result into view data for a template.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"

	"tbaportal/internal/admins"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/store"
	"tbaportal/static"
	"tbaportal/templates"
)

// Options configure a Server.
type Options struct {
	PublicURL      string // https://portal.example.com, the base of printed links
	Demo           bool
	TrustedProxies TrustedProxies
	SessionKeys    [][]byte // hash and block keys for the wizard cookie
	// AdminKeys seals admins' second-factor secrets. Without it no admin
	// can sign in: the second factor fails closed.
	AdminKeys       admins.Keyring
	RolePermissions []templates.Permission
	OIDC            *OIDCConfig // optional admin sign-in through an identity provider
	// Readiness reports whether the portal can serve: database reachable,
	// keys loaded.
	Readiness func(ctx context.Context) error
	Now       func() time.Time
	// PageRateLimit is how many wizard requests one client IP may make a
	// minute; default 120.
	PageRateLimit int
}

// Server holds what the handlers need.
type Server struct {
	svc      *onboarding.Service
	db       *store.DB
	assets   *static.Assets
	sessions *sessions.CookieStore
	log      *slog.Logger
	metrics  *Metrics
	opts     Options
	now      func() time.Time
	admin    *adminAuth
}

// New returns a Server. metrics may be shared with the onboarding service.
func New(svc *onboarding.Service, db *store.DB, log *slog.Logger, metrics *Metrics, o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PageRateLimit <= 0 {
		o.PageRateLimit = 120
	}
	s := &Server{
		svc: svc, db: db, assets: static.MustLoad(), log: log,
		metrics: metrics, opts: o, now: o.Now,
		sessions: newWizardStore(o.SessionKeys),
	}
	s.admin = newAdminAuth(s)
	return s
}

// page fills the layout data every page needs.
func (s *Server) page(r *http.Request, title string) templates.Page {
	return templates.Page{
		Title:     title,
		Nonce:     nonceFrom(r.Context()),
		CSSURL:    s.assets.URL("css/portal.css"),
		ScriptURL: s.assets.URL("js/reveal.js"),
		Demo:      s.opts.Demo,
	}
}

// InvitationURL is the link a customer opens.
func InvitationURL(publicURL, token string) string {
	return strings.TrimRight(publicURL, "/") + "/invite/" + token
}

func isAdminPath(p string) bool { return strings.HasPrefix(p, "/admin") }

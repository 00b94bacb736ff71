package web

import "github.com/go-chi/chi/v5"

// adminAuth signs admins in and keeps their sessions in the database.
type adminAuth struct{}

func newAdminAuth(*Server) *adminAuth { return &adminAuth{} }

// OIDCConfig enables admin sign-in through an OpenID Connect provider.
type OIDCConfig struct {
	Issuer        string
	ClientID      string
	ClientSecret  string
	AllowedDomain string
}

func (s *Server) adminRoutes(r chi.Router) {}

package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/securecookie"
	"golang.org/x/oauth2"

	"tbaportal/internal/admins"
	"tbaportal/templates"
)

// oidcCookie carries the state, nonce and PKCE verifier of one sign-in
// through the identity provider. It is SameSite=Lax because the provider
// sends the browser back with a cross-site navigation, which would not
// carry a Strict cookie; it is signed, encrypted and short-lived.
const oidcCookie = "__Host-portal-oidc"

const oidcCookieAge = 10 * time.Minute

// oidcFlow signs admins in through an OpenID Connect provider with the
// authorization code flow, PKCE, state and nonce. The provider is
// discovered on first use, so a provider outage never stops the portal
// from starting; password sign-in keeps working meanwhile.
type oidcFlow struct {
	cfg      OIDCConfig
	redirect string
	codec    *securecookie.SecureCookie

	mu       sync.Mutex
	provider *oidc.Provider
}

type oidcState struct {
	State    string
	Nonce    string
	Verifier string
}

func newOIDCFlow(cfg OIDCConfig, publicURL string, keys [][]byte) *oidcFlow {
	if cfg.HTTPClient == nil {
		// Like every outbound client of the portal, it follows no
		// redirects: the issuer's endpoints are where discovery says.
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			}}
	}
	var hashKey, blockKey []byte
	if len(keys) > 0 {
		hashKey = keys[0]
	}
	if len(keys) > 1 {
		blockKey = keys[1]
	}
	codec := securecookie.New(hashKey, blockKey)
	codec.MaxAge(int(oidcCookieAge / time.Second))
	return &oidcFlow{cfg: cfg, codec: codec,
		redirect: strings.TrimRight(publicURL, "/") + "/admin/sign-in/oidc/callback"}
}

func (f *oidcFlow) context(ctx context.Context) context.Context {
	ctx = oidc.ClientContext(ctx, f.cfg.HTTPClient)
	return context.WithValue(ctx, oauth2.HTTPClient, f.cfg.HTTPClient)
}

// setup discovers the provider once and returns the OAuth 2 settings and
// the ID token verifier.
func (f *oidcFlow) setup(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.provider == nil {
		p, err := oidc.NewProvider(f.context(ctx), f.cfg.Issuer)
		if err != nil {
			return nil, nil, err
		}
		f.provider = p
	}
	oc := &oauth2.Config{
		ClientID: f.cfg.ClientID, ClientSecret: f.cfg.ClientSecret,
		Endpoint: f.provider.Endpoint(), RedirectURL: f.redirect,
		Scopes: []string{oidc.ScopeOpenID, "email"},
	}
	return oc, f.provider.Verifier(&oidc.Config{ClientID: f.cfg.ClientID}), nil
}

var errOIDCUnavailable = errorf(http.StatusServiceUnavailable,
	"Sign-in through your company account is unavailable",
	"The identity provider could not be reached. Sign in with your password, or try again in a few minutes.", nil)

// startOIDC sends the browser to the identity provider.
func (s *Server) startOIDC(w http.ResponseWriter, r *http.Request) error {
	f := s.admin.oidc
	if f == nil {
		return errNotFoundPage
	}
	oc, _, err := f.setup(r.Context())
	if err != nil {
		s.log.WarnContext(r.Context(), "oidc discovery failed", "error", err)
		return errOIDCUnavailable
	}

	st := oidcState{State: randomToken(24), Nonce: randomToken(24),
		Verifier: oauth2.GenerateVerifier()}
	value, err := f.codec.Encode(oidcCookie, st)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: value, Path: "/",
		MaxAge: int(oidcCookieAge / time.Second), Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, oc.AuthCodeURL(st.State, oidc.Nonce(st.Nonce),
		oauth2.S256ChallengeOption(st.Verifier)), http.StatusSeeOther)
	return nil
}

// finishOIDC checks the provider's answer, then starts a half session:
// the portal's own second factor still follows.
func (s *Server) finishOIDC(w http.ResponseWriter, r *http.Request) error {
	f := s.admin.oidc
	if f == nil {
		return errNotFoundPage
	}
	email, err := s.oidcEmail(r)
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Path: "/", MaxAge: -1,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if err != nil {
		s.log.WarnContext(r.Context(), "oidc sign-in refused", "error", err,
			"client_ip", clientIP(r))
		return errorf(http.StatusUnauthorized, "Sign-in not completed",
			"Your company account could not be used to sign in here. Try again, or sign in with your password.", err)
	}

	admin, err := s.admin.auth.CheckIdentity(r.Context(), email, clientIP(r))
	if err != nil {
		return errorf(http.StatusUnauthorized, "Sign-in not completed",
			"Your company account could not be used to sign in here. Ask an operator to add you as an admin.", err)
	}
	old, err := s.admin.sessions.Get(r, admins.SessionCookie)
	if err != nil {
		return err
	}
	if _, err := s.admin.sessions.Start(r, w, old, admin.ID, admins.StageFirstFactor); err != nil {
		return err
	}
	// The admin cookie is SameSite=Strict, and a redirect chain that began
	// at the provider is cross-site, so the next page is reached through a
	// link the admin follows on this site.
	v := templates.MessageView{Page: s.page(r, "Identity confirmed"),
		Heading: "Identity confirmed", Status: http.StatusOK,
		Body: []string{"Your company account confirmed who you are. One more step: the code from your authenticator app."},
		Link: &templates.StepLink{Title: "Continue", URL: "/admin/sign-in/code"}}
	s.render(w, r, http.StatusOK, templates.MessagePage(v))
	return nil
}

// oidcEmail checks state, exchanges the code, verifies the ID token and
// its nonce, and returns the verified email if its domain is allowed.
func (s *Server) oidcEmail(r *http.Request) (string, error) {
	f := s.admin.oidc
	var st oidcState
	c, err := r.Cookie(oidcCookie)
	if err != nil {
		return "", errors.New("oidc: no state cookie")
	}
	if err := f.codec.Decode(oidcCookie, c.Value, &st); err != nil {
		return "", errors.New("oidc: state cookie invalid")
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1 {
		return "", errors.New("oidc: state mismatch")
	}
	if q.Get("error") != "" || q.Get("code") == "" {
		return "", errors.New("oidc: provider returned no code")
	}
	oc, verifier, err := f.setup(r.Context())
	if err != nil {
		return "", err
	}
	ctx := f.context(r.Context())
	tok, err := oc.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return "", err
	}
	return f.checkIDToken(ctx, verifier, tok, st.Nonce)
}

func (f *oidcFlow) checkIDToken(ctx context.Context, v *oidc.IDTokenVerifier, tok *oauth2.Token, nonce string) (string, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", errors.New("oidc: no id_token")
	}
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return "", err
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return "", errors.New("oidc: nonce mismatch")
	}
	var claims struct {
		Email    string `json:"email"`
		Verified bool   `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", err
	}
	email := admins.NormalizeEmail(claims.Email)
	at := strings.LastIndexByte(email, '@')
	if !claims.Verified || at < 1 {
		return "", errors.New("oidc: email missing or not verified")
	}
	if !strings.EqualFold(email[at+1:], strings.TrimPrefix(f.cfg.AllowedDomain, "@")) {
		return "", errors.New("oidc: email domain not allowed")
	}
	return email, nil
}

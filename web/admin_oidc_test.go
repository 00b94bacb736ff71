package web_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"tbaportal/internal/store"
	"tbaportal/internal/testharness"
	"tbaportal/web"
)

// fakeIssuer is a small OpenID Connect provider: discovery, keys, an
// authorize endpoint that approves at once, and a token endpoint that
// checks the PKCE verifier before it signs an ID token.
type fakeIssuer struct {
	t      *testing.T
	srv    *httptest.Server
	key    *rsa.PrivateKey
	claims map[string]any // email and email_verified of the next sign-in

	mu       sync.Mutex
	nonce    string
	redirect string
	verifier [32]byte // SHA-256 of the expected code_verifier
}

func newFakeIssuer(t *testing.T) *fakeIssuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIssuer{t: t, key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("/keys", f.keys)
	mux.HandleFunc("/authorize", f.authorize)
	mux.HandleFunc("/token", f.token)
	f.srv = httptest.NewTLSServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIssuer) discovery(w http.ResponseWriter, _ *http.Request) {
	u := f.srv.URL
	_ = json.NewEncoder(w).Encode(map[string]any{
		"issuer": u, "authorization_endpoint": u + "/authorize",
		"token_endpoint": u + "/token", "jwks_uri": u + "/keys",
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

func (f *fakeIssuer) keys(w http.ResponseWriter, _ *http.Request) {
	_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &f.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

// authorize remembers the request's nonce and PKCE challenge and sends
// the browser back with a code.
func (f *fakeIssuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.nonce, f.redirect = q.Get("nonce"), q.Get("redirect_uri")
	challenge, _ := base64.RawURLEncoding.DecodeString(q.Get("code_challenge"))
	copy(f.verifier[:], challenge)
	f.mu.Unlock()
	if q.Get("code_challenge_method") != "S256" || q.Get("state") == "" {
		http.Error(w, "PKCE and state required", http.StatusBadRequest)
		return
	}
	back := q.Get("redirect_uri") + "?" + url.Values{"code": {"the-code"},
		"state": {q.Get("state")}}.Encode()
	http.Redirect(w, r, back, http.StatusFound)
}

func (f *fakeIssuer) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	if sha256.Sum256([]byte(r.PostForm.Get("code_verifier"))) != f.verifier ||
		r.PostForm.Get("code") != "the-code" {
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	claims := map[string]any{"iss": f.srv.URL, "sub": "user-1", "aud": "portal",
		"exp": time.Now().Add(time.Minute).Unix(), "iat": time.Now().Unix(),
		"nonce": f.nonce}
	for k, v := range f.claims {
		claims[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at",
		"token_type": "Bearer", "id_token": f.sign(claims)})
}

func (f *fakeIssuer) sign(claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: f.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		f.t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	obj, err := signer.Sign(payload)
	if err != nil {
		f.t.Fatal(err)
	}
	s, _ := obj.CompactSerialize()
	return s
}

func TestAdminSignInThroughOIDC(t *testing.T) {
	tests := []struct {
		name       string
		claims     map[string]any
		breakState bool
		wantStatus int
	}{
		{name: "known admin, verified email",
			claims:     map[string]any{"email": "ops@example.com", "email_verified": true},
			wantStatus: http.StatusOK},
		{name: "email not verified",
			claims:     map[string]any{"email": "ops@example.com", "email_verified": false},
			wantStatus: http.StatusUnauthorized},
		{name: "other domain",
			claims:     map[string]any{"email": "ops@example.org", "email_verified": true},
			wantStatus: http.StatusUnauthorized},
		{name: "not an admin",
			claims:     map[string]any{"email": "someone@example.com", "email_verified": true},
			wantStatus: http.StatusUnauthorized},
		{name: "state changed",
			claims:     map[string]any{"email": "ops@example.com", "email_verified": true},
			breakState: true, wantStatus: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idp := newFakeIssuer(t)
			idp.claims = tt.claims
			e := newAdminEnv(t, func(o *testharness.Options) {
				prev := o.Web
				o.Web = func(wo *web.Options) {
					prev(wo)
					wo.OIDC = &web.OIDCConfig{Issuer: idp.srv.URL, ClientID: "portal",
						ClientSecret: "s3cret", AllowedDomain: "example.com",
						HTTPClient: idp.srv.Client()}
				}
			})
			e.addAdmin("ops@example.com", store.RoleOperator)
			b := e.NewBrowser()

			start := b.Get("/admin/sign-in/oidc")
			if start.StatusCode != http.StatusSeeOther {
				t.Fatalf("start: status %d", start.StatusCode)
			}
			back := followIdP(t, idp, start.Header.Get("Location"))
			if tt.breakState {
				q := back.Query()
				q.Set("state", "forged")
				back.RawQuery = q.Encode()
			}
			r := b.Get(back.String())
			if r.StatusCode != tt.wantStatus {
				t.Fatalf("callback: status %d, want %d", r.StatusCode, tt.wantStatus)
			}
			code := b.Get("/admin/sign-in/code")
			if tt.wantStatus != http.StatusOK {
				wantRedirect(t, code, "/admin/sign-in")
				return
			}
			if code.StatusCode != http.StatusOK || doc(t, code).Find("#totp-key").Length() != 1 {
				t.Errorf("after the provider: status %d, want the second-factor step", code.StatusCode)
			}
			wantRedirect(t, b.Get("/admin/submissions"), "/admin/sign-in")
		})
	}
}

// followIdP visits the provider's authorize URL and returns where it
// sends the browser back to.
func followIdP(t *testing.T, idp *fakeIssuer, authURL string) *url.URL {
	t.Helper()
	c := idp.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d", resp.StatusCode)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

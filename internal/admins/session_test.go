package admins

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// cookieOf returns the admin cookie a response set, or nil.
func cookieOf(w *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	return nil
}

func requestWith(c *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://portal.test/admin", nil)
	if c != nil {
		r.AddCookie(c)
	}
	return r
}

func TestSessionStoreLifecycle(t *testing.T) {
	tests := []struct {
		name     string
		stage    string
		after    func(f *fixture, st *SessionStore, c *http.Cookie)
		wantLive bool
	}{
		{name: "fresh", stage: StageFull, after: func(*fixture, *SessionStore, *http.Cookie) {},
			wantLive: true},
		{name: "active within the idle timeout", stage: StageFull,
			after: func(f *fixture, st *SessionStore, c *http.Cookie) {
				for range 3 { // 3 × 20 min, touched each time
					f.clock.Advance(20 * time.Minute)
					if s, _ := st.New(requestWith(c), SessionCookie); s.IsNew {
						panic("session lost while active")
					}
				}
			}, wantLive: true},
		{name: "idle too long", stage: StageFull,
			after: func(f *fixture, _ *SessionStore, _ *http.Cookie) {
				f.clock.Advance(IdleTimeout)
			}},
		{name: "past the absolute lifetime", stage: StageFull,
			after: func(f *fixture, st *SessionStore, c *http.Cookie) {
				for f.clock.Now().Before(time.Date(2026, 3, 2, 21, 0, 0, 0, time.UTC)) {
					f.clock.Advance(25 * time.Minute)
					_, _ = st.New(requestWith(c), SessionCookie)
				}
			}},
		{name: "half session expires sooner", stage: StageFirstFactor,
			after: func(f *fixture, _ *SessionStore, _ *http.Cookie) {
				f.clock.Advance(FirstFactorLifetime)
			}},
		{name: "ended", stage: StageFull,
			after: func(f *fixture, st *SessionStore, c *http.Cookie) {
				s, _ := st.New(requestWith(c), SessionCookie)
				if err := st.End(requestWith(c), httptest.NewRecorder(), s); err != nil {
					panic(err)
				}
			}},
		{name: "all sessions of the admin revoked", stage: StageFull,
			after: func(f *fixture, _ *SessionStore, _ *http.Cookie) {
				a, _ := f.db.AdminByEmail(context.Background(), "ops@example.com")
				_, _ = f.db.RevokeAdminSessions(context.Background(), a.ID, f.clock.Now())
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			a := f.admin(t, "ops@example.com", "operator")
			st := NewSessionStore(f.db, f.clock.Now)
			w := httptest.NewRecorder()
			if _, err := st.Start(requestWith(nil), w, nil, a.ID, tt.stage); err != nil {
				t.Fatal(err)
			}
			c := cookieOf(w)
			if c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
				t.Fatalf("cookie %+v: want Secure, HttpOnly, SameSite=Strict, Path=/", c)
			}
			tt.after(f, st, c)
			s, err := st.New(requestWith(c), SessionCookie)
			if err != nil {
				t.Fatal(err)
			}
			if live := !s.IsNew; live != tt.wantLive {
				t.Fatalf("live = %v, want %v", live, tt.wantLive)
			}
			if tt.wantLive && (s.Values[ValueAdminID] != a.ID || s.Values[ValueStage] != tt.stage) {
				t.Errorf("values = %v", s.Values)
			}
		})
	}
}

func TestSessionStartGivesANewIdentity(t *testing.T) {
	f := newFixture(t)
	a := f.admin(t, "ops@example.com", "operator")
	st := NewSessionStore(f.db, f.clock.Now)

	w := httptest.NewRecorder()
	if _, err := st.Start(requestWith(nil), w, nil, a.ID, StageFirstFactor); err != nil {
		t.Fatal(err)
	}
	half := cookieOf(w)
	old, _ := st.New(requestWith(half), SessionCookie)
	w = httptest.NewRecorder()
	if _, err := st.Start(requestWith(half), w, old, a.ID, StageFull); err != nil {
		t.Fatal(err)
	}
	full := cookieOf(w)
	if full.Value == half.Value {
		t.Fatal("the session ID did not change after the second factor")
	}
	if s, _ := st.New(requestWith(half), SessionCookie); !s.IsNew {
		t.Error("the half session still works after the upgrade")
	}
	if s, _ := st.New(requestWith(full), SessionCookie); s.IsNew {
		t.Error("the new session does not work")
	}
	row, err := f.db.AdminSession(context.Background(), hashID(full.Value))
	if err != nil {
		t.Fatal(err)
	}
	if string(row.IDHash) == full.Value {
		t.Error("the database holds the session ID itself")
	}
}

func TestSessionStoreIgnoresOddCookies(t *testing.T) {
	f := newFixture(t)
	st := NewSessionStore(f.db, f.clock.Now)
	for _, v := range []string{"", "x", "not base64 !!", newSessionID() + "A",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		s, err := st.New(requestWith(&http.Cookie{Name: SessionCookie, Value: v}), SessionCookie)
		if err != nil || !s.IsNew {
			t.Errorf("cookie %q: new=%v err=%v, want a new empty session", v, s.IsNew, err)
		}
	}
}

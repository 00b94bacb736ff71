package admins

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/sessions"

	"tbaportal/internal/store"
)

// SessionCookie names the admin session cookie. The __Host- prefix makes
// the browser insist on Secure, Path=/ and no Domain.
const SessionCookie = "__Host-portal-admin"

// Session stages: after the first factor (a password or the identity
// provider) and after the second.
const (
	StageFirstFactor = "password"
	StageFull        = "full"
)

// Keys of a session's Values.
const (
	ValueAdminID = "admin_id"
	ValueStage   = "stage"
)

// Session lifetimes.
const (
	IdleTimeout      = 30 * time.Minute
	AbsoluteLifetime = 12 * time.Hour
	// FirstFactorLifetime bounds a half signed-in session: the code must
	// follow the password within it.
	FirstFactorLifetime = 10 * time.Minute
	// touchEvery spares the database a write on every request.
	touchEvery = 15 * time.Second
)

// sessionIDBytes is the length of a session ID: 256 random bits.
const sessionIDBytes = 32

// SessionStore keeps admin sessions in the database behind gorilla's
// sessions.Store. The cookie holds only a random session ID; the database
// holds its SHA-256 hash, the admin and the stage, so a stolen database
// yields no usable cookie, and sign-out or `portal admin revoke-sessions`
// ends a session at once. A stored session's values never change: moving
// on a stage means a new session with a new ID (Start), never an update.
type SessionStore struct {
	db      *store.DB
	now     func() time.Time
	options sessions.Options
}

// NewSessionStore returns a SessionStore. now may be nil.
func NewSessionStore(db *store.DB, now func() time.Time) *SessionStore {
	if now == nil {
		now = time.Now
	}
	return &SessionStore{db: db, now: now, options: sessions.Options{
		Path: "/", MaxAge: int(AbsoluteLifetime / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	}}
}

// Get returns the request's session, loading it once per request.
func (st *SessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(st, name)
}

// New returns the live session the request's cookie names, or an empty
// new one when there is none: no cookie, an unknown, revoked or expired
// ID, or a session idle for longer than IdleTimeout.
func (st *SessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	s := sessions.NewSession(st, name)
	opts := st.options
	s.Options = &opts
	s.IsNew = true
	c, err := r.Cookie(name)
	if err != nil || !validID(c.Value) {
		return s, nil
	}
	row, err := st.db.AdminSession(r.Context(), hashID(c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	now := st.now()
	if !Live(row, now) {
		return s, nil
	}
	if now.Sub(row.LastSeenAt) >= touchEvery {
		if err := st.db.TouchAdminSession(r.Context(), row.IDHash, now); err != nil {
			return s, err
		}
	}
	s.ID, s.IsNew = c.Value, false
	s.Values[ValueAdminID] = row.AdminID
	s.Values[ValueStage] = row.Stage
	return s, nil
}

// Live reports whether a stored session may still be used at now.
func Live(row store.AdminSession, now time.Time) bool {
	return row.RevokedAt.IsZero() && now.Before(row.ExpiresAt) &&
		now.Sub(row.LastSeenAt) < IdleTimeout
}

// Save stores a new session (one without an ID) and sets its cookie. A
// session whose Options.MaxAge is negative is ended: revoked in the
// database and its cookie deleted. For a stored session Save only sends
// the cookie again.
func (st *SessionStore) Save(r *http.Request, w http.ResponseWriter, s *sessions.Session) error {
	if s.Options == nil {
		opts := st.options
		s.Options = &opts
	}
	if s.Options.MaxAge < 0 {
		if s.ID != "" {
			err := st.db.RevokeAdminSession(r.Context(), hashID(s.ID), st.now())
			if err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(s.Name(), "", s.Options))
		return nil
	}
	if s.ID == "" {
		if err := st.insert(r, s); err != nil {
			return err
		}
	}
	http.SetCookie(w, sessions.NewCookie(s.Name(), s.ID, s.Options))
	return nil
}

func (st *SessionStore) insert(r *http.Request, s *sessions.Session) error {
	adminID, _ := s.Values[ValueAdminID].(string)
	stage, _ := s.Values[ValueStage].(string)
	if adminID == "" || (stage != StageFirstFactor && stage != StageFull) {
		return errors.New("admins: a session needs an admin and a stage")
	}
	now := st.now().UTC()
	life := AbsoluteLifetime
	if stage == StageFirstFactor {
		life = FirstFactorLifetime
	}
	id := newSessionID()
	err := st.db.CreateAdminSession(r.Context(), store.AdminSession{
		IDHash: hashID(id), AdminID: adminID, Stage: stage,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(life),
	})
	if err != nil {
		return err
	}
	s.ID, s.IsNew = id, false
	return nil
}

// Start gives the browser a new session for adminID at stage, under a new
// ID, and ends old (if it is a stored session) at once. Every sign-in
// step goes through Start, so no ID set before a sign-in survives it.
func (st *SessionStore) Start(r *http.Request, w http.ResponseWriter, old *sessions.Session, adminID, stage string) (*sessions.Session, error) {
	if old != nil && old.ID != "" {
		if err := st.db.RevokeAdminSession(r.Context(), hashID(old.ID), st.now()); err != nil {
			return nil, err
		}
		old.ID = ""
	}
	s := sessions.NewSession(st, SessionCookie)
	opts := st.options
	s.Options = &opts
	s.Values[ValueAdminID] = adminID
	s.Values[ValueStage] = stage
	return s, st.Save(r, w, s)
}

// End revokes a session and deletes its cookie.
func (st *SessionStore) End(r *http.Request, w http.ResponseWriter, s *sessions.Session) error {
	if s.Options == nil {
		opts := st.options
		s.Options = &opts
	}
	s.Options.MaxAge = -1
	return st.Save(r, w, s)
}

func newSessionID() string {
	b := make([]byte, sessionIDBytes)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// validID accepts only what newSessionID makes, so odd cookies never
// reach the database.
func validID(id string) bool {
	b, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil && len(b) == sessionIDBytes
}

func hashID(id string) []byte {
	sum := sha256.Sum256([]byte("tbaportal/admin-session|" + id))
	return sum[:]
}

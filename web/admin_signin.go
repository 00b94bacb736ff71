package web

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"tbaportal/internal/admins"
	"tbaportal/internal/store"
	"tbaportal/templates"
)

// Sign-in answers. The first is the same for an unknown email and a wrong
// password, so the page says nothing about which accounts exist.
const (
	msgBadCredentials = "The email or password is not right."
	msgBadCode        = "That code is not right. Check the time on your phone and try the code the app shows now."
	msgCodeReused     = "That code was already used. Wait for the app to show a new one."
)

func (s *Server) serveSignIn(w http.ResponseWriter, r *http.Request) error {
	who, err := s.adminSession(r, admins.StageFull)
	if err != nil {
		return err
	}
	if who != nil {
		redirect(w, r, "/admin/submissions")
		return nil
	}
	v := s.signInView(r, "", "")
	if r.URL.Query().Has("signed-out") {
		v.Notices = []templates.Notice{{Kind: "success", Body: "You are signed out."}}
	}
	s.render(w, r, http.StatusOK, templates.AdminSignInPage(v))
	return nil
}

func (s *Server) signInView(r *http.Request, email, msg string) templates.AdminSignInView {
	return templates.AdminSignInView{Page: s.page(r, "Sign in"),
		Email: email, Error: msg, OIDC: s.admin.oidc != nil}
}

// signIn checks the password and, when it is right, starts a half
// session that only the second step accepts.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	email, bad := formValue(r.PostForm, "email")
	// A password is whatever `portal admin add` stored: any valid text,
	// so the stricter rules of NetSuite values do not apply to it.
	password := r.PostForm.Get("password")
	bad2 := ""
	if !utf8.ValidString(password) || len(password) > 1000 {
		bad2 = "not valid text"
	}
	email = strings.TrimSpace(email)

	admin, err := s.admin.auth.CheckPassword(r.Context(), email, password, clientIP(r))
	if bad != "" || bad2 != "" || errors.Is(err, admins.ErrBadCredentials) {
		v := s.signInView(r, email, msgBadCredentials)
		s.render(w, r, http.StatusUnauthorized, templates.AdminSignInPage(v))
		return nil
	}
	if err != nil {
		return signInError(err)
	}

	return s.startHalfSession(w, r, admin)
}

// startHalfSession replaces whatever session the browser had with one at
// the first-factor stage, and sends it to the second step.
func (s *Server) startHalfSession(w http.ResponseWriter, r *http.Request, admin store.Admin) error {
	old, err := s.admin.sessions.Get(r, admins.SessionCookie)
	if err != nil {
		return err
	}
	if _, err := s.admin.sessions.Start(r, w, old, admin.ID, admins.StageFirstFactor); err != nil {
		return err
	}
	redirect(w, r, "/admin/sign-in/code")
	return nil
}

// serveCode asks for the authenticator code, or on the first sign-in
// shows the QR code to enrol with.
func (s *Server) serveCode(w http.ResponseWriter, r *http.Request) error {
	who, err := s.adminSession(r, admins.StageFirstFactor)
	if err != nil {
		return err
	}
	if who == nil {
		redirect(w, r, "/admin/sign-in")
		return nil
	}
	return s.renderCode(w, r, who.admin, http.StatusOK, "")
}

func (s *Server) renderCode(w http.ResponseWriter, r *http.Request, a store.Admin, status int, msg string) error {
	v := templates.AdminCodeView{Page: s.page(r, "Your code"), Email: a.Email,
		Error: msg, Enroll: !a.TOTPEnabled}
	if v.Enroll {
		e, err := s.admin.auth.Enrollment(r.Context(), a.ID)
		if err != nil {
			return signInError(err)
		}
		v.QRCode, v.Key = e.QRCode.Reveal(), groupKey(e.Key.Reveal())
	}
	s.render(w, r, status, templates.AdminCodePage(v))
	return nil
}

// checkCode completes the sign-in: with the right code the half session
// ends and a new, full one begins under a new ID.
func (s *Server) checkCode(w http.ResponseWriter, r *http.Request) error {
	who, err := s.adminSession(r, admins.StageFirstFactor)
	if err != nil {
		return err
	}
	if who == nil {
		redirect(w, r, "/admin/sign-in")
		return nil
	}
	if err := parseForm(r); err != nil {
		return err
	}

	code, _ := formValue(r.PostForm, "code")
	check := s.admin.auth.CheckCode
	if !who.admin.TOTPEnabled {
		check = s.admin.auth.ConfirmEnrollment
	}
	_, err = check(r.Context(), who.admin.ID, code, clientIP(r))
	switch {
	case errors.Is(err, admins.ErrBadCode):
		return s.renderCode(w, r, who.admin, http.StatusUnauthorized, msgBadCode)
	case errors.Is(err, admins.ErrCodeReused):
		return s.renderCode(w, r, who.admin, http.StatusUnauthorized, msgCodeReused)
	case err != nil:
		return signInError(err)
	}

	if _, err := s.admin.sessions.Start(r, w, who.session, who.admin.ID,
		admins.StageFull); err != nil {
		return err
	}
	redirect(w, r, "/admin/submissions")
	return nil
}

// signOut ends the session on the server, not only in the browser.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.admin.sessions.Get(r, admins.SessionCookie)
	if err != nil {
		return err
	}
	if !sess.IsNew {
		id, _ := sess.Values[admins.ValueAdminID].(string)
		if a, err := s.db.AdminByID(r.Context(), id); err == nil {
			s.admin.auth.RecordSignOut(r.Context(), a.Email, clientIP(r))
		}
		if err := s.admin.sessions.End(r, w, sess); err != nil {
			return err
		}
	}
	redirect(w, r, "/admin/sign-in?signed-out")
	return nil
}

// signInError turns the sign-in failures that are not a wrong value into
// pages.
func signInError(err error) error {
	var throttled *admins.ThrottledError
	switch {
	case errors.As(err, &throttled):
		return errorf(http.StatusTooManyRequests, "Too many attempts",
			"Sign-in is paused for this account after several failed attempts. Wait 15 minutes and try again.", err)
	case errors.Is(err, admins.ErrNoKeyring):
		return errorf(http.StatusServiceUnavailable, "Sign-in unavailable",
			"The portal cannot open second-factor secrets right now. Tell whoever runs the portal.", err)
	}
	return err
}

// groupKey splits a base32 key into groups of four for reading aloud.
func groupKey(k string) string {
	var b strings.Builder
	for i, r := range k {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

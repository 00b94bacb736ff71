package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"tbaportal/internal/onboarding"
	"tbaportal/templates"
)

// httpError is a failure with the status to answer, the text safe to show,
// and the cause for the log. Handlers return it; handle renders it.
type httpError struct {
	status  int
	heading string
	text    string
	cause   error
}

func (e *httpError) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%d %s: %v", e.status, e.heading, e.cause)
	}
	return fmt.Sprintf("%d %s", e.status, e.heading)
}

func (e *httpError) Unwrap() error { return e.cause }

func errorf(status int, heading, text string, cause error) *httpError {
	return &httpError{status: status, heading: heading, text: text, cause: cause}
}

var (
	errNotFoundPage = errorf(http.StatusNotFound, "Page not found",
		"There is no page at this address. If you followed a link from an email, open the whole link again.", nil)
	errNoSession = errorf(http.StatusUnauthorized, "Open your invitation link",
		"This page belongs to a setup that starts from an invitation link. Open the link from your invitation email again; it takes you back to where you stopped.", nil)
)

// classify turns domain errors into pages; anything unknown is a 500 with
// a generic text, its cause kept for the log only.
func classify(err error) *httpError {
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	switch {
	case errors.Is(err, onboarding.ErrInvitationUnknown), errors.Is(err, onboarding.ErrNotFound):
		return errorf(http.StatusNotFound, "This link does not work",
			"We could not find an invitation for this link. Check that you opened the whole link from the email, or ask the person who sent it for a new one.", err)
	case errors.Is(err, onboarding.ErrInvitationExpired):
		return errorf(http.StatusGone, "This invitation has expired",
			"For your security, invitation links stop working after a while. Ask the person who sent it for a new link; anything you already entered is kept.", err)
	case errors.Is(err, onboarding.ErrInvitationRevoked):
		return errorf(http.StatusGone, "This invitation was withdrawn",
			"The person who sent this link has withdrawn it. Ask them for a new one if you still need to connect.", err)
	case errors.Is(err, onboarding.ErrLocked):
		return errorf(http.StatusConflict, "These values can no longer change",
			"The connection is already on its way or finished, so the values are locked.", err)
	case errors.Is(err, errDatabaseDown):
		return errorf(http.StatusServiceUnavailable, "We are having trouble",
			"The portal cannot reach its storage right now. Nothing you entered is lost; please try again in a minute.", err)
	}
	return errorf(http.StatusInternalServerError, "Something went wrong",
		"The portal hit an unexpected problem. Nothing you entered is lost. Please try again; if it keeps happening, tell the person who sent you the link.", err)
}

var errDatabaseDown = errors.New("database unavailable")

// ready reports whether the portal can serve (storage reachable, keys
// loaded). It is asked only on the error path, never per request.
func (s *Server) ready(r *http.Request) bool {
	return s.opts.Readiness == nil || s.opts.Readiness(r.Context()) == nil
}

// handle adapts a handler that returns an error: the error becomes a page
// in the portal's look with the right status, and a log line whose level
// follows the outcome.
func (s *Server) handle(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	}
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	he := classify(err)
	if he.status == http.StatusInternalServerError && !s.ready(r) {
		// Most unexpected failures while storage is down are storage
		// failures: say so, with a time to come back, instead of a 500.
		he = classify(fmt.Errorf("%w: %w", errDatabaseDown, err))
		w.Header().Set("Retry-After", "30")
	}
	level := slog.LevelWarn
	if he.status >= 500 {
		level = slog.LevelError
	}
	if he.cause != nil || he.status >= 500 {
		s.log.Log(r.Context(), level, "request failed", "status", he.status,
			"error", he.Error())
	}
	v := templates.MessageView{
		Page:    s.page(r, he.heading),
		Heading: he.heading, Body: []string{he.text}, Status: he.status,
	}
	if isAdminPath(r.URL.Path) {
		v.Link = &templates.StepLink{Title: "Back to submissions", URL: "/admin/submissions"}
	}
	s.render(w, r, he.status, templates.MessagePage(v))
}

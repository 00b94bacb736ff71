package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"tbaportal/internal/onboarding"
	"tbaportal/internal/store"
	"tbaportal/templates"
)

// adminAction is one thing an operator can do to a submission. Each runs
// only as a POST that carries the ticked "I confirm" box.
type adminAction struct {
	slug    string
	title   string   // the link on the submission page
	heading string   // the confirmation page's heading
	explain []string // what will happen
	button  string
	done    string // the notice after it ran
	danger  bool
	allowed func(store.Submission) bool
	run     actionFunc
}

var adminActions = []adminAction{
	{slug: "reverify", title: "Verify again", heading: "Verify the credentials again",
		explain: []string{"The portal decrypts the saved values and checks them live against NetSuite, as the customer's Verify button does. The attempt counts towards the submission's verification limit."},
		button:  "Verify now", done: "Verification finished; its outcome is the newest attempt below.",
		allowed: hasSecrets, run: (*Server).reverify},
	{slug: "approve", title: "Approve", heading: "Approve the connection",
		explain: []string{"The handoff to Cloud Elements starts at once."},
		button:  "Approve", done: "Approved; the handoff is scheduled.",
		allowed: awaiting, run: decision((*onboarding.Service).Approve)},
	{slug: "reject", title: "Reject", heading: "Reject the connection",
		explain: []string{"No instance is created. The customer sees that the connection was not approved."},
		button:  "Reject", done: "Rejected.", danger: true,
		allowed: awaiting, run: decision((*onboarding.Service).Reject)},
	{slug: "retry-handoff", title: "Retry the handoff", heading: "Retry the handoff",
		explain: []string{"The handoff job is scheduled again from its first attempt."},
		button:  "Retry", done: "The handoff is scheduled again.",
		allowed: func(sub store.Submission) bool {
			return sub.Status == store.StatusHandoffFailed && hasSecrets(sub)
		}, run: decision((*onboarding.Service).RetryHandoff)},
	{slug: "purge", title: "Purge secrets", heading: "Purge the secrets",
		explain: []string{"The submission's data key and every sealed value are deleted. This cannot be undone: the customer would have to enter the values again."},
		button:  "Purge secrets", done: "Secrets purged.", danger: true,
		allowed: func(sub store.Submission) bool {
			return sub.PurgedAt.IsZero() && sub.Status != store.StatusHandingOff
		}, run: decision((*onboarding.Service).Purge)},
	{slug: "revoke", title: "Revoke the invitation", heading: "Revoke the invitation link",
		explain: []string{"The customer's link stops working at once. You can extend the invitation later to let them back in."},
		button:  "Revoke", done: "The invitation link is revoked.", danger: true,
		allowed: func(sub store.Submission) bool { return sub.InvitationRevokedAt.IsZero() },
		run:     decision((*onboarding.Service).RevokeInvitation)},
	{slug: "extend", title: "Extend the invitation", heading: "Extend the invitation",
		explain: []string{"The link works for the chosen period from now. A revoked link works again."},
		button:  "Extend", done: "The invitation is extended.",
		allowed: func(store.Submission) bool { return true }, run: (*Server).extend},
	{slug: "reissue", title: "Copy the link", heading: "Make a new invitation link",
		explain: []string{
			"Only a hash of each link is kept, so the original link cannot be shown again. The portal makes a new link instead.",
			"The old link stops working as soon as the new one is made. Send the new one to the customer; what they already entered is kept.",
		},
		button: "Make a new link", allowed: func(store.Submission) bool { return true },
		run: (*Server).reissue},
}

func hasSecrets(sub store.Submission) bool {
	return sub.PurgedAt.IsZero() && sub.WrappedKey != nil
}

func awaiting(sub store.Submission) bool {
	return sub.Status == store.StatusAwaitingApproval
}

func findAction(slug string) (adminAction, bool) {
	for _, a := range adminActions {
		if a.slug == slug {
			return a, true
		}
	}
	return adminAction{}, false
}

// actionLinks lists the actions a submission's state allows.
func actionLinks(sub store.Submission) []templates.ActionLink {
	var out []templates.ActionLink
	for _, a := range adminActions {
		if a.allowed(sub) {
			out = append(out, templates.ActionLink{Title: a.title,
				URL: "/admin/submissions/" + sub.ID + "/" + a.slug, Danger: a.danger})
		}
	}
	return out
}

// doneNotice is the notice after an action; only known slugs give one.
func doneNotice(slug string) *templates.Notice {
	a, ok := findAction(slug)
	if !ok || a.done == "" {
		return nil
	}
	return &templates.Notice{Kind: "success", Body: a.done}
}

// loadAction reads the submission and the action from the address.
func (s *Server) loadAction(r *http.Request) (store.Submission, adminAction, error) {
	a, ok := findAction(chi.URLParam(r, "action"))
	if !ok {
		return store.Submission{}, a, errNotFoundPage
	}
	sub, err := s.loadSubmission(r)
	return sub, a, err
}

// serveConfirm shows an action's confirmation page.
func (s *Server) serveConfirm(w http.ResponseWriter, r *http.Request) error {
	sub, a, err := s.loadAction(r)
	if err != nil {
		return err
	}
	s.renderConfirm(w, r, sub, a, http.StatusOK, "")
	return nil
}

func (s *Server) renderConfirm(w http.ResponseWriter, r *http.Request, sub store.Submission, a adminAction, status int, msg string) {
	v := templates.AdminConfirmView{Page: s.adminPage(r, a.heading),
		Company: sub.Company, SubmissionURL: "/admin/submissions/" + sub.ID,
		Heading: a.heading, Explanation: a.explain, Button: a.button,
		Danger: a.danger, Error: msg,
		Action: "/admin/submissions/" + sub.ID + "/" + a.slug}
	if !a.allowed(sub) {
		v.Explanation = append([]string{"This action is not available in the submission's current state."}, v.Explanation...)
	}
	if a.slug == "extend" {
		v.Durations = durationOptions(r.PostFormValue("days"))
	}
	s.render(w, r, status, templates.AdminConfirmPage(v))
}

// runAction runs a confirmed action, then shows the submission again.
func (s *Server) runAction(w http.ResponseWriter, r *http.Request) error {
	sub, a, err := s.loadAction(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if r.PostForm.Get("confirm") != "yes" {
		s.renderConfirm(w, r, sub, a, http.StatusUnprocessableEntity,
			"Tick “I confirm” to go ahead.")
		return nil
	}
	if !a.allowed(sub) {
		return errWrongState
	}

	s.log.InfoContext(r.Context(), "admin action", "action", a.slug,
		"submission_id", sub.ID, "admin_email", currentAdmin(r).Email)
	return actionError(a.run(s, w, r, sub))
}

// actionFunc runs one action and answers the request.
type actionFunc = func(s *Server, w http.ResponseWriter, r *http.Request, sub store.Submission) error

// decision adapts a service call that needs only the submission and the
// admin, and answers with the submission page.
func decision(call func(*onboarding.Service, context.Context, string, string) error) actionFunc {
	return func(s *Server, w http.ResponseWriter, r *http.Request, sub store.Submission) error {
		if err := call(s.svc, r.Context(), sub.ID, currentAdmin(r).Email); err != nil {
			return err
		}
		actionDone(w, r, sub.ID)
		return nil
	}
}

// actionDone shows the submission again with the action's notice. The
// slug comes from the route and was matched against the action table.
func actionDone(w http.ResponseWriter, r *http.Request, id string) {
	redirect(w, r, "/admin/submissions/"+id+"?done="+chi.URLParam(r, "action"))
}

func (s *Server) reverify(w http.ResponseWriter, r *http.Request, sub store.Submission) error {
	if _, err := s.svc.Verify(r.Context(), sub.ID, currentAdmin(r).Email); err != nil {
		return err
	}
	actionDone(w, r, sub.ID)
	return nil
}

// extendDays are the periods an invitation can be given, in days.
var extendDays = []int{7, 14, 30, 60, 90}

func durationOptions(selected string) []templates.Option {
	if selected == "" {
		selected = "14"
	}
	out := make([]templates.Option, 0, len(extendDays))
	for _, d := range extendDays {
		v := strconv.Itoa(d)
		out = append(out, templates.Option{Value: v, Label: v + " days",
			Selected: v == selected})
	}
	return out
}

// parseDays reads a period from the allow-list of extendDays.
func parseDays(v string) (time.Duration, bool) {
	for _, d := range extendDays {
		if strconv.Itoa(d) == v {
			return time.Duration(d) * 24 * time.Hour, true
		}
	}
	return 0, false
}

func (s *Server) extend(w http.ResponseWriter, r *http.Request, sub store.Submission) error {
	d, ok := parseDays(r.PostForm.Get("days"))
	if !ok {
		return &onboarding.InputError{Field: "days",
			Message: "Choose one of the periods offered."}
	}
	err := s.svc.ExtendInvitation(r.Context(), sub.ID, currentAdmin(r).Email, d)
	if err != nil {
		return err
	}
	actionDone(w, r, sub.ID)
	return nil
}

// reissue makes a new link and shows it once; it is never put in an
// address, so it cannot leak through history or logs.
func (s *Server) reissue(w http.ResponseWriter, r *http.Request, sub store.Submission) error {
	token, err := s.svc.ReissueInvitation(r.Context(), sub.ID, currentAdmin(r).Email)
	if err != nil {
		return err
	}
	sub, err = s.db.Submission(r.Context(), sub.ID)
	if err != nil {
		return err
	}
	s.renderLink(w, r, sub, token, "New invitation link", "The old link no longer works.")
	return nil
}

func (s *Server) renderLink(w http.ResponseWriter, r *http.Request, sub store.Submission, token, heading string, notes ...string) {
	v := templates.AdminLinkView{Page: s.adminPage(r, heading), Heading: heading,
		Company: sub.Company, Link: InvitationURL(s.opts.PublicURL, token),
		Expires: formatTime(sub.InvitationExpiresAt), SubmissionURL: "/admin/submissions/" + sub.ID,
		Notes: append(notes, "Copy the link now: it is shown only once. Send it to the customer's NetSuite administrator.")}
	s.render(w, r, http.StatusOK, templates.AdminLinkPage(v))
}

var errWrongState = errorf(http.StatusConflict, "This action is not possible now",
	"The submission is not in a state that allows it; it may have moved on since the page was loaded. Go back to see where it stands.", nil)

// actionError turns the service's refusals into pages that speak to an
// admin rather than to a customer.
func actionError(err error) error {
	var tooMany *onboarding.TooManyAttemptsError
	var input *onboarding.InputError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, onboarding.ErrWrongState), errors.Is(err, store.ErrConflict):
		return errorf(errWrongState.status, errWrongState.heading, errWrongState.text, err)
	case errors.Is(err, onboarding.ErrSecretsPurged):
		return errorf(http.StatusConflict, "The secrets were purged",
			"The saved values are gone, so this action cannot run. The customer would have to enter them again.", err)
	case errors.Is(err, onboarding.ErrNotFound):
		return errNoSubmission
	case errors.As(err, &tooMany):
		return errorf(http.StatusTooManyRequests, "Too many verifications",
			"This submission reached its verification limit. Try again after "+formatTime(tooMany.RetryAt)+".", err)
	case errors.As(err, &input):
		return errorf(http.StatusUnprocessableEntity, "That value does not work", input.Message, err)
	}
	return err
}

package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"tbaportal/internal/netsuite"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
	"tbaportal/templates"
)

func (s *Server) renderStep(w http.ResponseWriter, r *http.Request, sub store.Submission, slug string, status int, form stepForm) error {
	c := stepContents[slug]
	masks, err := s.savedMasks(r, sub, slug)
	if err != nil {
		return err
	}
	idx := onboarding.StepIndex(slug)
	v := templates.StepView{
		Page:         s.wizardPage(r, sub, c.Heading),
		Progress:     s.progress(sub, slug),
		Heading:      c.Heading,
		Lead:         c.Lead,
		Illustration: s.illustration(c.Picture, c.Alt),
		MenuPath:     c.MenuPath,
		Instructions: c.Instructions,
		ReadOnly:     !onboarding.Editable(sub.Status),
		Form: templates.Form{
			Action: "/wizard/" + slug,
			Fields: fieldsFor(slug, sub, masks, form),
		},
	}
	if idx > 0 {
		v.BackURL = "/wizard/" + onboarding.Steps[idx-1].Slug
	}
	if slug == "welcome" {
		v.Form.SubmitLabel = "Start"
	}
	if slug == "role" {
		v.Permissions = append(append([]templates.Permission{}, requiredPermissions...),
			s.rolePermissions()...)
	}
	if c.Notice != nil {
		v.Notices = append(v.Notices, *c.Notice)
	}
	if v.ReadOnly {
		v.Notices = append(v.Notices, templates.Notice{Kind: "info",
			Title: "Values locked", Body: "The connection is on its way or finished, so these values can no longer change."})
	}
	if form.confirm != "" {
		v.Form.Hidden = append(v.Form.Hidden, templates.Hidden{Name: "confirm_unknown", Value: form.confirm})
	}
	for _, f := range v.Form.Fields {
		if f.Error != "" {
			v.Form.Errors = append(v.Form.Errors, templates.FieldError{FieldID: f.ID, Message: f.Label + ": " + f.Error})
		}
	}
	s.render(w, r, status, templates.StepPage(v))
	return nil
}

// savedMasks loads the masks of what a step has saved. Only the
// credential steps show any, so the other steps skip the read.
func (s *Server) savedMasks(r *http.Request, sub store.Submission, slug string) (map[string]secrets.Mask, error) {
	if len(stepFields[slug]) == 0 {
		return nil, nil
	}
	return s.svc.Masks(r.Context(), sub.ID)
}

func (s *Server) rolePermissions() []templates.Permission {
	if s.opts.RolePermissions != nil {
		return s.opts.RolePermissions
	}
	return DefaultRolePermissions
}

// verifyCredentials runs the live check, then shows its outcome on the
// Verify page (post, redirect, get: a reload does not check again).
func (s *Server) verifyCredentials(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.currentSubmission(r)
	if err != nil {
		return err
	}
	_, err = s.svc.Verify(r.Context(), sub.ID, "customer")
	var tooMany *onboarding.TooManyAttemptsError
	switch {
	case errors.As(err, &tooMany):
		wait := time.Until(tooMany.RetryAt).Round(time.Minute)
		w.Header().Set("Retry-After", fmt.Sprint(int(time.Until(tooMany.RetryAt).Seconds())+1))
		return s.renderVerify(w, r, sub, http.StatusTooManyRequests, &templates.Notice{
			Kind: "warning", Title: "Please wait before checking again",
			Body: fmt.Sprintf("To keep NetSuite from locking your user out, the portal allows %d checks every %s. You can check again at %s UTC (in about %s). Use the time to review the steps below.",
				s.svc.Config().VerifyLimit, s.svc.Config().VerifyWindow,
				tooMany.RetryAt.UTC().Format("15:04"), max(wait, time.Minute)),
		})
	case errors.Is(err, onboarding.ErrIncomplete):
		return s.renderVerify(w, r, sub, http.StatusUnprocessableEntity, &templates.Notice{
			Kind: "error", Title: "Some values are missing",
			Body: "Enter the Account ID and all four values before checking.",
		})
	case err != nil:
		return err
	}
	redirect(w, r, "/wizard/verify#diagnosis")
	return nil
}

func (s *Server) renderVerify(w http.ResponseWriter, r *http.Request, sub store.Submission, status int, notice *templates.Notice) error {
	masks, err := s.svc.Masks(r.Context(), sub.ID)
	if err != nil {
		return err
	}
	v := templates.VerifyView{
		Page:         s.wizardPage(r, sub, "Verify"),
		Progress:     s.progress(sub, "verify"),
		Illustration: s.illustration("verify.svg", verifyPicture.Alt),
		AccountID:    sub.AccountID,
		Complete:     sub.AccountID != "",
		Action:       "/wizard/verify",
		BackURL:      "/wizard/access-token",
		NextURL:      "/wizard/connect",
	}
	for _, name := range onboarding.CredentialFields {
		c := templates.CredentialSummary{Label: credentialLabels[name],
			EditURL: "/wizard/integration"}
		if name == onboarding.FieldTokenID || name == onboarding.FieldTokenSecret {
			c.EditURL = "/wizard/access-token"
		}
		if m, ok := masks[name]; ok {
			c.Mask = maskText(m.Last4, m.Fingerprint)
		} else {
			c.Missing, v.Complete = true, false
		}
		v.Credentials = append(v.Credentials, c)
	}
	if sub.Status == store.StatusVerified || sub.Status == store.StatusVerificationFailed ||
		!onboarding.Editable(sub.Status) {
		latest, err := s.svc.LatestVerification(r.Context(), sub.ID)
		if err != nil {
			return err
		}
		if latest != nil {
			d := diagnosisView(latest.Diagnosis, latest.Result, latest.Attempt.At)
			v.Diagnosis = &d
		}
	}
	v.CanVerify = v.Complete && onboarding.Editable(sub.Status)
	v.CanContinue = sub.Status == store.StatusVerified || !onboarding.Editable(sub.Status)
	if notice != nil {
		v.Notices = append(v.Notices, *notice)
	}
	s.render(w, r, status, templates.VerifyPage(v))
	return nil
}

func maskText(last4, fp string) string {
	if last4 == "" {
		return "saved (fingerprint " + fp + ")"
	}
	return "…" + last4 + " (fingerprint " + fp + ")"
}

// diagnosisView turns a diagnosis into page data, linking each step to
// revisit.
func diagnosisView(d netsuite.Diagnosis, res netsuite.Result, at time.Time) templates.DiagnosisView {
	v := templates.DiagnosisView{
		Success: res.Outcome == netsuite.OutcomeVerified,
		Title:   d.Title, Summary: d.Summary, Causes: d.Causes,
		AuditTrail: d.AuditTrailDetails, Info: d.Info, RetryLater: d.RetryLater,
	}
	if res.Outcome == netsuite.OutcomeUnknownFault || res.Outcome == netsuite.OutcomeUnexpectedResponse {
		v.Code, v.Message = res.Code, res.Message
	}
	for _, st := range d.Steps {
		i := onboarding.StepIndex(string(st))
		if i < 0 {
			continue
		}
		v.Steps = append(v.Steps, templates.StepLink{
			Title: fmt.Sprintf("Step %d: %s", i+1, stepTitle(string(st))),
			URL:   "/wizard/" + string(st),
		})
	}
	if !at.IsZero() {
		v.At = at.UTC().Format("2 Jan 2006 15:04 UTC")
	}
	return v
}

func stepTitle(slug string) string {
	if c, ok := stepContents[slug]; ok {
		return c.Heading
	}
	for _, st := range onboarding.Steps {
		if st.Slug == slug {
			return st.Title
		}
	}
	return slug
}

// connect hands verified values off; the page then follows the job.
func (s *Server) connect(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.currentSubmission(r)
	if err != nil {
		return err
	}
	if err := s.svc.Connect(r.Context(), sub.ID); err != nil &&
		!errors.Is(err, onboarding.ErrNotVerified) {
		return err
	}
	redirect(w, r, "/wizard/connect")
	return nil
}

func (s *Server) renderConnect(w http.ResponseWriter, r *http.Request, sub store.Submission) error {
	v := templates.ConnectView{
		Page:         s.wizardPage(r, sub, "Connect"),
		Progress:     s.progress(sub, "connect"),
		Illustration: s.illustration("connect.svg", connectPicture.Alt),
		Action:       "/wizard/connect",
		RefreshURL:   "/wizard/connect",
		VerifyURL:    "/wizard/verify",
		BackURL:      "/wizard/verify",
		InstanceName: sub.InstanceName,
		InstanceID:   sub.InstanceID,
	}
	if s.svc.Config().SecretRetention > 0 && sub.PurgedAt.IsZero() &&
		!sub.PurgeAfter.IsZero() {
		v.SecretsErasedBy = sub.PurgeAfter.UTC().Format("2 January 2006, 15:04 UTC")
	}
	switch sub.Status {
	case store.StatusVerified:
		v.State = "ready"
	case store.StatusHandingOff:
		v.State = "working"
	case store.StatusAwaitingApproval:
		v.State = "waiting_approval"
	case store.StatusConnected:
		v.State = "connected"
	case store.StatusHandoffFailed:
		v.State = "failed"
	case store.StatusRejected:
		v.State = "rejected"
	default:
		v.State = "not_verified"
	}
	s.render(w, r, http.StatusOK, templates.ConnectPage(v))
	return nil
}

package web

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"tbaportal/internal/onboarding"
	"tbaportal/internal/store"
	"tbaportal/templates"
)

// serveInvitation opens an invitation link: it binds this browser to the
// submission and sends it to the step where the customer stopped. The
// token leaves the address bar at once.
func (s *Server) serveInvitation(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.svc.OpenInvitation(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		return err
	}

	if err := s.startWizardSession(w, r, sub.ID); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "invitation opened", "submission_id", sub.ID)
	redirect(w, r, "/wizard/"+sub.Step)
	return nil
}

// currentSubmission loads the submission this browser's session points
// at, checking its invitation on every request.
func (s *Server) currentSubmission(r *http.Request) (store.Submission, error) {
	id := s.wizardSubmissionID(r)
	if id == "" {
		return store.Submission{}, errNoSession
	}
	sub, err := s.svc.Resume(r.Context(), id)
	if errors.Is(err, onboarding.ErrNotFound) {
		return sub, errNoSession
	}
	return sub, err
}

// serveStep shows one step. A step beyond the next one the customer has
// reached sends them back to where they are.
func (s *Server) serveStep(w http.ResponseWriter, r *http.Request) error {
	slug := chi.URLParam(r, "step")
	idx := onboarding.StepIndex(slug)
	if idx < 0 {
		return errNotFoundPage
	}
	sub, err := s.currentSubmission(r)
	if err != nil {
		return err
	}
	if idx > onboarding.StepIndex(sub.Step)+1 {
		redirect(w, r, "/wizard/"+sub.Step)
		return nil
	}

	if err := s.svc.ReachStep(r.Context(), sub, slug); err != nil &&
		!errors.Is(err, store.ErrConflict) {
		return err
	}
	if idx > onboarding.StepIndex(sub.Step) {
		sub.Step = slug
	}
	switch slug {
	case "verify":
		return s.renderVerify(w, r, sub, http.StatusOK, nil)
	case "connect":
		return s.renderConnect(w, r, sub)
	}
	return s.renderStep(w, r, sub, slug, http.StatusOK, stepForm{})
}

// saveStep handles Continue on a setup step: it validates and stores the
// step's values, then moves on; on a mistake it shows the same step with
// the errors, status 422, and keeps every valid value.
func (s *Server) saveStep(w http.ResponseWriter, r *http.Request) error {
	slug := chi.URLParam(r, "step")
	idx := onboarding.StepIndex(slug)
	if idx < 0 || slug == "verify" || slug == "connect" {
		return errNotFoundPage
	}
	sub, err := s.currentSubmission(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}

	var form stepForm
	switch slug {
	case "account-id":
		form, err = s.saveAccountID(r, sub)
	case "integration", "access-token":
		form, err = s.saveCredentials(r, sub, slug)
	}
	if err != nil {
		return err
	}
	if form.hasErrors() {
		sub, err = s.svc.Resume(r.Context(), sub.ID)
		if err != nil {
			return err
		}
		return s.renderStep(w, r, sub, slug, http.StatusUnprocessableEntity, form)
	}

	next := onboarding.Steps[idx+1].Slug
	if err := s.svc.ReachStep(r.Context(), sub, next); err != nil &&
		!errors.Is(err, store.ErrConflict) {
		return err
	}
	redirect(w, r, "/wizard/"+next)
	return nil
}

func (s *Server) progress(sub store.Submission, current string) []templates.ProgressItem {
	furthest := onboarding.StepIndex(sub.Step)
	cur := onboarding.StepIndex(current)
	items := make([]templates.ProgressItem, len(onboarding.Steps))
	for i, st := range onboarding.Steps {
		it := templates.ProgressItem{Number: i + 1, Title: st.Title, State: "todo"}
		switch {
		case i == cur:
			it.State = "current"
		case i < furthest || (i < cur):
			it.State = "done"
		}
		if i <= furthest+1 {
			it.URL = "/wizard/" + st.Slug
		}
		items[i] = it
	}
	return items
}

func (s *Server) wizardPage(r *http.Request, sub store.Submission, title string) templates.Page {
	p := s.page(r, title)
	p.Company = sub.Company
	return p
}

func (s *Server) illustration(file, alt string) templates.Illustration {
	return templates.Illustration{URL: s.assets.URL("illustrations/" + file), Alt: alt}
}

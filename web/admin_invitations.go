package web

import (
	"errors"
	"net/http"

	"tbaportal/internal/onboarding"
	"tbaportal/templates"
)

// serveNewInvitation shows the form that creates an invitation.
func (s *Server) serveNewInvitation(w http.ResponseWriter, r *http.Request) error {
	s.renderInviteForm(w, r, http.StatusOK, "", "", nil)
	return nil
}

func (s *Server) renderInviteForm(w http.ResponseWriter, r *http.Request, status int, company, email string, inErr *onboarding.InputError) {
	fields := []templates.Field{
		{ID: "company", Name: "company", Label: "Company", Value: company,
			Autocomplete: "organization", Required: true},
		{ID: "email", Name: "email", Label: "Contact email (optional)",
			Hint:  "The customer's NetSuite administrator, for your records.",
			Value: email, Autocomplete: "email", InputMode: "email"},
	}
	v := templates.AdminInviteView{Page: s.adminPage(r, "New invitation"),
		Durations: durationOptions(r.PostFormValue("days"))}
	for i := range fields {
		if inErr != nil && inErr.Field == fields[i].ID {
			fields[i].Error = inErr.Message
			v.Errors = append(v.Errors, templates.FieldError{
				FieldID: fields[i].ID, Message: inErr.Message})
		}
	}
	v.Fields = fields
	s.render(w, r, status, templates.AdminInvitePage(v))
}

// createInvitation creates the submission and shows its link once.
func (s *Server) createInvitation(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	company, email := r.PostForm.Get("company"), r.PostForm.Get("email")
	ttl, ok := parseDays(r.PostForm.Get("days"))

	var inErr *onboarding.InputError
	if !ok {
		inErr = &onboarding.InputError{Field: "days", Message: "Choose one of the periods offered."}
		s.renderInviteForm(w, r, http.StatusUnprocessableEntity, company, email, inErr)
		return nil
	}
	inv, err := s.svc.CreateInvitation(r.Context(), company, email, ttl,
		currentAdmin(r).Email)
	if errors.As(err, &inErr) {
		s.renderInviteForm(w, r, http.StatusUnprocessableEntity, company, email, inErr)
		return nil
	}
	if err != nil {
		return err
	}

	s.log.InfoContext(r.Context(), "invitation created", "submission_id",
		inv.Submission.ID, "admin_email", currentAdmin(r).Email)
	s.renderLink(w, r, inv.Submission, inv.Token, "Invitation created")
	return nil
}

package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"tbaportal/internal/audit"
	"tbaportal/internal/netsuite"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
	"tbaportal/templates"
)

var errNoSubmission = errorf(http.StatusNotFound, "No such submission",
	"There is no submission at this address. It may have been mistyped.", nil)

// maskedFields are the secret fields shown masked on a submission's
// page: the four credentials in NetSuite's order, then the instance token.
var maskedFields = append(append([]string{}, onboarding.CredentialFields...),
	onboarding.FieldInstanceToken)

// loadSubmission finds the submission named in the address.
func (s *Server) loadSubmission(r *http.Request) (store.Submission, error) {
	id := chi.URLParam(r, "id")
	if !cursorID.MatchString(id) {
		return store.Submission{}, errNoSubmission
	}
	sub, err := s.db.Submission(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return sub, errNoSubmission
	}
	return sub, err
}

// serveSubmission shows everything about one submission except the
// secrets themselves, and records that this admin looked.
func (s *Server) serveSubmission(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.loadSubmission(r)
	if err != nil {
		return err
	}

	v, err := s.detailView(r, sub)
	if err != nil {
		return err
	}
	if err := s.admin.audit.Record(r.Context(), currentAdmin(r).Email,
		audit.ActionView, sub.ID, ""); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, templates.AdminDetailPage(v))
	return nil
}

func (s *Server) detailView(r *http.Request, sub store.Submission) (templates.AdminDetailView, error) {
	ctx := r.Context()
	v := templates.AdminDetailView{Page: s.adminPage(r, sub.Company),
		Sub: s.summary(sub)}
	masks, err := s.svc.Masks(ctx, sub.ID)
	if err != nil {
		return v, err
	}
	v.Credentials = maskedCredentials(masks)
	attempts, err := s.db.Attempts(ctx, sub.ID)
	if err != nil {
		return v, err
	}
	v.Attempts = attemptRows(attempts)
	events, err := s.db.Events(ctx, sub.ID)
	if err != nil {
		return v, err
	}
	v.Timeline, v.HandoffHistory = eventRows(events)
	if v.Handoff, err = s.handoffView(r, sub.ID); err != nil {
		return v, err
	}
	entries, err := s.db.AuditForSubmission(ctx, sub.ID, detailAuditEntries)
	if err != nil {
		return v, err
	}
	v.Audit = auditRows(entries)
	if currentAdmin(r).Role == store.RoleOperator {
		v.Actions = actionLinks(sub)
	}
	if n := doneNotice(r.URL.Query().Get("done")); n != nil {
		v.Notices = append(v.Notices, *n)
	}
	return v, nil
}

// detailAuditEntries is how many of a submission's newest audit entries
// its page shows; the Audit page and `portal audit verify` have them all.
const detailAuditEntries = 100

func (s *Server) summary(sub store.Submission) templates.SubmissionSummary {
	step := sub.Step
	if i := onboarding.StepIndex(sub.Step); i >= 0 {
		step = fmt.Sprintf("%d of %d: %s", i+1, len(onboarding.Steps),
			onboarding.Steps[i].Title)
	}
	out := templates.SubmissionSummary{
		ID: sub.ID, Company: sub.Company, Email: sub.ContactEmail,
		AccountID: sub.AccountID, Status: string(sub.Status),
		StatusLabel: statusLabel(sub.Status), Step: step,
		Expired: s.invitationExpired(sub),
		Revoked: !sub.InvitationRevokedAt.IsZero(),
		Created: formatTime(sub.CreatedAt), LastActivity: formatTime(sub.LastActivityAt),
		InstanceID: sub.InstanceID, InstanceName: sub.InstanceName,
	}
	out.Invitation = "link valid until " + formatTime(sub.InvitationExpiresAt)
	if out.Revoked {
		out.Invitation = "link revoked " + formatTime(sub.InvitationRevokedAt)
	}
	if sub.DecidedBy != "" {
		out.Decided = "by " + sub.DecidedBy + " at " + formatTime(sub.DecidedAt)
	}
	switch {
	case !sub.PurgedAt.IsZero():
		out.Purge = "purged " + formatTime(sub.PurgedAt)
	case !sub.PurgeAfter.IsZero():
		out.Purge = "kept until " + formatTime(sub.PurgeAfter)
	}
	return out
}

// maskedCredentials shows what Masks kept: last four and fingerprint.
// Nothing is decrypted for display.
func maskedCredentials(masks map[string]secrets.Mask) []templates.MaskedCredential {
	out := make([]templates.MaskedCredential, 0, len(maskedFields))
	for _, field := range maskedFields {
		label, ok := credentialLabels[field]
		if !ok {
			label = "Cloud Elements instance token"
		}
		mc := templates.MaskedCredential{Label: label}
		if m, ok := masks[field]; ok {
			mc.Mask = "…" + m.Last4 + " (fp " + m.Fingerprint + ")"
		}
		out = append(out, mc)
	}
	return out
}

func attemptRows(attempts []store.Attempt) []templates.AttemptRow {
	out := make([]templates.AttemptRow, 0, len(attempts))
	for _, a := range attempts {
		d := netsuite.Diagnose(onboarding.ResultOf(a))
		row := templates.AttemptRow{
			At: formatTime(a.At), Actor: a.Actor, Outcome: a.Outcome,
			Success:   a.Outcome == string(netsuite.OutcomeVerified),
			Diagnosis: d.Title, Summary: d.Summary, Code: a.Code,
			Message: a.Message, Skew: formatSkew(a.Skew),
			Duration: a.Duration.Round(time.Millisecond).String(),
		}
		switch {
		case !a.RESTChecked:
			row.REST = "not checked"
		case a.RESTEnabled:
			row.REST = "enabled"
		default:
			row.REST = "not enabled"
		}
		out = append(out, row)
	}
	return out
}

// formatSkew says which way the portal's clock and NetSuite's differ.
func formatSkew(d time.Duration) string {
	switch {
	case d == 0:
		return "none measured"
	case d > 0:
		return "NetSuite ahead by " + d.Round(time.Second).String()
	}
	return "NetSuite behind by " + (-d).Round(time.Second).String()
}

// eventRows returns the whole timeline and, apart, the handoff's part.
func eventRows(events []store.Event) (all, handoff []templates.EventRow) {
	for _, e := range events {
		row := templates.EventRow{At: formatTime(e.At), Actor: e.Actor,
			Kind: strings.ReplaceAll(e.Kind, "_", " "), Detail: e.Detail}
		all = append(all, row)
		if strings.HasPrefix(e.Kind, "handoff") || e.Kind == "connected" ||
			e.Kind == "approved" {
			handoff = append(handoff, row)
		}
	}
	return all, handoff
}

func (s *Server) handoffView(r *http.Request, id string) (*templates.HandoffView, error) {
	job, err := s.db.HandoffJob(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := &templates.HandoffView{State: job.State,
		Attempts: fmt.Sprint(job.Attempts), Updated: formatTime(job.UpdatedAt),
		LastError: job.LastError}
	if job.State == store.JobPending {
		v.NextRun = formatTime(job.NextRunAt)
	}
	return v, nil
}

func auditRows(entries []store.AuditEntry) []templates.AuditRow {
	out := make([]templates.AuditRow, 0, len(entries))
	for _, e := range entries {
		row := templates.AuditRow{Seq: fmt.Sprint(e.Seq), At: formatTime(e.At),
			Actor: e.Actor, Action: strings.ReplaceAll(e.Action, "_", " "),
			SubmissionID: e.SubmissionID, Detail: e.Detail}
		if cursorID.MatchString(e.SubmissionID) {
			row.SubmissionURL = "/admin/submissions/" + e.SubmissionID
		}
		out = append(out, row)
	}
	return out
}

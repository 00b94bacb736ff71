package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tbaportal/internal/audit"
	"tbaportal/internal/store"
	"tbaportal/internal/testharness"
)

// submission returns a submission's stored state.
func (e *adminEnv) submission(id string) store.Submission {
	e.t.Helper()
	sub, err := e.DB.Submission(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return sub
}

// filled is a submission whose customer entered every value, with the
// customer's browser and link.
func (e *adminEnv) filled(company string) (string, *browserT, string) {
	e.t.Helper()
	inv, link := e.Invite(company)
	b := e.CompleteWizard(link, testharness.Demo())
	return inv.Submission.ID, b, link
}

// connected walks a submission through verify and connect.
func (e *adminEnv) connected(company string) string {
	e.t.Helper()
	id, b, _ := e.filled(company)
	wantRedirect(e.t, b.Post("/wizard/verify", nil), "/wizard/verify#diagnosis")
	if r := b.Post("/wizard/connect", nil); r.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("connect: status %d", r.StatusCode)
	}
	return id
}

// setStatus forces a submission's status, as a crash or a failed worker
// would leave it.
func (e *adminEnv) setStatus(id string, st store.Status) {
	e.t.Helper()
	if _, err := e.DB.SQL().Exec(`UPDATE submissions SET status = ? WHERE id = ?`,
		st, id); err != nil {
		e.t.Fatal(err)
	}
}

func TestAdminActions(t *testing.T) {
	tests := []struct {
		name   string
		action string
		form   url.Values
		setup  func(e *adminEnv) string
		check  func(t *testing.T, e *adminEnv, before, after store.Submission)
		audit  string
	}{
		{name: "verify again", action: "reverify",
			setup: func(e *adminEnv) string { id, _, _ := e.filled("Acme"); return id },
			check: func(t *testing.T, e *adminEnv, _, after store.Submission) {
				as, _ := e.DB.Attempts(context.Background(), after.ID)
				if len(as) != 1 || as[0].Actor != "ops@example.com" {
					t.Fatalf("attempts %+v, want one by ops@example.com", as)
				}
				if after.Status != store.StatusVerified {
					t.Errorf("status %q, want verified", after.Status)
				}
			}, audit: audit.ActionDecrypt},
		{name: "approve", action: "approve",
			setup: func(e *adminEnv) string { return e.connected("Acme") },
			check: func(t *testing.T, e *adminEnv, before, after store.Submission) {
				if before.Status != store.StatusAwaitingApproval ||
					after.Status != store.StatusHandingOff || after.DecidedBy != "ops@example.com" {
					t.Errorf("status %q → %q decided by %q", before.Status, after.Status, after.DecidedBy)
				}
			}, audit: audit.ActionApprove},
		{name: "reject", action: "reject",
			setup: func(e *adminEnv) string { return e.connected("Acme") },
			check: func(t *testing.T, e *adminEnv, _, after store.Submission) {
				if after.Status != store.StatusRejected {
					t.Errorf("status %q, want rejected", after.Status)
				}
			}, audit: audit.ActionReject},
		{name: "retry the handoff", action: "retry-handoff",
			setup: func(e *adminEnv) string {
				id := e.connected("Acme")
				e.setStatus(id, store.StatusHandoffFailed)
				return id
			},
			check: func(t *testing.T, e *adminEnv, _, after store.Submission) {
				job, err := e.DB.HandoffJob(context.Background(), after.ID)
				if after.Status != store.StatusHandingOff || err != nil || job.State != store.JobPending {
					t.Errorf("status %q job %+v (%v)", after.Status, job, err)
				}
			}, audit: audit.ActionRetryHandoff},
		{name: "purge", action: "purge",
			setup: func(e *adminEnv) string { id, _, _ := e.filled("Acme"); return id },
			check: func(t *testing.T, e *adminEnv, _, after store.Submission) {
				fields, _ := e.DB.SecretFields(context.Background(), after.ID)
				if after.PurgedAt.IsZero() || after.WrappedKey != nil || len(fields) != 0 {
					t.Errorf("not purged: purged_at %v key %v fields %d",
						after.PurgedAt, after.WrappedKey != nil, len(fields))
				}
			}, audit: audit.ActionPurge},
		{name: "revoke", action: "revoke",
			setup: func(e *adminEnv) string { id, _, _ := e.filled("Acme"); return id },
			check: func(t *testing.T, e *adminEnv, _, after store.Submission) {
				if after.InvitationRevokedAt.IsZero() {
					t.Error("invitation not revoked")
				}
			}, audit: audit.ActionRevoke},
		{name: "extend", action: "extend", form: url.Values{"days": {"60"}},
			setup: func(e *adminEnv) string { id, _, _ := e.filled("Acme"); return id },
			check: func(t *testing.T, e *adminEnv, _, after store.Submission) {
				want := e.clock.Now().Add(60 * 24 * time.Hour)
				if d := after.InvitationExpiresAt.Sub(want); d < -time.Second || d > time.Second {
					t.Errorf("expires %v, want %v", after.InvitationExpiresAt, want)
				}
			}, audit: audit.ActionExtend},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newAdminEnv(t, withApproval)
			e.addAdmin("ops@example.com", store.RoleOperator)
			id := tt.setup(e)
			b := e.signIn("ops@example.com")
			before := e.submission(id)
			path := "/admin/submissions/" + id + "/" + tt.action

			link := doc(t, b.Get("/admin/submissions/"+id)).Find(`a[href="` + path + `"]`)
			if link.Length() != 1 {
				t.Fatalf("the submission page has no link to %s", path)
			}
			if r := b.Get(path); r.StatusCode != http.StatusOK ||
				doc(t, r).Find(`input[type=checkbox][name=confirm]`).Length() != 1 {
				t.Fatalf("confirm page: status %d, or no confirmation box", r.StatusCode)
			}
			unconfirmed := b.Post(path, tt.form)
			if unconfirmed.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("without the box: status %d, want 422", unconfirmed.StatusCode)
			}
			if e.submission(id).LastActivityAt != before.LastActivityAt {
				t.Fatal("the action ran without confirmation")
			}

			form := url.Values{"confirm": {"yes"}}
			for k, v := range tt.form {
				form[k] = v
			}
			wantRedirect(t, b.Post(path, form), "/admin/submissions/"+id+"?done="+tt.action)
			tt.check(t, e, before, e.submission(id))
			if !hasAudit(t, e, tt.audit, id, "ops@example.com") {
				t.Errorf("no %s audit entry by the admin", tt.audit)
			}
			page := b.Get("/admin/submissions/" + id + "?done=" + tt.action)
			if doc(t, page).Find(".notice-success").Length() != 1 {
				t.Error("no notice that the action ran")
			}
		})
	}
}

func hasAudit(t *testing.T, e *adminEnv, action, id, actor string) bool {
	t.Helper()
	entries, err := e.DB.AuditForSubmission(context.Background(), id, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.Action == action && en.Actor == actor {
			return true
		}
	}
	return false
}

func TestAdminActionRefusedInWrongState(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("ops@example.com", store.RoleOperator)
	id, _, _ := e.filled("Acme")
	b := e.signIn("ops@example.com")

	r := b.Post("/admin/submissions/"+id+"/approve", url.Values{"confirm": {"yes"}})
	if r.StatusCode != http.StatusConflict {
		t.Errorf("approve while in progress: status %d, want 409", r.StatusCode)
	}
	if got := e.submission(id).Status; got != store.StatusInProgress {
		t.Errorf("status %q, want in_progress", got)
	}
}

func TestAdminCopyLinkReissues(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("ops@example.com", store.RoleOperator)
	id, _, oldLink := e.filled("Acme")
	b := e.signIn("ops@example.com")

	r := b.Post("/admin/submissions/"+id+"/reissue", url.Values{"confirm": {"yes"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("reissue: status %d", r.StatusCode)
	}
	d := doc(t, r)
	input := d.Find("input#invitation-link[readonly]")
	newLink, _ := input.Attr("value")
	if !strings.HasPrefix(newLink, e.Portal.URL+"/invite/") || newLink == oldLink {
		t.Fatalf("new link %q (old %q)", newLink, oldLink)
	}
	if ctl, _ := d.Find("button.copy-link").Attr("aria-controls"); ctl != "invitation-link" {
		t.Errorf("copy button controls %q, want invitation-link", ctl)
	}
	if !strings.Contains(r.Body, "old link no longer works") {
		t.Error("the page does not say the old link stopped working")
	}
	if r := e.NewBrowser().Get(oldLink); r.StatusCode != http.StatusNotFound {
		t.Errorf("old link: status %d, want 404", r.StatusCode)
	}
	wantRedirect(t, e.NewBrowser().Get(newLink), "/wizard/verify")
	if strings.Contains(e.Logs.String(), strings.TrimPrefix(newLink, e.Portal.URL+"/invite/")) {
		t.Error("the invitation token reached the log")
	}
}

func TestAdminCreatesInvitation(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("ops@example.com", store.RoleOperator)
	b := e.signIn("ops@example.com")

	if r := b.Get("/admin/invitations/new"); r.StatusCode != http.StatusOK {
		t.Fatalf("form: status %d", r.StatusCode)
	}
	bad := b.Post("/admin/invitations", url.Values{"company": {""}, "days": {"14"}})
	if bad.StatusCode != http.StatusUnprocessableEntity ||
		doc(t, bad).Find("#company-error").Length() != 1 {
		t.Fatalf("empty company: status %d, or no field error", bad.StatusCode)
	}
	r := b.Post("/admin/invitations", url.Values{"company": {"Globex"},
		"email": {"it@globex.example"}, "days": {"30"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("create: status %d", r.StatusCode)
	}
	link, _ := doc(t, r).Find("input#invitation-link").Attr("value")
	wantRedirect(t, e.NewBrowser().Get(link), "/wizard/welcome")

	subs, err := e.DB.ListSubmissions(context.Background(), store.ListFilter{Search: "globex"})
	if err != nil || len(subs) != 1 {
		t.Fatalf("submissions %v, err %v", subs, err)
	}
	want := e.clock.Now().Add(30 * 24 * time.Hour)
	if !subs[0].InvitationExpiresAt.Equal(want.Truncate(time.Millisecond)) {
		t.Errorf("expires %v, want %v", subs[0].InvitationExpiresAt, want)
	}
}

func TestAdminViewerCannotAct(t *testing.T) {
	e := newAdminEnv(t, withApproval)
	e.addAdmin("viewer@example.com", store.RoleViewer)
	id := e.connected("Acme")
	b := e.signIn("viewer@example.com")

	for _, path := range []string{"/admin/submissions", "/admin/submissions/" + id,
		"/admin/audit", "/admin/metrics"} {
		if r := b.Get(path); r.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", path, r.StatusCode)
		}
	}
	if n := doc(t, b.Get("/admin/submissions/"+id)).Find("a[href*='/approve']").Length(); n != 0 {
		t.Error("a viewer is offered actions")
	}
	for _, action := range []string{"reverify", "approve", "reject",
		"retry-handoff", "purge", "revoke", "extend", "reissue"} {
		t.Run(action, func(t *testing.T) {
			path := "/admin/submissions/" + id + "/" + action
			if r := b.Get(path); r.StatusCode != http.StatusForbidden {
				t.Errorf("GET: status %d, want 403", r.StatusCode)
			}
			r := b.Post(path, url.Values{"confirm": {"yes"}, "days": {"14"}})
			if r.StatusCode != http.StatusForbidden {
				t.Errorf("POST: status %d, want 403", r.StatusCode)
			}
		})
	}
	if r := b.Get("/admin/invitations/new"); r.StatusCode != http.StatusForbidden {
		t.Errorf("new invitation form: status %d, want 403", r.StatusCode)
	}
	r := b.Post("/admin/invitations", url.Values{"company": {"X"}, "days": {"14"}})
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("create invitation: status %d, want 403", r.StatusCode)
	}
	if got := e.submission(id).Status; got != store.StatusAwaitingApproval {
		t.Errorf("status %q after a viewer's attempts, want awaiting_approval", got)
	}
}

package templates_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"tbaportal/templates"
)

// benchPage is one page to render, with a piece of its HTML that only a
// complete rendering contains.
type benchPage struct {
	name string
	page templ.Component
	want string
}

// BenchmarkRenderPages renders every page of the wizard and the admin
// review into a reused buffer, as web.render does, with view data shaped
// like what the handlers build. It measures the templates alone: no
// database, no middleware, no network.
func BenchmarkRenderPages(b *testing.B) {
	for _, p := range benchPages() {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := p.page.Render(ctx, &buf); err != nil {
					b.Fatalf("render: %v", err)
				}
				if buf.Len() == 0 {
					b.Fatal("render wrote nothing")
				}
			}
			checkRendered(b, buf.String(), p.want)
			b.ReportMetric(float64(buf.Len()), "html_bytes")
		})
	}
}

// checkRendered fails unless html is a whole page holding want.
func checkRendered(b *testing.B, html, want string) {
	b.Helper()
	for _, part := range []string{"<!doctype html>", want, "</html>"} {
		if !strings.Contains(html, part) {
			b.Fatalf("rendered page lacks %q:\n%s", part, html)
		}
	}
}

func benchPages() []benchPage {
	pages := make([]benchPage, 0, 16)
	for i, st := range benchSteps {
		if st.slug == "verify" || st.slug == "connect" {
			continue
		}
		pages = append(pages, benchPage{name: st.slug,
			page: templates.StepPage(stepView(i)), want: "<h1>" + st.heading + "</h1>"})
	}
	return append(pages,
		benchPage{"verify", templates.VerifyPage(verifyView(false)),
			"Check the values with NetSuite"},
		benchPage{"verify-failed", templates.VerifyPage(verifyView(true)),
			"Most likely causes"},
		benchPage{"connect", templates.ConnectPage(connectView()), "<h1>Connected</h1>"},
		benchPage{"error", templates.MessagePage(errorView()), "<h1>Page not found</h1>"},
		benchPage{"admin-list", templates.AdminListPage(adminListView()),
			"Example Customer 50"},
		benchPage{"admin-detail", templates.AdminDetailPage(adminDetailView()),
			"Audit trail"},
	)
}

// benchSteps are the wizard's steps with what each setup step shows.
var benchSteps = []struct {
	slug, title, heading string
	menu                 []string
	fields               []templates.Field
}{
	{"welcome", "Welcome", "Connect your NetSuite account", nil, nil},
	{"account-id", "Account ID", "Find your Account ID",
		[]string{"Setup", "Integration", "Web Services Preferences"},
		[]templates.Field{{ID: "account-id", Name: "account_id", Label: "Account ID",
			Hint:  "For example 1234567, or 1234567_SB1 for a sandbox.",
			Value: "1234567_SB1", Required: true}}},
	{"enable-tba", "Enable TBA", "Enable Token-Based Authentication",
		[]string{"Setup", "Company", "Enable Features", "SuiteCloud"}, nil},
	{"role", "Role", "Create the integration role",
		[]string{"Setup", "Users/Roles", "Manage Roles", "New"}, nil},
	{"assign-role", "Assign role", "Give the role to a user",
		[]string{"Lists", "Employees", "Employees"}, nil},
	{"integration", "Integration", "Create the integration record",
		[]string{"Setup", "Integration", "Manage Integrations", "New"},
		secretFields("consumer", "Consumer Key", "Consumer Secret", "")},
	{"access-token", "Access token", "Create the access token",
		[]string{"Setup", "Users/Roles", "Access Tokens", "New"},
		secretFields("token", "Token ID", "Token Secret",
			"This is 63 characters long; a NetSuite value has 64.")},
	{"verify", "Verify", "", nil, nil},
	{"connect", "Connect", "", nil, nil},
}

// secretFields are the two secret inputs of a credential step: the first
// already saved, the second possibly refused.
func secretFields(prefix, first, second, secondError string) []templates.Field {
	hint := "64 characters, letters a–f and digits."
	return []templates.Field{
		{ID: prefix + "-1", Name: prefix + "_1", Label: first, Hint: hint,
			Secret: true, Required: true, SavedMask: "9c1e"},
		{ID: prefix + "-2", Name: prefix + "_2", Label: second, Hint: hint,
			Secret: true, Required: true, Error: secondError},
	}
}

func page(title string) templates.Page {
	return templates.Page{
		Title: title, Nonce: "Qm9uY2VWYWx1ZUZvckJlbmNo",
		CSSURL:    "/static/css/portal.4f1c9a2b7e3d.css",
		ScriptURL: "/static/js/reveal.8d2e6b1a0c5f.js",
		Demo:      true, Company: "Example Manufacturing & Co. Ltd",
	}
}

// progress marks every step before current as done.
func progress(current int) []templates.ProgressItem {
	items := make([]templates.ProgressItem, len(benchSteps))
	for i, st := range benchSteps {
		it := templates.ProgressItem{Number: i + 1, Title: st.title, State: "todo"}
		switch {
		case i == current:
			it.State = "current"
		case i < current:
			it.State = "done"
		}
		if i <= current+1 {
			it.URL = "/wizard/" + st.slug
		}
		items[i] = it
	}
	return items
}

func illustration(slug string) templates.Illustration {
	return templates.Illustration{
		URL: "/static/illustrations/" + slug + ".3b9d0e7c1a2f.svg",
		Alt: "A NetSuite screen with the field to copy outlined, and an arrow " +
			"pointing at where it goes in the portal's form."}
}

func stepView(i int) templates.StepView {
	st := benchSteps[i]
	v := templates.StepView{
		Page: page(st.heading), Progress: progress(i), Heading: st.heading,
		Lead: "This step takes a minute in NetSuite; the picture shows " +
			"exactly where to click.",
		Illustration: illustration(st.slug), MenuPath: st.menu,
		Instructions: []string{
			"Sign in to NetSuite with a role that can change the account's setup.",
			"Open the page in the path above and find the section the picture outlines.",
			"Change or copy what the picture shows, then save the page in NetSuite.",
			"Come back to this page and press Continue below.",
		},
		Form: templates.Form{Action: "/wizard/" + st.slug, Fields: st.fields},
	}
	if i > 0 {
		v.BackURL = "/wizard/" + benchSteps[i-1].slug
	}
	for _, f := range st.fields {
		if f.Error != "" {
			v.Form.Errors = append(v.Form.Errors,
				templates.FieldError{FieldID: f.ID, Message: f.Label + ": " + f.Error})
		}
	}
	if st.slug == "role" {
		v.Permissions = rolePermissions()
	}
	if len(st.fields) > 1 {
		v.Notices = []templates.Notice{{Kind: "warning", Title: "Shown only once",
			Body: "NetSuite shows these two values only once. If you have lost " +
				"them, make new ones in NetSuite and use those."}}
	}
	return v
}

func rolePermissions() []templates.Permission {
	return []templates.Permission{
		{"Setup", "Web Services", "Full", "lets the integration sign in"},
		{"Setup", "User Access Tokens", "Full", "lets the role own a token"},
		{"Setup", "REST Web Services", "Full", "optional: for REST calls"},
		{"Transactions", "Sales Order", "View", "read orders"},
		{"Lists", "Customers", "View", "read customers"},
		{"Lists", "Items", "View", "read items"},
	}
}

func verifyView(failed bool) templates.VerifyView {
	v := templates.VerifyView{
		Page: page("Verify"), Progress: progress(7),
		Illustration: illustration("verify"), AccountID: "1234567_SB1",
		Complete: true, CanVerify: true, CanContinue: !failed,
		Action: "/wizard/verify", BackURL: "/wizard/access-token",
		NextURL: "/wizard/connect",
	}
	labels := []string{"Consumer Key", "Consumer Secret", "Token ID", "Token Secret"}
	for i, label := range labels {
		v.Credentials = append(v.Credentials, templates.CredentialSummary{
			Label: label, Mask: fmt.Sprintf("…%04x (fingerprint 9f3c0a%02x)", 0x1a2b+i, i),
			EditURL: "/wizard/integration"})
	}
	d := templates.DiagnosisView{Success: true, Title: "NetSuite accepted the values",
		Summary: "The integration can sign in with these values.",
		Info:    []string{"REST web services are enabled for this role."},
		At:      "4 Dec 2026 10:15 UTC"}
	if failed {
		d = templates.DiagnosisView{Title: "NetSuite refused the sign-in",
			Summary: "NetSuite answered InvalidSignature: it could not match the values.",
			Causes: []string{
				"The Token Secret was copied with a character missing.",
				"The access token belongs to another integration record.",
				"The token was revoked after it was created.",
			},
			Steps: []templates.StepLink{
				{Title: "Step 6: Create the integration record", URL: "/wizard/integration"},
				{Title: "Step 7: Create the access token", URL: "/wizard/access-token"},
			},
			AuditTrail: []string{"InvalidSignature", "InvalidToken"},
			At:         "4 Dec 2026 10:15 UTC"}
	}
	v.Diagnosis = &d
	return v
}

func connectView() templates.ConnectView {
	return templates.ConnectView{
		Page: page("Connect"), Progress: progress(8),
		Illustration: illustration("connect"), State: "connected",
		InstanceName: "NetSuite – Example Manufacturing & Co. Ltd",
		InstanceID:   "482913", Action: "/wizard/connect",
		RefreshURL: "/wizard/connect", VerifyURL: "/wizard/verify",
	}
}

func errorView() templates.MessageView {
	p := page("Page not found")
	p.Company = ""
	return templates.MessageView{Page: p, Heading: "Page not found", Status: 404,
		Body: []string{"There is no page at this address. If you followed a link " +
			"from an email, open the whole link again."}}
}

func adminPage(title string) templates.Page {
	p := page(title)
	p.Company = ""
	p.Admin = &templates.AdminNav{Email: "ops@example.com", Role: "operator",
		Operator: true}
	return p
}

// statuses are the list's status filter, as the handler offers it.
var statuses = []string{"", "invited", "in_progress", "verified",
	"verification_failed", "awaiting_approval", "handing_off", "connected",
	"handoff_failed", "rejected", "purged", "expired"}

func adminListView() templates.AdminListView {
	v := templates.AdminListView{Page: adminPage("Submissions"),
		NextURL: "/admin/submissions?after=MTcwMDAwMDA1MDAwMDpzMDAwMDA1MA"}
	for _, s := range statuses {
		v.Statuses = append(v.Statuses,
			templates.Option{Value: s, Label: s, Selected: s == ""})
	}
	for i := 1; i <= 50; i++ {
		st := statuses[1+i%9]
		v.Rows = append(v.Rows, templates.SubmissionRow{
			URL:       fmt.Sprintf("/admin/submissions/s%07d", i),
			Company:   fmt.Sprintf("Example Customer %d", i),
			Email:     fmt.Sprintf("it%d@example.com", i),
			AccountID: fmt.Sprint(1000000 + i), Status: st, StatusLabel: st,
			Expired: i%11 == 0, LastActivity: "2026-12-04 10:15 UTC",
		})
	}
	return v
}

func adminDetailView() templates.AdminDetailView {
	const at = "2026-12-04 10:15 UTC"
	v := templates.AdminDetailView{
		Page: adminPage("Example Manufacturing & Co. Ltd"),
		Sub: templates.SubmissionSummary{ID: "k3v9x2m7q1w8e5r4t6y0u2i9o",
			Company: "Example Manufacturing & Co. Ltd",
			Email:   "it@example.com", AccountID: "1234567_SB1", Status: "connected",
			StatusLabel: "Connected", Step: "9 of 9: Connect",
			Invitation: "link valid until 2026-12-18 10:00 UTC", Created: at,
			LastActivity: at, InstanceID: "482913",
			InstanceName: "NetSuite – Example Manufacturing & Co. Ltd", Purge: "purged " + at},
		Handoff: &templates.HandoffView{State: "done", Attempts: "1", Updated: at},
		Actions: []templates.ActionLink{
			{Title: "Revoke the invitation", URL: "/admin/submissions/x/revoke"},
			{Title: "Purge the secrets", URL: "/admin/submissions/x/purge", Danger: true},
		},
	}
	for _, label := range []string{"Consumer Key", "Consumer Secret", "Token ID",
		"Token Secret", "Cloud Elements instance token"} {
		v.Credentials = append(v.Credentials, templates.MaskedCredential{Label: label})
	}
	for i := range 3 {
		v.Attempts = append(v.Attempts, templates.AttemptRow{At: at, Actor: "customer",
			Outcome: "invalid_signature", Diagnosis: "NetSuite refused the sign-in",
			Summary: "It could not match the values.", Code: "InvalidSignature",
			Message: "Invalid signature", Skew: "none measured", REST: "enabled",
			Duration: fmt.Sprintf("%dms", 180+i)})
	}
	v.Attempts[2].Outcome, v.Attempts[2].Success = "verified", true
	for i := range 12 {
		e := templates.EventRow{At: at, Actor: "customer", Kind: "step reached",
			Detail: fmt.Sprintf("step %d", i+1)}
		v.Timeline = append(v.Timeline, e)
		if i >= 9 {
			e.Kind = "handoff done"
			v.HandoffHistory = append(v.HandoffHistory, e)
		}
	}
	for i := range 15 {
		v.Audit = append(v.Audit, templates.AuditRow{Seq: fmt.Sprint(100 + i), At: at,
			Actor: "ops@example.com", Action: "view", SubmissionID: v.Sub.ID,
			SubmissionURL: "/admin/submissions/" + v.Sub.ID})
	}
	return v
}

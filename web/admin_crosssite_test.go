package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tbaportal/internal/store"
	"tbaportal/internal/testharness"
)

// TestAdminCrossSitePostsRefused sends a signed-in operator's cookie with
// cross-site posts to every kind of admin action: each gets 403, and
// nothing changes.
func TestAdminCrossSitePostsRefused(t *testing.T) {
	e := newAdminEnv(t)
	e.addAdmin("ops@example.com", store.RoleOperator)
	inv, link := e.Invite("Acme Ltd")
	e.CompleteWizard(link, testharness.Demo())
	id := inv.Submission.ID
	b := e.signIn("ops@example.com")

	for _, tt := range []struct {
		name, path string
		headers    map[string]string
	}{
		{"purge, Sec-Fetch-Site cross-site", "/admin/submissions/" + id + "/purge",
			map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"revoke, foreign Origin", "/admin/submissions/" + id + "/revoke",
			map[string]string{"Origin": "https://evil.example"}},
		{"new invitation, Origin null", "/admin/invitations",
			map[string]string{"Origin": "null"}},
		{"sign-out, cross-site", "/admin/sign-out",
			map[string]string{"Sec-Fetch-Site": "cross-site"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"confirm": {"yes"}, "company": {"Evil Ltd"}}
			req, _ := http.NewRequest(http.MethodPost, e.Portal.URL+tt.path,
				strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			if r := b.Do(req); r.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", r.StatusCode)
			}
		})
	}
	sub, err := e.DB.Submission(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if sub.WrappedKey == nil || !sub.InvitationRevokedAt.IsZero() {
		t.Errorf("a refused post changed the submission: key kept %v, revoked at %v",
			sub.WrappedKey != nil, sub.InvitationRevokedAt)
	}
	if r := b.Get("/admin/submissions?q=evil"); !strings.Contains(r.Body, "No submissions match") {
		t.Error("a refused post created an invitation")
	}
	if r := b.Get("/admin/submissions"); r.StatusCode != http.StatusOK {
		t.Errorf("after a refused sign-out the session no longer works: status %d", r.StatusCode)
	}
}

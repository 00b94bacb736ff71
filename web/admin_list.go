package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"tbaportal/internal/onboarding"
	"tbaportal/internal/store"
	"tbaportal/templates"
)

// listPageSize is how many submissions one page of the list shows.
const listPageSize = 50

// statusFilters are the list's status choices, in the order a good
// onboarding passes them; "expired" is an invitation state across the
// open statuses rather than a status of its own.
var statusFilters = []templates.Option{
	{Value: "", Label: "All"},
	{Value: string(store.StatusInvited), Label: "Invited"},
	{Value: string(store.StatusInProgress), Label: "In progress"},
	{Value: string(store.StatusVerified), Label: "Verified"},
	{Value: string(store.StatusVerificationFailed), Label: "Verification failed"},
	{Value: string(store.StatusAwaitingApproval), Label: "Waiting for approval"},
	{Value: string(store.StatusHandingOff), Label: "Handing off"},
	{Value: string(store.StatusConnected), Label: "Connected"},
	{Value: string(store.StatusHandoffFailed), Label: "Handoff failed"},
	{Value: string(store.StatusRejected), Label: "Rejected"},
	{Value: string(store.StatusPurged), Label: "Purged"},
	{Value: "expired", Label: "Expired"},
}

// statusLabel is the words for a status.
func statusLabel(st store.Status) string {
	for _, o := range statusFilters {
		if o.Value == string(st) && o.Value != "" {
			return o.Label
		}
	}
	return string(st)
}

var errBadListQuery = errorf(http.StatusBadRequest, "That filter does not work",
	"The list could not read its filter or page. Start again from the full list.", nil)

// serveSubmissions lists submissions, most recent activity first, one
// keyset page at a time.
func (s *Server) serveSubmissions(w http.ResponseWriter, r *http.Request) error {
	f, err := s.listFilter(r.URL.Query())
	if err != nil {
		return err
	}

	f.Limit = listPageSize + 1 // one more tells whether a next page exists
	subs, err := s.db.ListSubmissions(r.Context(), f)
	if err != nil {
		return err
	}

	v := templates.AdminListView{Page: s.adminPage(r, "Submissions"),
		Search: f.Search, Statuses: statusOptions(f.Status)}
	if len(subs) > listPageSize {
		subs = subs[:listPageSize]
		last := subs[len(subs)-1]
		v.NextURL = listURL(f.Status, f.Search, store.Cursor{
			LastActivityAt: last.LastActivityAt, ID: last.ID})
	}
	if !f.After.IsZero() {
		v.FirstURL = listURL(f.Status, f.Search, store.Cursor{})
	}
	for _, sub := range subs {
		v.Rows = append(v.Rows, s.submissionRow(sub))
	}
	s.render(w, r, http.StatusOK, templates.AdminListPage(v))
	return nil
}

// listFilter reads and checks the list's query string.
func (s *Server) listFilter(q url.Values) (store.ListFilter, error) {
	f := store.ListFilter{Status: q.Get("status"), Now: s.now()}
	if !knownFilter(f.Status) {
		return f, errBadListQuery
	}
	search, err := onboarding.CleanText("q", "Search", q.Get("q"), 100)
	if err != nil {
		return f, errBadListQuery
	}
	f.Search = search
	if after := q.Get("after"); after != "" {
		c, ok := decodeCursor(after)
		if !ok {
			return f, errBadListQuery
		}
		f.After = c
	}
	return f, nil
}

func knownFilter(status string) bool {
	for _, o := range statusFilters {
		if o.Value == status {
			return true
		}
	}
	return false
}

func statusOptions(selected string) []templates.Option {
	out := make([]templates.Option, len(statusFilters))
	for i, o := range statusFilters {
		o.Selected = o.Value == selected
		out[i] = o
	}
	return out
}

func listURL(status, search string, after store.Cursor) string {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if search != "" {
		q.Set("q", search)
	}
	if !after.IsZero() {
		q.Set("after", encodeCursor(after))
	}
	if len(q) == 0 {
		return "/admin/submissions"
	}
	return "/admin/submissions?" + q.Encode()
}

// encodeCursor makes the opaque page token: base64url of
// "last_activity_ms:id".
func encodeCursor(c store.Cursor) string {
	raw := strconv.FormatInt(c.LastActivityAt.UnixMilli(), 10) + ":" + c.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// cursorID accepts submission IDs as onboarding.NewID makes them, and
// the plainer IDs of seeded test data.
var cursorID = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

func decodeCursor(token string) (store.Cursor, bool) {
	if len(token) > 200 {
		return store.Cursor{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return store.Cursor{}, false
	}
	msText, id, ok := strings.Cut(string(raw), ":")
	ms, err := strconv.ParseInt(msText, 10, 64)
	if !ok || err != nil || ms <= 0 || !cursorID.MatchString(id) {
		return store.Cursor{}, false
	}
	return store.Cursor{LastActivityAt: time.UnixMilli(ms).UTC(), ID: id}, true
}

func (s *Server) submissionRow(sub store.Submission) templates.SubmissionRow {
	return templates.SubmissionRow{
		URL: "/admin/submissions/" + sub.ID, Company: sub.Company,
		Email: sub.ContactEmail, AccountID: sub.AccountID,
		Status: string(sub.Status), StatusLabel: statusLabel(sub.Status),
		Expired:      s.invitationExpired(sub),
		Revoked:      !sub.InvitationRevokedAt.IsZero(),
		LastActivity: formatTime(sub.LastActivityAt),
	}
}

// invitationExpired mirrors the list's "expired" filter: an open
// submission whose link has run out.
func (s *Server) invitationExpired(sub store.Submission) bool {
	switch sub.Status {
	case store.StatusInvited, store.StatusInProgress, store.StatusVerified,
		store.StatusVerificationFailed:
		return !s.now().Before(sub.InvitationExpiresAt)
	}
	return false
}

// formatTime shows a time in UTC to the minute; the zero time is empty.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

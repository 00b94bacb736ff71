package web

import (
	"net/http"
	"strconv"

	"tbaportal/templates"
)

// auditPageSize is how many of the newest entries the audit page shows.
const auditPageSize = 200

// serveAudit shows the newest audit entries and walks the whole chain, so
// a modified, removed or reordered entry shows at once.
func (s *Server) serveAudit(w http.ResponseWriter, r *http.Request) error {
	entries, err := s.db.RecentAudit(r.Context(), auditPageSize)
	if err != nil {
		return err
	}
	problem, checked, err := s.admin.audit.Verify(r.Context())
	if err != nil {
		return err
	}

	v := templates.AdminAuditView{Page: s.adminPage(r, "Audit log"),
		Intact: problem == nil, Checked: strconv.FormatInt(checked, 10),
		Entries: auditRows(entries)}
	if problem != nil {
		v.ProblemSeq = strconv.FormatInt(problem.Seq, 10)
		v.ProblemReason = problem.Reason
		s.log.ErrorContext(r.Context(), "audit chain broken",
			"seq", problem.Seq, "reason", problem.Reason)
	}
	s.render(w, r, http.StatusOK, templates.AdminAuditPage(v))
	return nil
}

package store

import (
	"context"
	"strings"
)

// ListSubmissions returns one page of submissions, newest activity first.
// Paging is by keyset (last activity, ID), so a deep page costs what the
// first one does: the database walks an index from the cursor rather than
// counting past skipped rows.
func (db *DB) ListSubmissions(ctx context.Context, f ListFilter) ([]Submission, error) {
	query, args := listQuery(f)
	rows, err := db.sql.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Submission
	for rows.Next() {
		s, err := scanSubmission(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// listQuery builds the list's SELECT with ? placeholders.
func listQuery(f ListFilter) (string, []any) {
	var where []string
	var args []any
	switch f.Status {
	case "":
	case "expired":
		where = append(where, `status IN (?,?,?,?) AND invitation_expires_at <= ?`)
		args = append(args, StatusInvited, StatusInProgress, StatusVerified,
			StatusVerificationFailed, ms(f.Now))
	default:
		where = append(where, `status = ?`)
		args = append(args, f.Status)
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		where = append(where, `search_text LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(strings.ToLower(s))+"%")
	}
	if !f.After.IsZero() {
		// A row-value comparison, unlike the equivalent OR, is one range
		// condition on the (last_activity_at, id) index in both databases,
		// so the scan starts at the cursor instead of filtering from the
		// first row.
		where = append(where, `(last_activity_at, id) < (?, ?)`)
		args = append(args, ms(f.After.LastActivityAt), f.After.ID)
	}
	query := `SELECT ` + submissionColumns + ` FROM submissions`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY last_activity_at DESC, id DESC LIMIT ?`
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	args = append(args, limit)
	return query, args
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

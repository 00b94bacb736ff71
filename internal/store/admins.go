package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrDuplicate is returned when a unique value (an admin's email) exists.
var ErrDuplicate = errors.New("store: already exists")

const adminColumns = `id, email, password_hash, role, totp_sealed, totp_key,
	totp_key_version, totp_enabled, created_at, disabled_at`

func scanAdmin(row scanner) (Admin, error) {
	var a Admin
	var enabled, created, disabled int64
	err := row.Scan(&a.ID, &a.Email, &a.PasswordHash, &a.Role, &a.TOTPSealed,
		&a.TOTPKey, &a.TOTPKeyVersion, &enabled, &created, &disabled)
	if err != nil {
		return Admin{}, notFound(err)
	}
	a.TOTPEnabled = enabled != 0
	a.CreatedAt = fromMS(created)
	a.DisabledAt = fromMS(disabled)
	return a, nil
}

// CreateAdmin inserts an admin. It returns ErrDuplicate if the email is
// taken, also when another instance adds the same email at that moment.
func (db *DB) CreateAdmin(ctx context.Context, a Admin) error {
	res, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO admins (`+adminColumns+`)
		VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (email) DO NOTHING`), a.ID,
		strings.ToLower(a.Email), a.PasswordHash, a.Role, a.TOTPSealed,
		a.TOTPKey, a.TOTPKeyVersion, boolInt(a.TOTPEnabled), ms(a.CreatedAt),
		ms(a.DisabledAt))
	if err != nil {
		return fmt.Errorf("store: insert admin: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrDuplicate
	}
	return nil
}

// AdminByEmail finds an admin by email, in any letter case.
func (db *DB) AdminByEmail(ctx context.Context, email string) (Admin, error) {
	row := db.sql.QueryRowContext(ctx, db.q(`SELECT `+adminColumns+`
		FROM admins WHERE email = ?`), strings.ToLower(email))
	return scanAdmin(row)
}

// AdminByID finds an admin by ID.
func (db *DB) AdminByID(ctx context.Context, id string) (Admin, error) {
	row := db.queryRow(ctx, `SELECT `+adminColumns+`
		FROM admins WHERE id = ?`, id)
	return scanAdmin(row)
}

// UpdateAdmin writes an admin's password hash, role, second factor and
// disabled mark.
func (db *DB) UpdateAdmin(ctx context.Context, a Admin) error {
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE admins SET
		password_hash = ?, role = ?, totp_sealed = ?, totp_key = ?,
		totp_key_version = ?, totp_enabled = ?, disabled_at = ? WHERE id = ?`),
		a.PasswordHash, a.Role, a.TOTPSealed, a.TOTPKey, a.TOTPKeyVersion,
		boolInt(a.TOTPEnabled), ms(a.DisabledAt), a.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AdminKeysNotAt lists admins whose second-factor key is wrapped by
// another version than version, for rotation.
func (db *DB) AdminKeysNotAt(ctx context.Context, version int) ([]Admin, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT `+adminColumns+`
		FROM admins WHERE totp_key IS NOT NULL AND totp_key_version <> ?`),
		version)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Admin
	for rows.Next() {
		a, err := scanAdmin(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

const sessionColumns = `id_hash, admin_id, stage, created_at, last_seen_at,
	expires_at, revoked_at`

// CreateAdminSession stores a new admin session.
func (db *DB) CreateAdminSession(ctx context.Context, s AdminSession) error {
	_, err := db.sql.ExecContext(ctx, db.q(`INSERT INTO admin_sessions
		(`+sessionColumns+`) VALUES (?,?,?,?,?,?,?)`), s.IDHash, s.AdminID,
		s.Stage, ms(s.CreatedAt), ms(s.LastSeenAt), ms(s.ExpiresAt),
		ms(s.RevokedAt))
	return err
}

// AdminSession returns the session whose ID hashes to idHash.
func (db *DB) AdminSession(ctx context.Context, idHash []byte) (AdminSession, error) {
	var s AdminSession
	var created, seen, expires, revoked int64
	err := db.queryRow(ctx, `SELECT `+sessionColumns+`
		FROM admin_sessions WHERE id_hash = ?`, idHash).Scan(&s.IDHash,
		&s.AdminID, &s.Stage, &created, &seen, &expires, &revoked)
	if err != nil {
		return AdminSession{}, notFound(err)
	}
	s.CreatedAt = fromMS(created)
	s.LastSeenAt = fromMS(seen)
	s.ExpiresAt = fromMS(expires)
	s.RevokedAt = fromMS(revoked)
	return s, nil
}

// TouchAdminSession records activity on a live session.
func (db *DB) TouchAdminSession(ctx context.Context, idHash []byte, at time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.q(`UPDATE admin_sessions
		SET last_seen_at = ? WHERE id_hash = ? AND revoked_at = 0`),
		ms(at), idHash)
	return err
}

// RevokeAdminSession ends one session at once.
func (db *DB) RevokeAdminSession(ctx context.Context, idHash []byte, at time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.q(`UPDATE admin_sessions
		SET revoked_at = ? WHERE id_hash = ? AND revoked_at = 0`),
		ms(at), idHash)
	return err
}

// RevokeAdminSessions ends every session of an admin at once.
func (db *DB) RevokeAdminSessions(ctx context.Context, adminID string, at time.Time) (int, error) {
	res, err := db.sql.ExecContext(ctx, db.q(`UPDATE admin_sessions
		SET revoked_at = ? WHERE admin_id = ? AND revoked_at = 0`),
		ms(at), adminID)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeleteExpiredAdminSessions removes sessions that ended before cutoff.
func (db *DB) DeleteExpiredAdminSessions(ctx context.Context, cutoff time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.q(`DELETE FROM admin_sessions
		WHERE expires_at < ? OR (revoked_at > 0 AND revoked_at < ?)`),
		ms(cutoff), ms(cutoff))
	return err
}

// RecentAudit returns the newest limit audit entries, newest first, for
// the admin audit page.
func (db *DB) RecentAudit(ctx context.Context, limit int) ([]AuditEntry, error) {
	rows, err := db.sql.QueryContext(ctx, db.q(`SELECT `+auditColumns+`
		FROM audit_log ORDER BY seq DESC LIMIT ?`), limit)
	if err != nil {
		return nil, err
	}
	return scanAudit(rows)
}

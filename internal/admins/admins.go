package admins

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/mail"
	"strings"
	"time"

	"tbaportal/internal/store"
)

// ErrInvalidEmail is returned for an email that is not an address.
var ErrInvalidEmail = errors.New("admins: not an email address")

// ErrInvalidRole is returned for a role other than viewer or operator.
var ErrInvalidRole = errors.New("admins: role must be viewer or operator")

// Create stores a new admin with an argon2id hash of password. The second
// factor is enrolled at first sign-in.
func Create(ctx context.Context, db *store.DB, email, password, role string, now time.Time) (store.Admin, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return store.Admin{}, ErrInvalidEmail
	}
	if role != store.RoleViewer && role != store.RoleOperator {
		return store.Admin{}, ErrInvalidRole
	}
	hash, err := HashPassword(password)
	if err != nil {
		return store.Admin{}, err
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	a := store.Admin{ID: hex.EncodeToString(id), Email: email,
		PasswordHash: hash, Role: role, CreatedAt: now.UTC()}
	return a, db.CreateAdmin(ctx, a)
}

package onboarding

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"tbaportal/internal/audit"
	"tbaportal/internal/store"
)

// Invitation is a new submission with the one copy of its link's token.
// Only the token's hash is stored, so the token cannot be shown again.
type Invitation struct {
	Submission store.Submission
	Token      string
}

// InputError is a problem with a value a person typed; Field names the
// form field and Message is safe to show.
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Message }

// NewID returns a random, unguessable identifier (128 bits, base32).
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).
		EncodeToString(b))
}

// newToken returns a random 256-bit invitation token, URL-safe.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the stored form of an invitation token.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte("tbaportal/invitation|" + token))
	return sum[:]
}

// CleanText validates a free-text value: valid UTF-8, no control,
// format (zero-width, bidirectional override) or private-use characters,
// at most max runes after trimming.
func CleanText(field, label, v string, max int) (string, error) {
	if !utf8.ValidString(v) {
		return "", &InputError{field, label + " contains characters that are not valid text."}
	}
	v = strings.TrimSpace(v)
	for _, r := range v {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Co) {
			return "", &InputError{field, label + " contains invisible or control characters."}
		}
	}
	if n := utf8.RuneCountInString(v); n > max {
		return "", &InputError{field, fmt.Sprintf("%s must be at most %d characters.", label, max)}
	}
	return v, nil
}

// CleanEmail validates an optional contact email address.
func CleanEmail(v string) (string, error) {
	v, err := CleanText("email", "Email", v, 254)
	if err != nil || v == "" {
		return v, err
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Address != v || !strings.Contains(v, "@") {
		return "", &InputError{"email", "Enter an email address like name@example.com."}
	}
	return strings.ToLower(v), nil
}

// CreateInvitation creates a submission for company and returns the
// invitation token for its link. ttl zero means the configured default.
func (s *Service) CreateInvitation(ctx context.Context, company, email string, ttl time.Duration, actor string) (Invitation, error) {
	company, err := CleanText("company", "Company", company, 200)
	if err != nil {
		return Invitation{}, err
	}
	if company == "" {
		return Invitation{}, &InputError{"company", "Enter the customer's company name."}
	}
	if email, err = CleanEmail(email); err != nil {
		return Invitation{}, err
	}
	if ttl <= 0 {
		ttl = s.cfg.InvitationTTL
	}
	if ttl > 365*24*time.Hour {
		return Invitation{}, &InputError{"expires", "An invitation can last at most a year."}
	}

	now := s.clock()
	token := newToken()
	sub := store.Submission{
		ID: NewID(), Company: company, ContactEmail: email,
		Status: store.StatusInvited, Step: Steps[0].Slug,
		InvitationHash: HashToken(token), InvitationExpiresAt: now.Add(ttl),
		CreatedAt: now, LastActivityAt: now,
	}
	ev := event(sub.ID, actor, "invited", "invitation created, valid until "+
		sub.InvitationExpiresAt.Format(time.RFC3339), now)
	if err := s.db.CreateSubmission(ctx, sub, ev); err != nil {
		return Invitation{}, err
	}
	s.record(ctx, actor, audit.ActionInvite, sub.ID, "company="+company)
	return Invitation{Submission: sub, Token: token}, nil
}

// OpenInvitation finds the submission an invitation token belongs to.
// Links keep working after the customer finishes, so they can see the
// outcome; they stop at expiry or revocation.
func (s *Service) OpenInvitation(ctx context.Context, token string) (store.Submission, error) {
	if token == "" || len(token) > 100 {
		return store.Submission{}, ErrInvitationUnknown
	}
	sub, err := s.db.SubmissionByInvitation(ctx, HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return sub, ErrInvitationUnknown
	}
	if err != nil {
		return sub, err
	}
	return sub, s.usable(sub)
}

// usable reports why a submission's invitation no longer admits the
// customer, if it does not.
func (s *Service) usable(sub store.Submission) error {
	if !sub.InvitationRevokedAt.IsZero() {
		return ErrInvitationRevoked
	}
	finished := sub.Status == store.StatusConnected ||
		sub.Status == store.StatusHandingOff ||
		sub.Status == store.StatusAwaitingApproval
	if !finished && !s.clock().Before(sub.InvitationExpiresAt) {
		return ErrInvitationExpired
	}
	return nil
}

// Resume returns the submission a wizard session points at, checking that
// its invitation still admits the customer.
func (s *Service) Resume(ctx context.Context, id string) (store.Submission, error) {
	sub, err := s.load(ctx, id)
	if err != nil {
		return sub, err
	}
	return sub, s.usable(sub)
}

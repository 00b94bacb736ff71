package admins

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pquerna/otp"

	"tbaportal/internal/audit"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
)

// Sign-in failures. ErrBadCredentials is the one answer for an unknown
// email, a wrong password and a disabled account alike.
var (
	ErrBadCredentials = errors.New("admins: email or password not accepted")
	ErrBadCode        = errors.New("admins: authentication code not accepted")
	ErrCodeReused     = errors.New("admins: authentication code already used")
)

// ThrottledError refuses a sign-in until RetryAt.
type ThrottledError struct{ RetryAt time.Time }

func (e *ThrottledError) Error() string { return "admins: too many failed sign-ins" }

// Default throttle: five failures per account in fifteen minutes.
const (
	DefaultMaxFailures   = 5
	DefaultFailureWindow = 15 * time.Minute
)

// Config holds an Authenticator's collaborators and rules.
type Config struct {
	DB            *store.DB
	Keys          Keyring // may be set later with UseKeyring
	Audit         *audit.Log
	Logger        *slog.Logger
	Now           func() time.Time // optional
	Issuer        string           // shown in authenticator apps
	MaxFailures   int              // per account per FailureWindow
	FailureWindow time.Duration
}

// Authenticator checks admins' passwords and second factors. Every
// attempt, good or bad, lands in the audit log and the log; neither ever
// holds a password or a code.
type Authenticator struct {
	db     *store.DB
	keys   atomic.Pointer[keyringBox]
	audit  *audit.Log
	log    *slog.Logger
	now    func() time.Time
	issuer string

	// Sign-in attempts per typed email are limited to maxAttempts in a
	// sliding window, counted in the database so that every instance
	// shares one count. Each attempt takes its slot before it is checked,
	// so attempts in flight count; a correct password gives its slot
	// back, and a completed sign-in clears the email's slots, so what
	// remains counted is the failures.
	maxAttempts int
	window      time.Duration
}

type keyringBox struct{ k Keyring }

// NewAuthenticator returns an Authenticator.
func NewAuthenticator(c Config) *Authenticator {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Audit == nil {
		c.Audit = audit.New(c.DB, c.Now)
	}
	if c.Issuer == "" {
		c.Issuer = "NetSuite onboarding portal"
	}
	if c.MaxFailures <= 0 {
		c.MaxFailures = DefaultMaxFailures
	}
	if c.FailureWindow <= 0 {
		c.FailureWindow = DefaultFailureWindow
	}
	a := &Authenticator{
		db: c.DB, audit: c.Audit, log: c.Logger, now: c.Now,
		issuer: c.Issuer, maxAttempts: c.MaxFailures, window: c.FailureWindow,
	}
	a.UseKeyring(c.Keys)
	return a
}

// UseKeyring sets the keyring that seals second-factor secrets.
func (a *Authenticator) UseKeyring(k Keyring) {
	if k == nil {
		a.keys.Store(nil)
		return
	}
	a.keys.Store(&keyringBox{k})
}

func (a *Authenticator) keyring() Keyring {
	if b := a.keys.Load(); b != nil {
		return b.k
	}
	return nil
}

// NormalizeEmail is the form emails are compared and throttled in.
func NormalizeEmail(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > 254 {
		email = email[:254]
	}
	return email
}

// CheckPassword is the first step of a sign-in. It answers
// ErrBadCredentials for an unknown email, a disabled admin and a wrong
// password alike, after the same argon2id work, and a *ThrottledError
// once the typed email has failed too often.
func (a *Authenticator) CheckPassword(ctx context.Context, email, password, clientIP string) (store.Admin, error) {
	email = NormalizeEmail(email)
	slot, err := a.takeAttempt(ctx, email, clientIP, "password")
	if err != nil {
		return store.Admin{}, err
	}

	admin, err := a.db.AdminByEmail(ctx, email)
	hash := admin.PasswordHash
	switch {
	case errors.Is(err, store.ErrNotFound):
		hash = dummyHash()
	case err != nil:
		return store.Admin{}, err
	}
	ok, _ := checkPassword(hash, password)
	if err != nil || !ok || !admin.DisabledAt.IsZero() {
		a.fail(ctx, email, clientIP, "password", "password_rejected")
		return store.Admin{}, ErrBadCredentials
	}
	if err := a.db.ReleaseAttemptSlot(ctx, slot); err != nil {
		return store.Admin{}, err
	}
	a.log.InfoContext(ctx, "admin password accepted", "admin_email", email,
		"client_ip", clientIP)
	return admin, nil
}

// CheckIdentity is the first step of a sign-in through an identity
// provider, which has vouched for email: it finds the admin with that
// email. Only admins created with `portal admin add` may sign in this
// way; the provider confirms who someone is, the portal decides whether
// they are staff.
func (a *Authenticator) CheckIdentity(ctx context.Context, email, clientIP string) (store.Admin, error) {
	email = NormalizeEmail(email)
	admin, err := a.db.AdminByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !admin.DisabledAt.IsZero()) {
		a.fail(ctx, email, clientIP, "oidc", "no_such_admin")
		return store.Admin{}, ErrBadCredentials
	}
	if err != nil {
		return store.Admin{}, err
	}
	a.log.InfoContext(ctx, "admin identity accepted", "admin_email", email,
		"client_ip", clientIP)
	return admin, nil
}

// Enrollment returns the second-factor secret an admin is enrolling, made
// and sealed on first use. Until ConfirmEnrollment succeeds the same
// secret is shown again, so reloading the page does not invalidate what
// the admin has scanned.
func (a *Authenticator) Enrollment(ctx context.Context, adminID string) (Enrollment, error) {
	admin, err := a.db.AdminByID(ctx, adminID)
	if err != nil {
		return Enrollment{}, err
	}
	if admin.TOTPEnabled {
		return Enrollment{}, errors.New("admins: second factor already enrolled")
	}
	secret, err := openTOTP(ctx, a.keyring(), admin)
	if errors.Is(err, ErrNotEnrolled) {
		secret, err = a.startEnrollment(ctx, &admin)
	}
	if err != nil {
		return Enrollment{}, err
	}
	return enrollmentOf(a.issuer, admin.Email, secret)
}

func (a *Authenticator) startEnrollment(ctx context.Context, admin *store.Admin) (secrets.Secret, error) {
	key, err := newTOTPKey(a.issuer, admin.Email)
	if err != nil {
		return secrets.Secret{}, err
	}
	secret := secrets.New(key.Secret())
	if err := sealTOTP(ctx, a.keyring(), admin, secret); err != nil {
		return secrets.Secret{}, err
	}
	return secret, a.db.UpdateAdmin(ctx, *admin)
}

// ConfirmEnrollment turns the second factor on once the admin proves,
// with a first code, that their app holds the secret; that code also
// completes this sign-in.
func (a *Authenticator) ConfirmEnrollment(ctx context.Context, adminID, code, clientIP string) (store.Admin, error) {
	admin, err := a.db.AdminByID(ctx, adminID)
	if err != nil {
		return store.Admin{}, err
	}
	if admin.TOTPEnabled {
		return a.CheckCode(ctx, adminID, code, clientIP)
	}
	if err := a.verifyCode(ctx, admin, code, clientIP); err != nil {
		return store.Admin{}, err
	}
	admin.TOTPEnabled = true
	if err := a.db.UpdateAdmin(ctx, admin); err != nil {
		return store.Admin{}, err
	}
	a.succeed(ctx, admin, clientIP, "enrolled=true")
	return admin, nil
}

// CheckCode is the second step of a sign-in: the admin's current TOTP
// code, accepted once.
func (a *Authenticator) CheckCode(ctx context.Context, adminID, code, clientIP string) (store.Admin, error) {
	admin, err := a.db.AdminByID(ctx, adminID)
	if err != nil {
		return store.Admin{}, err
	}
	if !admin.TOTPEnabled {
		return store.Admin{}, ErrNotEnrolled
	}
	if err := a.verifyCode(ctx, admin, code, clientIP); err != nil {
		return store.Admin{}, err
	}
	a.succeed(ctx, admin, clientIP, "")
	return admin, nil
}

// verifyCode checks code against the admin's secret and refuses a time
// step already used.
func (a *Authenticator) verifyCode(ctx context.Context, admin store.Admin, code, clientIP string) error {
	if _, err := a.takeAttempt(ctx, admin.Email, clientIP, "totp"); err != nil {
		return err
	}
	secret, err := openTOTP(ctx, a.keyring(), admin)
	if err != nil {
		return err
	}
	step := matchStep(secret, code, a.now())
	if step < 0 {
		a.fail(ctx, admin.Email, clientIP, "totp", "code_rejected")
		return ErrBadCode
	}
	// The step is recorded in the database with one conditional update,
	// so a code seen over a shoulder is refused on every instance.
	fresh, err := a.db.UseTOTPStep(ctx, admin.ID, step)
	if err != nil {
		return err
	}
	if !fresh {
		a.fail(ctx, admin.Email, clientIP, "totp", "code_reused")
		return ErrCodeReused
	}
	return nil
}

// takeAttempt counts a sign-in attempt for the typed email before it is
// checked, whether or not an admin has that email, so a refusal says
// nothing about which accounts exist. It returns the attempt's slot, or a
// *ThrottledError once the email has used up its window.
func (a *Authenticator) takeAttempt(ctx context.Context, email, clientIP, step string) (int64, error) {
	now := a.now()
	slot, full, err := a.db.TakeAttemptSlot(ctx, store.ScopeAdminSignIn, email,
		now, now.Add(-a.window), a.maxAttempts)
	if err != nil || full == nil {
		return slot, err
	}
	a.record(ctx, email, audit.ActionSignInFailed, clientIP,
		"step="+step+" reason=throttled")
	a.log.WarnContext(ctx, "admin sign-in throttled", "admin_email", email,
		"client_ip", clientIP, "step", step)
	return 0, &ThrottledError{RetryAt: full[0].Add(a.window)}
}

// fail records a rejected attempt. Its slot, taken before the check,
// stays counted.
func (a *Authenticator) fail(ctx context.Context, email, clientIP, step, reason string) {
	a.record(ctx, email, audit.ActionSignInFailed, clientIP,
		"step="+step+" reason="+reason)
	a.log.WarnContext(ctx, "admin sign-in failed", "admin_email", email,
		"client_ip", clientIP, "step", step, "reason", reason)
}

func (a *Authenticator) succeed(ctx context.Context, admin store.Admin, clientIP, extra string) {
	if err := a.db.ClearAttemptSlots(ctx, store.ScopeAdminSignIn, admin.Email); err != nil {
		// The sign-in stands; its earlier failures age out of the window.
		a.log.WarnContext(ctx, "could not clear sign-in attempts",
			"admin_email", admin.Email, "error", err)
	}
	detail := "role=" + admin.Role
	if extra != "" {
		detail += " " + extra
	}
	a.record(ctx, admin.Email, audit.ActionSignIn, clientIP, detail)
	a.log.InfoContext(ctx, "admin signed in", "admin_email", admin.Email,
		"client_ip", clientIP, "role", admin.Role)
}

// RecordSignOut notes a sign-out in the audit log.
func (a *Authenticator) RecordSignOut(ctx context.Context, email, clientIP string) {
	a.record(ctx, email, audit.ActionSignOut, clientIP, "")
}

func (a *Authenticator) record(ctx context.Context, actor, action, clientIP, detail string) {
	detail = strings.TrimSpace(fmt.Sprintf("%s ip=%s", detail, clientIP))
	if err := a.audit.Record(ctx, actor, action, "", detail); err != nil {
		a.log.ErrorContext(ctx, "audit append failed", "action", action,
			"error", err)
	}
}

// TOTPDigits is the length of the codes the portal accepts.
const TOTPDigits = int(otp.DigitsSix)

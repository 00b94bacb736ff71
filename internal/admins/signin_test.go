package admins

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp/totp"

	"tbaportal/internal/audit"
	"tbaportal/internal/store"
)

// countHashes counts the argon2id checks made while the test runs.
func countHashes(t *testing.T) *int {
	n := new(int)
	orig := checkPassword
	checkPassword = func(hash, password string) (bool, error) {
		*n++
		return orig(hash, password)
	}
	t.Cleanup(func() { checkPassword = orig })
	return n
}

func TestCheckPasswordAnswersAlike(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.admin(t, "ops@example.com", store.RoleOperator)
	gone := f.admin(t, "gone@example.com", store.RoleOperator)
	gone.DisabledAt = f.clock.Now()
	if err := f.db.UpdateAdmin(ctx, gone); err != nil {
		t.Fatal(err)
	}
	hashes := countHashes(t)

	tests := []struct {
		name     string
		email    string
		password string
		wantErr  error
	}{
		{name: "unknown email", email: "nobody@example.com",
			password: testPassword, wantErr: ErrBadCredentials},
		{name: "wrong password", email: "ops@example.com",
			password: "not the password", wantErr: ErrBadCredentials},
		{name: "disabled admin", email: "gone@example.com",
			password: testPassword, wantErr: ErrBadCredentials},
		{name: "right password, other case", email: " OPS@example.com",
			password: testPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*hashes = 0
			a, err := f.auth.CheckPassword(ctx, tt.email, tt.password, "192.0.2.1")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if *hashes != 1 {
				t.Errorf("argon2id checks = %d, want 1 whatever the email", *hashes)
			}
			if tt.wantErr == nil && a.Email != "ops@example.com" {
				t.Errorf("admin = %q, want ops@example.com", a.Email)
			}
		})
	}
	want := []string{audit.ActionSignInFailed, audit.ActionSignInFailed,
		audit.ActionSignInFailed}
	if diff := cmp.Diff(want, f.auditActions(t)); diff != "" {
		t.Errorf("audit actions (-want +got):\n%s", diff)
	}
}

func TestCheckPasswordThrottlesPerAccount(t *testing.T) {
	for _, email := range []string{"ops@example.com", "nobody@example.com"} {
		t.Run(email, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			f.admin(t, "ops@example.com", store.RoleOperator)
			for range DefaultMaxFailures {
				_, err := f.auth.CheckPassword(ctx, email, "wrong password!", "")
				if !errors.Is(err, ErrBadCredentials) {
					t.Fatalf("err = %v, want ErrBadCredentials", err)
				}
			}
			hashes := countHashes(t)
			_, err := f.auth.CheckPassword(ctx, email, testPassword, "")
			var te *ThrottledError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a ThrottledError", err)
			}
			if *hashes != 0 {
				t.Errorf("a throttled attempt computed %d hashes", *hashes)
			}
			// Another account is not affected.
			if _, err := f.auth.CheckPassword(ctx, "x@example.com", "p", ""); !errors.Is(err, ErrBadCredentials) {
				t.Errorf("other account: err = %v, want ErrBadCredentials", err)
			}
			f.clock.Advance(DefaultFailureWindow)
			if email == "ops@example.com" {
				if _, err := f.auth.CheckPassword(ctx, email, testPassword, ""); err != nil {
					t.Errorf("after the window: %v", err)
				}
			}
		})
	}
}

func enroll(t *testing.T, f *fixture, a store.Admin) string {
	t.Helper()
	e, err := f.auth.Enrollment(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return e.Key.Reveal()
}

func TestEnrollmentIsSealedAndStable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.admin(t, "ops@example.com", store.RoleOperator)

	first, err := f.auth.Enrollment(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.auth.Enrollment(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if first.Key.Reveal() != again.Key.Reveal() {
		t.Error("reloading the enrolment page made a new secret")
	}
	if !strings.HasPrefix(first.QRCode.Reveal(), "data:image/png;base64,") {
		t.Errorf("QR code is not a PNG data URL: %.40s", first.QRCode.Reveal())
	}
	stored, err := f.db.AdminByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.TOTPEnabled {
		t.Error("second factor enabled before the first code")
	}
	if stored.TOTPKey == nil || stored.TOTPKeyVersion != f.keys.CurrentVersion() {
		t.Errorf("data key not stored with its version: %d", stored.TOTPKeyVersion)
	}
	if bytes.Contains(stored.TOTPSealed, []byte(first.Key.Reveal())) {
		t.Error("the stored secret is in plain text")
	}
}

func TestSecondFactor(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.admin(t, "ops@example.com", store.RoleOperator)
	secret := enroll(t, f, a)
	code := func(d time.Duration) string {
		c, err := totp.GenerateCode(secret, f.clock.Now().Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	if _, err := f.auth.CheckCode(ctx, a.ID, code(0), ""); !errors.Is(err, ErrNotEnrolled) {
		t.Fatalf("code before enrolment: err = %v, want ErrNotEnrolled", err)
	}
	if _, err := f.auth.ConfirmEnrollment(ctx, a.ID, "000000", ""); !errors.Is(err, ErrBadCode) {
		t.Fatalf("wrong first code: err = %v, want ErrBadCode", err)
	}
	if _, err := f.auth.ConfirmEnrollment(ctx, a.ID, code(0), ""); err != nil {
		t.Fatalf("first code: %v", err)
	}

	tests := []struct {
		name    string
		advance time.Duration
		offset  time.Duration
		wantErr error
	}{
		{name: "same code again", wantErr: ErrCodeReused},
		{name: "next step", advance: totpPeriod},
		{name: "previous step after a newer one", offset: -totpPeriod,
			wantErr: ErrCodeReused},
		{name: "two steps old", advance: 3 * totpPeriod,
			offset: -2 * totpPeriod, wantErr: ErrBadCode},
		{name: "spaces inside", advance: totpPeriod},
		{name: "not digits", wantErr: ErrBadCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Advance(tt.advance)
			c := code(tt.offset)
			switch tt.name {
			case "spaces inside":
				c = c[:3] + " " + c[3:]
			case "not digits":
				c = "abcdef"
			}
			_, err := f.auth.CheckCode(ctx, a.ID, c, "")
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestSecondFactorFailsClosedWithoutKeyring(t *testing.T) {
	f := newFixture(t)
	a := f.admin(t, "ops@example.com", store.RoleOperator)
	f.auth.UseKeyring(nil)
	if _, err := f.auth.Enrollment(context.Background(), a.ID); !errors.Is(err, ErrNoKeyring) {
		t.Errorf("err = %v, want ErrNoKeyring", err)
	}
}

func TestSignInNeverLogsSecrets(t *testing.T) {
	f := newFixture(t)
	var logs bytes.Buffer
	f.auth.log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	a := f.admin(t, "ops@example.com", store.RoleOperator)

	_, _ = f.auth.CheckPassword(ctx, a.Email, "wrong-password-1", "")
	if _, err := f.auth.CheckPassword(ctx, a.Email, testPassword, ""); err != nil {
		t.Fatal(err)
	}
	secret := enroll(t, f, a)
	c, _ := totp.GenerateCode(secret, f.clock.Now())
	if _, err := f.auth.ConfirmEnrollment(ctx, a.ID, c, ""); err != nil {
		t.Fatal(err)
	}

	entries, err := f.db.AuditEntries(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var details strings.Builder
	for _, e := range entries {
		details.WriteString(e.Detail + "\n")
	}
	for _, s := range []string{"wrong-password-1", testPassword, secret, c} {
		if strings.Contains(logs.String(), s) || strings.Contains(details.String(), s) {
			t.Errorf("%q appears in the log or audit trail", s)
		}
	}
	if !strings.Contains(logs.String(), "admin signed in") {
		t.Error("no log line for the sign-in")
	}
}

func TestCheckPasswordRefusesOddHashes(t *testing.T) {
	tests := []struct {
		name string
		hash string
	}{
		{name: "empty", hash: ""},
		{name: "zero threads", hash: "$argon2id$v=19$m=65536,t=1,p=0$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5"},
		{name: "huge memory", hash: "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5"},
		{name: "short key", hash: "$argon2id$v=19$m=65536,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5"},
		{name: "bcrypt", hash: "$2a$10$abcdefghijklmnopqrstuv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := CheckPassword(tt.hash, "whatever")
			if ok || err == nil {
				t.Errorf("CheckPassword = %v, %v; want false and an error", ok, err)
			}
		})
	}
}

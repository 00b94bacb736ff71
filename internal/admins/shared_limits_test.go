package admins

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/pquerna/otp/totp"

	"tbaportal/internal/store"
)

// otherInstance is a second Authenticator over the fixture's database and
// keys, as another portal instance behind the same load balancer.
func (f *fixture) otherInstance() *Authenticator {
	return NewAuthenticator(Config{DB: f.db, Keys: f.keys, Audit: f.audit,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: f.clock.Now})
}

// enrolledAdmin adds an operator and completes their TOTP enrolment with
// the current code; it returns the admin and the TOTP secret.
func (f *fixture) enrolledAdmin(t *testing.T) (store.Admin, string) {
	t.Helper()
	a := f.admin(t, "ops@example.com", store.RoleOperator)
	secret := enroll(t, f, a)
	if _, err := f.auth.ConfirmEnrollment(context.Background(), a.ID, f.code(t, secret), ""); err != nil {
		t.Fatal(err)
	}
	return a, secret
}

// code is the TOTP code for secret at the fixture's time.
func (f *fixture) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestThrottleIsSharedByInstances: failures on two instances add up, so
// spreading guesses over instances gains nothing.
func TestThrottleIsSharedByInstances(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.admin(t, "ops@example.com", store.RoleOperator)
	instances := []*Authenticator{f.auth, f.otherInstance()}
	for i := range DefaultMaxFailures {
		_, err := instances[i%2].CheckPassword(ctx, "ops@example.com", "wrong password!", "")
		if !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("failure %d: err = %v, want ErrBadCredentials", i+1, err)
		}
	}
	for i, a := range instances {
		var te *ThrottledError
		if _, err := a.CheckPassword(ctx, "ops@example.com", testPassword, ""); !errors.As(err, &te) {
			t.Errorf("instance %d after %d failures spread over both: err = %v, want a ThrottledError",
				i+1, DefaultMaxFailures, err)
		}
	}
}

// TestConcurrentGuessesStopAtTheLimit sends more wrong passwords at once
// than the limit allows: each takes its place before the slow password
// check, so exactly the limit's worth are checked.
func TestConcurrentGuessesStopAtTheLimit(t *testing.T) {
	f := newFixture(t)
	f.admin(t, "ops@example.com", store.RoleOperator)
	const tries = DefaultMaxFailures + 3
	var mu sync.Mutex
	var checked, throttled int
	var wg sync.WaitGroup
	for range tries {
		wg.Go(func() {
			_, err := f.auth.CheckPassword(context.Background(), "ops@example.com", "wrong password!", "")
			var te *ThrottledError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrBadCredentials):
				checked++
			case errors.As(err, &te):
				throttled++
			default:
				t.Errorf("err = %v", err)
			}
		})
	}
	wg.Wait()
	if checked != DefaultMaxFailures || throttled != tries-DefaultMaxFailures {
		t.Fatalf("%d guesses checked and %d throttled, want %d and %d",
			checked, throttled, DefaultMaxFailures, tries-DefaultMaxFailures)
	}
}

// TestCorrectPasswordDoesNotCount: a correct password gives its place
// back, so only failures use up the window, and a completed sign-in
// clears them.
func TestCorrectPasswordDoesNotCount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, secret := f.enrolledAdmin(t)

	wrong := func(n int) {
		t.Helper()
		for i := range n {
			if _, err := f.auth.CheckPassword(ctx, a.Email, "wrong password!", ""); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("wrong password %d: err = %v, want ErrBadCredentials", i+1, err)
			}
		}
	}
	wrong(DefaultMaxFailures - 1)
	if _, err := f.auth.CheckPassword(ctx, a.Email, testPassword, ""); err != nil {
		t.Fatalf("correct password after %d failures: %v", DefaultMaxFailures-1, err)
	}
	wrong(1) // the last failure the window allows: the correct one did not count
	var te *ThrottledError
	if _, err := f.auth.CheckPassword(ctx, a.Email, testPassword, ""); !errors.As(err, &te) {
		t.Fatalf("after %d failures: err = %v, want a ThrottledError", DefaultMaxFailures, err)
	}

	// A completed sign-in clears the failures.
	f.clock.Advance(DefaultFailureWindow)
	if _, err := f.auth.CheckPassword(ctx, a.Email, testPassword, ""); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(totpPeriod)
	if _, err := f.auth.CheckCode(ctx, a.ID, f.code(t, secret), ""); err != nil {
		t.Fatal(err)
	}
	wrong(DefaultMaxFailures)
}

// TestCodeUsedOnOneInstanceIsRefusedOnAnother: a code seen over a
// shoulder cannot be replayed through another instance.
func TestCodeUsedOnOneInstanceIsRefusedOnAnother(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, secret := f.enrolledAdmin(t)
	code := f.code(t, secret)
	if _, err := f.otherInstance().CheckCode(ctx, a.ID, code, ""); !errors.Is(err, ErrCodeReused) {
		t.Fatalf("the same code on another instance: err = %v, want ErrCodeReused", err)
	}
}

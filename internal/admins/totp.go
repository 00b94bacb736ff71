package admins

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
)

// Keyring seals admins' second-factor secrets; *secrets.Keyring is one.
// Each admin gets a data key of their own, wrapped by the current
// key-encryption key, exactly as a submission does.
type Keyring interface {
	NewDataKey(ctx context.Context, subject string) (*secrets.DataKey, secrets.WrappedKey, error)
	OpenDataKey(ctx context.Context, subject string, w secrets.WrappedKey) (*secrets.DataKey, error)
}

// totpField is the field name the sealed secret is bound to.
const totpField = "totp"

// totpPeriod is the length of one TOTP time step.
const totpPeriod = 30 * time.Second

// ErrNoKeyring is returned when second factors cannot be sealed or opened
// because no keyring was given. Sign-in fails closed.
var ErrNoKeyring = errors.New("admins: no keyring for second-factor secrets")

// ErrNotEnrolled is returned when an admin has no confirmed second factor.
var ErrNotEnrolled = errors.New("admins: second factor not enrolled")

// Enrollment is what an admin needs to add the portal to an
// authenticator app. Both fields carry the secret: they are shown once, on
// a page that is never cached, and never logged.
type Enrollment struct {
	Key    secrets.Secret // base32, for typing in by hand
	QRCode secrets.Secret // a data: URL of a PNG QR code of the otpauth URL
}

// subject names an admin's data key, apart from every submission's.
func subject(adminID string) string { return "admin:" + adminID }

// newTOTPKey makes a fresh TOTP secret labelled with the admin's email.
func newTOTPKey(issuer, email string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: email, SecretSize: 20,
		Period: uint(totpPeriod / time.Second),
	})
}

// enrollmentOf renders a key as the QR code and text an admin sees.
func enrollmentOf(issuer, email string, secret secrets.Secret) (Enrollment, error) {
	key, err := otp.NewKeyFromURL(otpauthURL(issuer, email, secret))
	if err != nil {
		return Enrollment{}, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrollment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrollment{}, err
	}
	url := "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
	return Enrollment{Key: secret, QRCode: secrets.New(url)}, nil
}

// otpauthURL rebuilds the URL an authenticator app reads, from the stored
// secret, so that reloading the enrolment page shows the same code.
func otpauthURL(issuer, email string, secret secrets.Secret) string {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: email,
		Period: uint(totpPeriod / time.Second),
		Secret: decodeBase32(secret.Reveal()),
	})
	if err != nil {
		return ""
	}
	return key.URL()
}

// base32NoPad is the encoding of TOTP secrets in otpauth URLs.
var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

func decodeBase32(s string) []byte {
	b, _ := base32NoPad.DecodeString(strings.ToUpper(s))
	return b
}

// sealTOTP seals secret under a new data key for the admin and puts the
// result in a, not yet enabled.
func sealTOTP(ctx context.Context, keys Keyring, a *store.Admin, secret secrets.Secret) error {
	if keys == nil {
		return ErrNoKeyring
	}
	key, wrapped, err := keys.NewDataKey(ctx, subject(a.ID))
	if err != nil {
		return err
	}
	defer key.Destroy()
	sealed, err := key.Seal(totpField, secret)
	if err != nil {
		return err
	}
	a.TOTPSealed, a.TOTPKey, a.TOTPKeyVersion = sealed, wrapped.Ciphertext, wrapped.Version
	a.TOTPEnabled = false
	return nil
}

// openTOTP opens an admin's sealed secret.
func openTOTP(ctx context.Context, keys Keyring, a store.Admin) (secrets.Secret, error) {
	if keys == nil {
		return secrets.Secret{}, ErrNoKeyring
	}
	if a.TOTPSealed == nil || a.TOTPKey == nil {
		return secrets.Secret{}, ErrNotEnrolled
	}
	key, err := keys.OpenDataKey(ctx, subject(a.ID), secrets.WrappedKey{
		Version: a.TOTPKeyVersion, Ciphertext: a.TOTPKey})
	if err != nil {
		return secrets.Secret{}, err
	}
	defer key.Destroy()
	return key.Open(totpField, a.TOTPSealed)
}

// matchStep returns the time step whose code is code, looking one step
// either side of now for clocks that drift, or -1 when none matches.
func matchStep(secret secrets.Secret, code string, now time.Time) int64 {
	code = normalizeCode(code)
	if len(code) != 6 {
		return -1
	}
	cur := now.Unix() / int64(totpPeriod/time.Second)
	for _, step := range []int64{cur, cur - 1, cur + 1} {
		ok, err := hotp.ValidateCustom(code, uint64(step), secret.Reveal(),
			hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && ok {
			return step
		}
	}
	return -1
}

// normalizeCode drops the spaces and dashes people type inside a code,
// and refuses anything but six ASCII digits.
func normalizeCode(code string) string {
	code = strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(code)
	if len(code) != 6 {
		return ""
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return ""
		}
	}
	return code
}

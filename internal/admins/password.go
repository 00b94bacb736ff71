// Package admins keeps the operator's staff accounts: argon2id password
// hashes, the TOTP second factor, roles, and sign-in checks whose answers
// and timing say nothing about which accounts exist.
package admins

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's minimum of 46 MiB memory with one pass and
// one lane is raised to 64 MiB.
const (
	argonMemoryKiB = 64 * 1024
	argonTime      = 1
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// MinPasswordLength is the shortest password accepted for an admin.
const MinPasswordLength = 12

// ErrWeakPassword is returned for passwords that are too short.
var ErrWeakPassword = fmt.Errorf("admins: a password needs at least %d characters", MinPasswordLength)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLength {
		return "", ErrWeakPassword
	}
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB,
		argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		argonMemoryKiB, argonTime, argonThreads, enc.EncodeToString(salt),
		enc.EncodeToString(key)), nil
}

// CheckPassword compares password with a PHC argon2id hash in constant
// time.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("admins: not an argon2id hash")
	}
	var version int
	var mem, iters uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil {
		return false, err
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iters, &threads); err != nil {
		return false, err
	}
	// Out-of-range parameters would make argon2 panic or run for ever; a
	// hash the portal did not write is refused instead.
	if mem < 8 || mem > 1<<20 || iters < 1 || iters > 16 || threads < 1 {
		return false, errors.New("admins: argon2id parameters out of range")
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false, err
	}
	if len(want) < 16 || len(want) > 64 {
		return false, errors.New("admins: argon2id key length out of range")
	}
	got := argon2.IDKey([]byte(password), salt, iters, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when no admin has the typed email, so that
// an unknown email costs the same argon2id work as a wrong password and
// the response time says nothing about which accounts exist. It is made
// once, from a random password nobody knows.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword(rand.Text())
	if err != nil {
		panic("admins: hash a random password: " + err.Error()) // BUG: rand.Text is 26 characters
	}
	return h
})

// checkPassword is CheckPassword, as a variable so that tests can count
// the hashes a sign-in computes.
var checkPassword = CheckPassword

package secrets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// ErrTampered is returned when a sealed value or wrapped key fails
// authentication: it was altered, cut short, or belongs to another field
// or submission.
var ErrTampered = errors.New("secrets: ciphertext failed authentication")

// ErrUnknownFormat is returned for a ciphertext whose format byte this
// version of the portal does not know.
var ErrUnknownFormat = errors.New("secrets: unknown ciphertext format")

// ErrDestroyed is returned by a DataKey after Destroy.
var ErrDestroyed = errors.New("secrets: data key was destroyed")

// Layout of a sealed field and of a wrapped data key: one format byte,
// a random 96-bit nonce, then AES-256-GCM ciphertext and 128-bit tag.
const (
	formatV1    byte = 1
	nonceSize        = 12
	tagSize          = 16
	dataKeySize      = 32
	overhead         = 1 + nonceSize + tagSize
	wrappedSize      = overhead + dataKeySize
)

// WrappedKey is a data key encrypted under a key-encryption-key version,
// as the caller stores it beside the submission.
type WrappedKey struct {
	Version    int // key-encryption-key version that wrapped it
	Ciphertext []byte
}

// DataKey is one submission's key for sealing its fields. It remembers
// the submission (its subject), and every field it seals is bound to it.
// Its methods are safe for concurrent use.
type DataKey struct {
	subject string

	mu  sync.RWMutex
	key []byte // nil once destroyed
}

// NewDataKey makes a random data key for subject (the submission ID) and
// returns it with its wrapping under the current key version.
func (k *Keyring) NewDataKey(ctx context.Context, subject string) (
	*DataKey, WrappedKey, error) {
	if subject == "" {
		return nil, WrappedKey{}, errors.New("secrets: new data key: empty subject")
	}
	key := randomBytes(dataKeySize)
	w, err := k.wrapDataKey(subject, key)
	if err != nil {
		clear(key)
		return nil, WrappedKey{}, fmt.Errorf("new data key: %w", err)
	}
	return &DataKey{subject: subject, key: key}, w, nil
}

// wrapDataKey wraps key under the current key version.
func (k *Keyring) wrapDataKey(subject string, key []byte) (WrappedKey, error) {
	var w WrappedKey
	err := k.withKEK(0, func(v int, kek []byte) error {
		ct, err := seal(kek, randomBytes(nonceSize), key, dataKeyAAD(subject, v))
		w = WrappedKey{Version: v, Ciphertext: ct}
		return err
	})
	return w, err
}

// OpenDataKey unwraps the data key of subject. A version this keyring
// does not know makes it reload the document once, since another instance
// may have rotated; if the version is still unknown the error wraps
// ErrUnknownKeyVersion.
func (k *Keyring) OpenDataKey(ctx context.Context, subject string,
	w WrappedKey) (*DataKey, error) {
	if subject == "" {
		return nil, errors.New("secrets: open data key: empty subject")
	}
	key, err := k.unwrapDataKey(subject, w)
	if errors.Is(err, ErrUnknownKeyVersion) && w.Version > 0 {
		if rerr := k.Reload(ctx); rerr != nil {
			err = fmt.Errorf("%w (%w)", err, rerr)
		} else {
			key, err = k.unwrapDataKey(subject, w)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open data key of submission %q, "+
			"key version %d: %w", subject, w.Version, err)
	}
	return &DataKey{subject: subject, key: key}, nil
}

func (k *Keyring) unwrapDataKey(subject string, w WrappedKey) ([]byte, error) {
	if w.Version <= 0 {
		return nil, ErrUnknownKeyVersion
	}
	var key []byte
	err := k.withKEK(w.Version, func(v int, kek []byte) error {
		var err error
		key, err = open(kek, w.Ciphertext, dataKeyAAD(subject, v))
		return err
	})
	if err == nil && len(key) != dataKeySize {
		// Only a key sealed by this package authenticates, and those
		// are always 32 bytes; guard anyway rather than use a bad key.
		clear(key)
		return nil, ErrTampered
	}
	return key, err
}

// Rewrap wraps the data key of w again under the current key version. A
// key already wrapped by the current version is returned as it is.
func (k *Keyring) Rewrap(ctx context.Context, subject string,
	w WrappedKey) (WrappedKey, error) {
	if w.Version == k.CurrentVersion() {
		return w, nil
	}
	d, err := k.OpenDataKey(ctx, subject, w)
	if err != nil {
		return WrappedKey{}, fmt.Errorf("rewrap: %w", err)
	}
	defer d.Destroy()
	d.mu.RLock()
	defer d.mu.RUnlock()
	nw, err := k.wrapDataKey(subject, d.key)
	if err != nil {
		return WrappedKey{}, fmt.Errorf("rewrap: %w", err)
	}
	return nw, nil
}

// Subject returns the submission ID the data key belongs to.
func (d *DataKey) Subject() string { return d.subject }

// Seal encrypts the value of s for the named field of the key's
// submission. Each call uses a fresh random nonce.
func (d *DataKey) Seal(field string, s Secret) ([]byte, error) {
	if field == "" {
		return nil, errors.New("secrets: seal: empty field name")
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.key == nil {
		return nil, ErrDestroyed
	}
	plain := []byte(s.Reveal())
	defer clear(plain)
	return seal(d.key, randomBytes(nonceSize), plain, fieldAAD(d.subject, field))
}

// Open decrypts a value sealed for the named field of the key's
// submission. A value that was altered, cut short, or sealed for another
// field or submission fails with an error wrapping ErrTampered.
func (d *DataKey) Open(field string, sealed []byte) (Secret, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.key == nil {
		return Secret{}, ErrDestroyed
	}
	plain, err := open(d.key, sealed, fieldAAD(d.subject, field))
	if err != nil {
		return Secret{}, fmt.Errorf("open field %q of submission %q: %w",
			field, d.subject, err)
	}
	defer clear(plain)
	return New(string(plain)), nil
}

// Destroy zeroes the key bytes; the DataKey is unusable afterwards.
func (d *DataKey) Destroy() {
	d.mu.Lock()
	defer d.mu.Unlock()
	clear(d.key)
	d.key = nil
}

// dataKeyAAD binds a wrapped data key to its submission and key version.
// Names are length-prefixed so that no choice of subject can make two
// different bindings read the same.
func dataKeyAAD(subject string, version int) []byte {
	return []byte("tbaportal/datakey/v1|subject=" + lengthPrefixed(subject) +
		"|kek=" + strconv.Itoa(version))
}

// fieldAAD binds a sealed field to its submission and field name.
func fieldAAD(subject, field string) []byte {
	return []byte("tbaportal/field/v1|subject=" + lengthPrefixed(subject) +
		"|field=" + lengthPrefixed(field))
}

func lengthPrefixed(s string) string {
	return strconv.Itoa(len(s)) + ":" + s
}

// seal encrypts plain with AES-256-GCM under key, using nonce, and returns
// format byte, nonce, ciphertext and tag.
func seal(key, nonce, plain, aad []byte) ([]byte, error) {
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+nonceSize, overhead+len(plain))
	out[0] = formatV1
	copy(out[1:], nonce)
	return aead.Seal(out, out[1:1+nonceSize], plain, aad), nil
}

// open reverses seal. Every way a sealed value can be wrong ends in an
// error, never a panic.
func open(key, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < overhead {
		return nil, fmt.Errorf("%w: %d bytes is too short to be sealed",
			ErrTampered, len(sealed))
	}
	if sealed[0] != formatV1 {
		return nil, fmt.Errorf("%w %#02x", ErrUnknownFormat, sealed[0])
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce, body := sealed[1:1+nonceSize], sealed[1+nonceSize:]
	plain, err := aead.Open(nil, nonce, body, aad)
	if err != nil {
		return nil, fmt.Errorf("%w (altered, or sealed for another "+
			"field, submission or key version)", ErrTampered)
	}
	return plain, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return cipher.NewGCM(block)
}

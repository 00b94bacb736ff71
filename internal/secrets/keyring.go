package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// ErrUnknownKeyVersion is returned for a wrapped data key whose
// key-encryption-key version is not in the keyring (never was, or was
// retired).
var ErrUnknownKeyVersion = errors.New("secrets: unknown key version")

// ErrCurrentKeyVersion is returned by Retire for the current version.
var ErrCurrentKeyVersion = errors.New(
	"secrets: the current key version cannot be retired")

// ErrClosed is returned by a Keyring after Close.
var ErrClosed = errors.New("secrets: keyring is closed")

// saveAttempts bounds the read-modify-write retries of Rotate and Retire
// when another instance changes the document at the same moment.
const saveAttempts = 3

// Options configures OpenKeyring.
type Options struct {
	// Store keeps the keyring document.
	Store KeyringStore
	// KMSURL names the KMS key that wraps every key of the document
	// (hashivault://, awskms://, gcpkms://, azurekeyvault://,
	// base64key://). Empty means the keys are kept unwrapped in the
	// document, which suits a single machine only.
	KMSURL string
	// Logger receives key lifecycle events; nil means slog.Default().
	Logger *slog.Logger
}

// KeyVersion describes one key-encryption-key version of a keyring.
type KeyVersion struct {
	Version int
	Created time.Time
	Current bool
}

// Keyring holds the key-encryption keys and session keys of one keyring
// document in memory. Its methods are safe for concurrent use.
type Keyring struct {
	store KeyringStore
	wrap  wrapper
	log   *slog.Logger
	now   func() time.Time

	// updateMu makes Rotate, Retire and Reload take turns, so an older
	// document read by one never replaces a newer one saved by another.
	updateMu sync.Mutex

	mu     sync.RWMutex
	doc    []byte // the document as last read or written
	ring   *ring
	closed bool
}

// OpenKeyring loads the keyring document from o.Store, unwrapping its keys
// with the KMS if o.KMSURL names one. On first start it creates the
// document with version 1 and session keys. Any failure to read or
// unwrap is an error: the portal must not start without its keys.
func OpenKeyring(ctx context.Context, o Options) (*Keyring, error) {
	if o.Store == nil {
		return nil, errors.New("secrets: no keyring store configured")
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	w, err := openWrapper(ctx, o.KMSURL)
	if err != nil {
		return nil, err
	}
	k := &Keyring{store: o.Store, wrap: w, log: log, now: time.Now}
	if err := k.load(ctx); err != nil {
		_ = w.close()
		return nil, err
	}
	if o.KMSURL == "" {
		log.Warn("keyring keys are stored unwrapped beside the data; " +
			"this suits a single machine only, set a KMS URL in production")
	}
	return k, nil
}

// load reads the document, creating it if the store has none.
func (k *Keyring) load(ctx context.Context) error {
	b, _, r, err := k.read(ctx)
	if errors.Is(err, ErrNoKeyring) {
		b, r, err = k.create(ctx)
	}
	if err != nil {
		return err
	}
	k.install(b, r)
	return nil
}

// read loads, decodes and unwraps the stored document.
func (k *Keyring) read(ctx context.Context) ([]byte, *document, *ring, error) {
	b, err := k.store.LoadKeyring(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	d, err := decodeDocument(b)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := k.wrap.unseal(ctx, d)
	if err != nil {
		return nil, nil, nil, err
	}
	return b, d, r, nil
}

// create writes a new document. If another instance wrote one first, it
// uses that one instead.
func (k *Keyring) create(ctx context.Context) ([]byte, *ring, error) {
	r := newRing(k.now().UTC())
	d, err := k.wrap.seal(ctx, r)
	if err != nil {
		r.wipe()
		return nil, nil, err
	}
	b, err := encodeDocument(d)
	if err == nil {
		err = k.store.SaveKeyring(ctx, nil, b)
	}
	if errors.Is(err, ErrKeyringChanged) {
		r.wipe()
		b, _, r, err = k.read(ctx)
		return b, r, err
	}
	if err != nil {
		r.wipe()
		return nil, nil, err
	}
	k.log.Info("created keyring", "key_version", r.current)
	return b, r, nil
}

// install makes r the keys in use and wipes the ones it replaces.
func (k *Keyring) install(b []byte, r *ring) {
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		r.wipe()
		return
	}
	old := k.ring
	k.doc, k.ring = b, r
	k.mu.Unlock()
	old.wipe()
}

// Close wipes the keys from memory and releases the KMS key. Every later
// call on the keyring fails with ErrClosed.
func (k *Keyring) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return nil
	}
	k.closed = true
	k.ring.wipe()
	k.ring, k.doc = nil, nil
	return k.wrap.close()
}

// Ready returns nil when the keys are loaded, for a readiness probe.
func (k *Keyring) Ready() error {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.closed || k.ring == nil {
		return ErrClosed
	}
	return nil
}

// CurrentVersion returns the version that wraps new data keys, or 0 after
// Close.
func (k *Keyring) CurrentVersion() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.ring == nil {
		return 0
	}
	return k.ring.current
}

// Versions lists the key versions in the keyring, oldest first.
func (k *Keyring) Versions() []KeyVersion {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.ring == nil {
		return nil
	}
	return k.ring.versions()
}

// SessionKeys returns the cookie keys as [hash key (64 bytes), block key
// (32 bytes)], the pair gorilla/securecookie takes. They come from the
// document, so they survive restarts and every instance shares them.
func (k *Keyring) SessionKeys() [][]byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.ring == nil {
		return nil
	}
	return [][]byte{
		slices.Clone(k.ring.hashKey), slices.Clone(k.ring.blockKey),
	}
}

// Rotate adds a key version and makes it current, and returns its number.
// The store's compare-and-swap keeps two instances from rotating over
// each other; the loser retries on the winner's document.
func (k *Keyring) Rotate(ctx context.Context) (int, error) {
	k.updateMu.Lock()
	defer k.updateMu.Unlock()
	var v int
	err := k.retry(func() error {
		var err error
		v, err = k.rotateOnce(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("rotate keyring: %w", err)
	}
	return v, nil
}

func (k *Keyring) rotateOnce(ctx context.Context) (int, error) {
	prev, d, r, err := k.read(ctx)
	if err != nil {
		return 0, err
	}
	v := d.maxVersion() + 1
	created := k.now().UTC()
	key := randomBytes(kekSize)
	r.keks[v] = kek{created: created, key: key}
	r.current = v

	blob, err := k.wrap.wrap(ctx, kekLabel(v), key)
	if err != nil {
		r.wipe()
		return 0, err
	}
	d.Keys = append(d.Keys, docKey{Version: v, Created: created, Key: blob})
	d.Current = v
	if err := k.save(ctx, prev, d, r); err != nil {
		return 0, err
	}
	k.log.Info("rotated keyring", "key_version", v)
	return v, nil
}

// Retire deletes a key version from the document. Data keys still
// wrapped by it can no longer be opened, so Rewrap them first. The
// current version cannot be retired.
func (k *Keyring) Retire(ctx context.Context, version int) error {
	k.updateMu.Lock()
	defer k.updateMu.Unlock()
	err := k.retry(func() error { return k.retireOnce(ctx, version) })
	if err != nil {
		return fmt.Errorf("retire key version %d: %w", version, err)
	}
	return nil
}

func (k *Keyring) retireOnce(ctx context.Context, version int) error {
	prev, d, r, err := k.read(ctx)
	if err != nil {
		return err
	}
	old, ok := r.keks[version]
	switch {
	case version == d.Current:
		err = ErrCurrentKeyVersion
	case !ok:
		err = ErrUnknownKeyVersion
	}
	if err != nil {
		r.wipe()
		return err
	}
	clear(old.key)
	delete(r.keks, version)
	d.Keys = slices.DeleteFunc(d.Keys, func(x docKey) bool {
		return x.Version == version
	})
	if err := k.save(ctx, prev, d, r); err != nil {
		return err
	}
	k.log.Info("retired key version", "key_version", version)
	return nil
}

// retry runs fn again while another writer wins the compare-and-swap.
func (k *Keyring) retry(fn func() error) error {
	if err := k.Ready(); err != nil {
		return err
	}
	var err error
	for range saveAttempts {
		if err = fn(); !errors.Is(err, ErrKeyringChanged) {
			return err
		}
	}
	return err
}

// save writes d in place of prev and, once stored, installs r.
func (k *Keyring) save(ctx context.Context, prev []byte, d *document, r *ring) error {
	next, err := encodeDocument(d)
	if err == nil {
		err = k.store.SaveKeyring(ctx, prev, next)
	}
	if err != nil {
		r.wipe()
		return err
	}
	k.install(next, r)
	return nil
}

// Reload reads the document again, to learn of versions another instance
// added or retired. If the document cannot be read or unwrapped, the keys
// already in memory stay in use and the error is returned.
func (k *Keyring) Reload(ctx context.Context) error {
	k.updateMu.Lock()
	defer k.updateMu.Unlock()
	if err := k.Ready(); err != nil {
		return err
	}
	b, err := k.store.LoadKeyring(ctx)
	if err != nil {
		return fmt.Errorf("reload keyring: %w", err)
	}
	k.mu.RLock()
	same := bytes.Equal(b, k.doc)
	k.mu.RUnlock()
	if same {
		return nil
	}

	d, err := decodeDocument(b)
	if err != nil {
		return fmt.Errorf("reload keyring: %w", err)
	}
	r, err := k.wrap.unseal(ctx, d)
	if err != nil {
		return fmt.Errorf("reload keyring: %w", err)
	}
	k.install(b, r)
	k.log.Info("reloaded keyring", "key_version", r.current)
	return nil
}

// withKEK runs fn with the key of version (0: the current one) while
// holding the read lock, so the key cannot be wiped underneath it.
func (k *Keyring) withKEK(version int, fn func(v int, key []byte) error) error {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.ring == nil {
		return ErrClosed
	}
	if version == 0 {
		version = k.ring.current
	}
	kk, ok := k.ring.keks[version]
	if !ok {
		return ErrUnknownKeyVersion
	}
	return fn(version, kk.key)
}

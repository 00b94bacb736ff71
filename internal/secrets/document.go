package secrets

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gcsecrets "gocloud.dev/secrets"
)

// Sizes of the keys the document holds.
const (
	kekSize      = 32 // AES-256
	hashKeySize  = 64 // HMAC-SHA256 key for securecookie
	blockKeySize = 32 // AES-256 key for securecookie
)

// docFormat is the version of the document layout; a reader refuses any
// other rather than misread keys.
const docFormat = 1

// How the document stores key bytes.
const (
	wrapNone = "none" // raw, base64 in the JSON
	wrapKMS  = "kms"  // ciphertext of the configured KMS key
)

// document is the stored keyring. Key fields hold raw bytes or KMS
// ciphertext, as Wrap says; encoding/json writes them as base64.
type document struct {
	Format  int        `json:"format"`
	Wrap    string     `json:"wrap"`
	Current int        `json:"current"`
	Keys    []docKey   `json:"keys"`
	Session docSession `json:"session"`
}

type docKey struct {
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	Key     []byte    `json:"key"`
}

type docSession struct {
	Hash  []byte `json:"hash"`
	Block []byte `json:"block"`
}

// decodeDocument parses and checks the shape of a stored document.
func decodeDocument(b []byte) (*document, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d document
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("secrets: keyring document is not valid: %w", err)
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("secrets: keyring document is not valid: %w", err)
	}
	return &d, nil
}

func (d *document) check() error {
	if d.Format != docFormat {
		return fmt.Errorf("format %d, want %d", d.Format, docFormat)
	}
	if d.Wrap != wrapNone && d.Wrap != wrapKMS {
		return fmt.Errorf("unknown wrap %q", d.Wrap)
	}
	seen := make(map[int]bool, len(d.Keys))
	for _, k := range d.Keys {
		if k.Version < 1 || seen[k.Version] {
			return fmt.Errorf("bad or repeated key version %d", k.Version)
		}
		seen[k.Version] = true
	}
	if !seen[d.Current] {
		return fmt.Errorf("current version %d is not in the document", d.Current)
	}
	return nil
}

func encodeDocument(d *document) ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("secrets: encode keyring document: %w", err)
	}
	return append(b, '\n'), nil
}

// maxVersion returns the highest version in the document, so a new one
// never reuses the number of a retired one.
func (d *document) maxVersion() int {
	n := 0
	for _, k := range d.Keys {
		n = max(n, k.Version)
	}
	return n
}

// ring is the document's keys, unwrapped, as held in memory.
type ring struct {
	current  int
	keks     map[int]kek
	hashKey  []byte
	blockKey []byte
}

type kek struct {
	created time.Time
	key     []byte
}

// wipe zeroes the key bytes. Go may have copied them elsewhere, so this
// narrows the window in which a memory dump shows them; it does not close
// it.
func (r *ring) wipe() {
	if r == nil {
		return
	}
	for _, k := range r.keks {
		clear(k.key)
	}
	clear(r.hashKey)
	clear(r.blockKey)
}

func (r *ring) versions() []KeyVersion {
	vs := make([]KeyVersion, 0, len(r.keks))
	for v, k := range r.keks {
		vs = append(vs, KeyVersion{
			Version: v, Created: k.created, Current: v == r.current,
		})
	}
	slices.SortFunc(vs, func(a, b KeyVersion) int { return a.Version - b.Version })
	return vs
}

// wrapper turns key bytes into what the document stores, and back: as
// they are, or encrypted by a KMS key.
type wrapper struct {
	keeper *gcsecrets.Keeper // nil: keys are stored raw
	kmsURL string            // kept only to scrub it from errors
}

func (w wrapper) mode() string {
	if w.keeper == nil {
		return wrapNone
	}
	return wrapKMS
}

// Labels bound into each KMS plaintext. The KMS interface has no
// associated data, so the label goes in front of the key: a blob moved to
// another slot of the document fails to unwrap instead of being used as
// the wrong key.
func kekLabel(version int) string {
	return "tbaportal/kek/v1|version=" + strconv.Itoa(version)
}

const (
	hashLabel  = "tbaportal/session/v1|hash"
	blockLabel = "tbaportal/session/v1|block"
)

func (w wrapper) wrap(ctx context.Context, label string, key []byte) ([]byte, error) {
	if w.keeper == nil {
		return bytes.Clone(key), nil
	}
	plain := append([]byte(label+"\n"), key...)
	defer clear(plain)
	b, err := w.keeper.Encrypt(ctx, plain)
	if err != nil {
		return nil, w.kmsError("wrap a key with the KMS", err)
	}
	return b, nil
}

func (w wrapper) unwrap(ctx context.Context, label string, stored []byte,
	size int) ([]byte, error) {
	if w.keeper == nil {
		if len(stored) != size {
			return nil, fmt.Errorf("secrets: key %s is %d bytes, want %d",
				label, len(stored), size)
		}
		return bytes.Clone(stored), nil
	}
	plain, err := w.keeper.Decrypt(ctx, stored)
	if err != nil {
		return nil, w.kmsError("unwrap key "+label+" with the KMS", err)
	}
	defer clear(plain)
	key, ok := bytes.CutPrefix(plain, []byte(label+"\n"))
	if !ok || len(key) != size {
		return nil, fmt.Errorf("secrets: key %s unwrapped to something "+
			"that is not that key; the document was altered", label)
	}
	return bytes.Clone(key), nil
}

// unseal unwraps every key of d into a ring. It refuses a document
// wrapped otherwise than this setup expects, rather than guess.
func (w wrapper) unseal(ctx context.Context, d *document) (*ring, error) {
	if err := w.checkMode(d); err != nil {
		return nil, err
	}
	r := &ring{current: d.Current, keks: make(map[int]kek, len(d.Keys))}
	ok := false
	defer func() {
		if !ok {
			r.wipe()
		}
	}()
	for _, k := range d.Keys {
		key, err := w.unwrap(ctx, kekLabel(k.Version), k.Key, kekSize)
		if err != nil {
			return nil, err
		}
		r.keks[k.Version] = kek{created: k.Created, key: key}
	}
	var err error
	r.hashKey, err = w.unwrap(ctx, hashLabel, d.Session.Hash, hashKeySize)
	if err != nil {
		return nil, err
	}
	r.blockKey, err = w.unwrap(ctx, blockLabel, d.Session.Block, blockKeySize)
	if err != nil {
		return nil, err
	}
	ok = true
	return r, nil
}

func (w wrapper) checkMode(d *document) error {
	switch {
	case d.Wrap == w.mode():
		return nil
	case d.Wrap == wrapKMS:
		return errors.New("secrets: the keyring document is wrapped by a " +
			"KMS key but no KMS URL is configured")
	default:
		return errors.New("secrets: the keyring document holds unwrapped " +
			"keys but a KMS URL is configured; migrate the document " +
			"into the KMS first")
	}
}

// seal wraps every key of r into a new document.
func (w wrapper) seal(ctx context.Context, r *ring) (*document, error) {
	d := &document{Format: docFormat, Wrap: w.mode(), Current: r.current}
	for _, v := range r.versions() {
		b, err := w.wrap(ctx, kekLabel(v.Version), r.keks[v.Version].key)
		if err != nil {
			return nil, err
		}
		d.Keys = append(d.Keys, docKey{
			Version: v.Version, Created: v.Created, Key: b,
		})
	}
	var err error
	if d.Session.Hash, err = w.wrap(ctx, hashLabel, r.hashKey); err != nil {
		return nil, err
	}
	if d.Session.Block, err = w.wrap(ctx, blockLabel, r.blockKey); err != nil {
		return nil, err
	}
	return d, nil
}

// newRing makes version 1 and session keys for a new document.
func newRing(now time.Time) *ring {
	return &ring{
		current:  1,
		keks:     map[int]kek{1: {created: now, key: randomBytes(kekSize)}},
		hashKey:  randomBytes(hashKeySize),
		blockKey: randomBytes(blockKeySize),
	}
}

// randomBytes returns n bytes from crypto/rand, which never fails on the
// systems Go supports (it crashes the program instead).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// openWrapper opens the KMS key that rawURL names, or none for "".
func openWrapper(ctx context.Context, rawURL string) (wrapper, error) {
	if rawURL == "" {
		return wrapper{}, nil
	}
	// An empty base64key:// makes a new random key on every start, so the
	// document written today could never be opened again.
	if strings.TrimRight(rawURL, "/") == "base64key:" {
		return wrapper{}, errors.New(
			"secrets: a base64key:// KMS URL must carry its key")
	}
	k, err := gcsecrets.OpenKeeper(ctx, rawURL)
	if err != nil {
		w := wrapper{kmsURL: rawURL}
		return wrapper{}, w.kmsError("open the KMS key", err)
	}
	return wrapper{keeper: k, kmsURL: rawURL}, nil
}

func (w wrapper) close() error {
	if w.keeper == nil {
		return nil
	}
	return w.keeper.Close()
}

// kmsError describes a KMS failure. Some drivers quote the URL in their
// errors, and a base64key:// URL is itself a key, so the URL and its host
// are scrubbed from the text.
func (w wrapper) kmsError(doing string, err error) error {
	msg := err.Error()
	for _, s := range urlParts(w.kmsURL) {
		msg = strings.ReplaceAll(msg, s, "[kms url]")
	}
	return &scrubbedError{msg: "secrets: " + doing + ": " + msg, err: err}
}

func urlParts(rawURL string) []string {
	if rawURL == "" {
		return nil
	}
	// The quoted form first: it may escape characters the raw form has.
	parts := []string{strconv.Quote(rawURL), rawURL}
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		parts = append(parts, u.Host)
	}
	return parts
}

// scrubbedError has its own text but still unwraps to the cause, so
// errors.Is works for context cancellation and the like.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// ErrNoKeyring is returned by KeyringStore.LoadKeyring when no keyring
// document has been saved yet.
var ErrNoKeyring = errors.New("secrets: no keyring document yet")

// ErrKeyringChanged is returned by KeyringStore.SaveKeyring when the
// stored document is no longer the one the caller read.
var ErrKeyringChanged = errors.New(
	"secrets: keyring document changed since it was read")

// KeyringStore keeps the keyring document, so that a file and a database
// row can both hold it.
type KeyringStore interface {
	// LoadKeyring returns the document, or ErrNoKeyring if none exists.
	LoadKeyring(ctx context.Context) ([]byte, error)
	// SaveKeyring replaces the document with next only if it still equals
	// previous (nil: only if no document exists); otherwise it returns
	// ErrKeyringChanged.
	SaveKeyring(ctx context.Context, previous, next []byte) error
}

// fileStore keeps the keyring document in one file of mode 0600.
type fileStore struct {
	path string
	mu   sync.Mutex // serialises saves within the process; flock across
}

// NewFileKeyringStore returns a KeyringStore that keeps the document in
// the file at path. The file is written with mode 0600, replaced
// atomically, and refused on load if group or others may access it.
func NewFileKeyringStore(path string) KeyringStore {
	return &fileStore{path: path}
}

// LoadKeyring reads the file after checking its permissions.
func (s *fileStore) LoadKeyring(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.read()
}

func (s *fileStore) read() ([]byte, error) {
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoKeyring
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: read keyring file: %w", err)
	}
	defer f.Close()

	// Check the open file, not the path, so the mode and the bytes
	// belong to the same file.
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secrets: read keyring file: %w", err)
	}
	if err := checkMode(s.path, info); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("secrets: read keyring file %s: %w", s.path, err)
	}
	return b, nil
}

// checkMode refuses anything but a regular file that only its owner may
// read or write.
func checkMode(path string, info fs.FileInfo) error {
	if !info.Mode().IsRegular() {
		return fmt.Errorf("secrets: keyring file %s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("secrets: keyring file %s has mode %#o, "+
			"so other users may read the keys; "+
			"fix it with: chmod 600 %s", path, perm, path)
	}
	return nil
}

// SaveKeyring writes next to a temporary file beside the document and
// renames it into place, holding a lock so the compare and the swap are
// one step for every process that uses the same file.
func (s *fileStore) SaveKeyring(ctx context.Context, previous, next []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := lockFile(s.path + ".lock")
	if err != nil {
		return fmt.Errorf("secrets: lock keyring file: %w", err)
	}
	defer unlock()

	current, err := s.read()
	switch {
	case errors.Is(err, ErrNoKeyring):
		current = nil
	case err != nil:
		return err
	}
	if !sameDocument(current, previous) {
		return ErrKeyringChanged
	}
	return writeAtomic(s.path, next)
}

// sameDocument compares documents, with nil meaning "none".
func sameDocument(current, previous []byte) bool {
	if current == nil || previous == nil {
		return current == nil && previous == nil
	}
	return bytes.Equal(current, previous)
}

// writeAtomic writes b to a new file in the directory of path, syncs it
// and renames it over path, so a crash leaves the old or the new
// document, never half of one.
func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".keyring-*.tmp")
	if err != nil {
		return fmt.Errorf("secrets: write keyring file: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename

	if err := writeSync(f, b); err != nil {
		return fmt.Errorf("secrets: write keyring file %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("secrets: write keyring file %s: %w", path, err)
	}
	return syncDir(dir)
}

func writeSync(f *os.File, b []byte) error {
	// CreateTemp already uses 0600; Chmod states it and survives umask.
	err := errors.Join(f.Chmod(0o600), write(f, b), f.Sync())
	return errors.Join(err, f.Close())
}

func write(f *os.File, b []byte) error {
	_, err := f.Write(b)
	return err
}

// syncDir makes the rename durable. Some systems cannot sync a
// directory; the rename has still happened, so that is not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	_ = d.Sync()
	return d.Close()
}

// MemoryKeyringStore keeps the keyring document in memory. It suits tests
// and tools that hand the document on; a portal loses its keys with it.
type MemoryKeyringStore struct {
	mu  sync.Mutex
	doc []byte
}

// NewMemoryKeyringStore returns an empty MemoryKeyringStore.
func NewMemoryKeyringStore() *MemoryKeyringStore {
	return &MemoryKeyringStore{}
}

// LoadKeyring returns a copy of the document, or ErrNoKeyring.
func (s *MemoryKeyringStore) LoadKeyring(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.doc == nil {
		return nil, ErrNoKeyring
	}
	return bytes.Clone(s.doc), nil
}

// SaveKeyring replaces the document if it still equals previous.
func (s *MemoryKeyringStore) SaveKeyring(ctx context.Context,
	previous, next []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !sameDocument(s.doc, previous) {
		return ErrKeyringChanged
	}
	s.doc = bytes.Clone(next)
	return nil
}

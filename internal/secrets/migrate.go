package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// MigrateDocument copies the keyring document of one setup into another,
// unwrapping every key with from's KMS (or none) and wrapping it again
// with to's. Versions, creation times and key bytes stay the same, so
// wrapped data keys and sealed fields keep working. The target store must
// be empty or hold the very document being migrated (an in-place move,
// such as a file keyring taken into a KMS); the result is read back and
// checked before MigrateDocument returns.
func MigrateDocument(ctx context.Context, from, to Options) error {
	if from.Store == nil || to.Store == nil {
		return errors.New("secrets: migrate: both setups need a store")
	}
	src, err := openWrapper(ctx, from.KMSURL)
	if err != nil {
		return fmt.Errorf("migrate: source: %w", err)
	}
	defer src.close()
	dst, err := openWrapper(ctx, to.KMSURL)
	if err != nil {
		return fmt.Errorf("migrate: target: %w", err)
	}
	defer dst.close()

	if err := migrate(ctx, from.Store, to.Store, src, dst); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	logMigrated(to)
	return nil
}

func migrate(ctx context.Context, from, to KeyringStore, src, dst wrapper) error {
	b, err := from.LoadKeyring(ctx)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	d, err := decodeDocument(b)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	r, err := src.unseal(ctx, d)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer r.wipe()

	next, err := sealDocument(ctx, dst, r)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	prev, err := targetPrevious(ctx, to, b)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	if err := to.SaveKeyring(ctx, prev, next); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	return verifyMigrated(ctx, to, dst, r)
}

func sealDocument(ctx context.Context, w wrapper, r *ring) ([]byte, error) {
	d, err := w.seal(ctx, r)
	if err != nil {
		return nil, err
	}
	return encodeDocument(d)
}

// targetPrevious returns what the target store must hold for the save to
// go ahead: nothing, or the source document itself when migrating in
// place. Any other document there is refused rather than overwritten.
func targetPrevious(ctx context.Context, to KeyringStore, src []byte) ([]byte, error) {
	cur, err := to.LoadKeyring(ctx)
	switch {
	case errors.Is(err, ErrNoKeyring):
		return nil, nil
	case err != nil:
		return nil, err
	case bytes.Equal(cur, src):
		return cur, nil
	default:
		return nil, errors.New("the target store already holds " +
			"another keyring document")
	}
}

// verifyMigrated reads the target back and checks it unwraps to the same
// keys, so a KMS that encrypts but will not decrypt is caught now.
func verifyMigrated(ctx context.Context, to KeyringStore, dst wrapper, want *ring) error {
	b, err := to.LoadKeyring(ctx)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	d, err := decodeDocument(b)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	got, err := dst.unseal(ctx, d)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	defer got.wipe()
	if !sameRing(want, got) {
		return errors.New("read back: the migrated keys differ")
	}
	return nil
}

func sameRing(a, b *ring) bool {
	if a.current != b.current || len(a.keks) != len(b.keks) ||
		!bytes.Equal(a.hashKey, b.hashKey) ||
		!bytes.Equal(a.blockKey, b.blockKey) {
		return false
	}
	for v, ka := range a.keks {
		kb, ok := b.keks[v]
		if !ok || !bytes.Equal(ka.key, kb.key) || !ka.created.Equal(kb.created) {
			return false
		}
	}
	return true
}

func logMigrated(to Options) {
	log := to.Logger
	if log == nil {
		log = slog.Default()
	}
	if to.KMSURL == "" {
		log.Warn("migrated keyring to unwrapped keys; " +
			"this suits a single machine only")
		return
	}
	log.Info("migrated keyring into the KMS")
}

package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"tbaportal/internal/config"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
)

// openStorage opens the database and the keyring the configuration names.
// It fails closed: without keys the portal does not start.
func openStorage(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.DB, *secrets.Keyring, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create data directory: %w", err)
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	keys, err := secrets.OpenKeyring(ctx, keyringOptions(cfg, db, log))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, keys, nil
}

// keyringOptions: the embedded default keeps the keyring in a 0600 file
// beside the data; with a KMS the keyring document lives in the database,
// every key in it wrapped by the KMS, so that all instances share it.
func keyringOptions(cfg config.Config, db *store.DB, log *slog.Logger) secrets.Options {
	o := secrets.Options{KMSURL: cfg.KMSURL, Logger: log}
	if cfg.KMSURL == "" {
		o.Store = secrets.NewFileKeyringStore(filepath.Join(cfg.DataDir, "keyring.json"))
	} else {
		o.Store = db.KeyringStore()
	}
	return o
}

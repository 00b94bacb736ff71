package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"

	"tbaportal/internal/secrets"
)

// KeyringStore keeps the keyring document in the database, for setups
// where a KMS wraps the keys and several instances share them.
type KeyringStore struct{ db *DB }

// KeyringStore returns the database-backed keyring document store.
func (db *DB) KeyringStore() KeyringStore { return KeyringStore{db: db} }

// LoadKeyring returns the stored document or secrets.ErrNoKeyring.
func (k KeyringStore) LoadKeyring(ctx context.Context) ([]byte, error) {
	var doc []byte
	err := k.db.sql.QueryRowContext(ctx, k.db.q(`SELECT document FROM keyring
		WHERE name = ?`), "default").Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, secrets.ErrNoKeyring
	}
	return doc, err
}

// SaveKeyring replaces the document if it still equals previous.
func (k KeyringStore) SaveKeyring(ctx context.Context, previous, next []byte) error {
	return k.db.inTx(ctx, func(tx *sql.Tx) error {
		var cur []byte
		err := tx.QueryRowContext(ctx, k.db.q(`SELECT document FROM keyring
			WHERE name = ?`), "default").Scan(&cur)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if previous != nil {
				return secrets.ErrKeyringChanged
			}
			_, err = k.db.exec(ctx, tx, `INSERT INTO keyring (name, document)
				VALUES (?, ?)`, "default", next)
			return err
		case err != nil:
			return err
		case !bytes.Equal(cur, previous):
			return secrets.ErrKeyringChanged
		}
		_, err = k.db.exec(ctx, tx, `UPDATE keyring SET document = ?
			WHERE name = ?`, next, "default")
		return err
	})
}

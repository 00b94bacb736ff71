package store

import (
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

// SaveKeyring replaces the document if it still equals previous. The
// compare and the write are one statement, so two instances saving at
// once cannot both succeed: the insert of a first document does nothing
// if one exists, and the update matches only the document that was read
// (PostgreSQL re-checks that after waiting for a concurrent update).
func (k KeyringStore) SaveKeyring(ctx context.Context, previous, next []byte) error {
	var res sql.Result
	var err error
	if previous == nil {
		res, err = k.db.sql.ExecContext(ctx, k.db.q(`INSERT INTO keyring
			(name, document) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`),
			"default", next)
	} else {
		res, err = k.db.sql.ExecContext(ctx, k.db.q(`UPDATE keyring
			SET document = ? WHERE name = ? AND document = ?`),
			next, "default", previous)
	}
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return secrets.ErrKeyringChanged
	}
	return nil
}

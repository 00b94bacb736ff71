// Package secrets holds credential values in a type that never prints
// itself, and seals them at rest with envelope encryption: a random data
// key per submission, wrapped by a versioned key-encryption key that lives
// in a keyring document, itself optionally wrapped by a KMS.
//
// The package knows nothing of where ciphertext is kept: the keyring
// document is read and written through a KeyringStore, and sealed fields
// and wrapped data keys are plain byte slices for the caller to store.
//
// # Three levels of keys
//
// Key-encryption keys (KEKs) are 32 random bytes each, numbered by
// version, kept in the keyring document. One version is current. A data
// key is 32 random bytes made for one submission; it is stored only
// wrapped (AES-256-GCM) by a KEK version, as a WrappedKey. Fields of the
// submission are sealed with AES-256-GCM under the data key. Associated
// data binds a wrapped data key to its subject (the submission ID) and KEK
// version, and a sealed field to its subject and field name, so a
// ciphertext copied to another row or another column fails to open.
//
// The document also holds the session keys (an HMAC key and an AES key
// for the cookie codec), so every instance of the portal that shares the
// document accepts the same cookies and restarts do not sign anyone out.
//
// # Where the keyring lives
//
// With an empty Options.KMSURL the document holds the keys themselves,
// base64 encoded, and anyone who can read the document can read every
// sealed value. NewFileKeyringStore keeps it in a file of mode 0600 and
// refuses a file that group or others may read. This suits one machine
// only, and OpenKeyring says so in a warning.
//
// With a KMS URL (hashivault://, awskms://, gcpkms://, azurekeyvault://;
// base64key:// for tests) every key in the document is stored only as
// ciphertext of that KMS key and is decrypted into memory at start. A copy
// of the document or of the database alone then reveals nothing.
//
// Either way the portal fails closed: if the document cannot be read, has
// loose permissions, or its keys cannot be unwrapped, OpenKeyring returns
// an error and the server does not start. Nothing is ever stored in
// plaintext as a fallback.
//
// # Key lifecycle
//
// Create: the first OpenKeyring on an empty store writes version 1 and
// fresh session keys.
//
// Rotate: Keyring.Rotate adds a version and makes it current, with a
// compare-and-swap on the store so two instances cannot both write. New
// data keys are wrapped by the new version at once. Other instances learn
// of it through Keyring.Reload, which OpenDataKey also calls by itself when
// it meets a version it does not know, so rotation needs no restart.
//
// Rewrap: Keyring.Rewrap opens a wrapped data key and wraps it again under
// the current version. The sealed fields do not change, since the data key
// itself stays the same. Rewrap every stored WrappedKey after a rotation.
//
// Retire: once no WrappedKey refers to an old version, Keyring.Retire
// deletes it from the document. Its key bytes are then gone; anything
// still wrapped by it can no longer be opened (ErrUnknownKeyVersion).
// The current version cannot be retired. Other running instances drop the
// retired version at their next Reload, so call Reload now and then (or
// on a signal) rather than rely on restarts.
//
// # From the file keyring to a KMS
//
// MigrateDocument reads the document of one setup (store and KMS URL),
// unwraps every key, wraps each again for another setup and writes the
// result. The key bytes and version numbers stay the same, so wrapped data
// keys and sealed fields need no change. To move a file keyring into a KMS
// in place, pass the same store in both Options, with KMSURL empty in the
// first and the KMS URL in the second; then start the portal with the KMS
// URL. A portal whose KMS URL does not match how the document is wrapped
// refuses to start rather than guess. Keys that once sat unwrapped in a
// file may survive in backups, so after migrating rotate, rewrap every
// WrappedKey and retire the old versions.
package secrets

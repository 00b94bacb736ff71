//go:build !unix

package secrets

// lockFile is a no-op where flock is missing: saves are still serialised
// within one process, and a single machine (the only setup the file
// keyring suits) normally runs one portal process.
func lockFile(path string) (unlock func(), err error) {
	return func() {}, nil
}

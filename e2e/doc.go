// Package e2e holds the portal's browser tests: a real headless Chromium
// walks the wizard and the admin pages of a whole portal (real TLS, real
// SQLite, both simulators) and runs axe-core on every page it reaches.
//
// The tests need Debian's chromium and axe-core from `npm ci`. Outside CI
// they skip, and say so, when either is missing; with PORTAL_E2E_REQUIRED
// set (as .ci/run sets it) a missing one fails the run instead.
package e2e

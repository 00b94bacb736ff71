package web_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tbaportal/internal/onboarding"
	"tbaportal/internal/store"
	"tbaportal/internal/testharness"
)

// secretForms returns every spelling of secret worth looking for: raw in
// both cases, URL-encoded, the hex digits of its ASCII, the 32 bytes it
// encodes, and base64 (standard and URL alphabets, padded or not) of both
// the text and the bytes (for hex values), at each of the three alignments it can have
// inside a longer encoded value.
func secretForms(secret string) map[string][]byte {
	forms := map[string][]byte{
		"raw":          []byte(secret),
		"upper":        []byte(strings.ToUpper(secret)),
		"url-encoded":  []byte(url.QueryEscape(secret)),
		"hex of ASCII": []byte(hex.EncodeToString([]byte(secret))),
		"HEX of ASCII": []byte(strings.ToUpper(hex.EncodeToString([]byte(secret)))),
	}
	sources := map[string][]byte{"text": []byte(secret)}
	if b, err := hex.DecodeString(secret); err == nil {
		forms["decoded bytes"] = b
		sources["bytes"] = b
	}
	encodings := map[string]*base64.Encoding{
		"base64 std": base64.StdEncoding, "base64 url": base64.URLEncoding,
		"base64 std raw": base64.RawStdEncoding, "base64 url raw": base64.RawURLEncoding,
	}
	for name, enc := range encodings {
		for src, b := range sources {
			forms[name+" of "+src] = []byte(enc.EncodeToString(b))
			for shift := 0; shift <= 2; shift++ {
				key := name + " of " + src + " shifted " + string(rune('0'+shift))
				forms[key] = base64Core(enc, b, shift)
			}
		}
	}
	return forms
}

// base64Core encodes b as if it followed shift other bytes, and keeps only
// the characters that depend on b alone.
func base64Core(enc *base64.Encoding, b []byte, shift int) []byte {
	s := enc.EncodeToString(append(make([]byte, shift), b...))
	head := (shift*8 + 5) / 6
	return []byte(s[head : len(s)-4])
}

func mustDecodeHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic("BUG: not hex: " + err.Error())
	}
	return b
}

// haystack is one place scanned for canaries.
type haystack struct {
	where string
	data  []byte
}

// scan reports every canary form found in any haystack.
func scan(t *testing.T, canaries []string, hay []haystack) {
	t.Helper()
	for i, c := range canaries {
		for form, needle := range secretForms(c) {
			for _, h := range hay {
				if bytes.Contains(h.data, needle) {
					t.Errorf("canary %d found (%s) in %s", i+1, form, h.where)
				}
			}
		}
	}
}

// TestCanaryScannerFindsEveryForm proves the scanner can fail: each form,
// embedded in other text at each alignment, is found.
func TestCanaryScannerFindsEveryForm(t *testing.T) {
	secret := randomHex(t)
	b := mustDecodeHex(secret)
	for _, prefix := range []string{"", "x", "xy", "xyz"} {
		tests := []struct {
			name string
			data string
		}{
			{name: "raw", data: secret},
			{name: "hex", data: hex.EncodeToString([]byte(secret))},
			{name: "bytes", data: string(b)},
			{name: "base64 std",
				data: base64.StdEncoding.EncodeToString([]byte(prefix + secret + "tail"))},
			{name: "base64 url raw",
				data: base64.RawURLEncoding.EncodeToString([]byte(prefix + secret))},
			{name: "base64 of bytes",
				data: base64.StdEncoding.EncodeToString(append([]byte(prefix), b...))},
		}
		for _, tt := range tests {
			found := false
			for _, needle := range secretForms(secret) {
				if bytes.Contains([]byte("<<"+tt.data+">>"), needle) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s after %q: not found", tt.name, prefix)
			}
		}
	}
}

// TestCanarySecretsNeverAtRest plants four distinctive values, runs the
// whole flow (wizard, verification, handoff), and looks for every spelling
// of each value in the database files, the keyring file, the log, every
// cookie and every response: once while the secrets are still kept (for
// the retention hour), once after the purge.
func TestCanarySecretsNeverAtRest(t *testing.T) {
	e := newAdminEnv(t, func(o *testharness.Options) {
		o.Config = func(c *onboarding.Config) { c.SecretRetention = time.Hour }
	})
	h, clk := e.Harness, e.clock
	e.addAdmin("ops@example.com", store.RoleOperator)
	account := newAccount(t, "3456789_SB2", "")
	h.NetSuite.AddAccount(account)
	canaries := secretsOf(account)

	inv, link := h.Invite("Canary Ltd")
	b := h.NewBrowser()
	rec := record(b)
	if r := b.Get(link); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("open invitation: status %d", r.StatusCode)
	}
	walk(t, b, account, "")
	runToConnected(t, h, b)

	sub := loadSubmission(t, h, inv.Submission.ID)
	if sub.WrappedKey == nil || !sub.PurgedAt.IsZero() {
		t.Fatalf("the secrets should still be kept during the scan: key=%v purged=%v",
			sub.WrappedKey != nil, sub.PurgedAt)
	}
	if fields, _ := h.DB.SecretFields(t.Context(), sub.ID); len(fields) < 4 {
		t.Fatalf("%d sealed fields stored, want the four values", len(fields))
	}
	instances := h.Cloud.Instances()
	if len(instances) != 1 || instances[0].Token == "" {
		t.Fatalf("%d instances in Cloud Elements, want one with a token", len(instances))
	}
	// The instance token authorises every call on the instance: it is a
	// secret too, and must be as invisible as the customer's four.
	canaries = append(canaries, instances[0].Token)
	admin := e.signIn("ops@example.com")
	adminRec := record(admin)
	visitAdminPages(t, admin, sub.ID, true)
	scan(t, canaries, collect(t, h, b, rec))
	scan(t, canaries, collect(t, h, admin, adminRec))

	clk.Advance(2 * time.Hour)
	if n, err := h.Service.PurgeDue(t.Context()); err != nil || n != 1 {
		t.Fatalf("PurgeDue: %d purged, %v; want 1", n, err)
	}
	sub = loadSubmission(t, h, inv.Submission.ID)
	if sub.PurgedAt.IsZero() || sub.WrappedKey != nil {
		t.Fatalf("not purged: purged_at=%v key=%v", sub.PurgedAt, sub.WrappedKey != nil)
	}
	if r := b.Get("/wizard/connect"); !strings.Contains(r.Body, "<h1>Connected</h1>") {
		t.Errorf("after the purge the connect page does not say Connected")
	}
	b.Get("/wizard/verify")
	// Two hours on, the first admin session has run out: sign in again.
	admin = e.signIn("ops@example.com")
	adminRec = record(admin)
	visitAdminPages(t, admin, sub.ID, false)
	scan(t, canaries, collect(t, h, b, rec))
	scan(t, canaries, collect(t, h, admin, adminRec))
}

// visitAdminPages opens every admin view of a submission and, while its
// secrets are kept, re-verifies it: the admin side decrypts too.
func visitAdminPages(t *testing.T, admin *testharness.Browser, id string, reverify bool) {
	t.Helper()
	for _, path := range []string{"/admin/submissions", "/admin/submissions/" + id,
		"/admin/submissions?q=canary", "/admin/submissions?q=3456789",
		"/admin/submissions?status=connected", "/admin/submissions?status=purged",
		"/admin/submissions/" + id + "/extend",
		"/admin/audit", "/admin/metrics", "/admin/invitations/new"} {
		if r := admin.Get(path); r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, r.StatusCode)
		}
	}
	if !reverify {
		return
	}
	admin.Get("/admin/submissions/" + id + "/reverify")
	form := url.Values{"confirm": {"yes"}}
	if r := admin.Post("/admin/submissions/"+id+"/reverify", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("re-verify: status %d", r.StatusCode)
	}
	admin.Get("/admin/submissions/" + id)
}

// runToConnected verifies, connects, works the handoff and checks the
// outcome.
func runToConnected(t *testing.T, h *testharness.Harness, b *testharness.Browser) {
	t.Helper()
	if r := b.Post("/wizard/verify", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: status %d", r.StatusCode)
	}
	if r := b.Get("/wizard/verify"); !strings.Contains(r.Body, "Credentials verified") {
		t.Fatalf("the canary values were not verified:\n%s", r.Body)
	}
	if r := b.Post("/wizard/connect", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("connect: status %d", r.StatusCode)
	}
	h.RunHandoffs()
	if r := b.Get("/wizard/connect"); !strings.Contains(r.Body, "<h1>Connected</h1>") {
		t.Fatalf("the handoff did not connect:\n%s", r.Body)
	}
}

func loadSubmission(t *testing.T, h *testharness.Harness, id string) store.Submission {
	t.Helper()
	sub, err := h.DB.Submission(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// collect gathers every place a canary must not be: every file in the
// data directory (the database, its -wal and -shm, the keyring), the log,
// the cookie jar, and every recorded response with its headers.
func collect(t *testing.T, h *testharness.Harness, b *testharness.Browser,
	rec *recorder) []haystack {
	t.Helper()
	var hay []haystack
	seen := map[string]bool{}
	err := filepath.WalkDir(h.DataDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		seen[d.Name()] = true
		hay = append(hay, haystack{where: "file " + d.Name(), data: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"portal.db", "portal.db-wal", "keyring.json"} {
		if !seen[name] {
			t.Errorf("%s not found in the data directory; the scan would miss it", name)
		}
	}
	hay = append(hay, haystack{where: "log", data: []byte(h.Logs.String())})
	for _, c := range b.Cookies() {
		hay = append(hay, haystack{where: "cookie " + c.Name, data: []byte(c.Value)})
	}
	responses := rec.all()
	if len(responses) < 10 {
		t.Errorf("only %d responses recorded; the scan would prove little", len(responses))
	}
	for _, r := range responses {
		var head bytes.Buffer
		_ = r.header.Write(&head)
		hay = append(hay,
			haystack{where: "headers of " + r.path, data: head.Bytes()},
			haystack{where: "body of " + r.path, data: r.body})
	}
	return hay
}

// TestNoResponseRepeatsASecret makes the mistakes that bring a page back
// with the posted values (a duplicate, a value cut short, an empty field),
// then finishes the flow and revisits every step: no response may carry
// any of the four values.
func TestNoResponseRepeatsASecret(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	a := newAccount(t, "4567890", "")
	h.NetSuite.AddAccount(a)
	_, link := h.Invite("Acme Ltd")
	b := h.NewBrowser()
	rec := record(b)
	b.Get(link)
	walk(t, b, a, "integration")

	mistakes := []struct {
		slug string
		form url.Values
	}{
		// The empty field comes first: once a Consumer Secret is saved,
		// an empty field means "keep it" and is no mistake.
		{"integration", url.Values{"consumer_key": {a.ConsumerKey},
			"consumer_secret": {""}}},
		{"integration", url.Values{"consumer_key": {a.ConsumerKey},
			"consumer_secret": {a.ConsumerKey}}},
		{"integration", url.Values{"consumer_key": {a.ConsumerSecret[:63]},
			"consumer_secret": {a.ConsumerSecret}}},
		{"access-token", url.Values{"token_id": {a.TokenID},
			"token_secret": {a.TokenID}}},
		{"access-token", url.Values{"token_id": {a.ConsumerSecret},
			"token_secret": {a.TokenSecret + "\x00"}}},
	}
	for i, m := range mistakes {
		if r := b.Post("/wizard/"+m.slug, m.form); r.StatusCode != 422 {
			t.Fatalf("mistake %d on %s: status %d, want 422", i, m.slug, r.StatusCode)
		}
	}
	walk(t, b, a, "")
	runToConnected(t, h, b)
	for _, slug := range setupSteps {
		b.Get("/wizard/" + slug)
	}

	var hay []haystack
	for _, r := range rec.all() {
		var head bytes.Buffer
		_ = r.header.Write(&head)
		hay = append(hay, haystack{where: "body of " + r.path, data: r.body},
			haystack{where: "headers of " + r.path, data: head.Bytes()})
	}
	scan(t, secretsOf(a), hay)
}

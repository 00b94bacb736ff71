package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"tbaportal/internal/testharness"
	"tbaportal/web"
)

// postRaw sends body as a same-origin form without re-encoding it.
func postRaw(b *testharness.Browser, h *testharness.Harness, path string,
	body io.Reader, size int64) testharness.Response {
	req, _ := http.NewRequest(http.MethodPost, h.Portal.URL+path, body)
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", h.Portal.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.Do(req)
}

// onlyReader hides every method but Read, so the client cannot learn the
// body's length and sends it chunked.
type onlyReader struct{ io.Reader }

// TestOversizedBodies: a body over 64 KiB is refused with 413, whether
// its length is declared or not, and nothing is stored.
func TestOversizedBodies(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	big := "account_id=1234567&pad=" + strings.Repeat("a", web.MaxFormBytes)
	tests := []struct {
		name string
		size int64 // -1: chunked, length unknown
	}{
		{name: "declared length", size: int64(len(big))},
		{name: "chunked", size: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, link := h.Invite("Acme Ltd")
			b := openLink(t, h, link)
			walk(t, b, testharness.Demo(), "account-id")

			var body io.Reader = strings.NewReader(big)
			if tt.size < 0 {
				body = onlyReader{body}
			}
			r := postRaw(b, h, "/wizard/account-id", body, tt.size)
			if r.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("status %d, want 413", r.StatusCode)
			}
			if tt.size < 0 {
				// Only a body read to its end reaches the form parser,
				// which answers with the portal's page.
				checkPortalPage(t, r, http.StatusRequestEntityTooLarge, "Too much data")
			}
			checkStoredAccount(t, h, inv.Submission.ID, "")
		})
	}
}

// TestFieldCountLimit: twenty fields pass, twenty-one are refused.
func TestFieldCountLimit(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	tests := []struct {
		name   string
		fields int
		status int
	}{
		{name: "at the limit", fields: 20, status: http.StatusSeeOther},
		{name: "over the limit", fields: 21, status: http.StatusBadRequest},
		{name: "far over the limit", fields: 2000, status: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, link := h.Invite("Acme Ltd")
			b := openLink(t, h, link)
			walk(t, b, testharness.Demo(), "account-id")
			form := url.Values{"account_id": {"1234567"}}
			for i := 1; i < tt.fields; i++ {
				form.Set(fmt.Sprintf("extra%d", i), "x")
			}
			r := b.Post("/wizard/account-id", form)
			if tt.status == http.StatusSeeOther {
				if r.StatusCode != tt.status {
					t.Errorf("status %d, want %d", r.StatusCode, tt.status)
				}
				return
			}
			checkPortalPage(t, r, tt.status, "The form could not be read")
		})
	}
}

// TestUnreadableText posts values that are not valid text (invalid UTF-8,
// control characters, bidirectional overrides and isolates); each gets a
// message beside its field, and the page stays valid UTF-8 without NUL.
func TestUnreadableText(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	hex := randomHex(t)
	tests := []struct {
		name  string
		slug  string
		body  string // raw, already URL-encoded
		field string
		want  string
	}{
		{name: "Account ID invalid UTF-8", slug: "account-id",
			body: "account_id=1234567%ff", field: "account-id", want: "not valid text"},
		{name: "Account ID NUL", slug: "account-id",
			body: "account_id=1234567%00", field: "account-id", want: "not valid text"},
		{name: "Account ID overlong UTF-8", slug: "account-id",
			body: "account_id=%c0%b1234567", field: "account-id", want: "not valid text"},
		{name: "Consumer Key NUL", slug: "integration",
			body:  "consumer_key=%00" + hex[1:] + "&consumer_secret=" + randomHex(t),
			field: "consumer-key", want: "not valid text"},
		{name: "Token Secret invalid UTF-8", slug: "access-token",
			body:  "token_id=" + randomHex(t) + "&token_secret=" + hex[:60] + "%ed%a0%80",
			field: "token-secret", want: "not valid text"},
		{name: "Account ID start of heading (C0)", slug: "account-id",
			body: "account_id=%011234567", field: "account-id", want: "not valid text"},
		{name: "Account ID escape (C0)", slug: "account-id",
			body: "account_id=1234567%1B", field: "account-id", want: "not valid text"},
		{name: "Account ID DEL", slug: "account-id",
			body: "account_id=1234%7F567", field: "account-id", want: "not valid text"},
		{name: "Account ID next line (C1)", slug: "account-id",
			body: "account_id=1234567%C2%85", field: "account-id", want: "not valid text"},
		{name: "Account ID control sequence introducer (C1)", slug: "account-id",
			body: "account_id=%C2%9B1234567", field: "account-id", want: "not valid text"},
		{name: "Account ID left-to-right embedding", slug: "account-id",
			body: "account_id=%E2%80%AA1234567", field: "account-id", want: "not valid text"},
		{name: "Account ID right-to-left override", slug: "account-id",
			body: "account_id=%E2%80%AE7654321", field: "account-id", want: "not valid text"},
		{name: "Account ID left-to-right isolate", slug: "account-id",
			body: "account_id=%E2%81%A61234567", field: "account-id", want: "not valid text"},
		{name: "Account ID pop directional isolate", slug: "account-id",
			body: "account_id=1234567%E2%81%A9", field: "account-id", want: "not valid text"},
		{name: "Consumer Key C1 control", slug: "integration",
			body:  "consumer_key=%C2%80" + hex[1:] + "&consumer_secret=" + randomHex(t),
			field: "consumer-key", want: "not valid text"},
		{name: "Consumer Secret first strong isolate", slug: "integration",
			body:  "consumer_key=" + randomHex(t) + "&consumer_secret=" + hex[:32] + "%E2%81%A8" + hex[32:],
			field: "consumer-secret", want: "not valid text"},
		{name: "Token ID escape", slug: "access-token",
			body:  "token_id=" + hex[:63] + "%1B&token_secret=" + randomHex(t),
			field: "token-id", want: "not valid text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, link := h.Invite("Acme Ltd")
			b := openLink(t, h, link)
			walk(t, b, testharness.Demo(), tt.slug)

			r := postRaw(b, h, "/wizard/"+tt.slug, strings.NewReader(tt.body), int64(len(tt.body)))
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.StatusCode)
			}
			checkFieldError(t, parse(t, r), tt.field, tt.want)
			if !utf8.ValidString(r.Body) || strings.ContainsAny(r.Body, postedControls) {
				t.Error("the page is not valid UTF-8 or holds a posted control")
			}
		})
	}
}

// postedControls holds every control and bidirectional character that
// the cases of TestUnreadableText post.
const postedControls = "\x00\x01\x1b\x7f\u0080\u0085\u009b" +
	"\u202a\u202e\u2066\u2068\u2069"

// TestUndecodableForm: a body that is not form encoding gets 400.
func TestUndecodableForm(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	_, link := h.Invite("Acme Ltd")
	b := openLink(t, h, link)
	body := "account_id=%zz"
	r := postRaw(b, h, "/wizard/welcome", strings.NewReader(body), int64(len(body)))
	checkPortalPage(t, r, http.StatusBadRequest, "The form could not be read")
}

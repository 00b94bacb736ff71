package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tbaportal/internal/testharness"
	"tbaportal/web"
)

// FuzzWizardForm posts arbitrary bodies to every step that has a form and
// checks that the portal answers with a page, never a server error, and
// never echoes a credential-shaped value back.
func FuzzWizardForm(f *testing.F) {
	h := testharness.New(f, testharness.Options{
		Web: func(o *web.Options) { o.PageRateLimit = 1 << 30 },
	})
	_, link := h.Invite("Fuzz Ltd")
	b := h.NewBrowser()
	b.Get(link)
	for _, seed := range []string{
		"account_id=1234567",
		"account_id=1234567%00",
		"account_id=%ff%fe",
		"consumer_key=" + strings.Repeat("a", 64) + "&consumer_secret=" + strings.Repeat("b", 64),
		"token_id=%22" + strings.Repeat("c", 64) + "%22",
		"a=1&a=2&a=3",
		"%zz=%zz",
		strings.Repeat("x=1&", 30),
	} {
		f.Add(seed, uint8(0))
		f.Add(seed, uint8(1))
		f.Add(seed, uint8(2))
	}
	steps := []string{"/wizard/account-id", "/wizard/integration", "/wizard/access-token"}
	f.Fuzz(func(t *testing.T, body string, step uint8) {
		path := steps[int(step)%len(steps)]
		req, _ := http.NewRequest(http.MethodPost, h.Portal.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", h.Portal.URL)
		resp, err := b.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		r := struct {
			StatusCode int
			Body       string
		}{resp.StatusCode, string(raw)}
		if r.StatusCode >= 500 {
			t.Fatalf("POST %s %q: status %d", path, body, r.StatusCode)
		}
		if r.StatusCode != http.StatusSeeOther && !strings.Contains(r.Body, "NetSuite connection") {
			t.Fatalf("POST %s %q: status %d without the portal's page", path, body, r.StatusCode)
		}
		for _, v := range postedCredentials(body) {
			if strings.Contains(r.Body, v) {
				t.Fatalf("POST %s %q: the page repeats a posted credential", path, body)
			}
		}
	})
}

// postedCredentials lists the credential values of a form body long
// enough that finding one in a page means the page repeats it.
func postedCredentials(body string) []string {
	form, _ := url.ParseQuery(body)
	var out []string
	for _, name := range []string{"consumer_key", "consumer_secret", "token_id", "token_secret"} {
		for _, v := range form[name] {
			if v = strings.Trim(v, " \t\r\n\"'"); len(v) >= 16 {
				out = append(out, v)
			}
		}
	}
	return out
}

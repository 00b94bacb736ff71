package web_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/testharness"
)

var illustrationURL = regexp.MustCompile(`^/static/illustrations/[a-z-]+\.[0-9a-f]{12}\.svg$`)

// TestWizardStepsRender opens every step in order, as a customer does,
// and checks what each page must carry: progress, illustration, labels
// that are NetSuite's field names, safe secret inputs and no-store.
func TestWizardStepsRender(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	_, link := h.Invite("Acme Ltd")
	b := openLink(t, h, link)
	demo := testharness.Demo()

	tests := []struct {
		name   string
		slug   string
		submit string
		labels []string
	}{
		{name: "welcome", slug: "welcome", submit: "Start"},
		{name: "account id", slug: "account-id", submit: "Continue",
			labels: []string{"Account ID"}},
		{name: "enable tba", slug: "enable-tba", submit: "Continue"},
		{name: "role", slug: "role", submit: "Continue"},
		{name: "assign role", slug: "assign-role", submit: "Continue"},
		{name: "integration", slug: "integration", submit: "Continue",
			labels: []string{"Consumer Key", "Consumer Secret"}},
		{name: "access token", slug: "access-token", submit: "Continue",
			labels: []string{"Token ID", "Token Secret"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.Get("/wizard/" + tt.slug)
			doc := checkWizardChrome(t, b, r, i)
			checkForm(t, doc, i, tt.submit, tt.labels)
			if got := r.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			r = b.Post("/wizard/"+tt.slug, stepForm(tt.slug, demo))
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST: status %d, want 303", r.StatusCode)
			}
		})
	}

	t.Run("verify", func(t *testing.T) {
		doc := checkWizardChrome(t, b, b.Get("/wizard/verify"), 7)
		checkBack(t, doc, "/wizard/access-token")
		got := text(doc.Find(`form[action="/wizard/verify"] button`))
		if got != "Check with NetSuite" {
			t.Errorf("verify button %q, want Check with NetSuite", got)
		}
		if r := b.Post("/wizard/verify", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST verify: status %d", r.StatusCode)
		}
		doc = parse(t, b.Get("/wizard/verify"))
		if got := doc.Find(`a.button-primary[href="/wizard/connect"]`).Length(); got != 1 {
			t.Errorf("verified page has %d Continue links to connect, want 1", got)
		}
	})
	t.Run("connect", func(t *testing.T) {
		doc := checkWizardChrome(t, b, b.Get("/wizard/connect"), 8)
		if got := text(doc.Find(`form[action="/wizard/connect"] button`)); got != "Connect" {
			t.Errorf("connect button %q, want Connect", got)
		}
	})
}

// checkWizardChrome checks the progress indicator and the illustration of
// a wizard page whose step index is current.
func checkWizardChrome(t *testing.T, b *testharness.Browser, r testharness.Response,
	current int) *goquery.Document {
	t.Helper()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200\n%s", r.StatusCode, r.Body)
	}
	doc := parse(t, r)
	items := doc.Find("nav.progress ol > li")
	if items.Length() != len(onboarding.Steps) {
		t.Errorf("progress has %d items, want %d", items.Length(), len(onboarding.Steps))
	}
	if n := doc.Find("[aria-current]").Length(); n != 1 {
		t.Errorf("%d elements with aria-current, want 1", n)
	}
	if cur := items.Eq(current).Find(`[aria-current="step"]`).Length(); cur != 1 {
		t.Errorf("progress item %d is not the current step", current+1)
	}

	imgs := doc.Find("figure.illustration img")
	if imgs.Length() != 1 {
		t.Fatalf("%d illustrations, want 1", imgs.Length())
	}
	if alt := strings.TrimSpace(imgs.AttrOr("alt", "")); alt == "" {
		t.Error("illustration has an empty alt text")
	}
	src := imgs.AttrOr("src", "")
	if !illustrationURL.MatchString(src) {
		t.Fatalf("illustration URL %q is not a hashed /static/ URL", src)
	}
	img := b.Get(src)
	if img.StatusCode != http.StatusOK || img.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("GET %s: status %d, type %q; want 200 image/svg+xml",
			src, img.StatusCode, img.Header.Get("Content-Type"))
	}
	if !strings.Contains(img.Body, "<svg") {
		t.Errorf("GET %s is not an SVG", src)
	}
	return doc
}

// checkForm checks a setup step's form: the submit button, Back, and each
// input's label and attributes.
func checkForm(t *testing.T, doc *goquery.Document, idx int, submit string, labels []string) {
	t.Helper()
	form := doc.Find("form.step-form")
	if got := text(form.Find(`button[type=submit]`)); got != submit {
		t.Errorf("submit button %q, want %q", got, submit)
	}
	if idx == 0 {
		if n := form.Find("a.button").Length(); n != 0 {
			t.Errorf("first step has %d Back links, want none", n)
		}
	} else {
		checkBack(t, doc, "/wizard/"+onboarding.Steps[idx-1].Slug)
	}

	var got []string
	form.Find("input").Not("[type=hidden]").Each(func(_ int, in *goquery.Selection) {
		id := in.AttrOr("id", "")
		got = append(got, text(doc.Find(`label[for="`+id+`"]`)))
		if in.AttrOr("name", "") == "account_id" {
			if in.AttrOr("type", "") != "text" {
				t.Errorf("Account ID input type %q, want text", in.AttrOr("type", ""))
			}
			return
		}
		for attr, want := range map[string]string{
			"type": "password", "autocomplete": "off", "spellcheck": "false",
		} {
			if v := in.AttrOr(attr, ""); v != want {
				t.Errorf("secret input %s: %s=%q, want %q", id, attr, v, want)
			}
		}
	})
	if diff := cmp.Diff(labels, got); diff != "" {
		t.Errorf("input labels (-want +got):\n%s", diff)
	}
}

func checkBack(t *testing.T, doc *goquery.Document, want string) {
	t.Helper()
	back := doc.Find("a.button").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return text(s) == "Back"
	})
	if back.Length() != 1 || back.AttrOr("href", "") != want {
		t.Errorf("Back link: %d found, href %q; want one to %s",
			back.Length(), back.AttrOr("href", ""), want)
	}
}

// TestStepValidationErrors posts every kind of mistake and checks that the
// error stands beside its field and in the summary, that the status is
// 422, and that a valid value of the same post is kept.
func TestStepValidationErrors(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	demo := testharness.Demo()
	hexA, hexB := randomHex(t), randomHex(t)

	tests := []struct {
		name      string
		slug      string
		form      map[string]string
		errField  string // id of the field in error
		errText   string
		keptField string // id of the field whose value is kept
		keptValue string

		alsoErrField string // id of a second field in error, if any
		alsoErrText  string
	}{
		{name: "empty", slug: "integration",
			form:     map[string]string{"consumer_key": "", "consumer_secret": hexB},
			errField: "consumer-key", errText: "Enter the Consumer Key.",
			keptField: "consumer-secret", keptValue: hexB},
		{name: "too short", slug: "integration",
			form:     map[string]string{"consumer_key": hexA, "consumer_secret": hexB[:63]},
			errField: "consumer-secret", errText: "has 63 characters",
			keptField: "consumer-key", keptValue: hexA},
		{name: "too long", slug: "access-token",
			form:     map[string]string{"token_id": hexA + "0", "token_secret": hexB},
			errField: "token-id", errText: "has 65 characters",
			keptField: "token-secret", keptValue: hexB},
		{name: "not hexadecimal", slug: "access-token",
			form:     map[string]string{"token_id": hexA, "token_secret": "g" + hexB[1:]},
			errField: "token-secret", errText: "each 0–9 or a–f",
			keptField: "token-id", keptValue: hexA},
		{name: "invalid UTF-8", slug: "integration",
			form: map[string]string{"consumer_key": "\xff\xfe" + hexA[2:],
				"consumer_secret": hexB},
			errField: "consumer-key", errText: "not valid text",
			keptField: "consumer-secret", keptValue: hexB},
		{name: "NUL", slug: "integration",
			form: map[string]string{"consumer_key": hexA,
				"consumer_secret": hexB[:10] + "\x00" + hexB[10:]},
			errField: "consumer-secret", errText: "not valid text",
			keptField: "consumer-key", keptValue: hexA},
		{name: "control character", slug: "access-token",
			form: map[string]string{"token_id": hexA[:32] + "\x07" + hexA[32:],
				"token_secret": hexB},
			errField: "token-id", errText: "not valid text",
			keptField: "token-secret", keptValue: hexB},
		{name: "zero-width space", slug: "access-token",
			form: map[string]string{"token_id": hexA,
				"token_secret": hexB[:5] + "\u200b" + hexB[5:]},
			errField: "token-secret", errText: "or other symbols",
			keptField: "token-id", keptValue: hexA},
		// Which of the two is right cannot be known, so neither is kept.
		{name: "same value in both fields", slug: "integration",
			form:     map[string]string{"consumer_key": hexA, "consumer_secret": hexA},
			errField: "consumer-key", errText: "same value as the Consumer Secret",
			alsoErrField: "consumer-secret", alsoErrText: "same value as the Consumer Key"},
		{name: "same value as a saved field", slug: "access-token",
			form:     map[string]string{"token_id": demo.ConsumerKey, "token_secret": hexB},
			errField: "token-id", errText: "same value as the Consumer Key",
			keptField: "token-secret", keptValue: hexB},
		{name: "Account ID with a host name", slug: "account-id",
			form:     map[string]string{"account_id": "1234567.evil.com"},
			errField: "account-id", errText: "Enter the Account ID as NetSuite shows it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, link := h.Invite("Acme Ltd")
			b := openLink(t, h, link)
			walk(t, b, demo, tt.slug)
			form := map[string][]string{}
			for k, v := range tt.form {
				form[k] = []string{v}
			}

			r := b.Post("/wizard/"+tt.slug, form)
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.StatusCode)
			}
			doc := parse(t, r)
			wantErrors := map[string]string{tt.errField: tt.errText}
			if tt.alsoErrField != "" {
				wantErrors[tt.alsoErrField] = tt.alsoErrText
			}
			checkFieldErrors(t, doc, wantErrors)
			for _, v := range tt.form {
				if tt.slug != "account-id" && len(v) >= 16 && strings.Contains(r.Body, v) {
					t.Errorf("the page repeats a posted value")
				}
			}
			if tt.keptField != "" {
				checkKept(t, h, doc, inv.Submission.ID, tt.keptField, tt.keptValue)
			}
		})
	}
}

// checkFieldError checks that the field with id is the only one marked
// invalid, points at its own error message, and that the summary links to
// it.
func checkFieldError(t *testing.T, doc *goquery.Document, id, want string) {
	t.Helper()
	checkFieldErrors(t, doc, map[string]string{id: want})
}

// checkFieldErrors checks each field in error as checkFieldError does,
// and that no other field is marked invalid.
func checkFieldErrors(t *testing.T, doc *goquery.Document, want map[string]string) {
	t.Helper()
	for id, text := range want {
		checkOneFieldError(t, doc, id, text)
	}
	if n := doc.Find(`[aria-invalid="true"]`).Length(); n != len(want) {
		t.Errorf("%d fields marked invalid, want %d", n, len(want))
	}
}

func checkOneFieldError(t *testing.T, doc *goquery.Document, id, want string) {
	t.Helper()
	in := doc.Find("#" + id)
	if in.AttrOr("aria-invalid", "") != "true" {
		t.Errorf("#%s aria-invalid=%q, want true", id, in.AttrOr("aria-invalid", ""))
	}
	described := strings.Fields(in.AttrOr("aria-describedby", ""))
	if !slices.Contains(described, id+"-error") {
		t.Errorf("#%s aria-describedby %q lacks %s-error", id, described, id)
	}
	msg := doc.Find("#" + id + "-error")
	if !strings.Contains(text(msg), want) {
		t.Errorf("#%s-error says %q, want it to contain %q", id, text(msg), want)
	}
	if msg.Closest(".field").Find("#"+id).Length() != 1 {
		t.Errorf("#%s-error does not stand in the field of #%s", id, id)
	}
	link := doc.Find(`.error-summary a[href="#` + id + `"]`)
	if link.Length() != 1 || !strings.Contains(text(link), want) {
		t.Errorf("error summary link to #%s: %d found, text %q", id, link.Length(), text(link))
	}
}

// checkKept checks that a valid value posted beside an invalid one was
// sealed and is shown as saved.
func checkKept(t *testing.T, h *testharness.Harness, doc *goquery.Document,
	subID, id, value string) {
	t.Helper()
	last4 := value[len(value)-4:]
	if got := text(doc.Find("#" + id + "-saved .saved-mask")); got != last4 {
		t.Errorf("#%s shows saved mask %q, want %q", id, got, last4)
	}
	if v := doc.Find("#"+id).AttrOr("aria-invalid", ""); v != "false" {
		t.Errorf("kept field #%s aria-invalid=%q, want false", id, v)
	}
	masks, err := h.Service.Masks(t.Context(), subID)
	if err != nil {
		t.Fatal(err)
	}
	if m := masks[strings.ReplaceAll(id, "-", "_")]; m.Last4 != last4 {
		t.Errorf("stored mask of %s: %+v, want last four %q", id, m, last4)
	}
}

// TestPastedValuesAreTrimmed pastes the demo account's values wrapped in
// what a copy may bring along, or in upper case, and checks that NetSuite
// accepts them: only a correct normalisation can pass the signature check.
func TestPastedValuesAreTrimmed(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	tests := []struct {
		name string
		wrap func(string) string
	}{
		{name: "spaces", wrap: func(v string) string { return "  " + v + " " }},
		{name: "line breaks and tabs", wrap: func(v string) string { return "\t" + v + "\r\n" }},
		{name: "double quotes", wrap: func(v string) string { return `"` + v + `"` }},
		{name: "single quotes", wrap: func(v string) string { return "'" + v + "'" }},
		{name: "typographic quotes", wrap: func(v string) string { return "“" + v + "”" }},
		{name: "no-break spaces", wrap: func(v string) string { return "\u00a0" + v + "\u00a0" }},
		{name: "upper case", wrap: strings.ToUpper},
		{name: "upper case in quotes",
			wrap: func(v string) string { return ` "` + strings.ToUpper(v) + `" ` }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, link := h.Invite("Acme Ltd")
			a := testharness.Demo()
			a.ConsumerKey, a.ConsumerSecret = tt.wrap(a.ConsumerKey), tt.wrap(a.ConsumerSecret)
			a.TokenID, a.TokenSecret = tt.wrap(a.TokenID), tt.wrap(a.TokenSecret)
			b := openLink(t, h, link)
			walk(t, b, a, "")

			if r := b.Post("/wizard/verify", nil); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("verify: status %d, want 303", r.StatusCode)
			}
			doc := parse(t, b.Get("/wizard/verify"))
			if got := text(doc.Find("#diagnosis-title")); got != "Credentials verified" {
				t.Errorf("diagnosis %q, want Credentials verified", got)
			}
		})
	}
}

// TestAccountIDInputs sends valid and hostile Account IDs through the
// Account ID step. Valid ones are stored in the realm form; invalid ones
// are refused before any request leaves the portal.
func TestAccountIDInputs(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	for _, id := range []string{"1234567_SB1", "1234567_SB2", "TSTDRV1234567", "1234567_RP1"} {
		h.NetSuite.AddAccount(newAccount(t, id, ""))
	}
	tests := []struct {
		name    string
		input   string
		want    string // stored realm form; "" when refused
		errText string // the refusal's message; "" means one naming the Account ID
	}{
		{name: "production", input: "1234567", want: "1234567"},
		{name: "sandbox", input: "1234567_SB1", want: "1234567_SB1"},
		{name: "sandbox lower case", input: "1234567_sb1", want: "1234567_SB1"},
		{name: "host label", input: "1234567-sb1", want: "1234567_SB1"},
		{name: "host label upper case", input: "1234567-SB2", want: "1234567_SB2"},
		{name: "test drive", input: "TSTDRV1234567", want: "TSTDRV1234567"},
		{name: "test drive lower case", input: "tstdrv1234567", want: "TSTDRV1234567"},
		{name: "release preview", input: "1234567_RP1", want: "1234567_RP1"},
		{name: "surrounding spaces", input: " 1234567 ", want: "1234567"},
		{name: "quotes and line break", input: "\"1234567_SB1\"\n", want: "1234567_SB1"},
		{name: "empty", input: ""},
		{name: "only spaces", input: "   "},
		{name: "letters", input: "abc"},
		{name: "host name", input: "1234567.evil.com"},
		{name: "user info", input: "x@evil.com"},
		{name: "sandbox without number", input: "1234567_SB"},
		{name: "fragment", input: "evil.com#"},
		{name: "loopback and fragment", input: "127.0.0.1#"},
		{name: "IPv6 loopback", input: "[::1]"},
		{name: "metadata address", input: "169.254.169.254"},
		{name: "encoded slash", input: "1234567%2F..%2F"},
		{name: "backslash", input: `1234567\evil`},
		{name: "full-width digits", input: "１２３４５６７"},
		{name: "full-width dot", input: "1234567．evil.com"},
		{name: "CR LF", input: "1234567\r\nX-Evil: 1"},
		{name: "inner quote", input: `1234567"evil`},
		{name: "zero-width space", input: "1234567\u200b"},
		{name: "right-to-left override", input: "\u202e1234567",
			errText: "not valid text"},
		{name: "tabs around", input: "\t1234567\t", want: "1234567"},
		{name: "two suffixes", input: "1234567_SB1_SB2"},
		{name: "far too long", input: strings.Repeat("1", 70)},
		{name: "query", input: "1234567?x=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, link := h.Invite("Acme Ltd")
			b := openLink(t, h, link)
			walk(t, b, testharness.Demo(), "account-id")
			before := h.NetSuite.Requests()

			r := b.Post("/wizard/account-id", map[string][]string{"account_id": {tt.input}})
			sub, err := h.DB.Submission(t.Context(), inv.Submission.ID)
			if err != nil {
				t.Fatal(err)
			}
			if sub.AccountID != tt.want {
				t.Errorf("stored Account ID %q, want %q", sub.AccountID, tt.want)
			}
			if tt.want != "" {
				if r.StatusCode != http.StatusSeeOther ||
					r.Header.Get("Location") != "/wizard/enable-tba" {
					t.Errorf("status %d to %q, want 303 to /wizard/enable-tba",
						r.StatusCode, r.Header.Get("Location"))
				}
				return
			}
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("status %d, want 422", r.StatusCode)
			}
			if tt.errText == "" {
				tt.errText = "Account ID"
			}
			checkFieldError(t, parse(t, r), "account-id", tt.errText)
			if n := h.NetSuite.Requests() - before; n != 0 {
				t.Errorf("a refused Account ID made %d requests to NetSuite", n)
			}
		})
	}
}

// TestUnknownAccountNeedsConfirmation: NetSuite's lookup does not know
// the account, so the step asks; Continue again with the confirmation
// accepts it, and a confirmation for another ID does not.
func TestUnknownAccountNeedsConfirmation(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	inv, link := h.Invite("Acme Ltd")
	b := openLink(t, h, link)
	walk(t, b, testharness.Demo(), "account-id")

	r := b.Post("/wizard/account-id", map[string][]string{"account_id": {"7654321"}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("first Continue: status %d, want 422", r.StatusCode)
	}
	doc := parse(t, r)
	checkFieldError(t, doc, "account-id", "NetSuite has no account 7654321")
	confirm, _ := doc.Find(`form.step-form input[type=hidden][name=confirm_unknown]`).Attr("value")
	if confirm != "7654321" {
		t.Fatalf("confirm_unknown %q, want 7654321", confirm)
	}
	checkStoredAccount(t, h, inv.Submission.ID, "")

	r = b.Post("/wizard/account-id", map[string][]string{
		"account_id": {"7654322"}, "confirm_unknown": {"7654321"}})
	if r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "NetSuite has no account 7654322") {
		t.Errorf("confirmation for another ID: status %d, want 422 asking about 7654322",
			r.StatusCode)
	}
	checkStoredAccount(t, h, inv.Submission.ID, "")

	r = b.Post("/wizard/account-id", map[string][]string{
		"account_id": {"7654321"}, "confirm_unknown": {confirm}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed Continue: status %d, want 303", r.StatusCode)
	}
	checkStoredAccount(t, h, inv.Submission.ID, "7654321")
}

// TestAccountIDLookupUnreachable: when the data-center lookup fails at
// the network level, the Account ID step cannot tell whether the account
// exists, so it takes the Account ID without asking and moves on; the
// values still verify.
func TestAccountIDLookupUnreachable(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	account := newAccount(t, "2345678", netsuitesim.LookupDropped)
	h.NetSuite.AddAccount(account)
	inv, link := h.Invite("Acme Ltd")
	b := openLink(t, h, link)
	walk(t, b, account, "account-id")
	before := h.NetSuite.Requests()

	r := b.Post("/wizard/account-id", map[string][]string{"account_id": {account.ID}})

	if r.StatusCode != http.StatusSeeOther ||
		r.Header.Get("Location") != "/wizard/enable-tba" {
		t.Fatalf("status %d to %q, want 303 to /wizard/enable-tba\n%s",
			r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	if h.NetSuite.Requests() == before {
		t.Fatal("the step made no lookup; the test would prove nothing")
	}
	checkStoredAccount(t, h, inv.Submission.ID, account.ID)
	walk(t, b, account, "")
	if r := b.Post("/wizard/verify", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: status %d, want 303", r.StatusCode)
	}
	doc := parse(t, b.Get("/wizard/verify"))
	if got := text(doc.Find("#diagnosis-title")); got != "Credentials verified" {
		t.Errorf("diagnosis %q, want Credentials verified", got)
	}
}

func checkStoredAccount(t *testing.T, h *testharness.Harness, id, want string) {
	t.Helper()
	sub, err := h.DB.Submission(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if sub.AccountID != want {
		t.Errorf("stored Account ID %q, want %q", sub.AccountID, want)
	}
}

// TestSecondBrowserResumes opens the same link on another device, which
// must land on the step where the customer stopped, with the saved values
// shown as masks.
func TestSecondBrowserResumes(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	_, link := h.Invite("Acme Ltd")
	demo := testharness.Demo()
	first := openLink(t, h, link)
	walk(t, first, demo, "access-token")

	second := h.NewBrowser()
	r := second.Get(link)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/wizard/access-token" {
		t.Fatalf("second browser: status %d to %q, want 303 to /wizard/access-token",
			r.StatusCode, r.Header.Get("Location"))
	}
	page := second.Get("/wizard/integration")
	doc := parse(t, page)
	for id, v := range map[string]string{"consumer-key": demo.ConsumerKey,
		"consumer-secret": demo.ConsumerSecret} {
		if got := text(doc.Find("#" + id + "-saved .saved-mask")); got != v[len(v)-4:] {
			t.Errorf("#%s mask %q, want %q", id, got, v[len(v)-4:])
		}
	}
	if r := second.Get("/"); r.Header.Get("Location") != "/wizard/access-token" {
		t.Errorf("home sends the second browser to %q, want /wizard/access-token",
			r.Header.Get("Location"))
	}
	if r := second.Get("/wizard/connect"); r.Header.Get("Location") != "/wizard/access-token" {
		t.Errorf("a step too far sends to %q, want /wizard/access-token", r.Header.Get("Location"))
	}
}

// TestSessionlessWizardPagesAskForLink: without the cookie the invitation
// link sets (or with a forged one), every wizard page asks to open the
// link again.
func TestSessionlessWizardPagesAskForLink(t *testing.T) {
	h := newHarness(t, testharness.Options{})
	tests := []struct {
		name   string
		method string
		path   string
		cookie string
	}{
		{name: "home", method: http.MethodGet, path: "/"},
		{name: "welcome", method: http.MethodGet, path: "/wizard/welcome"},
		{name: "verify page", method: http.MethodGet, path: "/wizard/verify"},
		{name: "connect page", method: http.MethodGet, path: "/wizard/connect"},
		{name: "save a step", method: http.MethodPost, path: "/wizard/account-id"},
		{name: "verify", method: http.MethodPost, path: "/wizard/verify"},
		{name: "connect", method: http.MethodPost, path: "/wizard/connect"},
		{name: "forged cookie", method: http.MethodGet, path: "/wizard/welcome",
			cookie: "MTcwMDAwMDAwMHxmb3JnZWR8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := h.NewBrowser()
			req, _ := http.NewRequest(tt.method, h.Portal.URL+tt.path,
				strings.NewReader("account_id=1234567"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "__Host-portal-wizard", Value: tt.cookie})
			}
			checkPortalPage(t, b.Do(req), http.StatusUnauthorized, "Open your invitation link")
		})
	}
}

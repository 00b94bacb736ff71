package e2e

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// required reports whether a missing browser or axe-core fails the run
// rather than skipping it.
func required() bool { return os.Getenv("PORTAL_E2E_REQUIRED") != "" }

// missing skips the test, or fails it when the browser tests are required.
func missing(t *testing.T, what string) {
	t.Helper()
	if required() {
		t.Fatalf("%s, and PORTAL_E2E_REQUIRED is set", what)
	}
	t.Skipf("%s; install Debian's chromium and run `npm ci` (PORTAL_E2E_REQUIRED unset)", what)
}

// chromiumPath finds the browser: PORTAL_CHROMIUM, or chromium on PATH.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PORTAL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	missing(t, "no chromium found")
	return ""
}

// axeSource reads axe-core as `npm ci` installs it at the repository's
// root.
func axeSource(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root not found")
		}
		dir = parent
	}
	src, err := os.ReadFile(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js"))
	if errors.Is(err, os.ErrNotExist) {
		missing(t, "axe-core is not installed")
	} else if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// browser is one headless Chromium with a fresh profile, so it has its
// own cookies: two browsers are two different customers' machines.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string // the portal's https://host:port
	axe  string
}

// phone is the viewport of a small phone; every page must fit its width.
const phoneWidth, phoneHeight = 360, 740

// newBrowser starts Chromium for the portal. It trusts exactly the
// portal's certificate, by its public key, rather than ignoring every
// certificate error.
func newBrowser(t *testing.T, portal *httptest.Server) *browser {
	t.Helper()
	exe := chromiumPath(t)
	axe := axeSource(t)
	pin, err := publicKeyPin(portal.Certificate())
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("ignore-certificate-errors-spki-list", pin),
		chromedp.WindowSize(phoneWidth, phoneHeight),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, phoneHeight)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx, base: portal.URL, axe: axe}
}

func publicKeyPin(cert *x509.Certificate) (string, error) {
	if cert == nil {
		return "", errors.New("the portal has no certificate")
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// do runs actions with a deadline, failing the test on error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (at %s)", what, err, b.path())
	}
}

// value runs one action that returns a value, failing the test on error.
func value[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v (at %s)", what, err, b.path())
	}
	return v
}

// navigate runs an action that loads a page (opening a URL, clicking a
// link or a submit button) and returns the final response's status.
func (b *browser) navigate(what string, action chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, action)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		b.t.Fatalf("%s: no page was loaded", what)
	}
	return resp.Status
}

// open loads a path (or full URL) of the portal.
func (b *browser) open(path string) int64 {
	b.t.Helper()
	if !strings.HasPrefix(path, "https://") {
		path = b.base + path
	}
	return b.navigate("open "+path, chromedp.Navigate(path))
}

// click clicks the element that the CSS selector finds and waits for the
// page it loads.
func (b *browser) click(sel string) int64 {
	b.t.Helper()
	return b.navigate("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// button clicks the button or link whose visible text is label and waits
// for the page it loads.
func (b *browser) button(label string) int64 {
	b.t.Helper()
	find := chromedp.JSPath(fmt.Sprintf(`[...document.querySelectorAll("button, a")]
		.find(e => e.textContent.trim().replace(/\s+/g, " ") === %q)`, label))
	return b.navigate("press "+label, chromedp.Click(find, chromedp.NodeVisible))
}

// press clicks the element that the CSS selector finds, for a control that
// changes the page in place.
func (b *browser) press(sel string) {
	b.t.Helper()
	b.do("press "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// fill types value into the input that the CSS selector finds, as a
// person would.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	b.do("fill "+sel, chromedp.Clear(chromedp.CSS(sel)),
		chromedp.SendKeys(chromedp.CSS(sel), value))
}

// path is the path of the page shown now.
func (b *browser) path() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown)"
	}
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	return u.Path
}

// wantPath fails unless the page shown is at path.
func (b *browser) wantPath(path string) {
	b.t.Helper()
	if got := b.path(); got != path {
		b.t.Fatalf("the browser is at %s, want %s", got, path)
	}
}

// text is the visible text of the first element the CSS selector finds,
// with its white space collapsed.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s := value(b, "read "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	return strings.Join(strings.Fields(s), " ")
}

// html is the whole document as the browser holds it now.
func (b *browser) html() string {
	b.t.Helper()
	return value(b, "read the document", chromedp.OuterHTML(chromedp.CSS("html")))
}

// waitFor waits until the page at path shows heading in its h1, reloading
// as the page itself asks (the Connect page refreshes every few seconds).
func (b *browser) waitFor(path, heading string, limit time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		h1, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`(document.querySelector("h1") || {}).textContent || ""`))
		cancel()
		at := b.path()
		if err == nil && at == path && strings.TrimSpace(h1) == heading {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("after %s the page at %s shows %q, want %q at %s",
				limit, at, strings.TrimSpace(h1), heading, path)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// axeResult is the part of axe.run's result the tests read.
type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	} `json:"violations"`
}

// checkPage runs axe-core on the page shown now and fails on any serious
// or critical violation; it also fails when the page is wider than a
// small phone's screen.
func (b *browser) checkPage(name string) {
	b.t.Helper()
	for _, v := range b.violations(name) {
		b.t.Errorf("%s: %s", name, v)
	}
	overflow := value(b, "measure the page", chromedp.Evaluate[int](
		`document.documentElement.scrollWidth - window.innerWidth`))
	if overflow > 0 {
		wide := value(b, "find what is too wide", chromedp.Evaluate[[]string](
			`[...document.body.querySelectorAll("*")]
				.filter(e => e.getBoundingClientRect().right > window.innerWidth)
				.slice(-3).map(e => e.tagName.toLowerCase() + "." + e.className +
					": " + e.textContent.trim().slice(0, 40))`))
		b.t.Errorf("%s is %d px wider than a %d px phone screen: %s",
			name, overflow, phoneWidth, strings.Join(wide, "; "))
	}
}

// violations runs axe-core on the page shown now and describes each
// serious or critical violation it finds.
func (b *browser) violations(name string) []string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		// axe builds helpers that the page's CSP would block.
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.SetBypassCSP,
				page.SetBypassCSPParams{Enabled: true})
			return err
		}),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[json.RawMessage](b.axe)(ctx, tg)
			return err
		}),
	)
	var report json.RawMessage
	if err == nil {
		report, err = chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](
			`axe.run(document, {resultTypes: ["violations"]})`, chromedp.EvalAwaitPromise))
	}
	if err != nil {
		b.t.Fatalf("axe on %s: %v", name, err)
	}
	var res axeResult
	if err := json.Unmarshal(report, &res); err != nil {
		b.t.Fatalf("axe on %s: %v", name, err)
	}
	var out []string
	for _, v := range res.Violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, fmt.Sprint(n.Target...))
		}
		out = append(out, fmt.Sprintf("axe %s violation %s (%s) at %s",
			v.Impact, v.ID, v.Help, strings.Join(targets, ", ")))
	}
	return out
}

// cookies lists the cookies the browser holds for the portal.
func (b *browser) cookies() []*network.Cookie {
	b.t.Helper()
	return value(b, "read cookies", func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tg, network.GetCookies,
			network.GetCookiesParams{URLs: []string{b.base}})
		return res.Cookies, err
	})
}

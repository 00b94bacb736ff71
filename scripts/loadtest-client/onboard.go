package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"tbaportal/internal/netsuite/netsuitesim"
)

// onboard walks every invitation link in a file through the whole wizard
// with the demo values, some at once, and prints how many complete
// onboardings a second the portal finished.
func onboard(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("onboard", flag.ContinueOnError)
	cacert := fs.String("cacert", "", "the portal's certificate (PEM)")
	concurrency := fs.Int("concurrency", 8, "onboardings in flight at once")
	poll := fs.Duration("poll", 100*time.Millisecond,
		"how often the Connect page is reloaded while the handoff runs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *cacert == "" || *concurrency < 1 {
		return errUsage
	}
	links, err := readLinks(fs.Arg(0))
	if err != nil {
		return err
	}
	roots, err := loadRoots(*cacert)
	if err != nil {
		return err
	}

	start := time.Now()
	took, err := runAll(links, *concurrency, func(link string) error {
		return walkWizard(ctx, newBrowser(link, roots), *poll)
	})
	if err != nil {
		return err
	}
	report(out, took, time.Since(start))
	return nil
}

func readLinks(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var links []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); strings.HasPrefix(l, "https://") {
			links = append(links, l)
		}
	}
	if len(links) == 0 && sc.Err() == nil {
		return nil, fmt.Errorf("%s holds no invitation link", file)
	}
	return links, sc.Err()
}

// runAll runs one onboarding per link, concurrency at a time, and returns
// how long each took. The first failure stops the rest.
func runAll(links []string, concurrency int, one func(string) error) ([]time.Duration, error) {
	work := make(chan string)
	var (
		mu    sync.Mutex
		took  []time.Duration
		first error
		wg    sync.WaitGroup
	)
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for link := range work {
				start := time.Now()
				err := one(link)
				mu.Lock()
				took = append(took, time.Since(start))
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, link := range links {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			break
		}
		work <- link
	}
	close(work)
	wg.Wait()
	return took, first
}

// report prints a line for people and one of key=value pairs for the
// load script.
func report(out io.Writer, took []time.Duration, elapsed time.Duration) {
	slices.Sort(took)
	pct := func(p float64) float64 {
		return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000
	}
	rate := float64(len(took)) / elapsed.Seconds()
	fmt.Fprintf(out, "%d onboardings in %.2f s: %.1f a second; each took %.0f ms "+
		"(median), %.0f ms (95th percentile)\n", len(took), elapsed.Seconds(), rate,
		pct(0.5), pct(0.95))
	fmt.Fprintf(out, "onboardings=%d seconds=%.3f per_second=%.2f p50_ms=%.1f p95_ms=%.1f\n",
		len(took), elapsed.Seconds(), rate, pct(0.5), pct(0.95))
}

// browser is one customer's browser: its own cookie jar and connection,
// no automatic redirects, and on every form the headers a browser sends
// for a same-origin POST.
type browser struct {
	client *http.Client
	link   string
	origin string
}

func newBrowser(link string, roots *x509.CertPool) *browser {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(link)
	return &browser{
		link: link, origin: u.Scheme + "://" + u.Host,
		client: &http.Client{
			Jar: jar, Timeout: 60 * time.Second,
			Transport: &http.Transport{
				TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
			},
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}
}

// page is a response with its body read.
type page struct {
	status   int
	location string
	body     string
}

func (b *browser) do(ctx context.Context, method, path string, form url.Values) (page, error) {
	target := path
	if !strings.HasPrefix(path, "https://") {
		target = b.origin + path
	}
	req, err := http.NewRequestWithContext(ctx, method, target,
		strings.NewReader(form.Encode()))
	if err != nil {
		return page{}, err
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.origin)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return page{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"),
		body: string(body)}, err
}

// follow sends a request that must answer 303, then loads where it
// points, as a browser does, and returns that page.
func (b *browser) follow(ctx context.Context, method, path string, form url.Values) (page, error) {
	p, err := b.do(ctx, method, path, form)
	if err != nil {
		return p, err
	}
	if p.status != http.StatusSeeOther || p.location == "" {
		return p, fmt.Errorf("%s %s: status %d, want 303", method, urlPath(path), p.status)
	}
	next, _, _ := strings.Cut(p.location, "#")
	p, err = b.do(ctx, http.MethodGet, next, nil)
	if err == nil && p.status != http.StatusOK {
		err = fmt.Errorf("GET %s: status %d, want 200", next, p.status)
	}
	return p, err
}

// urlPath keeps invitation tokens out of error messages.
func urlPath(path string) string {
	if strings.Contains(path, "/invite/") {
		return "/invite/…"
	}
	return path
}

// walkWizard takes one invitation from its link to a connected instance.
func walkWizard(ctx context.Context, b *browser, poll time.Duration) error {
	defer b.client.CloseIdleConnections()
	if _, err := b.follow(ctx, http.MethodGet, b.link, nil); err != nil {
		return err
	}
	demo := netsuitesim.DemoAccount()
	for _, st := range setupSteps(demo) {
		if _, err := b.follow(ctx, http.MethodPost, "/wizard/"+st.slug, st.form); err != nil {
			return err
		}
	}
	p, err := b.follow(ctx, http.MethodPost, "/wizard/verify", nil)
	if err != nil {
		return err
	}
	if !strings.Contains(p.body, "diagnosis-ok") {
		return errors.New("verification with the demo values did not succeed")
	}
	if _, err := b.follow(ctx, http.MethodPost, "/wizard/connect", nil); err != nil {
		return err
	}
	return waitConnected(ctx, b, poll)
}

type setupStep struct {
	slug string
	form url.Values
}

// setupSteps are the steps with a Continue button and what a customer
// types on each.
func setupSteps(a netsuitesim.Account) []setupStep {
	return []setupStep{
		{"welcome", nil},
		{"account-id", url.Values{"account_id": {a.ID}}},
		{"enable-tba", nil},
		{"role", nil},
		{"assign-role", nil},
		{"integration", url.Values{"consumer_key": {a.ConsumerKey},
			"consumer_secret": {a.ConsumerSecret}}},
		{"access-token", url.Values{"token_id": {a.TokenID}, "token_secret": {a.TokenSecret}}},
	}
}

// waitConnected reloads the Connect page until the handoff has finished.
func waitConnected(ctx context.Context, b *browser, poll time.Duration) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		p, err := b.do(ctx, http.MethodGet, "/wizard/connect", nil)
		switch {
		case err != nil:
			return err
		case p.status != http.StatusOK:
			return fmt.Errorf("GET /wizard/connect: status %d", p.status)
		case strings.Contains(p.body, "<h1>Connected</h1>"):
			return nil
		case !strings.Contains(p.body, "<h1>Connecting…</h1>"):
			return errors.New("the Connect page shows neither progress nor success")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
	return errors.New("the handoff did not finish within 2 minutes")
}

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// waitReady polls a readiness URL every 2 ms until it answers 200, then
// prints the milliseconds since -since, the moment the portal was
// started. The portal writes its certificate before it listens, so the
// certificate is looked for again until it is there: on a first start it
// does not exist yet when polling begins. -cacert may name several
// places; the first file that holds a certificate is trusted.
func waitReady(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("ready", flag.ContinueOnError)
	since := fs.Int64("since", 0, "when the portal was started, in Unix nanoseconds")
	var cacerts []string
	fs.Func("cacert", "where the portal's certificate (PEM) will be; repeatable",
		func(v string) error { cacerts = append(cacerts, v); return nil })
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *since == 0 || len(cacerts) == 0 {
		return errUsage
	}
	url := fs.Arg(0)

	deadline := time.Now().Add(*timeout)
	var client *http.Client
	for {
		if client == nil {
			client = firstTrusted(cacerts)
		}
		if client != nil && answers200(ctx, client, url) {
			elapsed := time.Since(time.Unix(0, *since))
			fmt.Fprintf(out, "%.1f\n", float64(elapsed.Microseconds())/1000)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s", url, *timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// firstTrusted returns a client that trusts the first of files holding a
// certificate, or nil while none does.
func firstTrusted(files []string) *http.Client {
	for _, f := range files {
		if roots, err := loadRoots(f); err == nil {
			return readinessClient(roots)
		}
	}
	return nil
}

func readinessClient(roots *x509.CertPool) *http.Client {
	return &http.Client{
		Timeout: time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		},
	}
}

func answers200(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

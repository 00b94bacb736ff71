// Command loadtest-client is the client side of scripts/loadtest. It times
// the portal's start, and it drives complete onboardings through the
// wizard over HTTPS as customers' browsers would.
//
//	loadtest-client ready -since UNIX_NANOS -cacert tls-cert.pem https://127.0.0.1:8443/readyz
//	loadtest-client onboard -cacert tls-cert.pem -concurrency 8 links.txt
package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest-client:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage: loadtest-client ready|onboard [flags] ARG")

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "ready":
		return waitReady(ctx, args[1:], out)
	case "onboard":
		return onboard(ctx, args[1:], out)
	}
	return errUsage
}

// loadRoots trusts exactly the certificate in file, the portal's own.
func loadRoots(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return roots, nil
}

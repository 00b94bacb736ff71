package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"tbaportal/internal/cloudelements/cloudelementssim"
	"tbaportal/internal/config"
	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/internal/secrets"
	"tbaportal/web"
)

// demoEnvironment runs the NetSuite and Cloud Elements simulators inside
// the portal's process, on loopback, over TLS with the portal's own
// certificate, so `portal serve --demo` shows the whole flow on one
// machine with nothing leaving it.
type demoEnvironment struct {
	netsuite *netsuitesim.Simulator
	cloud    *cloudelementssim.Simulator
	servers  []*http.Server
	nsURL    string
	ceURL    string
	roots    *x509.CertPool
}

// demoFailures are extra demo accounts that fail on purpose, so a visitor
// can see the diagnosis of each. They use the demo account's values.
var demoFailures = []struct {
	id        string
	behaviour netsuitesim.Behaviour
	shows     string
}{
	{"7000001", netsuitesim.FeatureDisabled, "TBA not enabled"},
	{"7000002", netsuitesim.NoWebServicesPermission, "role without the Web Services permission"},
	{"7000003", netsuitesim.IntegrationDisabled, "integration record disabled"},
	{"7000004", netsuitesim.ConcurrencyLimit, "NetSuite's concurrency limit"},
}

func startDemo(cert tls.Certificate, log *slog.Logger) (*demoEnvironment, error) {
	d := &demoEnvironment{
		netsuite: netsuitesim.New(netsuitesim.Options{Logger: log}),
		cloud:    cloudelementssim.New(cloudelementssim.Demo()),
		roots:    x509.NewCertPool(),
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, err
	}
	d.roots.AddCert(leaf)
	demo := netsuitesim.DemoAccount()
	d.netsuite.AddAccount(demo)
	for _, f := range demoFailures {
		a := demo
		a.ID, a.Behaviour = f.id, f.behaviour
		d.netsuite.AddAccount(a)
	}
	if d.nsURL, err = d.listen(cert, d.netsuite.Handler()); err != nil {
		return nil, err
	}
	if d.ceURL, err = d.listen(cert, d.cloud.Handler()); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *demoEnvironment) listen(cert tls.Certificate, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	d.servers = append(d.servers, srv)
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	return "https://" + ln.Addr().String(), nil
}

// demoStorage keeps the demo away from real submissions: simulated
// handoffs would otherwise mark real ones connected and shred their
// secrets. The demo uses the embedded defaults in a directory of its own.
func demoStorage(cfg config.Config, log *slog.Logger) config.Config {
	cfg.DataDir = filepath.Join(cfg.DataDir, "demo")
	if cfg.DatabaseURL != "" || cfg.KMSURL != "" {
		log.Warn("demo mode ignores PORTAL_DATABASE_URL and PORTAL_KMS_URL")
	}
	cfg.DatabaseURL, cfg.KMSURL = "", ""
	log.Info("demo data lives apart from real data", "data_dir", cfg.DataDir)
	return cfg
}

// configure points the portal at the simulators.
func (d *demoEnvironment) configure(cfg *config.Config) {
	cfg.NetSuiteEndpoint = d.nsURL
	cfg.CloudElementsURL = d.ceURL
	cfg.CloudElementsUserSecret = secrets.New(cloudelementssim.DemoUserSecret)
	cfg.CloudElementsOrgSecret = secrets.New(cloudelementssim.DemoOrgSecret)
}

// client trusts exactly the portal's own certificate and follows no
// redirects, like the production clients.
func (d *demoEnvironment) client(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: d.roots, MinVersion: tls.VersionTLS12},
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			TLSHandshakeTimeout: 5 * time.Second,
			MaxIdleConnsPerHost: 16,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (d *demoEnvironment) netsuiteClient() *http.Client { return d.client(20 * time.Second) }
func (d *demoEnvironment) cloudClient() *http.Client    { return d.client(30 * time.Second) }

// Close stops the simulators.
func (d *demoEnvironment) Close() {
	for _, s := range d.servers {
		_ = s.Close()
	}
}

// announce creates a ready invitation and prints it with the values to
// paste.
func (d *demoEnvironment) announce(ctx context.Context, env Env, cfg config.Config, p runParts) {
	inv, err := p.svc.CreateInvitation(ctx, "Demo Company", "admin@demo.example", 0, "demo")
	if err != nil {
		p.log.Error("could not create the demo invitation", "error", err)
		return
	}
	a := netsuitesim.DemoAccount()
	w := env.Stdout
	fmt.Fprintln(w, "Demo mode: NetSuite and Cloud Elements are simulated on this machine.")
	fmt.Fprintln(w, "Paste these public demo values into the wizard:")
	fmt.Fprintf(w, "  Account ID       %s\n  Consumer Key     %s\n  Consumer Secret  %s\n  Token ID         %s\n  Token Secret     %s\n",
		a.ID, a.ConsumerKey, a.ConsumerSecret, a.TokenID, a.TokenSecret)
	fmt.Fprintln(w, "To see a diagnosis instead, use one of these Account IDs with the same values:")
	for _, f := range demoFailures {
		fmt.Fprintf(w, "  %s  %s\n", f.id, f.shows)
	}
	fmt.Fprintln(w, "Open the invitation (your browser will warn about the self-signed certificate):")
	fmt.Fprintln(w, web.InvitationURL(cfg.PublicURL, inv.Token))
}

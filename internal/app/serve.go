package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"tbaportal/internal/audit"
	"tbaportal/internal/cloudelements"
	"tbaportal/internal/config"
	"tbaportal/internal/netsuite"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
	"tbaportal/internal/webhook"
	"tbaportal/templates"
	"tbaportal/web"
)

func serve(ctx context.Context, env Env, args []string) error {
	cfg, err := config.Load(args, env.Getenv, env.Stderr)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	log := newLogger(env.Stderr, cfg.LogFormat, cfg.LogLevel)
	started := time.Now()
	if cfg.Demo {
		cfg = demoStorage(cfg, log)
	}

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	cert, err := loadCertificate(cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	// The listener answers from the start, so a load balancer sees a live
	// process that is not ready while the database is still out of reach.
	gate := &startGate{}
	httpSrv := newHTTPServer(gate, cert, log)
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.ServeTLS(ln, "", "") }()
	log.Info("listening", "addr", ln.Addr().String())
	cfg.Listening(ln.Addr().String())

	db, keys, err := openStorageWhenReachable(ctx, cfg, log)
	if err != nil {
		_ = httpSrv.Close()
		if ctx.Err() != nil {
			return nil // stopped while waiting: nothing was served
		}
		return err
	}
	defer db.Close()
	defer keys.Close()

	var demo *demoEnvironment
	if cfg.Demo {
		if demo, err = startDemo(cert, log); err != nil {
			return err
		}
		defer demo.Close()
		demo.configure(&cfg)
	}

	svc, metrics, err := buildService(cfg, db, keys, demo, log)
	if err != nil {
		return err
	}
	srv, err := buildServer(cfg, svc, db, keys, metrics, log)
	if err != nil {
		_ = httpSrv.Close()
		return err
	}
	gate.open(srv.Handler())
	return run(ctx, env, cfg, runParts{svc: svc, db: db, keys: keys, srv: srv, ln: ln,
		http: httpSrv, serveErr: serveErr, metrics: metrics, demo: demo, log: log,
		started: started})
}

// newHTTPServer sets every timeout: slow clients cannot hold connections.
func newHTTPServer(h http.Handler, cert tls.Certificate, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler: h,
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12,
			Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      40 * time.Second, // a verification may take 20 s
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func buildService(cfg config.Config, db *store.DB, keys *secrets.Keyring, demo *demoEnvironment, log *slog.Logger) (*onboarding.Service, *web.Metrics, error) {
	extras, err := config.KeyValues(cfg.InstanceConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("PORTAL_INSTANCE_CONFIG: %w", err)
	}
	nsOpts := netsuite.ClientOptions{
		Endpoint: cfg.NetSuiteEndpoint, SOAPVersion: cfg.NetSuiteSOAPVersion,
		CheckREST: cfg.NetSuiteCheckREST, Logger: log,
	}
	ceOpts := cloudelements.Options{
		BaseURL: cfg.CloudElementsURL, UserSecret: cfg.CloudElementsUserSecret,
		OrgSecret: cfg.CloudElementsOrgSecret, ElementKey: cfg.CloudElementsElementKey,
		Logger: log,
	}
	if demo != nil {
		nsOpts.HTTPClient = demo.netsuiteClient()
		ceOpts.HTTPClient = demo.cloudClient()
	}
	ocfg := onboarding.DefaultConfig()
	ocfg.InvitationTTL = cfg.InvitationTTL
	ocfg.SecretRetention = cfg.SecretRetention
	ocfg.RequireApproval = cfg.RequireApproval
	ocfg.InstanceNameTemplate = cfg.InstanceNameTemplate
	ocfg.InstanceExtras = extras
	ocfg.HandoffLease = cfg.HandoffLease

	var svc *onboarding.Service
	metrics := web.NewMetrics(func() float64 {
		n, _ := db.HandoffQueueDepth(context.Background())
		return float64(n)
	})
	deps := onboarding.Deps{
		DB: db, Keys: keys, NetSuite: netsuite.NewClient(nsOpts),
		Cloud: cloudelements.NewClient(ceOpts), Audit: audit.New(db, nil),
		Logger: log, Metrics: metrics,
	}
	if cfg.WebhookURL != "" {
		n, err := webhook.NewNotifier(cfg.WebhookURL, cfg.WebhookSecret, log)
		if err != nil {
			return nil, nil, fmt.Errorf("PORTAL_WEBHOOK_URL: %w", err)
		}
		deps.Notifier = n
	}
	svc = onboarding.New(deps, ocfg)
	return svc, metrics, nil
}

func buildServer(cfg config.Config, svc *onboarding.Service, db *store.DB, keys *secrets.Keyring, metrics *web.Metrics, log *slog.Logger) (*web.Server, error) {
	proxies, err := web.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("PORTAL_TRUSTED_PROXIES: %w", err)
	}
	perms, err := parsePermissions(cfg.RolePermissions)
	if err != nil {
		return nil, fmt.Errorf("PORTAL_ROLE_PERMISSIONS: %w", err)
	}
	o := web.Options{
		PublicURL: cfg.PublicURL, Demo: cfg.Demo, TrustedProxies: proxies,
		SessionKeys: keys.SessionKeys(), AdminKeys: keys, RolePermissions: perms,
		PageRateLimit: cfg.PageRateLimit,
		Readiness:     readiness(db, keys),
	}
	if cfg.OIDCIssuer != "" {
		o.OIDC = &web.OIDCConfig{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID,
			ClientSecret: cfg.OIDCClientSecret.Reveal(), AllowedDomain: cfg.OIDCAllowedDomain}
	}
	return web.New(svc, db, log, metrics, o), nil
}

// readiness reports whether the portal can serve: keys loaded, database
// answering within two seconds.
func readiness(db *store.DB, keys *secrets.Keyring) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := keys.Ready(); err != nil {
			return fmt.Errorf("keys: %w", err)
		}
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			return fmt.Errorf("database: %w", err)
		}
		return nil
	}
}

// parsePermissions reads "Tab:Name:Level;…".
func parsePermissions(s string) ([]templates.Permission, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []templates.Permission
	for _, item := range strings.Split(s, ";") {
		parts := strings.Split(strings.TrimSpace(item), ":")
		if len(parts) != 3 {
			return nil, fmt.Errorf("%q is not Tab:Name:Level", item)
		}
		out = append(out, templates.Permission{Tab: parts[0], Name: parts[1],
			Level: parts[2], Reason: "needed by the integration"})
	}
	return out, nil
}

type runParts struct {
	svc      *onboarding.Service
	db       *store.DB
	keys     *secrets.Keyring
	srv      *web.Server
	ln       net.Listener
	http     *http.Server // already serving ln
	serveErr <-chan error // what http's ServeTLS returned
	metrics  *web.Metrics
	demo     *demoEnvironment
	log      *slog.Logger
	started  time.Time
}

// run serves until ctx ends, then drains: the listener closes, requests in
// flight finish, handoff workers finish their current job, all within the
// shutdown timeout. A job cut off by the deadline is not lost: its lease
// runs out and another worker (or the next start) takes it.
func run(ctx context.Context, env Env, cfg config.Config, p runParts) error {
	httpSrv := p.http
	extra := startSideListeners(cfg, p)

	workCtx, stopWork := context.WithCancel(context.Background())
	var workers sync.WaitGroup
	startWorkers(workCtx, &workers, cfg, p)

	announce(ctx, env, cfg, p)

	var err error
	select {
	case <-ctx.Done():
	case err = <-p.serveErr:
	}
	p.log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	stopWork()
	shutdownErr := httpSrv.Shutdown(shutCtx)
	for _, s := range extra {
		_ = s.Shutdown(shutCtx)
	}
	waitOrDeadline(shutCtx, &workers, p.log)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, shutdownErr)
}

func waitOrDeadline(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		log.Warn("handoff workers still busy at the shutdown deadline; their jobs will be taken again after the lease")
	}
}

func startWorkers(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, p runParts) {
	for i := range cfg.HandoffWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.svc.RunHandoffs(ctx, fmt.Sprintf("%s-%d", onboarding.NewID()[:8], i),
				500*time.Millisecond)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			if _, err := p.svc.PurgeDue(ctx); err != nil && ctx.Err() == nil {
				p.log.Error("scheduled purge failed", "error", err)
			}
			// Pick up versions another process rotated or retired.
			if err := p.keys.Reload(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("keyring reload failed; keeping the keys in memory", "error", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// startSideListeners starts the optional plain-HTTP redirector and the
// optional metrics listener.
func startSideListeners(cfg config.Config, p runParts) []*http.Server {
	var out []*http.Server
	if cfg.HTTPRedirectAddr != "" {
		s := &http.Server{Addr: cfg.HTTPRedirectAddr, Handler: redirectToHTTPS(cfg.PublicURL),
			ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second,
			WriteTimeout: 5 * time.Second, IdleTimeout: 30 * time.Second}
		out = append(out, s)
		go logServeErr(p.log, "http redirect", s.ListenAndServe())
	}
	if cfg.MetricsAddr != "" {
		s := &http.Server{Addr: cfg.MetricsAddr, Handler: p.metrics.Handler(),
			ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second,
			WriteTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second}
		out = append(out, s)
		go logServeErr(p.log, "metrics", s.ListenAndServe())
	}
	return out
}

func logServeErr(log *slog.Logger, what string, err error) {
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error(what+" listener failed", "error", err)
	}
}

// redirectToHTTPS sends every plain-HTTP request to the public HTTPS URL,
// keeping only the path: the host comes from configuration, never from
// the request, so it cannot redirect anywhere else.
func redirectToHTTPS(publicURL string) http.Handler {
	base := strings.TrimRight(publicURL, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, base+r.URL.EscapedPath(), http.StatusMovedPermanently)
	})
}

func announce(ctx context.Context, env Env, cfg config.Config, p runParts) {
	addr := p.ln.Addr().String()
	p.log.Info("portal ready", "addr", addr, "public_url", cfg.PublicURL,
		"database", string(p.db.Dialect()), "startup_ms", time.Since(p.started).Milliseconds())
	// Ready is signalled last, once everything meant for the operator has
	// been printed: the demo invitation needs the database, and a caller
	// that stops the portal as soon as it is ready must still see it.
	if env.Ready != nil {
		defer env.Ready(addr)
	}
	if p.demo != nil {
		p.demo.announce(ctx, env, cfg, p)
		return
	}
	p.log.Info("next steps: create an admin with `portal admin add --email you@example.com` (password on standard input), and an invitation with `portal invite --company \"Example Ltd\"`")
}

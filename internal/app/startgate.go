package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"tbaportal/internal/config"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
)

// startGate answers while the portal cannot serve yet: /healthz says the
// process lives, /readyz and every page answer 503 with Retry-After, so
// a load balancer keeps sending customers elsewhere. Once open, it hands
// every request to the portal.
type startGate struct {
	portal atomic.Pointer[http.Handler]
}

func (g *startGate) open(h http.Handler) { g.portal.Store(&h) }

func (g *startGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := g.portal.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Path == "/healthz" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	w.Header().Set("Retry-After", "10")
	if r.URL.Path == "/readyz" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: waiting for the database\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(startingPage))
}

// startingPage is self-contained: the stylesheet is served by the portal,
// which is not up yet.
const startingPage = `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
	`<meta name="viewport" content="width=device-width, initial-scale=1">` +
	`<title>Starting · NetSuite connection</title></head>` +
	`<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">` +
	`<main><h1>The portal is starting</h1><p>It will be ready in a moment. ` +
	`Nothing you entered is lost; please try again in a minute.</p></main></body></html>`

// openStorageWhenReachable opens the database and the keyring, waiting
// for a database that does not answer yet (a managed PostgreSQL that
// starts after the portal, a network blip). Any other failure, such as a
// keyring that cannot be read, ends the start at once.
func openStorageWhenReachable(ctx context.Context, cfg config.Config,
	log *slog.Logger) (*store.DB, *secrets.Keyring, error) {
	wait := time.Second
	for {
		db, keys, err := openStorage(ctx, cfg, log)
		if !errors.Is(err, store.ErrUnreachable) {
			return db, keys, err
		}
		log.Warn("database unreachable; /readyz answers 503 until it answers",
			"retry_in", wait.String(), "error", err)
		select {
		case <-ctx.Done():
			return nil, nil, err
		case <-time.After(wait):
		}
		wait = min(2*wait, 15*time.Second)
	}
}

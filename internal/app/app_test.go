package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"tbaportal/internal/config"
	"tbaportal/internal/netsuite/netsuitesim"
	"tbaportal/templates"
)

// testEnv returns an Env whose settings come only from vars.
func testEnv(args []string, vars map[string]string) (Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return Env{
		Args: args, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return vars[k] },
	}, &out, &errOut
}

func TestRunSimpleCommands(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantUsage bool
		wantOut   string
	}{
		{name: "version", args: []string{"version"}, wantOut: "portal " + Version + "\n"},
		{name: "help", args: []string{"help"}, wantOut: "Commands:"},
		{name: "config", args: []string{"config"}, wantOut: "PORTAL_HANDOFF_LEASE"},
		{name: "unknown command", args: []string{"frobnicate"}, wantUsage: true},
		{name: "keys without a subcommand", args: []string{"keys"}, wantUsage: true},
		{name: "audit without verify", args: []string{"audit", "check"}, wantUsage: true},
		{name: "invite without a company", args: []string{"invite"}, wantUsage: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, out, _ := testEnv(tt.args, map[string]string{
				"PORTAL_DATA_DIR": t.TempDir()})
			err := Run(t.Context(), env)
			if got := errors.Is(err, ErrUsage); got != tt.wantUsage {
				t.Fatalf("Run error %v; usage error %v, want %v", err, got, tt.wantUsage)
			}
			if !tt.wantUsage && !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("output %q lacks %q", out.String(), tt.wantOut)
			}
		})
	}
}

func TestServeRefusesPostgresWithoutKMS(t *testing.T) {
	env, _, _ := testEnv([]string{"serve"}, map[string]string{
		"PORTAL_DATA_DIR":     t.TempDir(),
		"PORTAL_ADDR":         "127.0.0.1:0",
		"PORTAL_DATABASE_URL": "postgres://postgres@127.0.0.1:1/x",
	})
	err := Run(t.Context(), env)
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "PORTAL_KMS_URL") {
		t.Fatalf("Run = %v, want a usage error naming PORTAL_KMS_URL", err)
	}
}

// TestServeStopsWhileWaitingForTheDatabase: a portal whose database
// never answers keeps waiting, and still stops cleanly when told to.
func TestServeStopsWhileWaitingForTheDatabase(t *testing.T) {
	env, _, errOut := testEnv([]string{"serve"}, map[string]string{
		"PORTAL_DATA_DIR":     t.TempDir(),
		"PORTAL_ADDR":         "127.0.0.1:0",
		"PORTAL_DATABASE_URL": "postgres://postgres@127.0.0.1:1/x",
		"PORTAL_KMS_URL":      "base64key://smGbjm71Nxd1Ig5FS0wj9SlbzAIrnolCz9bQQ6uAhl4=",
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, env) }()
	select {
	case err := <-done:
		t.Fatalf("Run returned %v while the database was away, want it to wait", err)
	case <-time.After(1500 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v after its context ended, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run still waiting 10 s after its context ended")
	}
	if !strings.Contains(errOut.String(), "database unreachable") {
		t.Errorf("nothing logged about the unreachable database:\n%s", errOut)
	}
}

// TestServeDemoStopsWhenContextEnds runs the whole portal in demo mode,
// checks that it serves over TLS with the data directory's certificate,
// then cancels its context and expects a clean return.
func TestServeDemoStopsWhenContextEnds(t *testing.T) {
	dir := t.TempDir()
	ready := make(chan string, 1)
	env, out, errOut := testEnv([]string{"serve", "--demo"}, map[string]string{
		"PORTAL_DATA_DIR":         dir,
		"PORTAL_ADDR":             "127.0.0.1:0",
		"PORTAL_SHUTDOWN_TIMEOUT": "10s",
	})
	env.Ready = func(addr string) { ready <- addr }
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, env) }()

	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve returned before it was ready: %v\n%s", err, errOut)
	case <-time.After(30 * time.Second):
		t.Fatal("serve not ready after 30 s")
	}
	// The demo keeps its data apart from real data.
	c := clientTrusting(t, filepath.Join(dir, "demo", "tls-cert.pem"))
	if _, err := os.Stat(filepath.Join(dir, "portal.db")); !os.IsNotExist(err) {
		t.Errorf("demo mode touched the real database: stat error %v", err)
	}
	resp, err := c.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("healthz: %d %q, want 200 ok", resp.StatusCode, body)
	}
	resp, err = c.Get("https://" + addr + "/no-such-page")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `class="demo-banner"`) {
		t.Error("a demo page has no demo banner")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after its context ended, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve still running 15 s after its context ended")
	}
	// No public URL is set, so the link carries the port the system chose.
	_, port, _ := net.SplitHostPort(addr)
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "https://localhost:"+port+"/invite/") {
		t.Errorf("demo output does not end with the invitation URL: %q", last)
	}
	demo := netsuitesim.DemoAccount()
	for _, v := range []string{demo.ID, demo.ConsumerKey, demo.ConsumerSecret,
		demo.TokenID, demo.TokenSecret} {
		if !strings.Contains(out.String(), v) {
			t.Errorf("the demo does not print the value %s… to paste", v[:4])
		}
	}
}

// clientTrusting returns a client that trusts only the certificate in
// file.
func clientTrusting(t *testing.T, file string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in " + file)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

func TestRedirectToHTTPSKeepsOnlyThePath(t *testing.T) {
	h := redirectToHTTPS("https://portal.example.com/")
	tests := []struct {
		name   string
		target string
		host   string
		want   string
	}{
		{name: "path", target: "/wizard/welcome", host: "portal.example.com",
			want: "https://portal.example.com/wizard/welcome"},
		{name: "foreign host header", target: "/admin", host: "evil.example",
			want: "https://portal.example.com/admin"},
		{name: "query dropped", target: "/invite/abc?next=https://evil.example",
			host: "portal.example.com", want: "https://portal.example.com/invite/abc"},
		{name: "double slash stays a path", target: "//evil.example/x",
			host: "portal.example.com", want: "https://portal.example.com//evil.example/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://"+tt.host+tt.target, nil)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusMovedPermanently {
				t.Errorf("status %d, want 301", w.Code)
			}
			if got := w.Header().Get("Location"); got != tt.want {
				t.Errorf("Location %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParsePermissions(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []templates.Permission
		wantErr bool
	}{
		{name: "empty", in: "  "},
		{name: "two", in: "Lists:Customers:View; Transactions:Sales Order:Edit",
			want: []templates.Permission{
				{Tab: "Lists", Name: "Customers", Level: "View", Reason: "needed by the integration"},
				{Tab: "Transactions", Name: "Sales Order", Level: "Edit", Reason: "needed by the integration"},
			}},
		{name: "missing level", in: "Lists:Customers", wantErr: true},
		{name: "too many parts", in: "a:b:c:d", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePermissions(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("permissions (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadinessNeedsKeysAndDatabase: /readyz's check fails once the keys
// are closed, and once the database is.
func TestReadinessNeedsKeysAndDatabase(t *testing.T) {
	cfg, err := config.Load(nil, func(k string) string {
		if k == "PORTAL_DATA_DIR" {
			return t.TempDir()
		}
		return ""
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	log := newLogger(io.Discard, "text", "error")
	db, keys, err := openStorage(t.Context(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ready := readiness(db, keys)
	if err := ready(t.Context()); err != nil {
		t.Fatalf("fresh storage not ready: %v", err)
	}
	keys.Close()
	if err := ready(t.Context()); err == nil || !strings.Contains(err.Error(), "keys") {
		t.Errorf("ready with closed keys = %v, want a keys error", err)
	}
	db2, keys2, err := openStorage(t.Context(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer keys2.Close()
	db2.Close()
	if err := readiness(db2, keys2)(t.Context()); err == nil ||
		!strings.Contains(err.Error(), "database") {
		t.Errorf("ready with a closed database = %v, want a database error", err)
	}
}

// TestTextLogsResistInjection logs a value crafted to forge a second
// line: the text format quotes it, so one call stays one line.
func TestTextLogsResistInjection(t *testing.T) {
	var out bytes.Buffer
	log := newLogger(&out, "text", "info")
	log.Info("request failed", "company", "Acme\nlevel=ERROR msg=\"forged\"")
	if lines := strings.Count(strings.TrimRight(out.String(), "\n"), "\n"); lines != 0 {
		t.Errorf("one log call wrote %d lines:\n%s", lines+1, out.String())
	}
	if !strings.Contains(out.String(), `company="Acme\nlevel=ERROR`) {
		t.Errorf("the value is not quoted and escaped: %s", out.String())
	}
}

// TestServerTimeoutsAllSet: a slow client must not hold a connection
// open, so every server timeout is set.
func TestServerTimeoutsAllSet(t *testing.T) {
	s := newHTTPServer(http.NotFoundHandler(), tls.Certificate{}, newLogger(io.Discard, "text", "error"))
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": s.ReadHeaderTimeout, "ReadTimeout": s.ReadTimeout,
		"WriteTimeout": s.WriteTimeout, "IdleTimeout": s.IdleTimeout,
	} {
		if d <= 0 {
			t.Errorf("%s is not set", name)
		}
	}
	if s.ReadHeaderTimeout > 10*time.Second || s.MaxHeaderBytes == 0 {
		t.Errorf("ReadHeaderTimeout %s, MaxHeaderBytes %d: headers must arrive quickly and be bounded",
			s.ReadHeaderTimeout, s.MaxHeaderBytes)
	}
}

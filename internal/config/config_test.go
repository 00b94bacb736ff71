package config

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8443" || c.DataDir != "./data" || c.PublicURL != "https://localhost:8443" {
		t.Errorf("defaults: addr %q data dir %q public URL %q", c.Addr, c.DataDir, c.PublicURL)
	}
	if c.InvitationTTL != 336*time.Hour || c.SecretRetention != 0 || !c.NetSuiteCheckREST {
		t.Errorf("defaults: ttl %v retention %v check REST %v", c.InvitationTTL, c.SecretRetention, c.NetSuiteCheckREST)
	}
	if c.PageRateLimit != 120 {
		t.Errorf("defaults: page rate limit %d, want 120", c.PageRateLimit)
	}
}

func TestPublicURLFollowsTheListeningPort(t *testing.T) {
	tests := []struct{ addr, publicURL, want string }{
		{":8443", "", "https://localhost:8443"},
		{"127.0.0.1:9443", "", "https://localhost:9443"},
		{"[::1]:10443", "", "https://localhost:10443"},
		{":443", "", "https://localhost"},
		{":9443", "https://onboarding.example.com", "https://onboarding.example.com"},
	}
	for _, tt := range tests {
		c, err := Load(nil, env(map[string]string{
			"PORTAL_ADDR": tt.addr, "PORTAL_PUBLIC_URL": tt.publicURL}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if c.PublicURL != tt.want {
			t.Errorf("addr %q, public URL %q: links start %q, want %q",
				tt.addr, tt.publicURL, c.PublicURL, tt.want)
		}
	}
}

func TestFlagWinsOverEnvironment(t *testing.T) {
	c, err := Load([]string{"--addr", "127.0.0.1:9443", "--demo"},
		env(map[string]string{"PORTAL_ADDR": ":1", "PORTAL_LOG_FORMAT": "json"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9443" || !c.Demo || c.LogFormat != "json" {
		t.Errorf("got addr %q demo %v format %q", c.Addr, c.Demo, c.LogFormat)
	}
}

func TestSecretFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "org")
	if err := os.WriteFile(path, []byte("org-secret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(nil, env(map[string]string{"PORTAL_CLOUD_ELEMENTS_ORG_SECRET_FILE": path}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CloudElementsOrgSecret.Reveal(); got != "org-secret-value" {
		t.Errorf("secret from file = %q", got)
	}
	if s := c.CloudElementsOrgSecret.String(); strings.Contains(s, "org-secret") {
		t.Errorf("secret printed as %q", s)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"duration", map[string]string{"PORTAL_SECRET_RETENTION": "soon"}, nil, "PORTAL_SECRET_RETENTION"},
		{"negative duration", map[string]string{"PORTAL_INVITATION_TTL": "-1h"}, nil, "PORTAL_INVITATION_TTL"},
		{"boolean", map[string]string{"PORTAL_REQUIRE_APPROVAL": "maybe"}, nil, "PORTAL_REQUIRE_APPROVAL"},
		{"plain http", map[string]string{"PORTAL_PUBLIC_URL": "http://x"}, nil, "https://"},
		{"half a certificate", map[string]string{"PORTAL_TLS_CERT_FILE": "c.pem"}, nil, "PORTAL_TLS_KEY_FILE"},
		{"log format", map[string]string{"PORTAL_LOG_FORMAT": "xml"}, nil, "PORTAL_LOG_FORMAT"},
		{"missing secret file", map[string]string{"PORTAL_WEBHOOK_SECRET_FILE": "/nonexistent/x"}, nil, "PORTAL_WEBHOOK_SECRET_FILE"},
		{"stray argument", nil, []string{"extra"}, "unexpected argument"},
		{"worker count", map[string]string{"PORTAL_HANDOFF_WORKERS": "two"}, nil, "PORTAL_HANDOFF_WORKERS"},
		{"page rate limit", map[string]string{"PORTAL_PAGE_RATE_LIMIT": "-5"}, nil, "PORTAL_PAGE_RATE_LIMIT"},
		{"unsigned webhook", map[string]string{"PORTAL_WEBHOOK_URL": "https://ops.example/hook"},
			nil, "PORTAL_WEBHOOK_SECRET"},
		{"PostgreSQL with the keyring file", map[string]string{
			"PORTAL_DATABASE_URL": "postgres://db.example/portal"}, nil, "PORTAL_KMS_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.args, env(tt.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestKeyValues(t *testing.T) {
	got, err := KeyValues("filter.response.nulls=true, netsuite.sso.roleId = 3")
	if err != nil {
		t.Fatal(err)
	}
	if got["filter.response.nulls"] != "true" || got["netsuite.sso.roleId"] != "3" || len(got) != 2 {
		t.Errorf("KeyValues = %v", got)
	}
	if _, err := KeyValues("novalue"); err == nil {
		t.Error("KeyValues accepted an item without =")
	}
}

// TestREADMEListsEverySetting keeps the README's configuration table true.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	for _, s := range c.Settings() {
		row := "| `" + s.Env + "`"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README's configuration table has no row for %s", s.Env)
		}
	}
	if !strings.Contains(string(readme), Table()) {
		t.Error("README's configuration table differs from `portal config`; paste its output")
	}
}

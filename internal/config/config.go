// Package config reads the portal's settings from environment variables,
// each of which is also a flag of `portal serve`. A flag wins over its
// variable. Secret settings also accept NAME_FILE, the path of a file that
// holds the value, so secrets need not sit in the environment.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"tbaportal/internal/secrets"
)

// Config is every setting of the portal.
type Config struct {
	Addr             string
	PublicURL        string
	HTTPRedirectAddr string
	DataDir          string
	DatabaseURL      string
	TLSCertFile      string
	TLSKeyFile       string
	LogLevel         string
	LogFormat        string
	MetricsAddr      string
	TrustedProxies   string
	PageRateLimit    int
	ShutdownTimeout  time.Duration

	KMSURL          string
	SecretRetention time.Duration
	InvitationTTL   time.Duration
	RequireApproval bool
	RolePermissions string

	NetSuiteEndpoint    string
	NetSuiteSOAPVersion string
	NetSuiteCheckREST   bool

	CloudElementsURL        string
	CloudElementsUserSecret secrets.Secret
	CloudElementsOrgSecret  secrets.Secret
	CloudElementsElementKey string
	InstanceNameTemplate    string
	InstanceConfig          string

	WebhookURL    string
	WebhookSecret secrets.Secret

	HandoffWorkers int
	HandoffLease   time.Duration

	OIDCIssuer        string
	OIDCClientID      string
	OIDCClientSecret  secrets.Secret
	OIDCAllowedDomain string

	Demo bool

	// publicURLFromAddr says PublicURL was not set and follows Addr.
	publicURLFromAddr bool
}

// Setting describes one variable, for the flag set and the README table.
type Setting struct {
	Env     string
	Flag    string
	Default string
	Usage   string
	Secret  bool
	isBool  bool
	set     func(string) error
}

// Settings lists every variable with its default, bound to c's fields.
func (c *Config) Settings() []Setting {
	return []Setting{
		str(&c.Addr, "PORTAL_ADDR", "addr", ":8443", "HTTPS listen address"),
		str(&c.PublicURL, "PORTAL_PUBLIC_URL", "public-url", "", "base URL of the links the portal prints; empty: https://localhost on the port of PORTAL_ADDR"),
		str(&c.HTTPRedirectAddr, "PORTAL_HTTP_REDIRECT_ADDR", "http-redirect-addr", "", "optional plain-HTTP listener that only redirects to HTTPS"),
		str(&c.DataDir, "PORTAL_DATA_DIR", "data-dir", "./data", "directory for the certificate, keyring and SQLite database"),
		str(&c.DatabaseURL, "PORTAL_DATABASE_URL", "database-url", "", "postgres://… for PostgreSQL; empty for SQLite in the data directory"),
		str(&c.TLSCertFile, "PORTAL_TLS_CERT_FILE", "tls-cert-file", "", "PEM certificate; empty to generate a self-signed one for localhost"),
		str(&c.TLSKeyFile, "PORTAL_TLS_KEY_FILE", "tls-key-file", "", "PEM private key of the certificate"),
		str(&c.LogLevel, "PORTAL_LOG_LEVEL", "log-level", "info", "debug, info, warn or error"),
		str(&c.LogFormat, "PORTAL_LOG_FORMAT", "log-format", "text", "text or json"),
		str(&c.MetricsAddr, "PORTAL_METRICS_ADDR", "metrics-addr", "", "optional separate listener for /metrics (e.g. 127.0.0.1:9464)"),
		str(&c.TrustedProxies, "PORTAL_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed"),
		integer(&c.PageRateLimit, "PORTAL_PAGE_RATE_LIMIT", "page-rate-limit", "120", "wizard page requests per minute per client IP"),
		dur(&c.ShutdownTimeout, "PORTAL_SHUTDOWN_TIMEOUT", "shutdown-timeout", "25s", "how long a stop waits for requests and handoffs in flight"),
		str(&c.KMSURL, "PORTAL_KMS_URL", "kms-url", "", "key-encryption key in a KMS: hashivault://, awskms://, gcpkms://, azurekeyvault:// or base64key://"),
		dur(&c.SecretRetention, "PORTAL_SECRET_RETENTION", "secret-retention", "0s", "how long secrets are kept after a successful handoff"),
		dur(&c.InvitationTTL, "PORTAL_INVITATION_TTL", "invitation-ttl", "336h", "default lifetime of an invitation"),
		boolean(&c.RequireApproval, "PORTAL_REQUIRE_APPROVAL", "require-approval", "false", "an admin approves each handoff"),
		str(&c.RolePermissions, "PORTAL_ROLE_PERMISSIONS", "role-permissions", "", "extra role permissions, \"Tab:Name:Level;…\""),
		str(&c.NetSuiteEndpoint, "PORTAL_NETSUITE_ENDPOINT", "netsuite-endpoint", "", "send every NetSuite request to this base URL (simulators)"),
		str(&c.NetSuiteSOAPVersion, "PORTAL_NETSUITE_SOAP_VERSION", "netsuite-soap-version", "2016_2", "SOAP endpoint version"),
		boolean(&c.NetSuiteCheckREST, "PORTAL_NETSUITE_CHECK_REST", "netsuite-check-rest", "true", "also probe REST web services (information only)"),
		str(&c.CloudElementsURL, "PORTAL_CLOUD_ELEMENTS_URL", "cloud-elements-url", "https://api.cloud-elements.com/elements/api-v2", "Cloud Elements API base"),
		secret(&c.CloudElementsUserSecret, "PORTAL_CLOUD_ELEMENTS_USER_SECRET", "cloud-elements-user-secret", "Cloud Elements user secret"),
		secret(&c.CloudElementsOrgSecret, "PORTAL_CLOUD_ELEMENTS_ORG_SECRET", "cloud-elements-org-secret", "Cloud Elements organization secret"),
		str(&c.CloudElementsElementKey, "PORTAL_CLOUD_ELEMENTS_ELEMENT_KEY", "cloud-elements-element-key", "netsuiteerpv2", "element key of the instances"),
		str(&c.InstanceNameTemplate, "PORTAL_INSTANCE_NAME_TEMPLATE", "instance-name-template", "NetSuite – {{.Company}}", "Go template of instance names ({{.Company}}, {{.SubmissionID}})"),
		str(&c.InstanceConfig, "PORTAL_INSTANCE_CONFIG", "instance-config", "", "extra instance configuration, \"key=value,…\" (e.g. filter.response.nulls=true)"),
		str(&c.WebhookURL, "PORTAL_WEBHOOK_URL", "webhook-url", "", "receives signed JSON events when a submission connects or fails (needs `PORTAL_WEBHOOK_SECRET`)"),
		secret(&c.WebhookSecret, "PORTAL_WEBHOOK_SECRET", "webhook-secret", "HMAC-SHA256 key of webhook signatures"),
		integer(&c.HandoffWorkers, "PORTAL_HANDOFF_WORKERS", "handoff-workers", "2", "handoff workers in this instance"),
		dur(&c.HandoffLease, "PORTAL_HANDOFF_LEASE", "handoff-lease", "2m", "how long a worker holds a handoff job before another may take it"),
		str(&c.OIDCIssuer, "PORTAL_OIDC_ISSUER", "oidc-issuer", "", "optional OpenID Connect issuer for admin sign-in"),
		str(&c.OIDCClientID, "PORTAL_OIDC_CLIENT_ID", "oidc-client-id", "", "OpenID Connect client ID"),
		secret(&c.OIDCClientSecret, "PORTAL_OIDC_CLIENT_SECRET", "oidc-client-secret", "OpenID Connect client secret"),
		str(&c.OIDCAllowedDomain, "PORTAL_OIDC_ALLOWED_DOMAIN", "oidc-allowed-domain", "", "email domain allowed to sign in through OpenID Connect"),
		boolean(&c.Demo, "PORTAL_DEMO", "demo", "false", "run the NetSuite and Cloud Elements simulators in-process"),
	}
}

func str(p *string, env, fl, def, usage string) Setting {
	return Setting{Env: env, Flag: fl, Default: def, Usage: usage,
		set: func(v string) error { *p = v; return nil }}
}

func secret(p *secrets.Secret, env, fl, usage string) Setting {
	return Setting{Env: env, Flag: fl, Usage: usage, Secret: true,
		set: func(v string) error { *p = secrets.New(v); return nil }}
}

func dur(p *time.Duration, env, fl, def, usage string) Setting {
	return Setting{Env: env, Flag: fl, Default: def, Usage: usage,
		set: func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("%s: %q is not a duration like 30s, 15m or 336h", env, v)
			}
			*p = d
			return nil
		}}
}

func boolean(p *bool, env, fl, def, usage string) Setting {
	return Setting{Env: env, Flag: fl, Default: def, Usage: usage, isBool: true,
		set: func(v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s: %q is not true or false", env, v)
			}
			*p = b
			return nil
		}}
}

func integer(p *int, env, fl, def, usage string) Setting {
	return Setting{Env: env, Flag: fl, Default: def, Usage: usage,
		set: func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("%s: %q is not a whole number", env, v)
			}
			*p = n
			return nil
		}}
}

// Load reads the environment, then args as flags of `portal serve`.
func Load(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	settings := c.Settings()
	fs := flag.NewFlagSet("portal serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range settings {
		v, err := fromEnv(s, getenv)
		if err != nil {
			return c, err
		}
		if err := s.set(v); err != nil {
			return c, err
		}
		usage := s.Usage + " (" + s.Env + ")"
		if s.Secret {
			usage += "; or " + s.Env + "_FILE"
		}
		if s.isBool {
			fs.BoolFunc(s.Flag, usage, s.set)
			continue
		}
		fs.Func(s.Flag, usage, s.set)
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.PublicURL == "" {
		c.PublicURL, c.publicURLFromAddr = localURL(c.Addr), true
	}
	return c, c.validate()
}

// Listening tells the configuration the address the server actually
// listens on. When no public URL was set, links then carry the port
// chosen by the system for an address such as 127.0.0.1:0.
func (c *Config) Listening(addr string) {
	if c.publicURLFromAddr {
		c.PublicURL = localURL(addr)
	}
}

// localURL is the link base on this machine when no public URL is set:
// localhost on the listening port, so that a portal moved to another port
// still prints links that open.
func localURL(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || port == "443" {
		return "https://localhost"
	}
	return "https://localhost:" + port
}

func fromEnv(s Setting, getenv func(string) string) (string, error) {
	if s.Secret {
		if path := getenv(s.Env + "_FILE"); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				return "", fmt.Errorf("%s_FILE: %w", s.Env, err)
			}
			return strings.TrimRight(string(b), "\r\n"), nil
		}
	}
	if v := getenv(s.Env); v != "" {
		return v, nil
	}
	return s.Default, nil
}

func (c Config) validate() error {
	var errs []error
	if !strings.HasPrefix(c.PublicURL, "https://") {
		errs = append(errs, errors.New("PORTAL_PUBLIC_URL must start with https://: the wizard is never served over plain HTTP"))
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		errs = append(errs, errors.New("set both PORTAL_TLS_CERT_FILE and PORTAL_TLS_KEY_FILE, or neither"))
	}
	if c.WebhookURL != "" && c.WebhookSecret.Reveal() == "" {
		errs = append(errs, errors.New("PORTAL_WEBHOOK_URL needs PORTAL_WEBHOOK_SECRET: events are always signed"))
	}
	if isPostgres(c.DatabaseURL) && c.KMSURL == "" && !c.Demo {
		// The embedded keyring file is per machine: instances sharing one
		// database would each hold different keys, and none could open
		// what another sealed.
		errs = append(errs, errors.New("PostgreSQL needs PORTAL_KMS_URL: every instance must share the keys, and the embedded keyring file is per machine"))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("PORTAL_LOG_FORMAT: %q is not text or json", c.LogFormat))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("PORTAL_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

func isPostgres(databaseURL string) bool {
	return strings.HasPrefix(databaseURL, "postgres://") ||
		strings.HasPrefix(databaseURL, "postgresql://")
}

// KeyValues parses "k=v,k=v" into a map.
func KeyValues(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%q is not key=value", part)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out, nil
}

// Table renders the settings as a Markdown table, for the README.
func Table() string {
	var c Config
	settings := c.Settings()
	var b strings.Builder
	b.WriteString("| Variable | Flag | Default | Meaning |\n|---|---|---|---|\n")
	for _, s := range settings {
		def := s.Default
		if def == "" {
			def = "(empty)"
		}
		name := "`" + s.Env + "`"
		if s.Secret {
			name += " (or `" + s.Env + "_FILE`)"
		}
		fmt.Fprintf(&b, "| %s | `--%s` | `%s` | %s |\n", name, s.Flag, def,
			strings.ReplaceAll(s.Usage, "|", "\\|"))
	}
	return b.String()
}

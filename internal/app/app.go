// Package app is the portal's command line: it parses the command, wires
// the packages together and runs them. cmd/portal only calls Run.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"tbaportal/internal/config"
	"tbaportal/web"
)

// Version is set at build time with -ldflags "-X tbaportal/internal/app.Version=…".
var Version = "dev"

// Env is what a command may touch of the outside world.
type Env struct {
	Args   []string // without the program name
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Ready, when set, receives the HTTPS address once serve listens
	// (tests use it to find a random port).
	Ready func(addr string)
}

// ErrUsage marks a command line that could not be understood; the exit
// code is 2.
var ErrUsage = errors.New("usage")

// Run executes one command.
func Run(ctx context.Context, env Env) error {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	cmd, rest := "serve", env.Args
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, env, rest)
	case "invite":
		return invite(ctx, env, rest)
	case "admin":
		return adminCommand(ctx, env, rest)
	case "keys":
		return keysCommand(ctx, env, rest)
	case "audit":
		return auditCommand(ctx, env, rest)
	case "db":
		return dbCommand(ctx, env, rest)
	case "version":
		fmt.Fprintln(env.Stdout, "portal", Version)
		return nil
	case "config":
		fmt.Fprint(env.Stdout, config.Table())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
		return nil
	}
	fmt.Fprint(env.Stderr, usage)
	return fmt.Errorf("%w: unknown command %q", ErrUsage, cmd)
}

const usage = `portal: the NetSuite token-based authentication onboarding portal

Commands:
  portal [serve] [--demo] [flags]      run the portal (the default)
  portal invite --company NAME [--email EMAIL] [--expires DURATION]
                                       create an invitation; prints its URL last
  portal admin add --email EMAIL [--role operator|viewer]
                                       add an admin; password on standard input
  portal admin revoke-sessions --email EMAIL
                                       sign an admin out everywhere at once
  portal keys list|rotate|retire VERSION
                                       manage key-encryption key versions
  portal keys migrate KMS_URL          move the keyring file into a KMS
  portal audit verify [--anchor SEQ:HASH]
                                       check the audit log's hash chain
  portal db copy --to DATABASE_URL     copy all data into an empty PostgreSQL database
  portal config                        list every setting with its default
  portal version                       print the version

Every flag of serve is also an environment variable; see "portal config".
`

// newLogger builds the process's logger: text or JSON, the level from the
// configuration, and the request ID added to every line.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(web.ContextHandler{Handler: h})
}

// commandFlags is a flag set for a subcommand that also reads the shared
// settings (data directory, database, KMS) from the environment.
func commandFlags(name string, env Env) (*flag.FlagSet, *config.Config) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg, err := config.Load(nil, env.Getenv, io.Discard)
	if err != nil {
		// Settings errors show up when the command opens the database.
		fmt.Fprintln(env.Stderr, "warning:", err)
	}
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory (PORTAL_DATA_DIR)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "database URL (PORTAL_DATABASE_URL)")
	fs.StringVar(&cfg.KMSURL, "kms-url", cfg.KMSURL, "KMS URL (PORTAL_KMS_URL)")
	return fs, &cfg
}

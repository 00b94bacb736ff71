package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"tbaportal/internal/admins"
	"tbaportal/internal/audit"
	"tbaportal/internal/config"
	"tbaportal/internal/onboarding"
	"tbaportal/internal/secrets"
	"tbaportal/internal/store"
	"tbaportal/web"
)

// invite creates an invitation and prints its URL as the last line.
func invite(ctx context.Context, env Env, args []string) error {
	fs, cfg := commandFlags("portal invite", env)
	company := fs.String("company", "", "the customer's company name (required)")
	email := fs.String("email", "", "the customer administrator's email")
	expires := fs.Duration("expires", 0, "how long the link works (default PORTAL_INVITATION_TTL, 336h)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if strings.TrimSpace(*company) == "" {
		return fmt.Errorf("%w: --company is required", ErrUsage)
	}
	log := newLogger(env.Stderr, cfg.LogFormat, "warn")
	svc, db, closeAll, err := openService(ctx, *cfg, log)
	if err != nil {
		return err
	}
	defer closeAll()
	_ = db
	inv, err := svc.CreateInvitation(ctx, *company, *email, *expires, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Invitation for %s, valid until %s (submission %s):\n",
		inv.Submission.Company, inv.Submission.InvitationExpiresAt.Format(time.RFC3339), inv.Submission.ID)
	fmt.Fprintln(env.Stdout, web.InvitationURL(cfg.PublicURL, inv.Token))
	return nil
}

// openService opens storage and a Service for one-shot commands. Commands
// never call NetSuite or Cloud Elements.
func openService(ctx context.Context, cfg config.Config, log *slog.Logger) (*onboarding.Service, *store.DB, func(), error) {
	db, keys, err := openStorage(ctx, cfg, log)
	if err != nil {
		return nil, nil, nil, err
	}
	ocfg := onboarding.DefaultConfig()
	ocfg.InvitationTTL = cfg.InvitationTTL
	svc := onboarding.New(onboarding.Deps{DB: db, Keys: keys, Logger: log}, ocfg)
	return svc, db, func() { keys.Close(); db.Close() }, nil
}

// adminCommand manages admin accounts.
func adminCommand(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: portal admin add|revoke-sessions --email EMAIL", ErrUsage)
	}
	fs, cfg := commandFlags("portal admin "+args[0], env)
	email := fs.String("email", "", "the admin's email (required)")
	role := fs.String("role", store.RoleOperator, "operator (can act) or viewer (read only)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if *email == "" {
		return fmt.Errorf("%w: --email is required", ErrUsage)
	}
	log := newLogger(env.Stderr, cfg.LogFormat, "warn")
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	switch args[0] {
	case "add":
		password, err := readPassword(env.Stdin)
		if err != nil {
			return err
		}
		a, err := admins.Create(ctx, db, *email, password, *role, time.Now())
		if errors.Is(err, store.ErrDuplicate) {
			return fmt.Errorf("an admin with email %s already exists", *email)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Admin %s added as %s. The second factor is enrolled at first sign-in.\n", a.Email, a.Role)
	case "revoke-sessions":
		a, err := db.AdminByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("no admin with email %s", *email)
		}
		n, err := db.RevokeAdminSessions(ctx, a.ID, time.Now())
		if err != nil {
			return err
		}
		_ = audit.New(db, nil).Record(ctx, "cli", audit.ActionRevokeSession, "", "admin="+a.Email)
		fmt.Fprintf(env.Stdout, "Ended %d session(s) of %s.\n", n, a.Email)
	default:
		return fmt.Errorf("%w: unknown admin command %q", ErrUsage, args[0])
	}
	_ = log
	return nil
}

// readPassword takes the first line of standard input.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("the password is read from standard input; none was given")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("the password is read from the first line of standard input; it was empty")
	}
	return pw, nil
}

// keysCommand lists, rotates and retires key-encryption key versions.
func keysCommand(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: portal keys list|rotate|retire VERSION", ErrUsage)
	}
	fs, cfg := commandFlags("portal keys "+args[0], env)
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	log := newLogger(env.Stderr, cfg.LogFormat, "warn")
	db, keys, err := openStorage(ctx, *cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	defer keys.Close()
	svc := onboarding.New(onboarding.Deps{DB: db, Keys: keys, Logger: log}, onboarding.DefaultConfig())
	rec := audit.New(db, nil)

	switch args[0] {
	case "list":
		for _, v := range keys.Versions() {
			n, err := db.CountKeysAt(ctx, v.Version)
			if err != nil {
				return err
			}
			cur := ""
			if v.Current {
				cur = " (current)"
			}
			fmt.Fprintf(env.Stdout, "version %d%s, created %s, wraps %d key(s)\n",
				v.Version, cur, v.Created.Format(time.RFC3339), n)
		}
	case "rotate":
		v, err := keys.Rotate(ctx)
		if err != nil {
			return err
		}
		n, err := svc.RotateKeys(ctx)
		if err != nil {
			return fmt.Errorf("version %d added, but rewrapping stopped: %w (run rotate again to finish)", v, err)
		}
		_ = rec.Record(ctx, "cli", audit.ActionKeyRotate, "", fmt.Sprintf("version=%d rewrapped=%d", v, n))
		fmt.Fprintf(env.Stdout, "Key version %d is current; %d data key(s) rewrapped.\n", v, n)
	case "migrate":
		return migrateKeys(ctx, env, *cfg, db, fs.Args())
	case "retire":
		if fs.NArg() != 1 {
			return fmt.Errorf("%w: portal keys retire VERSION", ErrUsage)
		}
		v, err := strconv.Atoi(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("%w: %q is not a version number", ErrUsage, fs.Arg(0))
		}
		if n, err := db.CountKeysAt(ctx, v); err != nil {
			return err
		} else if n > 0 {
			return fmt.Errorf("version %d still wraps %d key(s); run `portal keys rotate` first", v, n)
		}
		if err := keys.Retire(ctx, v); err != nil {
			return err
		}
		_ = rec.Record(ctx, "cli", audit.ActionKeyRetire, "", fmt.Sprintf("version=%d", v))
		fmt.Fprintf(env.Stdout, "Key version %d retired and erased.\n", v)
	default:
		return fmt.Errorf("%w: unknown keys command %q", ErrUsage, args[0])
	}
	return nil
}

// migrateKeys moves the embedded keyring file into a KMS: every key of
// the document is unwrapped from the file and wrapped by the KMS, and the
// document is stored in the database, where all instances find it. Data
// keys are untouched, so nothing needs re-encrypting.
func migrateKeys(ctx context.Context, env Env, cfg config.Config, db *store.DB, args []string) error {
	if len(args) != 1 || args[0] == "" {
		return fmt.Errorf("%w: portal keys migrate KMS_URL", ErrUsage)
	}
	if cfg.KMSURL != "" {
		return errors.New("PORTAL_KMS_URL is already set: the keyring already lives in the KMS")
	}
	from := secrets.Options{Store: secrets.NewFileKeyringStore(
		filepath.Join(cfg.DataDir, "keyring.json"))}
	to := secrets.Options{Store: db.KeyringStore(), KMSURL: args[0]}
	if err := secrets.MigrateDocument(ctx, from, to); err != nil {
		return err
	}
	_ = audit.New(db, nil).Record(ctx, "cli", audit.ActionKeyMigrate, "", "keyring moved into a KMS")
	fmt.Fprintln(env.Stdout, "The keyring now lives in the database, wrapped by the KMS.")
	fmt.Fprintln(env.Stdout, "Set PORTAL_KMS_URL to the same URL on every instance, then delete the keyring file.")
	return nil
}

// auditCommand checks the audit log's chain, and with --anchor SEQ:HASH
// also that an entry noted down earlier is still there unchanged. On
// success it prints the newest entry's number and hash, to note down.
func auditCommand(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("%w: portal audit verify [--anchor SEQ:HASH]", ErrUsage)
	}
	fs, cfg := commandFlags("portal audit verify", env)
	anchor := fs.String("anchor", "", "an entry noted down earlier, as SEQ:HASH, that must still be there")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	var anchorSeq int64
	var anchorHash string
	if *anchor != "" {
		seq, hash, ok := strings.Cut(*anchor, ":")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok || err != nil || n < 1 || hash == "" {
			return fmt.Errorf("%w: --anchor takes SEQ:HASH, as audit verify prints it", ErrUsage)
		}
		anchorSeq, anchorHash = n, hash
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	trail := audit.New(db, nil)
	problem, checked, err := trail.Verify(ctx)
	if err != nil {
		return err
	}
	if problem != nil {
		return fmt.Errorf("audit log tampered: entry %d: %s (%d entries before it are intact)",
			problem.Seq, problem.Reason, checked)
	}
	if anchorSeq > 0 {
		problem, err := trail.CheckAnchor(ctx, anchorSeq, anchorHash)
		if err != nil {
			return err
		}
		if problem != nil {
			return fmt.Errorf("audit log tampered: entry %d: %s", problem.Seq, problem.Reason)
		}
	}
	fmt.Fprintf(env.Stdout, "Audit log intact: %d entries checked.\n", checked)
	if head, found, err := trail.Entry(ctx, checked); err != nil {
		return err
	} else if found {
		fmt.Fprintf(env.Stdout, "Newest entry, to note down outside the portal and pass later as --anchor: %d:%s\n",
			head.Seq, head.Hash)
	}
	return nil
}

// dbCommand moves the portal's data between databases: `portal db copy
// --to postgres://…` copies the embedded SQLite database (or whichever
// PORTAL_DATABASE_URL names) into an empty PostgreSQL database.
func dbCommand(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "copy" {
		return fmt.Errorf("%w: portal db copy --to DATABASE_URL", ErrUsage)
	}
	fs, cfg := commandFlags("portal db copy", env)
	target := fs.String("to", "", "the empty database to copy into, postgres://…")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if *target == "" {
		return fmt.Errorf("%w: --to is required", ErrUsage)
	}
	if *target == cfg.DatabaseURL {
		return fmt.Errorf("%w: --to names the source database", ErrUsage)
	}
	// The copied data keys are wrapped by the keyring's keys: they must
	// travel with it, which they do only once the keyring lives in the
	// database, wrapped by a KMS every instance can reach.
	if cfg.KMSURL == "" {
		return errors.New("set PORTAL_KMS_URL first: run `portal keys migrate KMS_URL` so the keyring moves into the database with the data")
	}
	from, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer from.Close()
	if _, err := from.KeyringStore().LoadKeyring(ctx); errors.Is(err, secrets.ErrNoKeyring) {
		return errors.New("the source database holds no keyring: run `portal keys migrate KMS_URL` first")
	} else if err != nil {
		return err
	}
	to, err := store.Open(ctx, *target, "")
	if err != nil {
		return err
	}
	defer to.Close()

	counts, err := store.Copy(ctx, from, to)
	if err != nil {
		return err
	}
	trail := audit.New(to, nil)
	if problem, _, err := trail.Verify(ctx); err != nil {
		return err
	} else if problem != nil {
		return fmt.Errorf("the copied audit log does not verify at entry %d: %s", problem.Seq, problem.Reason)
	}
	_ = trail.Record(ctx, "cli", audit.ActionDatabaseCopy, "",
		fmt.Sprintf("from=%s submissions=%d", from.Dialect(), counts["submissions"]))
	fmt.Fprintf(env.Stdout, "Copied %d submissions, %d admins and %d audit entries; the audit chain verifies.\n",
		counts["submissions"], counts["admins"], counts["audit_log"])
	fmt.Fprintln(env.Stdout, "Start every instance with PORTAL_DATABASE_URL set to the new database and the same PORTAL_KMS_URL.")
	return nil
}

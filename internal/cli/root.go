// Package cli is the tend command line: one cobra command per file, all
// sharing the configuration and the store opener in env.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// env is what every command shares: the effective configuration, a logger
// and where to write.
type env struct {
	cfg    config.Config
	flags  *cobra.Command
	log    *slog.Logger
	out    io.Writer
	errOut io.Writer
	// demo says to work on the demo database (DemoFile in the data
	// directory) instead of the real one.
	demo bool
}

// DemoFile is the demo database's file in the data directory: `tend serve
// --demo` builds it afresh, `tend --demo <command>` works on it, and the
// real database (tend.db) is never touched by either.
const DemoFile = "tend-demo.db"

// New builds the tend command tree.
func New() *cobra.Command {
	e := &env{out: os.Stdout, errOut: os.Stderr}
	root := &cobra.Command{
		Use:   "tend",
		Short: "Tend — self-hosted Customer Success: your book of customers, their product usage and retention",
		Long: `Tend is a self-hosted Customer Success platform in one binary. Today it keeps
the Customer 360 — accounts, contacts, subscriptions, invoices, tickets,
surveys and a timeline of CSM activity — imported from CSV or JSON lines,
kept through the JSON API or edited in the web UI; it ingests product usage
through a Segment-compatible API and rolls it up into feature adoption; and
it measures retention (MRR waterfall, GRR, NRR, logo churn, cohorts, churn
reasons, the renewal pipeline) on a leader's dashboard, each CSM's portfolio
and the command line.

Start with 'tend serve --demo' (or 'make run' from a clone): a made-up
company to try everything on, in its own database; 'tend --demo <command>'
then works on that database from the command line.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := config.ApplyEnv(&e.cfg, cmd.Flags()); err != nil {
				return err
			}
			if e.demo && e.cfg.DatabaseURL != "" && cmd.Name() != "serve" {
				return fmt.Errorf("--demo names the embedded demo database (%s in the data directory); it cannot be used with --database-url", DemoFile)
			}
			e.out, e.errOut = cmd.OutOrStdout(), cmd.ErrOrStderr()
			e.log = newLogger(e.errOut, e.cfg)
			return nil
		},
	}
	e.flags = root
	config.Bind(&e.cfg, root.PersistentFlags(), config.Global)
	root.PersistentFlags().BoolVar(&e.demo, "demo", false, "work on the demo database ("+DemoFile+" in the data directory, built by 'tend serve --demo') instead of tend.db")
	root.AddCommand(
		serveCmd(e),
		workCmd(e),
		migrateCmd(e),
		importCmd(e),
		exportCmd(e),
		demoCmd(e),
		metricsCmd(e),
		ratesCmd(e),
		userCmd(e),
		tokenCmd(e),
		writeKeyCmd(e),
		usageCmd(e),
		benchCmd(e),
		configCmd(e),
		healthCmd(e),
		scorecardCmd(e),
		rulesCmd(e),
		ctaCmd(e),
		versionCmd(e),
	)
	return root
}

// Main runs tend with the process's arguments and returns the exit code.
func Main() int {
	root := New()
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "tend:", err)
		var ex exitError
		if asExit(err, &ex) {
			return ex.code
		}
		return 1
	}
	return 0
}

func newLogger(w io.Writer, c config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the configured engine. With migrate it brings the schema
// up to date; without, it refuses a schema that is not exactly current.
func (e *env) openStore(ctx context.Context, migrate bool) (store.Store, error) {
	var (
		st  store.Store
		err error
	)
	if e.cfg.DatabaseURL != "" {
		st, err = postgres.Open(ctx, e.cfg.DatabaseURL)
	} else {
		if err := os.MkdirAll(e.cfg.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		st, err = sqlite.Open(ctx, e.sqlitePath())
	}
	if err != nil {
		return nil, err
	}
	if migrate {
		err = st.Migrate(ctx)
		if err == nil {
			err = e.migrateJobs(ctx, st)
		}
	} else {
		var have, want int
		have, want, err = st.SchemaVersion(ctx)
		if err == nil && have != want {
			err = &store.SchemaError{Have: have, Want: want}
		}
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// sqlitePath is the embedded database's file: tend.db in the data
// directory, or DemoFile with --demo.
func (e *env) sqlitePath() string {
	if e.demo {
		return filepath.Join(e.cfg.DataDir, DemoFile)
	}
	return e.cfg.SQLitePath()
}

// openExisting opens the database for a command that reads, or changes
// what is already there. It creates nothing: where there is no database
// (no file, or one without Tend's schema) it says so, where it looked and
// how to make one. With migrate it brings an older schema up to date.
func (e *env) openExisting(ctx context.Context, migrate bool) (store.Store, error) {
	if e.cfg.DatabaseURL == "" {
		if _, err := os.Stat(e.sqlitePath()); errors.Is(err, fs.ErrNotExist) {
			return nil, e.noDatabase()
		}
	}
	st, err := e.openStore(ctx, false)
	var se *store.SchemaError
	switch {
	case errors.As(err, &se) && se.Have == 0:
		return nil, e.noDatabase()
	case errors.As(err, &se) && migrate && se.Have < se.Want:
		return e.openStore(ctx, true)
	}
	return st, err
}

// noDatabase is the error of a command that found no database to work on.
func (e *env) noDatabase() error {
	switch {
	case e.cfg.DatabaseURL != "":
		return fmt.Errorf("the PostgreSQL database %s has no Tend schema yet; make it with\n"+
			"  tend migrate    an empty Tend database, ready for your data\n"+
			"  tend demo       the demo company, to try Tend", config.Mask(e.cfg.DatabaseURL))
	case e.demo:
		return fmt.Errorf("no demo database at %s; 'tend serve --demo' (or 'make run' from a clone) builds it", e.sqlitePath())
	}
	return fmt.Errorf("no Tend database at %s (the data directory is set by --data-dir or TEND_DATA_DIR); make one with\n"+
		"  tend serve --demo    a demo company in its own database (then: tend --demo <command>)\n"+
		"  tend demo            the demo company, in this database\n"+
		"  tend migrate         an empty database, ready for your data", e.sqlitePath())
}

// exitError carries a specific exit code (for example: an import with
// rejected rows exits 2).
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func asExit(err error, target *exitError) bool {
	ex, ok := err.(exitError)
	if ok {
		*target = ex
	}
	return ok
}

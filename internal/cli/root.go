// Package cli is the tend command line: one cobra command per file, all
// sharing the configuration and the store opener in env.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// Version is set at build time with -ldflags "-X …/cli.Version=…".
var Version = "dev"

// env is what every command shares: the effective configuration, a logger
// and where to write.
type env struct {
	cfg    config.Config
	flags  *cobra.Command
	log    *slog.Logger
	out    io.Writer
	errOut io.Writer
	// sqliteFile overrides the database file name in the data directory
	// (serve --demo uses its own).
	sqliteFile string
}

// New builds the tend command tree.
func New() *cobra.Command {
	e := &env{out: os.Stdout, errOut: os.Stderr}
	root := &cobra.Command{
		Use:           "tend",
		Short:         "Tend — self-hosted Customer Success: health, playbooks and retention in real time",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := config.ApplyEnv(&e.cfg, cmd.Root().PersistentFlags()); err != nil {
				return err
			}
			e.out, e.errOut = cmd.OutOrStdout(), cmd.ErrOrStderr()
			e.log = newLogger(e.errOut, e.cfg)
			return nil
		},
	}
	e.flags = root
	config.Bind(&e.cfg, root.PersistentFlags())
	root.AddCommand(
		serveCmd(e),
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
		path := e.cfg.SQLitePath()
		if e.sqliteFile != "" {
			path = filepath.Join(e.cfg.DataDir, e.sqliteFile)
		}
		st, err = sqlite.Open(ctx, path)
	}
	if err != nil {
		return nil, err
	}
	if migrate {
		err = st.Migrate(ctx)
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

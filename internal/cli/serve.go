package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/demo"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/server"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

func serveCmd(e *env) *cobra.Command {
	var (
		seed      int64
		noWorkers bool
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the web UI and the JSON API",
		Long: `Run Tend's web UI and JSON API.

With --demo, Tend starts on a fresh demo company (a separate database file,
tend-demo.db in the data directory, recreated on every start), so trying
Tend never touches real data; 'tend --demo <command>' works on it from the
command line while it runs, or after.

serve also runs the background job workers; with --no-workers it leaves
them to 'tend work' processes (see 'tend work --help').`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if e.demo && e.cfg.DatabaseURL == "" {
				e.cfg.DataDir = filepath.Clean(e.cfg.DataDir)
				path := e.sqlitePath()
				for _, p := range []string{path, path + "-wal", path + "-shm"} {
					if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
						return fmt.Errorf("remove old demo database: %w", err)
					}
				}
			}
			st, err := e.openStore(ctx, !e.cfg.NoMigrate)
			if err != nil {
				return err
			}
			defer st.Close()
			opts := server.Options{HTTPS: e.cfg.HTTPS}
			if e.demo {
				if err := loadDemo(ctx, e, st, seed); err != nil {
					return err
				}
				leader, err := demoSignIns(ctx, e, st)
				if err != nil {
					return err
				}
				if e.cfg.DatabaseURL == "" {
					fmt.Fprintf(e.errOut, "\n  The command line works on this demo database too, for example:\n    %s\n",
						e.demoCommand("metrics retention --by tier"))
				}
				opts.SignInHint = fmt.Sprintf("This is the demo company. Sign in as %s (the VP of Customer Success) with the password %s — or as any demo user; the terminal lists one per role.", leader, DemoPassword)
			} else if err := firstAdmin(ctx, e, st); err != nil {
				return err
			} else {
				go func() {
					if err := scoreIfNeverScored(ctx, e.log, st, civil.Today()); err != nil && ctx.Err() == nil {
						e.log.Error("scoring accounts never scored", "err", err)
					}
				}()
			}
			return serve(ctx, e, st, opts, !noWorkers)
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the demo company (with --demo)")
	cmd.Flags().BoolVar(&noWorkers, "no-workers", false, "serve the web UI and API only; background jobs are left to 'tend work'")
	config.Bind(&e.cfg, cmd.Flags(), config.Server, config.Ingestion, config.Matching)
	return cmd
}

// demoCommand is how to run a tend command on the demo database, as this
// process was started: "go run ./cmd/tend" under go run (make run),
// otherwise the program as it was invoked, with a --data-dir other than
// the default.
func (e *env) demoCommand(args string) string {
	prog := "tend"
	if len(os.Args) > 0 {
		prog = os.Args[0]
		if strings.Contains(prog, "go-build") {
			prog = "go run ./cmd/tend"
		}
	}
	if dir := e.flags.PersistentFlags().Lookup("data-dir"); dir != nil && (dir.Changed || os.Getenv("TEND_DATA_DIR") != "") {
		prog += " --data-dir " + e.cfg.DataDir
	}
	return prog + " --demo " + args
}

// demoUsageDays is how many days of product usage the demo company gets:
// all the demo has, so health scores can be checked against past churns.
const demoUsageDays = demo.UsageDays

func loadDemo(ctx context.Context, e *env, st store.Store, seed int64) error {
	n, err := st.Accounts().Count(ctx, store.Query{})
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("--demo: the database already has %d accounts; the demo needs an empty one", n)
	}
	start := time.Now()
	e.log.Info("building the demo company", "seed", seed)
	c := demo.Build(demo.Options{Seed: seed})
	sum, err := demo.Load(ctx, st, c)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	events, err := demo.LoadUsage(ctx, st, c, demoUsageDays)
	if err != nil {
		return err
	}
	e.log.Info("demo product usage loaded", "events", events, "days", demoUsageDays)
	if err := st.Analyze(ctx); err != nil {
		return err
	}
	// Today's scores before the first page; the past days behind the
	// trends while Tend already serves.
	today := civil.Today()
	if _, err := scoreDemoToday(ctx, e.log, st, today); err != nil {
		return fmt.Errorf("demo health scores: %w", err)
	}
	if _, err := evaluateDemoRules(ctx, e.log, st, today); err != nil {
		return err
	}
	go func() {
		if err := backfillDemo(ctx, st, today); err != nil && ctx.Err() == nil {
			e.log.Error("demo health history", "err", err)
		}
	}()
	e.log.Info("demo company ready", "accounts", sum.Accounts, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func serve(ctx context.Context, e *env, st store.Store, opts server.Options, work bool) (err error) {
	ln, err := net.Listen("tcp", e.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", e.cfg.Listen, err)
	}
	q, err := e.startQueue(ctx, st, work)
	if err != nil {
		ln.Close()
		return err
	}
	defer func() { err = errors.Join(err, e.stopQueue(q)) }() // after the HTTP server and ingestion
	opts.Jobs = q
	svc, err := ingest.New(ctx, st, e.log, e.ingestOptions())
	if err != nil {
		return fmt.Errorf("usage ingestion: %w", err)
	}
	defer svc.Close() // after Shutdown: requests in flight wait for their commit
	opts.Ingest = svc
	srv := &http.Server{
		Handler:           server.New(st, e.log, opts),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	e.log.Info("tend is serving", "url", "http://"+ln.Addr().String()+"/", "engine", st.Engine(), "version", thisBuild().String())
	if !isLoopback(e.cfg.Listen) && !e.cfg.HTTPS {
		e.log.Warn("serving beyond this machine over plain HTTP: passwords and session cookies cross the network unencrypted; put Tend behind a TLS proxy and set --https")
	}
	fmt.Fprintf(e.errOut, "\n  Tend is running at http://%s/   (Ctrl-C stops it)\n\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	e.log.Info("shutting down", "timeout", e.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), e.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// ingestOptions is the ingestion service's configuration.
func (e *env) ingestOptions() ingest.Options {
	return ingest.Options{
		Link:         usage.LinkConfig{MatchField: usage.MatchField(e.cfg.UsageMatchField)},
		Dedupe:       usage.DedupeOptions{Window: e.cfg.UsageDedupeWindow},
		RawRetention: e.cfg.UsageRawRetention,
		Retention:    e.cfg.UsageRetention,
	}
}

// isLoopback reports whether addr listens only on this machine.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/riverqueue/river"
	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/automation"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/rules"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

func workCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "work",
		Short: "Run the background job workers only (no web UI, no API)",
		Long: `Run Tend's job workers without the web UI and the API: usage retention,
the nightly health snapshot and whatever else is queued. 'tend serve' runs
the workers itself; with PostgreSQL, run 'tend serve --no-workers' on the
web machines and 'tend work' on others to keep the two apart. Periodic jobs
run once for the whole installation however many processes work them.

On the embedded SQLite engine 'tend work' opens the same database file as
'tend serve': run it on the same machine (never over a network file
system), and only with 'tend serve --no-workers' — otherwise it adds
nothing but a second writer to the one file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			st, err := e.openExisting(ctx, !e.cfg.NoMigrate)
			if err != nil {
				return err
			}
			defer st.Close()
			if !e.cfg.NoMigrate {
				if err := e.migrateJobs(ctx, st); err != nil {
					return err
				}
			}
			if e.cfg.DatabaseURL == "" {
				e.log.Warn("tend work on SQLite shares the database file " + e.sqlitePath() + " with tend serve: keep both on this machine, and run serve with --no-workers")
			}
			q, err := e.startQueue(ctx, st, true)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.errOut, "\n  Tend's job workers are running on the %s database   (Ctrl-C stops them)\n\n", st.Engine())
			<-ctx.Done()
			return e.stopQueue(q)
		},
	}
	config.Bind(&e.cfg, cmd.Flags(), config.Ingestion)
	cmd.Flags().BoolVar(&e.cfg.NoMigrate, "no-migrate", false, "do not migrate the schema on start (refuse to run on an old one)")
	cmd.Flags().DurationVar(&e.cfg.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long work waits for running jobs on SIGINT/SIGTERM")
	return cmd
}

// jobsWhere is where the job queue lives: the PostgreSQL database, or on
// SQLite Tend's own single writing connection, shared. Measured here
// (docs/benchmarks.md): with River saturated, a Tend write transaction
// waited p99 0.2–0.9 s on the shared connection, where Go's pool hands the
// connection over in turn, but 0.5–3.7 s with River on a connection of its
// own, where the two meet at SQLite's file lock and its busy handler
// sleeps and polls.
func (e *env) jobsWhere(st store.Store) (jobs.Where, error) {
	if e.cfg.DatabaseURL != "" {
		return jobs.Where{PostgresURL: e.cfg.DatabaseURL}, nil
	}
	db, ok := st.(*sqlstore.DB)
	if !ok {
		return jobs.Where{}, fmt.Errorf("job queue: no SQLite connection in %T", st)
	}
	return jobs.Where{SQLite: db.W}, nil
}

// migrateJobs brings the job queue's tables up to date.
func (e *env) migrateJobs(ctx context.Context, st store.Store) error {
	where, err := e.jobsWhere(st)
	if err != nil {
		return err
	}
	return jobs.Migrate(ctx, where, e.log)
}

// startQueue opens the job queue on st's database and, with work, starts
// its workers.
func (e *env) startQueue(ctx context.Context, st store.Store, work bool) (*jobs.Queue, error) {
	where, err := e.jobsWhere(st)
	if err != nil {
		return nil, err
	}
	snapshot := func(ctx context.Context) error {
		sum, err := scoring.Recompute(ctx, st, civil.Today())
		if err == nil {
			logScores(e.log, "nightly health snapshot", sum)
		}
		return err
	}
	evaluate := func(ctx context.Context) error {
		rep, err := automation.Evaluate(ctx, st, ruleSink(st), civil.Today())
		if err == nil {
			e.log.Info("rules evaluated", "accounts", rep.Accounts, "rules_version", rep.Version, "firings", rep.Firings,
				"ctas_opened", rep.TotalOpens(), "read", rep.Read, "evaluate", rep.Evaluate, "apply", rep.Apply)
		}
		return err
	}
	addRules, rulesPeriodic := jobs.RulesJob(evaluate, 0)
	opt := jobs.Options{Log: e.log, Work: work, Store: st, Ingest: e.ingestOptions(), Snapshot: snapshot,
		AddWorkers: addRules, Periodic: []*river.PeriodicJob{rulesPeriodic}}
	if e.cfg.BackupDir != "" {
		addBackup, backupPeriodic := jobs.BackupJob(e.scheduledBackup, e.cfg.BackupEvery)
		opt.AddWorkers = func(ws *river.Workers) { addRules(ws); addBackup(ws) }
		opt.Periodic = append(opt.Periodic, backupPeriodic)
	}
	if ds, ok := st.(scoring.DirtyStore); ok {
		opt.Rescore = func(ctx context.Context) (jobs.RescoreBatch, error) {
			r, err := scoring.RescoreDirty(ctx, ds, rescoreBatch)
			if err == nil && r.Claimed > 0 {
				// The ids (at most 200) and the span the claim was held
				// let a reader check that no account was scored by two
				// batches at once.
				e.log.Debug("health: rescored changed accounts", "accounts", len(r.IDs), "oldest_change", time.Since(r.Oldest),
					"held_from", r.Held[0], "held_to", r.Held[1], "ids", r.IDs[:min(len(r.IDs), 200)])
			}
			return jobs.RescoreBatch{IDs: r.IDs, More: r.Claimed > 0}, err
		}
		// Rules follow a score: each rescored batch is evaluated at once.
		opt.AfterRescore = func(ctx context.Context, ids []int64) {
			rep, err := automation.EvaluateAccounts(ctx, st, ruleSink(st), ids, civil.Today(), &rules.Change{})
			if err != nil {
				e.log.Error("rules after a rescore", "accounts", len(ids), "err", err)
				return
			}
			if rep.Firings > 0 {
				e.log.Debug("rules fired after a rescore", "accounts", len(ids), "firings", rep.Firings, "ctas_opened", rep.TotalOpens())
			}
		}
	}
	if rs, ok := st.(scoring.RecomputeStore); ok {
		opt.Recompute = func(ctx context.Context) error { return recomputeCurrent(ctx, e.log, rs) }
	}
	q, err := jobs.Open(ctx, where, opt)
	if err == nil {
		err = q.Start(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	// Every write that marks accounts dirty nudges the queue to rescore them.
	if n, ok := st.(interface{ OnDirty(func()) }); ok {
		n.OnDirty(q.Nudge)
	}
	return q, nil
}

// recomputeCurrent rescores every account, again while the set in force
// changed during the last pass.
func recomputeCurrent(ctx context.Context, log *slog.Logger, st scoring.RecomputeStore) error {
	for {
		sum, err := scoring.RecomputeTracked(ctx, st, civil.Today(), nil)
		if err != nil {
			return err
		}
		logScores(log, "rescored every account with the scorecards in force", sum)
		cards, err := scoring.Active(ctx, st)
		if err != nil || cards.Version == sum.Version {
			return err
		}
	}
}

// rescoreBatch is how many changed accounts one rescore batch scores.
const rescoreBatch = 5000

// stopQueue lets running jobs finish for up to the shutdown timeout.
func (e *env) stopQueue(q *jobs.Queue) error {
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.ShutdownTimeout)
	defer cancel()
	if err := q.Close(ctx); err != nil {
		return fmt.Errorf("stopping the job workers: %w", err)
	}
	return nil
}

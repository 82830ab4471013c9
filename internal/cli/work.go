package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite"
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
				if err := e.migrateJobs(ctx); err != nil {
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

// jobsWhere is where the job queue lives: the PostgreSQL database, or a
// writing connection of its own to the SQLite file (close it when done).
// River keeps its own connection rather than sharing Tend's single
// writer, so a `tend work` in another process and the workers inside
// `tend serve` reach the file the same way, and SQLite's lock (with its
// busy timeout) orders their writes with ingestion's.
func (e *env) jobsWhere(ctx context.Context) (jobs.Where, func(), error) {
	if e.cfg.DatabaseURL != "" {
		return jobs.Where{PostgresURL: e.cfg.DatabaseURL}, func() {}, nil
	}
	w, err := sqlite.OpenWriter(ctx, e.sqlitePath())
	if err != nil {
		return jobs.Where{}, nil, err
	}
	return jobs.Where{SQLite: w}, func() { w.Close() }, nil
}

// migrateJobs brings the job queue's tables up to date.
func (e *env) migrateJobs(ctx context.Context) error {
	where, done, err := e.jobsWhere(ctx)
	if err != nil {
		return err
	}
	defer done()
	return jobs.Migrate(ctx, where, e.log)
}

// runningQueue is a started job queue and its connection.
type runningQueue struct {
	*jobs.Queue
	done func()
}

// startQueue opens the job queue on st's database and, with work, starts
// its workers.
func (e *env) startQueue(ctx context.Context, st store.Store, work bool) (*runningQueue, error) {
	where, done, err := e.jobsWhere(ctx)
	if err != nil {
		return nil, err
	}
	q, err := jobs.Open(ctx, where, jobs.Options{Log: e.log, Work: work, Store: st, Ingest: e.ingestOptions()})
	if err == nil {
		err = q.Start(ctx)
	}
	if err != nil {
		done()
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &runningQueue{Queue: q, done: done}, nil
}

// stopQueue lets running jobs finish for up to the shutdown timeout.
func (e *env) stopQueue(q *runningQueue) error {
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.ShutdownTimeout)
	defer cancel()
	err := q.Close(ctx)
	q.done()
	if err != nil {
		return fmt.Errorf("stopping the job workers: %w", err)
	}
	return nil
}

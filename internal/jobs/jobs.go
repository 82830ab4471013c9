// Package jobs is Tend's durable job queue: River (riverqueue.com) on the
// database Tend already has — riverpgxv5 on PostgreSQL, riversqlite on the
// embedded SQLite file. It runs the background work that must happen once
// for the whole installation (usage retention, the nightly health
// snapshot): periodic jobs are inserted by River's elected leader only, so
// several `tend serve` or `tend work` processes on one PostgreSQL run each
// once; jobs that must not overlap are River unique jobs; a failed job is
// retried with backoff and, when its attempts run out, stays listed with
// its errors under Admin → Jobs.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/tendhq/tend/internal/ingest"
)

// Where names the database the queue lives in: the embedded SQLite file
// (SQLite, a one-connection writing pool to it, such as
// sqlite.OpenWriter's) or PostgreSQL (PostgresURL).
type Where struct {
	SQLite      *sql.DB
	PostgresURL string
}

// Options configure a Queue. Zero fields take the defaults.
type Options struct {
	Log *slog.Logger
	// Work makes the queue work jobs (and, when elected leader, insert the
	// periodic ones). Without it the queue only inserts and lists jobs: the
	// web process of `tend serve --no-workers`.
	Work bool
	// Store is what the workers need of Tend's store (with Work).
	Store Store
	// Ingest carries the usage retention periods.
	Ingest ingest.Options
	// MaxWorkers is how many jobs run at once in this process (default 4).
	MaxWorkers int
	// FetchPollInterval and FetchCooldown are River's: how often an idle
	// worker looks for jobs, and the least time between two looks.
	// Defaults: 50 ms and 20 ms on SQLite (which has no LISTEN/NOTIFY: a
	// rescore nudged waits for the next look);
	// River's own on PostgreSQL.
	FetchPollInterval, FetchCooldown time.Duration
	// PruneEvery and SnapshotEvery schedule the periodic jobs (default
	// hourly, and daily at 03:00 UTC).
	PruneEvery, SnapshotEvery time.Duration
	// Snapshot is the nightly health snapshot's work: score every account
	// as of today and keep the day's point of history. Without it the
	// snapshot job fails, so a process started without scoring says so.
	Snapshot func(context.Context) error
	// Rescore scores one batch of the accounts marked dirty (the
	// health_rescore job calls it while it says there may be more); AfterRescore,
	// if set, is called with each batch's accounts once their scores are
	// stored (for rules that follow a score).
	Rescore      func(context.Context) (RescoreBatch, error)
	AfterRescore func(ctx context.Context, ids []int64)
	// Recompute rescores every account with the set in force (the
	// health_recompute job, after a scorecard change).
	Recompute func(context.Context) error
	// RescoreEvery is the period of the rescore sweep (default 5 s), and
	// NudgeDebounce how long a nudge waits for more marks before it
	// enqueues a rescore (default 100 ms).
	RescoreEvery, NudgeDebounce time.Duration
	// AddWorkers registers more job kinds, and Periodic more periodic jobs:
	// the hook other parts of Tend (and tests) use to schedule their work.
	AddWorkers func(*river.Workers)
	Periodic   []*river.PeriodicJob
}

// Store is what the workers use of Tend's store.
type Store interface {
	ingest.PruneStore
}

// client is what Tend uses of a River client; *river.Client[pgx.Tx] and
// *river.Client[*sql.Tx] both have it.
type client interface {
	Start(context.Context) error
	Stop(context.Context) error
	Insert(context.Context, river.JobArgs, *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(context.Context, []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobGet(context.Context, int64) (*rivertype.JobRow, error)
	JobList(context.Context, *river.JobListParams) (*river.JobListResult, error)
	JobRetry(context.Context, int64) (*rivertype.JobRow, error)
	JobCancel(context.Context, int64) (*rivertype.JobRow, error)
}

// Queue is a River client on Tend's database.
type Queue struct {
	c      client
	log    *slog.Logger
	work   bool
	engine string
	// counts runs the count by kind and state (River's API has none).
	counts func(context.Context) ([]Count, error)
	close  func()
	nudge  *nudger
}

// Open makes the queue's River client. Call Migrate first (tend migrate and
// tend serve do); Start to work jobs.
func Open(ctx context.Context, where Where, opt Options) (*Queue, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Work && opt.Store == nil {
		return nil, errors.New("jobs: working jobs needs the store")
	}
	cfg := &river.Config{
		Logger:                      opt.Log.With("component", "jobs"),
		FetchPollInterval:           opt.FetchPollInterval,
		FetchCooldown:               opt.FetchCooldown,
		CompletedJobRetentionPeriod: 24 * time.Hour,
		DiscardedJobRetentionPeriod: 30 * 24 * time.Hour,
		JobTimeout:                  time.Hour,
		MaxAttempts:                 10,
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &pruneWorker{st: opt.Store, opt: opt.Ingest, log: opt.Log})
	river.AddWorker(workers, &snapshotWorker{run: opt.Snapshot})
	river.AddWorker(workers, &rescoreWorker{run: opt.Rescore, after: opt.AfterRescore})
	river.AddWorker(workers, &recomputeWorker{run: opt.Recompute})
	if opt.AddWorkers != nil {
		opt.AddWorkers(workers)
	}
	cfg.Workers = workers
	if opt.Work {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cmp.Or(opt.MaxWorkers, 4)}}
		cfg.PeriodicJobs = append(periodic(opt), opt.Periodic...)
	}
	q := &Queue{log: opt.Log, work: opt.Work}
	switch {
	case where.SQLite != nil:
		cfg.FetchPollInterval = cmp.Or(cfg.FetchPollInterval, 50*time.Millisecond)
		cfg.FetchCooldown = cmp.Or(cfg.FetchCooldown, 20*time.Millisecond)
		c, err := river.NewClient(riversqlite.New(where.SQLite), cfg)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		db := where.SQLite
		q.c, q.engine, q.close = c, "sqlite", func() {}
		q.counts = func(ctx context.Context) ([]Count, error) {
			rows, err := db.QueryContext(ctx, countSQL)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			return scanCounts(rows)
		}
	case where.PostgresURL != "":
		pool, err := pgxpool.New(ctx, where.PostgresURL)
		if err != nil {
			return nil, fmt.Errorf("jobs: connect to postgres: %w", err)
		}
		c, err := river.NewClient(riverpgxv5.New(pool), cfg)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("jobs: %w", err)
		}
		q.c, q.engine, q.close = c, "postgres", pool.Close
		q.counts = func(ctx context.Context) ([]Count, error) {
			rows, err := pool.Query(ctx, countSQL)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var out []Count
			for rows.Next() {
				var c Count
				if err := rows.Scan(&c.Kind, &c.State, &c.N); err != nil {
					return nil, err
				}
				out = append(out, c)
			}
			return out, rows.Err()
		}
	default:
		return nil, errors.New("jobs: no database given")
	}
	q.nudge = newNudger(q, opt.NudgeDebounce, opt.Log)
	return q, nil
}

// Start starts working jobs (with Options.Work); it returns at once.
func (q *Queue) Start(ctx context.Context) error {
	if !q.work {
		return nil
	}
	if err := q.c.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	q.log.Info("jobs: workers started", "engine", q.engine)
	return nil
}

// Close stops the workers, letting the jobs running finish until ctx ends,
// and releases the queue's connections.
func (q *Queue) Close(ctx context.Context) error {
	var err error
	q.nudge.close()
	if q.work {
		err = q.c.Stop(ctx)
	}
	q.close()
	return err
}

// Insert enqueues one job.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return q.c.Insert(ctx, args, opts)
}

// InsertMany enqueues jobs in one round trip.
func (q *Queue) InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return q.c.InsertMany(ctx, params)
}

// Get returns one job.
func (q *Queue) Get(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return q.c.JobGet(ctx, id)
}

// Migrate brings River's own tables (river_job, river_leader, …; River's
// migration line, separate from Tend's schema_version) up to date, in one
// transaction. On PostgreSQL an advisory lock serialises processes
// migrating at once.
func Migrate(ctx context.Context, where Where, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// River's migrator logs every step (and "nothing to apply" on every
	// start); one line when something was applied says enough.
	cfg := &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)}
	applied := func(res *rivermigrate.MigrateResult) {
		if len(res.Versions) > 0 {
			log.Info("jobs: migrated the queue's tables", "versions", len(res.Versions), "to", res.Versions[len(res.Versions)-1].Version)
		}
	}
	switch {
	case where.SQLite != nil:
		m, err := rivermigrate.New(riversqlite.New(where.SQLite), cfg)
		if err != nil {
			return fmt.Errorf("jobs: migrate: %w", err)
		}
		tx, err := where.SQLite.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("jobs: migrate: %w", err)
		}
		defer tx.Rollback()
		res, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return fmt.Errorf("jobs: migrate: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("jobs: migrate: %w", err)
		}
		applied(res)
		return nil
	case where.PostgresURL != "":
		// River's PostgreSQL migrations add enum values, which must be
		// committed before use: each version runs in its own transaction
		// (rivermigrate's Migrate), under a session advisory lock.
		pool, err := pgxpool.New(ctx, where.PostgresURL)
		if err != nil {
			return fmt.Errorf("jobs: migrate: connect to postgres: %w", err)
		}
		defer pool.Close()
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("jobs: migrate: connect to postgres: %w", err)
		}
		defer conn.Release()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock("+migrationLock+")"); err != nil {
			return fmt.Errorf("jobs: migrate: lock: %w", err)
		}
		defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock("+migrationLock+")")
		m, err := rivermigrate.New(riverpgxv5.New(pool), cfg)
		if err != nil {
			return fmt.Errorf("jobs: migrate: %w", err)
		}
		res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return fmt.Errorf("jobs: migrate: %w", err)
		}
		applied(res)
		return nil
	}
	return errors.New("jobs: migrate: no database given")
}

// migrationLock is the advisory lock id that serialises River's
// migrations of several processes starting at once on one PostgreSQL
// (Tend's own migrations use 746564).
const migrationLock = "746565"

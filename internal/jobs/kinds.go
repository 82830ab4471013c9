package jobs

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tendhq/tend/internal/ingest"
)

// PruneUsageArgs is the job that applies the usage retention periods
// (raw JSON, message rows, the ingestion log), in batches. Unique while
// waiting or running: two prunes never overlap.
type PruneUsageArgs struct{}

// Kind names the job in River's table.
func (PruneUsageArgs) Kind() string { return "usage_prune" }

// InsertOpts makes the prune unique among jobs not yet finished.
func (PruneUsageArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByState: unfinished}}
}

type pruneWorker struct {
	river.WorkerDefaults[PruneUsageArgs]
	st  Store
	opt ingest.Options
	log *slog.Logger
}

func (w *pruneWorker) Timeout(*river.Job[PruneUsageArgs]) time.Duration { return time.Hour }

func (w *pruneWorker) Work(ctx context.Context, job *river.Job[PruneUsageArgs]) error {
	ps, err := ingest.Prune(ctx, w.st, w.opt, time.Now())
	if err != nil {
		return err
	}
	w.log.Info("usage: retention applied", "job", job.ID, "raw_cleared", ps.RawCleared,
		"messages_deleted", ps.MessagesDeleted, "log_deleted", ps.LogDeleted)
	return nil
}

// HealthSnapshotArgs is the nightly health snapshot: every account scored
// as of the day, so each has a point of history a day even when nothing
// changed. Unique while waiting or running.
type HealthSnapshotArgs struct{}

// Kind names the job in River's table.
func (HealthSnapshotArgs) Kind() string { return "health_snapshot" }

// InsertOpts makes the snapshot unique among jobs not yet finished.
func (HealthSnapshotArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByState: unfinished}}
}

type snapshotWorker struct {
	river.WorkerDefaults[HealthSnapshotArgs]
	run func(context.Context) error
}

func (w *snapshotWorker) Work(ctx context.Context, _ *river.Job[HealthSnapshotArgs]) error {
	if w.run == nil {
		return errors.New("no health scoring in this process (jobs.Options.Snapshot is not set)")
	}
	return w.run(ctx)
}

// unfinished are the states in which a second job of a unique kind is
// refused: one prune (or snapshot) at a time, and a new one may be
// inserted as soon as the last has finished, even if it failed for good.
// (River requires pending, scheduled, available and running among them.)
var unfinished = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled}

// periodic are the jobs River's leader inserts on a schedule.
func periodic(opt Options) []*river.PeriodicJob {
	jobs := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(cmp.Or(opt.PruneEvery, time.Hour)),
			func() (river.JobArgs, *river.InsertOpts) { return PruneUsageArgs{}, nil },
			&river.PeriodicJobOpts{ID: "usage_prune", RunOnStart: true}),
		river.NewPeriodicJob(snapshotSchedule(opt.SnapshotEvery),
			func() (river.JobArgs, *river.InsertOpts) { return HealthSnapshotArgs{}, nil },
			&river.PeriodicJobOpts{ID: "health_snapshot"}),
	}
	if opt.Rescore != nil { // the sweep, where this process scores
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(cmp.Or(opt.RescoreEvery, 5*time.Second)),
			func() (river.JobArgs, *river.InsertOpts) { return HealthRescoreArgs{}, nil },
			&river.PeriodicJobOpts{ID: "health_rescore", RunOnStart: true}))
	}
	return jobs
}

// snapshotSchedule is every (tests) or, by default, daily at 03:00 UTC: a
// fixed hour rather than "24 h after the leader started", which processes
// restarted more often than daily would never reach.
func snapshotSchedule(every time.Duration) river.PeriodicSchedule {
	if every > 0 {
		return river.PeriodicInterval(every)
	}
	return dailyAt(3)
}

// dailyAt is a River schedule: every day at hour:00 UTC.
type dailyAt int

// Next is the first hour:00 UTC strictly after t.
func (h dailyAt) Next(t time.Time) time.Time {
	t = t.UTC()
	next := time.Date(t.Year(), t.Month(), t.Day(), int(h), 0, 0, 0, time.UTC)
	if !next.After(t) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

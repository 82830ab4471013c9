package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
)

// BackupArgs is the scheduled backup of the embedded database (tend serve
// --backup-dir). Unique while waiting or running, and inserted by River's
// leader only: two backups never overlap.
type BackupArgs struct{}

// Kind names the job in River's table.
func (BackupArgs) Kind() string { return "backup" }

// InsertOpts makes the backup unique among jobs not yet finished.
func (BackupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByState: unfinished}}
}

type backupWorker struct {
	river.WorkerDefaults[BackupArgs]
	run func(context.Context) error
}

func (w *backupWorker) Timeout(*river.Job[BackupArgs]) time.Duration { return time.Hour }

func (w *backupWorker) Work(ctx context.Context, _ *river.Job[BackupArgs]) error {
	if w.run == nil {
		return errors.New("no backup in this process")
	}
	return w.run(ctx)
}

// BackupJob is the backup job for Options.AddWorkers and Options.Periodic:
// run writes one backup and prunes old ones; every is the period (0:
// daily at 02:00 UTC, before the health snapshot).
func BackupJob(run func(context.Context) error, every time.Duration) (func(*river.Workers), *river.PeriodicJob) {
	add := func(ws *river.Workers) { river.AddWorker(ws, &backupWorker{run: run}) }
	var sched river.PeriodicSchedule = dailyAt(2)
	if every > 0 {
		sched = river.PeriodicInterval(every)
	}
	p := river.NewPeriodicJob(sched, func() (river.JobArgs, *river.InsertOpts) { return BackupArgs{}, nil },
		&river.PeriodicJobOpts{ID: "backup"})
	return add, p
}

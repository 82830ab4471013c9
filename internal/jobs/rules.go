package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
)

// RulesEvaluateArgs is the full (scheduled) evaluation of the automation
// rules over every account: after the nightly health snapshot, so rules
// see the day's scores. Unique while waiting or running: two evaluations
// never overlap, and periodic jobs are inserted by River's leader only, so
// with several processes it runs once.
type RulesEvaluateArgs struct{}

// Kind names the job in River's table.
func (RulesEvaluateArgs) Kind() string { return "rules_evaluate" }

// InsertOpts makes the evaluation unique among jobs not yet finished.
func (RulesEvaluateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByState: unfinished}}
}

type rulesWorker struct {
	river.WorkerDefaults[RulesEvaluateArgs]
	run func(context.Context) error
}

func (w *rulesWorker) Timeout(*river.Job[RulesEvaluateArgs]) time.Duration { return time.Hour }

func (w *rulesWorker) Work(ctx context.Context, _ *river.Job[RulesEvaluateArgs]) error {
	if w.run == nil {
		return errors.New("no rules evaluation in this process")
	}
	return w.run(ctx)
}

// RulesJob is the rules_evaluate job for Options.AddWorkers and
// Options.Periodic: run is the evaluation's work; every schedules it
// (0: daily at 04:00 UTC, an hour after the health snapshot).
func RulesJob(run func(context.Context) error, every time.Duration) (func(*river.Workers), *river.PeriodicJob) {
	add := func(ws *river.Workers) { river.AddWorker(ws, &rulesWorker{run: run}) }
	var sched river.PeriodicSchedule = dailyAt(4)
	if every > 0 {
		sched = river.PeriodicInterval(every)
	}
	p := river.NewPeriodicJob(sched, func() (river.JobArgs, *river.InsertOpts) { return RulesEvaluateArgs{}, nil },
		&river.PeriodicJobOpts{ID: "rules_evaluate"})
	return add, p
}

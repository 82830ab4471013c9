package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// HealthRescoreArgs is the job that rescores the accounts marked dirty
// (store.Dirty), in batches, until none is left or it has run for a while.
// It is not unique: each batch is a lease on its accounts, so two rescores
// running at once (on two replicas) score different accounts, and a
// rescore inserted while another runs finds what the other left. It is
// enqueued by the nudge that follows every write marking accounts, and by
// a periodic sweep (a write from a process without a queue, or a nudge
// lost to a crash, waits at most one period).
type HealthRescoreArgs struct{}

// Kind names the job in River's table.
func (HealthRescoreArgs) Kind() string { return "health_rescore" }

// InsertOpts: a failed rescore is retried briefly; its marks stay.
func (HealthRescoreArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

// RescoreBatch is one batch of a rescore: the accounts scored, and whether
// to take another batch at once (Tend: whenever this one found accounts,
// so batches follow each other without a job in between while changes
// keep coming).
type RescoreBatch struct {
	IDs  []int64
	More bool
}

// rescoreRunFor is how long one rescore job keeps taking batches before
// it leaves the rest to the next (nudged or periodic) one.
const rescoreRunFor = 10 * time.Second

type rescoreWorker struct {
	river.WorkerDefaults[HealthRescoreArgs]
	run   func(context.Context) (RescoreBatch, error)
	after func(context.Context, []int64)
}

func (w *rescoreWorker) Timeout(*river.Job[HealthRescoreArgs]) time.Duration { return time.Minute }

func (w *rescoreWorker) Work(ctx context.Context, _ *river.Job[HealthRescoreArgs]) error {
	if w.run == nil {
		return errors.New("no health scoring in this process (jobs.Options.Rescore is not set)")
	}
	began := time.Now()
	for {
		b, err := w.run(ctx)
		if err != nil {
			return err
		}
		if len(b.IDs) > 0 && w.after != nil {
			w.after(ctx, b.IDs)
		}
		if !b.More || time.Since(began) > rescoreRunFor {
			return nil
		}
	}
}

// nudger enqueues a rescore shortly after writes mark accounts: marks that
// arrive within the debounce share one job, and no job is inserted while
// the last one inserted has not started (it will find the new marks).
type nudger struct {
	q        *Queue
	debounce time.Duration
	log      *slog.Logger
	poke     chan struct{}
	stop     chan struct{}
	done     sync.WaitGroup
	last     int64 // the id of the job last inserted
}

func newNudger(q *Queue, debounce time.Duration, log *slog.Logger) *nudger {
	n := &nudger{q: q, debounce: cmp.Or(debounce, 100*time.Millisecond), log: log,
		poke: make(chan struct{}, 1), stop: make(chan struct{})}
	n.done.Add(1)
	go n.loop()
	return n
}

// Nudge asks for a rescore soon; it never blocks.
func (n *nudger) Nudge() {
	select {
	case n.poke <- struct{}{}:
	default:
	}
}

func (n *nudger) close() {
	close(n.stop)
	n.done.Wait()
}

func (n *nudger) loop() {
	defer n.done.Done()
	t := time.NewTimer(0)
	<-t.C
	for {
		select {
		case <-n.stop:
			return
		case <-n.poke:
		}
		t.Reset(n.debounce)
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := n.insert(ctx); err != nil {
			n.log.Warn("jobs: could not enqueue a health rescore (the periodic sweep will)", "err", err)
		}
		cancel()
	}
}

// insert enqueues a rescore unless the one inserted last is still waiting.
func (n *nudger) insert(ctx context.Context) error {
	if n.last != 0 {
		j, err := n.q.c.JobGet(ctx, n.last)
		if err == nil && (j.State == rivertype.JobStateAvailable || j.State == rivertype.JobStatePending || j.State == rivertype.JobStateScheduled) {
			return nil
		}
	}
	res, err := n.q.c.Insert(ctx, HealthRescoreArgs{}, nil)
	if err != nil {
		return err
	}
	n.last = res.Job.ID
	return nil
}

// Nudge asks for a rescore of the accounts marked dirty, soon (after the
// debounce); wire it to the store's OnDirty. It never blocks, and does
// nothing on a queue opened without nudging.
func (q *Queue) Nudge() {
	if q.nudge != nil {
		q.nudge.Nudge()
	}
}

// HealthRecomputeArgs is the job that rescores every account, enqueued when
// a new scorecards version is applied. Unique while waiting or running: a
// version applied while one waits is scored by it (it reads the set in
// force when it starts), and one applied while it runs is scored again
// after (Options.Recompute checks).
type HealthRecomputeArgs struct{}

// Kind names the job in River's table.
func (HealthRecomputeArgs) Kind() string { return "health_recompute" }

// InsertOpts makes the recompute unique among jobs not yet finished.
func (HealthRecomputeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByState: unfinished}}
}

type recomputeWorker struct {
	river.WorkerDefaults[HealthRecomputeArgs]
	run func(context.Context) error
}

func (w *recomputeWorker) Timeout(*river.Job[HealthRecomputeArgs]) time.Duration { return time.Hour }

func (w *recomputeWorker) Work(ctx context.Context, _ *river.Job[HealthRecomputeArgs]) error {
	if w.run == nil {
		return errors.New("no health scoring in this process (jobs.Options.Recompute is not set)")
	}
	return w.run(ctx)
}

// RecomputeHealth enqueues a rescore of every account (unless one is
// already waiting or running).
func (q *Queue) RecomputeHealth(ctx context.Context) error {
	if _, err := q.c.Insert(ctx, HealthRecomputeArgs{}, nil); err != nil {
		return fmt.Errorf("jobs: enqueue a health recompute: %w", err)
	}
	return nil
}

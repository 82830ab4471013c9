package scoring

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/store"
)

// RecomputeStore is what a recompute with progress uses: the store and
// its log of recomputes.
type RecomputeStore interface {
	store.Store
	store.Recomputes
}

// progressEvery is how often a running recompute stores its progress.
const progressEvery = 500 * time.Millisecond

// RecomputeTracked is Recompute recorded in the store's log, its progress
// (accounts scored, then written) stored every half second — for the
// admin page and `tend health recompute`, in any process — and given to
// each (nil: none) as it is stored. Scores are written as Recompute writes
// them: the old ones stay readable until replaced.
func RecomputeTracked(ctx context.Context, st RecomputeStore, asOf civil.Date, each func(store.Recompute)) (Summary, error) {
	total, err := st.Accounts().Count(ctx, store.Query{})
	if err != nil {
		return Summary{}, err
	}
	cards, err := Active(ctx, st)
	if err != nil {
		return Summary{}, err
	}
	run := store.Recompute{Version: cards.Version, Total: total}
	if err := st.StartRecompute(ctx, &run); err != nil {
		return Summary{}, err
	}
	if each != nil {
		each(run)
	}
	cs := &countingStore{Store: st}
	report := func(ctx context.Context) error {
		run.Scored, run.Written = int(cs.scored.Load()), int(cs.written.Load())
		err := st.UpdateRecompute(ctx, &run)
		if each != nil {
			each(run)
		}
		return err
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_ = report(ctx) // a missed update is made good by the next
			}
		}
	}()
	sum, err := Recompute(ctx, cs, asOf)
	close(stop)
	<-stopped
	run.Version, run.FinishedAt = sum.Version, time.Now().UTC()
	if err != nil {
		run.Error = err.Error()
	}
	// Recorded even when ctx has ended: the log must not show it running.
	if uerr := report(context.WithoutCancel(ctx)); uerr != nil {
		err = errors.Join(err, uerr)
	}
	return sum, err
}

// countingStore counts the accounts a recompute reads and writes as they
// pass through the store.
type countingStore struct {
	store.Store
	scored, written atomic.Int64
}

func (c *countingStore) EachHealthFacts(ctx context.Context, asOf civil.Date, each func(*health.Facts) error) error {
	return c.Store.EachHealthFacts(ctx, asOf, func(f *health.Facts) error {
		err := each(f)
		c.scored.Add(1)
		return err
	})
}

func (c *countingStore) PutHealthScores(ctx context.Context, scores []store.HealthScore) error {
	err := c.Store.PutHealthScores(ctx, scores)
	if err == nil {
		c.written.Add(int64(len(scores)))
	}
	return err
}

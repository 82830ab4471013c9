package jobs_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// TestRulesEvaluate: the rules job is unique while unfinished, runs the
// evaluation it was given, and its periodic schedule inserts it.
func TestRulesEvaluate(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *sqlstore.DB, where jobs.Where) {
		ctx := context.Background()
		var runs atomic.Int64
		add, periodic := jobs.RulesJob(func(context.Context) error { runs.Add(1); return nil }, 0)

		idle, err := jobs.Open(ctx, where, jobs.Options{Store: st, AddWorkers: add})
		if err != nil {
			t.Fatal(err)
		}
		first, err := idle.Insert(ctx, jobs.RulesEvaluateArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		second, err := idle.Insert(ctx, jobs.RulesEvaluateArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !second.UniqueSkippedAsDuplicate || second.Job.ID != first.Job.ID {
			t.Fatalf("a second evaluation was queued beside the first: %+v", second.Job)
		}

		q, err := jobs.Open(ctx, where, jobs.Options{Work: true, Store: st, AddWorkers: add,
			FetchPollInterval: 20 * time.Millisecond, FetchCooldown: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = q.Close(ctx)
		})
		waitState(t, q, first.Job.ID, rivertype.JobStateCompleted)
		if n := runs.Load(); n != 1 {
			t.Fatalf("the evaluation ran %d times, want once", n)
		}
		if periodic == nil {
			t.Fatal("no periodic job")
		}
	})
}

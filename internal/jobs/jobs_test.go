package jobs_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/postgres/pgtest"
	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// engine gives a test a migrated Tend store and the queue's place in the
// same database.
type engine struct {
	name string
	open func(t testing.TB) (*sqlstore.DB, jobs.Where)
}

var engines = []engine{
	{"sqlite", func(t testing.TB) (*sqlstore.DB, jobs.Where) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "tend.db")
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		// River shares Tend's single writing connection, as tend serve does.
		return st, jobs.Where{SQLite: st.W}
	}},
	{"postgres", func(t testing.TB) (*sqlstore.DB, jobs.Where) {
		url := pgtest.Schema(t)
		st, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return st, jobs.Where{PostgresURL: url}
	}},
}

// eachEngine runs test on SQLite and PostgreSQL.
func eachEngine(t *testing.T, test func(t *testing.T, st *sqlstore.DB, where jobs.Where)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			st, where := e.open(t)
			if err := jobs.Migrate(context.Background(), where, nil); err != nil {
				t.Fatal(err)
			}
			test(t, st, where)
		})
	}
}

// flakyArgs is a test job: it fails its first Fail attempts.
type flakyArgs struct {
	Fail int `json:"fail"`
}

func (flakyArgs) Kind() string { return "test_flaky" }

type flakyWorker struct {
	river.WorkerDefaults[flakyArgs]
	runs atomic.Int64
}

func (w *flakyWorker) Work(_ context.Context, job *river.Job[flakyArgs]) error {
	w.runs.Add(1)
	if job.Attempt <= job.Args.Fail {
		return errors.New("flaky: failing on purpose")
	}
	return nil
}

// NextRetry keeps the backoff short for the test (River's default grows
// with the fourth power of the attempt).
func (w *flakyWorker) NextRetry(*river.Job[flakyArgs]) time.Time {
	return time.Now().Add(50 * time.Millisecond)
}

func open(t *testing.T, st *sqlstore.DB, where jobs.Where, work bool, w *flakyWorker) *jobs.Queue {
	t.Helper()
	q, err := jobs.Open(context.Background(), where, jobs.Options{
		Work: work, Store: st,
		FetchPollInterval: 20 * time.Millisecond, FetchCooldown: 5 * time.Millisecond,
		AddWorkers: func(ws *river.Workers) { river.AddWorker(ws, w) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return q
}

// waitState waits (deadline 30 s: River's scheduler makes retryable jobs
// available every 5 s) until job id is in state.
func waitState(t *testing.T, q *jobs.Queue, id int64, state rivertype.JobState) *rivertype.JobRow {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := q.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == state {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d (%s) is %s after 30 s, want %s; errors %v", id, j.Kind, j.State, state, j.Errors)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMigrateTwice(t *testing.T) {
	eachEngine(t, func(t *testing.T, _ *sqlstore.DB, where jobs.Where) {
		if err := jobs.Migrate(context.Background(), where, nil); err != nil {
			t.Fatalf("second migration: %v", err)
		}
	})
}

func TestEnqueueAndWork(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *sqlstore.DB, where jobs.Where) {
		w := &flakyWorker{}
		q := open(t, st, where, true, w)
		var params []river.InsertManyParams
		for range 20 {
			params = append(params, river.InsertManyParams{Args: flakyArgs{}})
		}
		res, err := q.InsertMany(context.Background(), params)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			waitState(t, q, r.Job.ID, rivertype.JobStateCompleted)
		}
		if n := w.runs.Load(); n != 20 {
			t.Fatalf("20 jobs ran %d times", n)
		}
		// The health snapshot hook is registered and completes (it only
		// logs until health scoring is wired to it).
		r, err := q.Insert(context.Background(), jobs.HealthSnapshotArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		waitState(t, q, r.Job.ID, rivertype.JobStateCompleted)
	})
}

func TestRetryWithBackoff(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *sqlstore.DB, where jobs.Where) {
		q := open(t, st, where, true, &flakyWorker{})
		ctx := context.Background()
		// Fails once, then succeeds on River's own retry.
		r, err := q.Insert(ctx, flakyArgs{Fail: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		j := waitState(t, q, r.Job.ID, rivertype.JobStateCompleted)
		if j.Attempt != 2 || len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Error, "failing on purpose") {
			t.Fatalf("retried job: attempt %d, errors %+v", j.Attempt, j.Errors)
		}
		// Out of attempts: discarded, listed with its error; an
		// administrator's retry runs it again.
		r, err = q.Insert(ctx, flakyArgs{Fail: 99}, &river.InsertOpts{MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		waitState(t, q, r.Job.ID, rivertype.JobStateDiscarded)
		bad, err := q.Troubled(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) != 1 || bad[0].ID != r.Job.ID || len(bad[0].Errors) != 1 || !strings.Contains(bad[0].Errors[0], "failing on purpose") {
			t.Fatalf("troubled jobs: %+v", bad)
		}
		if err := q.Retry(ctx, r.Job.ID); err != nil {
			t.Fatal(err)
		}
		j = waitState(t, q, r.Job.ID, rivertype.JobStateDiscarded)
		if len(j.Errors) != 2 {
			t.Fatalf("after a manual retry: %d errors, want 2", len(j.Errors))
		}
		if err := q.Retry(ctx, 1<<40); !errors.Is(err, jobs.ErrNotFound) {
			t.Fatalf("retry of an unknown job: %v", err)
		}
	})
}

func TestUniqueAndCancel(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *sqlstore.DB, where jobs.Where) {
		q := open(t, st, where, false, &flakyWorker{}) // nothing works the jobs
		ctx := context.Background()
		first, err := q.Insert(ctx, jobs.PruneUsageArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		second, err := q.Insert(ctx, jobs.PruneUsageArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if first.UniqueSkippedAsDuplicate || !second.UniqueSkippedAsDuplicate || second.Job.ID != first.Job.ID {
			t.Fatalf("two prunes waiting: first %d (dup %v), second %d (dup %v)", first.Job.ID, first.UniqueSkippedAsDuplicate,
				second.Job.ID, second.UniqueSkippedAsDuplicate)
		}
		counts, err := q.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != 1 || counts[0] != (jobs.Count{Kind: "usage_prune", State: "available", N: 1}) {
			t.Fatalf("counts: %+v", counts)
		}
		if err := q.Cancel(ctx, first.Job.ID); err != nil {
			t.Fatal(err)
		}
		j, err := q.Get(ctx, first.Job.ID)
		if err != nil || j.State != rivertype.JobStateCancelled {
			t.Fatalf("cancelled job: %v %v", j.State, err)
		}
		// Once the first has finished, a new prune may be queued.
		third, err := q.Insert(ctx, jobs.PruneUsageArgs{}, nil)
		if err != nil || third.UniqueSkippedAsDuplicate {
			t.Fatalf("prune after a cancelled one: %+v %v", third, err)
		}
	})
}

// TestPeriodicPrune: a worker process, elected leader, queues the usage
// prune as it starts and works it on Tend's store.
func TestPeriodicPrune(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *sqlstore.DB, where jobs.Where) {
		q := open(t, st, where, true, &flakyWorker{})
		ctx := context.Background()
		deadline := time.Now().Add(30 * time.Second)
		for {
			counts, err := q.Counts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(counts) == 1 && counts[0] == (jobs.Count{Kind: "usage_prune", State: "completed", N: 1}) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no completed prune after 30 s: %+v", counts)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestConcurrentMigrate: replicas starting at once migrate River's tables
// one after the other.
func TestConcurrentMigrate(t *testing.T) {
	url := pgtest.Schema(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() { errs <- jobs.Migrate(context.Background(), jobs.Where{PostgresURL: url}, nil) }()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("replicas migrating at once: %v", err)
		}
	}
}

// TestPruneInBatches: a prune larger than one batch clears and deletes
// every row before its cut-offs, rows sharing a timestamp included, and
// none after.
func TestPruneInBatches(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *sqlstore.DB, _ jobs.Where) {
		ctx := context.Background()
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		q := "INSERT INTO usage_messages (write_key_id, message_id, type, identity, anonymous, name, account_id, at, received_at, raw) VALUES (?, ?, 1, 'u', ?, 'e', NULL, ?, ?, ?)"
		if st.D.Numbered {
			q = "INSERT INTO usage_messages (write_key_id, message_id, type, identity, anonymous, name, account_id, at, received_at, raw) VALUES ($1, $2, 1, 'u', $3, 'e', NULL, $4, $5, $6)"
		}
		tx, err := st.W.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		const n = 12_000
		for i := range n {
			at := st.D.TimeArg(base.Add(time.Duration(i/3) * time.Second)) // three messages a second
			if _, err := tx.ExecContext(ctx, q, 1, "m"+strconv.Itoa(i), false, at, at, []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		ps, err := st.PruneUsage(ctx, base.Add(3500*time.Second), base.Add(3000*time.Second), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if ps.RawCleared != 10_500 || ps.MessagesDeleted != 9000 {
			t.Fatalf("prune: %+v, want 10500 raw cleared and 9000 deleted", ps)
		}
		var left, raw int
		if err := st.W.QueryRowContext(ctx, "SELECT COUNT(*), COUNT(raw) FROM usage_messages").Scan(&left, &raw); err != nil {
			t.Fatal(err)
		}
		if left != n-9000 || raw != n-10_500 {
			t.Fatalf("left %d rows (%d with raw), want %d (%d)", left, raw, n-9000, n-10_500)
		}
	})
}

// tickArgs is a periodic test job; it is not unique, so only River's
// leader election keeps it from being queued once per process.
type tickArgs struct{}

func (tickArgs) Kind() string { return "test_tick" }

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
}

func (tickWorker) Work(context.Context, *river.Job[tickArgs]) error { return nil }

// slowWorker counts the jobs one replica worked.
type slowWorker struct {
	river.WorkerDefaults[flakyArgs]
	runs atomic.Int64
}

func (w *slowWorker) Work(ctx context.Context, _ *river.Job[flakyArgs]) error {
	w.runs.Add(1)
	select {
	case <-time.After(10 * time.Millisecond):
	case <-ctx.Done():
	}
	return nil
}

// TestPeriodicOncePerCluster: two replicas work the same queue; both work
// ordinary jobs, but the periodic job queued on start is queued once, by
// the leader.
func TestPeriodicOncePerCluster(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *sqlstore.DB, where jobs.Where) {
		ctx := context.Background()
		var replicas [2]*slowWorker
		var queues [2]*jobs.Queue
		for i := range replicas {
			w := &slowWorker{}
			replicas[i] = w
			q, err := jobs.Open(ctx, where, jobs.Options{Work: true, Store: st, MaxWorkers: 1,
				FetchPollInterval: 20 * time.Millisecond, FetchCooldown: 5 * time.Millisecond,
				AddWorkers: func(ws *river.Workers) { river.AddWorker(ws, w); river.AddWorker(ws, tickWorker{}) },
				Periodic: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
					func() (river.JobArgs, *river.InsertOpts) { return tickArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}})
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { q.Close(ctx) })
			queues[i] = q
		}
		var params []river.InsertManyParams
		for range 40 {
			params = append(params, river.InsertManyParams{Args: flakyArgs{}})
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			ticks := 0
			counts, err := queues[0].Counts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range counts {
				if c.Kind == "test_tick" {
					ticks += c.N
				}
			}
			if ticks > 1 {
				t.Fatalf("the periodic job was queued %d times: %+v", ticks, counts)
			}
			if ticks == 1 && replicas[0].runs.Load() > 0 && replicas[1].runs.Load() > 0 {
				return // both replicas are working; only one queued the tick
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 30 s: ticks %d, replicas worked %d and %d jobs", ticks, replicas[0].runs.Load(), replicas[1].runs.Load())
			}
			if _, err := queues[1].InsertMany(ctx, params); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

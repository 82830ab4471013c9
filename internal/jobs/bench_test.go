package jobs_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

type noopArgs struct{}

func (noopArgs) Kind() string { return "bench_noop" }

type noopWorker struct{ river.WorkerDefaults[noopArgs] }

func (noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

// benchQueue inserts b.N no-op jobs (InsertMany, 1,000 at a time) and works
// them, reporting jobs/s from the first insert to the last completion.
func benchQueue(b *testing.B, st *sqlstore.DB, where jobs.Where) {
	ctx := context.Background()
	if err := jobs.Migrate(ctx, where, nil); err != nil {
		b.Fatal(err)
	}
	q, err := jobs.Open(ctx, where, jobs.Options{Work: true, Store: st, MaxWorkers: 50,
		FetchPollInterval: 20 * time.Millisecond, FetchCooldown: 5 * time.Millisecond,
		PruneEvery: 24 * time.Hour, AddWorkers: func(ws *river.Workers) { river.AddWorker(ws, noopWorker{}) }})
	if err != nil {
		b.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer q.Close(ctx)
	b.ResetTimer()
	began := time.Now()
	go func() {
		for left := b.N; left > 0; {
			n := min(left, 1000)
			params := make([]river.InsertManyParams, n)
			for i := range params {
				params[i].Args = noopArgs{}
			}
			if _, err := q.InsertMany(ctx, params); err != nil {
				b.Error(err)
				return
			}
			left -= n
		}
	}()
	// Completions are counted in the table: River's event subscription
	// drops events when its subscriber falls behind.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		done := 0
		counts, err := q.Counts(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range counts {
			if c.Kind == "bench_noop" && c.State == "completed" {
				done = c.N
			}
		}
		if done >= b.N {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d jobs done after 5 minutes", done, b.N)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "jobs/s")
}

// BenchmarkQueue measures how many jobs/s River works on each engine, and
// on SQLite sharing Tend's single writer (what Tend does) or with a
// connection of its own. Run with -benchtime 5000x.
func BenchmarkQueue(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			st, where := e.open(b)
			benchQueue(b, st, where)
		})
		if e.name == "sqlite" {
			b.Run("sqlite-own-connection", func(b *testing.B) {
				st, _ := e.open(b)
				benchQueue(b, st, jobs.Where{SQLite: ownWriter(b, st)})
			})
		}
	}
}

// BenchmarkTendWriterUnderQueue: while River works jobs as fast as it can,
// how long does one of Tend's own write transactions wait for SQLite's
// write lock, with River on its own connection or sharing Tend's writer?
// Reports the p50 and p99 of a write transaction (BEGIN IMMEDIATE, COMMIT).
func BenchmarkTendWriterUnderQueue(b *testing.B) {
	e := engines[0]
	for _, shared := range []bool{false, true} {
		name := "own-connection"
		if shared {
			name = "shared-writer"
		}
		b.Run(name, func(b *testing.B) {
			st, where := e.open(b)
			if !shared {
				where = jobs.Where{SQLite: ownWriter(b, st)}
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var lat []time.Duration
			done := make(chan struct{})
			go func() {
				defer close(done)
				for ctx.Err() == nil {
					t0 := time.Now()
					tx, err := st.W.BeginTx(ctx, nil)
					if err != nil {
						return
					}
					if err := tx.Commit(); err != nil {
						return
					}
					lat = append(lat, time.Since(t0))
					time.Sleep(2 * time.Millisecond)
				}
			}()
			benchQueue(b, st, where)
			cancel()
			<-done
			slices.Sort(lat)
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-write-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-write-ms")
			}
		})
	}
}

// ownWriter opens a second writing connection to st's SQLite file.
func ownWriter(b *testing.B, st *sqlstore.DB) *sql.DB {
	var path string
	if err := st.R.QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
		b.Fatal(err)
	}
	w, err := sqlite.OpenWriter(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close() })
	return w
}

package jobs_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// openRescoring opens a working queue that rescores st's dirty accounts,
// nudged by st's writes, with the sweep far away (so a score proves the
// nudge), and reports each batch's accounts to after.
func openRescoring(t *testing.T, st *sqlstore.DB, where jobs.Where, after func(context.Context, []int64)) *jobs.Queue {
	t.Helper()
	q, err := jobs.Open(context.Background(), where, jobs.Options{
		Work: true, Store: st,
		FetchPollInterval: 20 * time.Millisecond, FetchCooldown: 5 * time.Millisecond,
		RescoreEvery: time.Hour,
		Rescore: func(ctx context.Context) (jobs.RescoreBatch, error) {
			r, err := scoring.RescoreDirty(ctx, st, 100)
			return jobs.RescoreBatch{IDs: r.IDs, More: r.Claimed == 100}, err
		},
		AfterRescore: after,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.OnDirty(q.Nudge)
	t.Cleanup(func() {
		st.OnDirty(nil)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return q
}

// waitScored waits (deadline 20 s) until account id has a score computed
// after since.
func waitScored(t *testing.T, st *sqlstore.DB, id int64, since time.Time) store.HealthScore {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		hs, err := st.HealthScore(context.Background(), id)
		if err == nil && !hs.ScoredAt.Before(since) {
			return hs
		}
		if time.Now().After(deadline) {
			t.Fatalf("account %d has no score computed after %v (last: %+v, %v)", id, since, hs, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRescoreOnChange: a change to an account's inputs — a new account, a
// ticket, a pulse — has the account rescored by the health_rescore job
// the write nudged, and the hook told, on both engines.
func TestRescoreOnChange(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *sqlstore.DB, where jobs.Where) {
		ctx := context.Background()
		var (
			mu   sync.Mutex
			told []int64
		)
		openRescoring(t, st, where, func(_ context.Context, ids []int64) {
			mu.Lock()
			told = append(told, ids...)
			mu.Unlock()
		})
		before := time.Now().UTC().Truncate(time.Microsecond)
		a := customer.Account{ExternalID: "a-1", Name: "Acme"}
		if err := st.Accounts().Create(ctx, &a); err != nil {
			t.Fatal(err)
		}
		waitScored(t, st, a.ID, before)

		at := time.Now().UTC().Truncate(time.Microsecond)
		if err := st.Tickets().Create(ctx, &customer.Ticket{AccountID: a.ID, Subject: "Down", Priority: "urgent", Status: "open", OpenedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		waitScored(t, st, a.ID, at)

		at = time.Now().UTC().Truncate(time.Microsecond)
		if err := st.SetPulse(ctx, &store.Pulse{AccountID: a.ID, Colour: store.ColourRed, Reason: "sponsor left", ExpiresOn: civil.Today().AddDays(9)}); err != nil {
			t.Fatal(err)
		}
		waitScored(t, st, a.ID, at)
		deadline := time.Now().Add(10 * time.Second)
		for {
			if n, _, err := st.DirtyCount(ctx); err != nil || n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("accounts still marked dirty 10 s after their rescore")
			}
			time.Sleep(10 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(told, a.ID) {
			t.Errorf("AfterRescore was told %v, want %d among them", told, a.ID)
		}
	})
}

// TestRecomputeJob: applying scorecards enqueues one background recompute
// (a second request while it waits is the same job); it records its
// progress and ends with every account written, on both engines.
func TestRecomputeJob(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *sqlstore.DB, where jobs.Where) {
		ctx := context.Background()
		for i := range 30 {
			if err := st.Accounts().Create(ctx, &customer.Account{ExternalID: "r-" + strconv.Itoa(i), Name: "R " + strconv.Itoa(i)}); err != nil {
				t.Fatal(err)
			}
		}
		inserter, err := jobs.Open(ctx, where, jobs.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := inserter.RecomputeHealth(ctx); err != nil {
				t.Fatal(err)
			}
		}
		counts, err := inserter.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		inserter.Close(ctx)
		for _, c := range counts {
			if c.Kind == "health_recompute" && c.N != 1 {
				t.Fatalf("two requests queued %d recomputes", c.N)
			}
		}
		q, err := jobs.Open(ctx, where, jobs.Options{Work: true, Store: st,
			FetchPollInterval: 20 * time.Millisecond, FetchCooldown: 5 * time.Millisecond,
			Recompute: func(ctx context.Context) error {
				_, err := scoring.RecomputeTracked(ctx, st, civil.Today(), nil)
				return err
			}})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Close(context.Background()) })
		deadline := time.Now().Add(20 * time.Second)
		for {
			r, err := st.LatestRecompute(ctx)
			if err == nil && !r.Running() {
				if r.Error != "" || r.Total != 30 || r.Written != 30 {
					t.Fatalf("recompute ended %+v", r)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no finished recompute after 20 s: %+v, %v", r, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

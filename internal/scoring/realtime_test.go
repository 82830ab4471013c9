package scoring_test

import (
	"context"
	"testing"

	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
)

// TestRescoreDirty: rescoring the marked accounts stores the same scores
// a full recompute does, clears the marks, and picks up a later change.
func TestRescoreDirty(t *testing.T) {
	ctx := context.Background()
	st := demoStore(t, 300)
	n, _, err := st.DirtyCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 300 {
		t.Fatalf("loading the demo marked %d accounts, want 300", n)
	}
	first, err := scoring.RescoreDirty(ctx, st, 120)
	if err != nil {
		t.Fatal(err)
	}
	if first.Claimed != 120 || len(first.IDs) != 120 || first.Oldest.IsZero() {
		t.Fatalf("first batch: claimed %d, scored %d, oldest %v", first.Claimed, len(first.IDs), first.Oldest)
	}
	for {
		r, err := scoring.RescoreDirty(ctx, st, 120)
		if err != nil {
			t.Fatal(err)
		}
		if r.Claimed == 0 {
			break
		}
	}
	if n, _, _ := st.DirtyCount(ctx); n != 0 {
		t.Fatalf("%d accounts still marked after rescoring them all", n)
	}
	ids := make([]int64, 0, 300)
	res, err := st.Accounts().List(ctx, store.Query{Limit: 300})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Items {
		ids = append(ids, a.ID)
	}
	rescored, err := st.HealthScores(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scoring.Recompute(ctx, st, today); err != nil {
		t.Fatal(err)
	}
	full, err := st.HealthScores(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(rescored) != 300 || len(full) != 300 {
		t.Fatalf("%d rescored and %d recomputed scores, want 300", len(rescored), len(full))
	}
	for id, f := range full {
		r := rescored[id]
		if (r.Score == nil) != (f.Score == nil) || r.Score != nil && *r.Score != *f.Score || r.Colour != f.Colour || r.Scorecard != f.Scorecard {
			t.Fatalf("account %d: rescored %v %q by %s, recomputed %v %q by %s", id, r.Score, r.Colour, r.Scorecard, f.Score, f.Colour, f.Scorecard)
		}
	}

	// A pulse marks its account; the next rescore scores it alone.
	id := ids[7]
	if err := st.SetPulse(ctx, &store.Pulse{AccountID: id, Colour: store.ColourRed, Reason: "champion left", ExpiresOn: today.AddDays(30)}); err != nil {
		t.Fatal(err)
	}
	r, err := scoring.RescoreDirty(ctx, st, 120)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.IDs) != 1 || r.IDs[0] != id {
		t.Fatalf("after a pulse, rescored %v, want [%d]", r.IDs, id)
	}
	hs, err := st.HealthScore(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !hs.ScoredAt.After(full[id].ScoredAt) {
		t.Fatalf("account %d's score was not rewritten: scored at %v, before at %v", id, hs.ScoredAt, full[id].ScoredAt)
	}
}

// TestRecomputeTracked: a recompute with progress logs its run, counts
// every account scored and written, and ends finished.
func TestRecomputeTracked(t *testing.T) {
	ctx := context.Background()
	st := demoStore(t, 200)
	var seen []store.Recompute
	sum, err := scoring.RecomputeTracked(ctx, st, today, func(r store.Recompute) { seen = append(seen, r) })
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 2 || !seen[0].Running() || seen[0].Scored != 0 {
		t.Fatalf("progress seen: %+v", seen)
	}
	last := seen[len(seen)-1]
	if last.Running() || last.Total != 200 || last.Scored != 200 || last.Written != 200 || last.Error != "" || sum.Accounts != 200 {
		t.Fatalf("last progress %+v, summary %d accounts", last, sum.Accounts)
	}
	got, err := st.LatestRecompute(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != last.ID || got.Running() || got.Written != 200 {
		t.Fatalf("stored recompute %+v, want %+v", got, last)
	}
}

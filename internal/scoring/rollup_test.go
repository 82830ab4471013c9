package scoring_test

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// familyScore is what a parent's score must be: the MRR-weighted mean of
// its own score (rebuilt from the values it kept) and its children's
// stored scores, those without enough data left out.
func familyScore(t *testing.T, st *sqlstore.DB, parent int64) (want float64, children []int64) {
	t.Helper()
	ctx := context.Background()
	p, err := st.Accounts().Get(ctx, parent)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := st.HealthScore(ctx, parent)
	if err != nil {
		t.Fatal(err)
	}
	var d scoring.Detail
	if err := json.Unmarshal(hs.Detail, &d); err != nil {
		t.Fatal(err)
	}
	set, err := scoring.Version(ctx, st, hs.Version)
	if err != nil {
		t.Fatal(err)
	}
	var sum, w float64
	add := func(score float64, colour health.Colour, mrr int64, currency string) {
		if currency != "" && currency != "USD" {
			t.Fatalf("the demo family has an account in %s: the test weighs USD only", currency)
		}
		if colour != health.NotEnoughData {
			sum += score * float64(mrr)
			w += float64(mrr)
		}
	}
	for _, sc := range set.Scorecards {
		if sc.Name == d.Scorecard {
			r := sc.Score(&d.Values)
			add(r.Score, r.Colour, p.MRR, p.Currency)
		}
	}
	kids, err := st.Accounts().List(ctx, store.Query{Filters: []store.Filter{{Field: "parent_id", Op: store.Eq, Value: strconv.FormatInt(parent, 10)}}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kids.Items {
		children = append(children, k.ID)
		c, err := st.HealthScore(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		colour := health.NotEnoughData
		var score float64
		if c.Score != nil {
			colour, score = health.Colour(c.Colour), *c.Score
		}
		add(score, colour, k.MRR, k.Currency)
	}
	if w == 0 {
		t.Fatalf("account %d: no member of the family has MRR and a score", parent)
	}
	return math.Round(sum/w*10) / 10, children
}

// TestParentRollsUpChildren: a parent account's stored score is its
// family's, weighted by MRR, after a full recompute and after a child is
// rescored; its explanation says so.
func TestParentRollsUpChildren(t *testing.T) {
	ctx := context.Background()
	st := demoStore(t, 300)
	if _, err := scoring.Recompute(ctx, st, today); err != nil {
		t.Fatal(err)
	}
	var parent int64
	var children []int64
	page, err := st.Accounts().List(ctx, store.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range page.Items {
		if a.ParentID == 0 {
			continue
		}
		parent = a.ParentID
		break
	}
	if parent == 0 {
		t.Fatal("the demo has no parent account")
	}
	want, children := familyScore(t, st, parent)
	hs, err := st.HealthScore(ctx, parent)
	if err != nil {
		t.Fatal(err)
	}
	if hs.Score == nil || math.Abs(*hs.Score-want) > 0.05 {
		t.Fatalf("parent %d stored %s, its family's score is %v", parent, fmtScore(hs.Score), want)
	}
	ex, err := scoring.ExplainAccount(ctx, st, parent)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Result.Rollup == nil || ex.Result.Score != *hs.Score || ex.Result.Rollup.Counted < 2 {
		t.Fatalf("parent explained as %+v (rollup %+v), stored %v", ex.Result.Score, ex.Result.Rollup, *hs.Score)
	}

	// A red pulse on a child, rescored: the parent's score follows.
	p := store.Pulse{AccountID: children[0], Colour: "red", Reason: "budget cut", ExpiresOn: today.AddDays(30)}
	if err := st.SetPulse(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if _, _, err := scoring.Rescore(ctx, st, children[0], today); err != nil {
		t.Fatal(err)
	}
	want2, _ := familyScore(t, st, parent)
	hs2, err := st.HealthScore(ctx, parent)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(*hs2.Score-want2) > 0.05 {
		t.Fatalf("after the child's rescore the parent stored %v, its family's score is %v", *hs2.Score, want2)
	}
}

func fmtScore(s *float64) string {
	if s == nil {
		return "no score"
	}
	return strconv.FormatFloat(*s, 'f', -1, 64)
}

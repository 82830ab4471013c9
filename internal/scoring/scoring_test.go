package scoring_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/demo"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// today is the real day: pulses are dated when they are set.
var today = civil.Today()

// demoStore is a store holding a small demo company.
func demoStore(t *testing.T, accounts int) *sqlstore.DB {
	t.Helper()
	st := sqlitetest.Open(t)
	if _, err := demo.Load(context.Background(), st, demo.Build(demo.Options{Seed: 7, Accounts: accounts, Today: today})); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRecomputeExplainRescore(t *testing.T) {
	ctx := context.Background()
	st := demoStore(t, 300)
	sum, err := scoring.Recompute(ctx, st, today)
	if err != nil {
		t.Fatal(err)
	}
	n, err := st.Accounts().Count(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Accounts != n {
		t.Fatalf("scored %d accounts of %d", sum.Accounts, n)
	}
	for _, c := range []health.Colour{health.Red, health.Yellow, health.Green} {
		if sum.Colours[string(c)] == 0 {
			t.Errorf("no %s account among %v: the demo has every kind", c, sum.Colours)
		}
	}

	// Every stored score is explained by the values it kept, to the point.
	res, err := st.Accounts().List(ctx, store.Query{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	page := res.Items
	checked := 0
	for _, a := range page {
		ex, err := scoring.ExplainAccount(ctx, st, a.ID)
		if err != nil {
			t.Fatalf("%s: %v", a.Name, err)
		}
		if ex.Score.Score == nil {
			if ex.Result.Colour != health.NotEnoughData {
				t.Errorf("%s: stored without a score, explained as %s", a.Name, ex.Result.Colour)
			}
			continue
		}
		checked++
		if math.Abs(*ex.Score.Score-ex.Result.Score) > 0.05 || string(ex.Result.Colour) != ex.Score.Colour {
			t.Errorf("%s: stored %v %s, explained %v %s", a.Name, *ex.Score.Score, ex.Score.Colour, ex.Result.Score, ex.Result.Colour)
		}
		if ex.Result.Rollup != nil {
			continue // a parent's measures explain its own part (TestParentRollsUpChildren)
		}
		var sum float64
		for _, m := range ex.Result.Measures {
			sum += m.Contribution
		}
		if math.Abs(sum-(ex.Result.Score-health.Neutral)) > 0.05 { // the score is rounded to a tenth
			t.Errorf("%s: contributions add to %v, score − 50 is %v", a.Name, sum, ex.Result.Score-health.Neutral)
		}
	}
	if checked == 0 {
		t.Fatal("no scored account on the first page")
	}

	// A red pulse on a scored account whose scorecard reads the pulse
	// lowers its score when it is rescored.
	var a customer.Account
	for _, x := range page {
		ex, err := scoring.ExplainAccount(ctx, st, x.ID)
		if err == nil && ex.Score.Score != nil && *ex.Score.Score > 50 && indexOf(ex.Result, "pulse") >= 0 {
			a = x
			break
		}
	}
	if a.ID == 0 {
		t.Fatal("no account on the first page is scored above 50 by a scorecard that reads the pulse")
	}
	before, err := st.HealthScore(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := store.Pulse{AccountID: a.ID, Colour: "red", Reason: "champion resigned", ExpiresOn: today.AddDays(30)}
	if err := st.SetPulse(ctx, &p); err != nil {
		t.Fatal(err)
	}
	hs, r, err := scoring.Rescore(ctx, st, a.ID, today)
	if err != nil {
		t.Fatal(err)
	}
	if before.Score != nil && hs.Score != nil && !(*hs.Score < *before.Score) {
		t.Errorf("a red pulse left %s at %v (was %v)", a.Name, *hs.Score, *before.Score)
	}
	if i := indexOf(r, "pulse"); i < 0 || !r.Measures[i].HasValue || r.Measures[i].Value != 0 {
		t.Errorf("the pulse measure did not read the red pulse: %+v", r.Measures)
	}
	after, err := st.HealthScore(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Score == nil || hs.Score == nil || *after.Score != *hs.Score {
		t.Errorf("rescore stored %v, returned %v", after.Score, hs.Score)
	}
}

func indexOf(r health.Result, metric string) int {
	for i, m := range r.Measures {
		if m.Metric == metric {
			return i
		}
	}
	return -1
}

func TestApplyRefusesInvalidSet(t *testing.T) {
	ctx := context.Background()
	st := sqlitetest.Open(t)
	bad := strings.Replace(string(health.DefaultYAML()), "metric: usage.seat_utilisation", "metric: usage.seat_utilization", 1)
	_, err := scoring.Apply(ctx, st, []byte(bad), 0, "typo")
	var ps health.Problems
	if !errors.As(err, &ps) || len(ps) == 0 || ps[0].Line == 0 {
		t.Fatalf("an unknown metric was not refused at its line: %v", err)
	}
	if cards, err := scoring.Active(ctx, st); err != nil || cards.Version != 0 {
		t.Fatalf("after a refused apply the set in force is version %d (%v), want the default", cards.Version, err)
	}
	good, err := scoring.Apply(ctx, st, health.DefaultYAML(), 0, "first")
	if err != nil {
		t.Fatal(err)
	}
	cards, err := scoring.Active(ctx, st)
	if err != nil || cards.Version != good.Version || good.Version == 0 {
		t.Fatalf("applied version %d, in force %d (%v)", good.Version, cards.Version, err)
	}
}

func TestBacktestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a demo company")
	}
	ctx := context.Background()
	st := demoStore(t, 600)
	o := scoring.DefaultBacktest(today)
	t0 := time.Now()
	rep, err := scoring.Backtest(ctx, st, today, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("backtest of %d scores over %d days in %v: AUC %.3f [%.3f, %.3f], churned %d; colours %+v; lift %.1f",
		rep.N, len(rep.Days), time.Since(t0), rep.AUC, rep.AUCLow, rep.AUCHigh, rep.Churned, rep.Colours, rep.Lift)
	if rep.N == 0 || rep.Churned == 0 {
		t.Fatalf("nothing to backtest: %d scores, %d churned", rep.N, rep.Churned)
	}
	if !rep.AUCDefined || rep.AUC <= 0.6 {
		t.Errorf("AUC %.3f: the demo's churned accounts show warning signs first, the score should separate them", rep.AUC)
	}
	if !rep.LiftDefined || rep.Lift < 2 {
		t.Errorf("red churned %.1f× as often as green, want several times", rep.Lift)
	}
}

func TestBacktestRefusesOpenHorizon(t *testing.T) {
	st := sqlitetest.Open(t)
	o := scoring.DefaultBacktest(today)
	o.To = today.AddDays(-10)
	if _, err := scoring.Backtest(context.Background(), st, today, o); err == nil || !strings.Contains(err.Error(), "horizon") {
		t.Fatalf("a last day whose horizon has not passed was accepted: %v", err)
	}
}

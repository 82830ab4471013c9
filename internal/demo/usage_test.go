package demo

import (
	"context"
	"reflect"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// TestUsageTellsTheStory: usage is deterministic, at-risk accounts use the
// product less in the last 30 days than in the 30 before while healthy
// ones do not (in aggregate), and churned accounts stop on churning.
func TestUsageTellsTheStory(t *testing.T) {
	t.Parallel()
	c := Build(Options{Seed: 3, Accounts: 400, Today: civil.Date{Year: 2026, Month: 11, Day: 20}})
	evs := Usage(c, 60)
	if len(evs) == 0 {
		t.Fatal("no usage")
	}
	if again := Usage(c, 60); !reflect.DeepEqual(evs, again) {
		t.Fatal("usage is not deterministic")
	}
	fate := map[string]Truth{}
	for _, tr := range c.Truth {
		fate[tr.AccountExternalID] = tr
	}
	split := c.Today.AddDays(-29).Time()
	recent, before := map[Fate]int{}, map[Fate]int{}
	for _, e := range evs {
		tr := fate[e.AccountExternalID]
		if !tr.ChurnedOn.IsZero() && !e.At.Before(tr.ChurnedOn.Time()) && (tr.ReactivatedOn.IsZero() || e.At.Before(tr.ReactivatedOn.Time())) {
			t.Fatalf("event %s of %s after it churned on %s", e.MessageID, e.AccountExternalID, tr.ChurnedOn)
		}
		if e.At.Before(split) {
			before[tr.Fate]++
		} else {
			recent[tr.Fate]++
		}
	}
	ratio := func(f Fate) float64 { return float64(recent[f]) / float64(max(1, before[f])) }
	t.Logf("last 30 days ÷ the 30 before: healthy %.2f, at risk %.2f", ratio(FateHealthy), ratio(FateAtRisk))
	if before[FateAtRisk] == 0 || ratio(FateAtRisk) > 0.85 || ratio(FateHealthy) < 0.9 {
		t.Fatalf("usage does not fall for at-risk accounts: healthy %.2f, at risk %.2f", ratio(FateHealthy), ratio(FateAtRisk))
	}
}

func TestLoadUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	c := Build(Options{Seed: 5, Accounts: 60, Today: civil.Date{Year: 2026, Month: 11, Day: 20}})
	if _, err := Load(ctx, st, c); err != nil {
		t.Fatal(err)
	}
	n, err := LoadUsage(ctx, st, c, 30)
	if err != nil {
		t.Fatal(err)
	}
	tot, err := st.UsageTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || tot.Messages != int64(n) || tot.RolledUp != int64(n) {
		t.Fatalf("loaded %d events; totals %+v", n, tot)
	}
	// Loading again counts nothing twice.
	if _, err := LoadUsage(ctx, st, c, 30); err != nil {
		t.Fatal(err)
	}
	if again, _ := st.UsageTotals(ctx); again != tot {
		t.Fatalf("reloading changed the totals: %+v → %+v", tot, again)
	}
}

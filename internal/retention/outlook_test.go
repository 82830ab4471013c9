package retention_test

import (
	"context"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// TestPipelineCountsRedAsAtRisk: the renewal of an account whose health
// is red, with no call on it, is at risk in the pipeline, and the quarter's
// downside loses it; a green account's renewal and a called one are not
// moved.
func TestPipelineCountsRedAsAtRisk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	asOf := civil.Date{Year: 2026, Month: 5, Day: 10}
	due := civil.Date{Year: 2026, Month: 6, Day: 15} // in the same quarter
	ids := map[string]int64{}
	for _, x := range []struct {
		name   string
		mrr    int64
		colour string
	}{{"Red Co", 1000, store.ColourRed}, {"Green Co", 2000, store.ColourGreen}, {"Called Co", 4000, store.ColourRed}} {
		a := customer.Account{Name: x.name, Lifecycle: customer.StageAdopting}
		if err := st.Accounts().Create(ctx, &a); err != nil {
			t.Fatal(err)
		}
		ids[x.name] = a.ID
		if err := st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: a.ID, Product: "Core", MRR: x.mrr,
			StartOn: due.AddMonths(-12), EndOn: due, Currency: "USD", Status: customer.SubActive}); err != nil {
			t.Fatal(err)
		}
		score := 30.0
		if err := st.PutHealthScores(ctx, []store.HealthScore{{AccountID: a.ID, ScoredAt: time.Now(), Scorecard: "default", Version: 1,
			Score: &score, Colour: x.colour}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RenewalCalls().Create(ctx, &customer.RenewalCall{AccountID: ids["Called Co"], DueOn: due, Forecast: "renew"}); err != nil {
		t.Fatal(err)
	}
	book, _, err := retention.Load(ctx, st, asOf)
	if err != nil {
		t.Fatal(err)
	}
	o, err := retention.Outlook(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.AtRisk) != 2 || !o.AtRisk[ids["Red Co"]] || len(o.Calls) != 1 {
		t.Fatalf("outlook %+v", o)
	}
	rep := retention.PipelineFor(book, o, 3)
	june := rep.Pipeline.Months[1]
	if june.Due != 7000 || june.ByForecast.AtRisk != 1000 || june.ByForecast.Renew != 6000 {
		t.Errorf("June %+v: want 1000 of 7000 at risk", june)
	}
	fc := rep.Forecast
	if fc.Implied.GRR().Num != 7000 || fc.Downside.GRR().Num != 6000 {
		t.Errorf("implied GRR %v, downside %v: the downside should lose the red renewal", fc.Implied.GRR(), fc.Downside.GRR())
	}
	// Without health the pipeline had nothing at risk: the bug this fixes.
	if plain := retention.PipelineFor(book, revenue.Outlook{Calls: o.Calls}, 3); plain.Pipeline.Months[1].ByForecast.AtRisk != 0 {
		t.Errorf("calls alone: %+v", plain.Pipeline.Months[1])
	}
}

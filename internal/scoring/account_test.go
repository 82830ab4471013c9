package scoring_test

import (
	"context"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/demo"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
	"github.com/tendhq/tend/internal/validate"
)

func TestAccountHealthAndPulse(t *testing.T) {
	ctx := context.Background()
	st := demoStore(t, 40)
	res, err := st.Accounts().List(ctx, store.Query{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Items[0].ID

	h, err := scoring.ReadAccountHealth(ctx, st, id, today, today.AddDays(-90), today)
	if err != nil {
		t.Fatal(err)
	}
	if h.Scored {
		t.Fatalf("scored before any recompute: %+v", h.Score)
	}

	// A score 40 days ago and one today: the trend and what changed
	// compare with the old one.
	if _, err := scoring.Recompute(ctx, st, today.AddDays(-40)); err != nil {
		t.Fatal(err)
	}
	if _, err := scoring.Recompute(ctx, st, today); err != nil {
		t.Fatal(err)
	}
	// An account scored by the scorecard that reads the pulse.
	for _, a := range res.Items {
		if hs, err := st.HealthScore(ctx, a.ID); err == nil && hs.Scorecard == "default" {
			id = a.ID
			break
		}
	}
	h, err = scoring.ReadAccountHealth(ctx, st, id, today, today.AddDays(-90), today)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Scored || h.Result == nil || len(h.History) != 2 || len(h.Trend) != 3 {
		t.Fatalf("scored %v, %d history points, %d trends", h.Scored, len(h.History), len(h.Trend))
	}
	if h.Changed == nil || h.Trend[1].Then == nil && h.History[0].Score != nil {
		t.Fatalf("nothing compared with 40 days ago: changed %v, trend %+v", h.Changed, h.Trend)
	}
	for _, m := range h.NoData {
		if m.HasValue {
			t.Errorf("%s listed with no data but has %v", m.Name, m.Value)
		}
	}
	for _, m := range append(h.Raised, h.Lowered...) {
		if m.Metric != "" && m.Unit == "" {
			t.Errorf("%s: no unit for metric %s", m.Name, m.Metric)
		}
	}

	// Bad pulses name their field and store nothing.
	for field, p := range map[string]store.Pulse{
		"colour":     {AccountID: id, Reason: "x", ExpiresOn: today.AddDays(3)},
		"reason":     {AccountID: id, Colour: "red", ExpiresOn: today.AddDays(3)},
		"expires_on": {AccountID: id, Colour: "red", Reason: "x", ExpiresOn: today},
	} {
		_, err := scoring.SetPulse(ctx, st, &p, today)
		errs, ok := validate.As(err)
		if !ok || len(errs) != 1 || errs[0].Field != field {
			t.Errorf("pulse missing %s: %v", field, err)
		}
	}
	if ps, _ := st.Pulses(ctx, id); len(ps) != 0 {
		t.Fatalf("refused pulses stored: %+v", ps)
	}

	// A red pulse counts at once.
	p := store.Pulse{AccountID: id, Colour: "red", Reason: "Champion left", ExpiresOn: today.AddDays(30)}
	if _, err := scoring.SetPulse(ctx, st, &p, today); err != nil {
		t.Fatal(err)
	}
	h, err = scoring.ReadAccountHealth(ctx, st, id, today, today.AddDays(-90), today)
	if err != nil {
		t.Fatal(err)
	}
	if h.Pulse == nil || !h.PulseActive || h.Pulse.Reason != "Champion left" {
		t.Fatalf("pulse %+v active %v", h.Pulse, h.PulseActive)
	}
	found := false
	for _, m := range h.Result.Measures {
		if m.Metric == health.PulseMetric.String() {
			found = m.HasValue && m.Value == 0
		}
	}
	if !found {
		t.Errorf("the rescored result does not read the red pulse: %+v", h.Result.Measures)
	}
}

func TestValueText(t *testing.T) {
	for _, c := range []struct {
		v    float64
		has  bool
		unit string
		want string
	}{
		{0, false, "days", "no data"},
		{1, true, "1 yes, 0 no", "yes"},
		{0.625, true, "ratio 0–1", "62.5%"},
		{0, true, "points: red 0, yellow 50, green 100", "red"},
		{12, true, "days", "12 days"},
		{1, true, "contacts", "1 contact"},
		{8, true, "score 0–10", "8 (score 0–10)"},
	} {
		if got := scoring.ValueText(c.v, c.has, c.unit); got != c.want {
			t.Errorf("ValueText(%v, %v, %q) = %q, want %q", c.v, c.has, c.unit, got, c.want)
		}
	}
}

// TestAccountHealthBackfill: a day scored after a later one (a backfill,
// as the demo does) takes its place by day in the history.
func TestAccountHealthBackfill(t *testing.T) {
	ctx := context.Background()
	st := demoStore(t, 20)
	res, err := st.Accounts().List(ctx, store.Query{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Items[0].ID
	for _, d := range []int{0, -40, 0} {
		if _, err := scoring.Recompute(ctx, st, today.AddDays(d)); err != nil {
			t.Fatal(err)
		}
	}
	h, err := scoring.ReadAccountHealth(ctx, st, id, today, today.AddDays(-90), today)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(h.History); i++ {
		if h.History[i].Day.Before(h.History[i-1].Day) {
			t.Fatalf("history out of day order: %v then %v", h.History[i-1].Day, h.History[i].Day)
		}
	}
	if len(h.History) == 0 || h.History[0].Day != today.AddDays(-40) || h.Changed == nil {
		t.Fatalf("the backfilled day is not first (%d points) or nothing compared with it", len(h.History))
	}
}

// BenchmarkReadAccountHealth reads one account's health (the account
// page's and the API's cost) with a 90-day history of four points.
func BenchmarkReadAccountHealth(b *testing.B) {
	ctx := context.Background()
	st := sqlitetest.Open(b)
	if _, err := demo.Load(ctx, st, demo.Build(demo.Options{Seed: 7, Accounts: 300, Today: today})); err != nil {
		b.Fatal(err)
	}
	for _, d := range []int{-90, -30, -7, 0} {
		if _, err := scoring.Recompute(ctx, st, today.AddDays(d)); err != nil {
			b.Fatal(err)
		}
	}
	res, err := st.Accounts().List(ctx, store.Query{Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	id := res.Items[0].ID
	for b.Loop() {
		if _, err := scoring.ReadAccountHealth(ctx, st, id, today, civil.Date{}, civil.Date{}); err != nil {
			b.Fatal(err)
		}
	}
}

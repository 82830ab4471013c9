package scoring

import (
	"context"
	"fmt"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/store"
)

// BacktestOptions say which past days to score and how far ahead to look
// for churn.
type BacktestOptions struct {
	// From and To bound the days scored; Every is the step between them
	// in days.
	From, To civil.Date
	Every    int
	// Horizon is how many days after a scored day a churn counts.
	Horizon int
}

// DefaultBacktest is a year of monthly days ending Horizon days before
// today, so that every day scored has its whole horizon behind it.
func DefaultBacktest(today civil.Date) BacktestOptions {
	o := BacktestOptions{Every: 30, Horizon: 90}
	o.To = today.AddDays(-o.Horizon)
	o.From = o.To.AddDays(-360)
	return o
}

// BacktestReport is how well the scorecards in force separated the
// accounts that churned within the horizon from those that stayed.
type BacktestReport struct {
	health.Backtest
	Days    []civil.Date `json:"days"`
	Horizon int          `json:"horizon_days"`
	Version int          `json:"scorecards_version"`
}

// Backtest scores every account that was a paying customer on each of
// the option's days, as of that day, and pairs the score with whether
// the account's MRR fell to zero within the horizon after it.
//
// No input may come from after a scored day: health.Metrics ignores
// dated records after it, usage is measured as of it, and the two facts
// the store holds only as of today — the next renewal date and the
// lifecycle stage (which says "churned" of churned accounts) — are left
// out, so days to renewal is missing and no scorecard is chosen by
// lifecycle. Tier and touch model are today's.
func Backtest(ctx context.Context, st store.Store, today civil.Date, o BacktestOptions) (BacktestReport, error) {
	rep := BacktestReport{Horizon: o.Horizon}
	if o.Every <= 0 || o.Horizon <= 0 {
		return rep, fmt.Errorf("backtest: every and horizon must be positive days")
	}
	if o.To.IsZero() || o.From.IsZero() || o.To.Before(o.From) {
		return rep, fmt.Errorf("backtest: from %s is after to %s", o.From, o.To)
	}
	if today.Before(o.To.AddDays(o.Horizon)) {
		return rep, fmt.Errorf("backtest: the last day scored (%s) needs its %d-day horizon to have passed by today (%s); end by %s",
			o.To, o.Horizon, today, today.AddDays(-o.Horizon))
	}
	cards, err := Active(ctx, st)
	if err != nil {
		return rep, err
	}
	rep.Version = cards.Version
	for d := o.From; !d.After(o.To); d = d.AddDays(o.Every) {
		rep.Days = append(rep.Days, d)
	}
	cat, err := adoption.LoadCatalog(ctx, st)
	if err != nil {
		return rep, err
	}
	use := make([]map[int64]map[string]float64, len(rep.Days))
	for i, d := range rep.Days {
		if use[i], err = usageOn(ctx, st, cat, d); err != nil {
			return rep, err
		}
	}
	var (
		outs []health.Outcome
		r    health.Result
	)
	err = st.EachHealthFacts(ctx, today, func(f *health.Facts) error {
		f.RenewalOn, f.Lifecycle = civil.Date{}, ""
		p := health.ProfileOf(f)
		for i, d := range rep.Days {
			if mrrOn(f.MRRChanges, d) <= 0 {
				continue // not a paying customer that day
			}
			f.Usage = f.Usage[:0]
			if u, ok := use[i][f.AccountID]; ok {
				f.Usage = append(f.Usage, health.UsageSnapshot{AsOf: d, Values: u})
			}
			v := health.Metrics(f, d)
			cards.Set.ScoreInto(&p, &v, &r)
			outs = append(outs, health.Outcome{Score: r.Score, Colour: r.Colour,
				Churned: churnedWithin(f.MRRChanges, d, d.AddDays(o.Horizon))})
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.Backtest = health.Evaluate(outs)
	return rep, nil
}

// mrrOn is the MRR in force on day d (points sorted by day).
func mrrOn(ps []health.MRRPoint, d civil.Date) int64 {
	var m int64
	for _, p := range ps {
		if p.From.After(d) {
			break
		}
		m = p.MRR
	}
	return m
}

// churnedWithin reports whether the MRR fell to zero on a day after from
// and no later than to.
func churnedWithin(ps []health.MRRPoint, from, to civil.Date) bool {
	for _, p := range ps {
		if p.From.After(from) && !p.From.After(to) && p.MRR <= 0 {
			return true
		}
	}
	return false
}

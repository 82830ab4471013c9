package revenue

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/tendhq/tend/internal/civil"
)

// Forecast is a CSM's call on a renewal.
type Forecast string

// The forecasts.
const (
	ForecastRenew  Forecast = "renew"   // renews at the amount due
	ForecastAtRisk Forecast = "at_risk" // expected to renew, may not
	ForecastChurn  Forecast = "churn"   // will not renew
	ForecastExpand Forecast = "expand"  // renews for more
)

// Forecasts lists the forecasts.
var Forecasts = []Forecast{ForecastRenew, ForecastAtRisk, ForecastChurn, ForecastExpand}

// Call is the forecast set for one renewal. Amount is the MRR expected
// after it; zero means the default: the amount due for renew, at_risk and
// expand (no uplift is assumed without a number), nothing for churn.
type Call struct {
	Forecast Forecast `json:"forecast"`
	Amount   int64    `json:"amount"`
}

// Check reports a forecast outside the list or a negative amount.
func (c Call) Check() error {
	if !slices.Contains(Forecasts, c.Forecast) {
		return fmt.Errorf("%q is not a forecast (want renew, at_risk, churn or expand)", c.Forecast)
	}
	if c.Amount < 0 {
		return fmt.Errorf("amount must not be negative")
	}
	return nil
}

// RenewalKey names a renewal: the account and the day its terms end.
type RenewalKey struct {
	Account int64      `json:"account_id"`
	Due     civil.Date `json:"due"`
}

// RenewalLine is one product line of a renewal.
type RenewalLine struct {
	Product  string `json:"product"`
	Amount   int64  `json:"amount"`   // MRR due
	Canceled bool   `json:"canceled"` // the customer said it will not renew
	Signed   int64  `json:"signed"`   // MRR of terms already signed to follow (starting after AsOf within the renewal grace)
}

// Renewal is one account's terms falling due on one day after AsOf, with
// its forecast.
type Renewal struct {
	RenewalKey
	Amount   int64         `json:"amount"` // MRR due
	Lines    []RenewalLine `json:"lines"`
	Forecast Forecast      `json:"forecast"`
	Expected int64         `json:"expected"` // MRR expected after the renewal
	// Defaulted is true when no call was made and the forecast comes from
	// the data: churn if every line is canceled, renew (at what is signed,
	// if more) otherwise — at_risk instead of renew or expand when the
	// account is at risk by its health (HealthRisk).
	Defaulted bool `json:"defaulted"`
	// HealthRisk is true when the account is at risk by its health score
	// (red): with no call, its renewal is forecast at_risk.
	HealthRisk bool `json:"health_risk"`
}

// Outlook is what a forecast starts from: the CSMs' calls on renewals,
// and the accounts at risk by their health (red), whose renewals with no
// call count as at_risk unless every line is canceled.
type Outlook struct {
	Calls  map[RenewalKey]Call
	AtRisk map[int64]bool
}

// PipelineMonth sums the renewals due in one month.
type PipelineMonth struct {
	Month    Period `json:"month"`
	Count    int    `json:"count"`
	Due      int64  `json:"due"`
	Expected int64  `json:"expected"`
	// ByForecast sums the amount due by forecast.
	ByForecast ForecastAmounts `json:"by_forecast"`
}

// ForecastAmounts sums amounts due by forecast.
type ForecastAmounts struct {
	Renew  int64 `json:"renew"`
	AtRisk int64 `json:"at_risk"`
	Churn  int64 `json:"churn"`
	Expand int64 `json:"expand"`
}

func (f *ForecastAmounts) of(c Forecast) *int64 {
	switch c {
	case ForecastAtRisk:
		return &f.AtRisk
	case ForecastChurn:
		return &f.Churn
	case ForecastExpand:
		return &f.Expand
	}
	return &f.Renew
}

// Pipeline is the renewals falling due in a span of months.
type Pipeline struct {
	Renewals []Renewal       `json:"renewals"` // by due date, then account
	Months   []PipelineMonth `json:"months"`
}

// Pipeline lists the renewals falling due after AsOf in the months from
// the one containing from to the one containing to, with their forecasts
// (calls override the defaults), by month. A renewal is an account's terms
// ending on one day; open-ended terms never fall due.
func (b *Book) Pipeline(from, to civil.Date, calls map[RenewalKey]Call) Pipeline {
	return b.PipelineOf(from, to, Outlook{Calls: calls})
}

// PipelineOf is Pipeline from an Outlook: the calls, and the accounts at
// risk by their health.
func (b *Book) PipelineOf(from, to civil.Date, o Outlook) Pipeline {
	months := Months(from, max(0, monthIndex(to)-monthIndex(from)+1))
	var out Pipeline
	if len(months) == 0 {
		return out
	}
	lo := max(dayOf(months[0].From), b.asOf+1)
	hi := dayOf(months[len(months)-1].To)
	out.Renewals = b.renewals(lo, hi, o)
	out.Months = make([]PipelineMonth, len(months))
	for i, m := range months {
		out.Months[i].Month = m
	}
	for _, r := range out.Renewals {
		i := monthIndex(r.Due) - monthIndex(months[0].From)
		m := &out.Months[i]
		m.Count++
		m.Due += r.Amount
		m.Expected += r.Expected
		*m.ByForecast.of(r.Forecast) += r.Amount
	}
	return out
}

// renewals lists the renewals due in [lo, hi) (days after AsOf).
func (b *Book) renewals(lo, hi day, o Outlook) []Renewal {
	var out []Renewal
	for a, id := range b.ids {
		ts := b.terms[b.acctTerms[a]:b.acctTerms[a+1]]
		start := len(out)
		for i := range ts {
			t := &ts[i]
			if t.start > b.asOf || t.end == noEnd || t.end < lo || t.end >= hi {
				continue
			}
			k := start
			for k < len(out) && dayOf(out[k].Due) != t.end {
				k++
			}
			if k == len(out) {
				out = append(out, Renewal{RenewalKey: RenewalKey{Account: id, Due: dateOf(t.end)}})
			}
			r := &out[k]
			r.Amount += t.mrr
			name := b.products[t.prod]
			j := slices.IndexFunc(r.Lines, func(l RenewalLine) bool { return l.Product == name })
			if j < 0 {
				r.Lines = append(r.Lines, RenewalLine{Product: name, Canceled: true})
				j = len(r.Lines) - 1
				// Terms already signed to follow this line's terms.
				for _, n := range ts {
					if n.prod == t.prod && n.start > b.asOf && n.start >= t.end && n.start <= t.end+b.grace {
						r.Lines[j].Signed += n.mrr
					}
				}
			}
			r.Lines[j].Amount += t.mrr
			r.Lines[j].Canceled = r.Lines[j].Canceled && t.canceled
		}
		for k := start; k < len(out); k++ {
			out[k].decide(o)
		}
	}
	slices.SortFunc(out, func(x, y Renewal) int {
		return cmp.Or(cmp.Compare(dayOf(x.Due), dayOf(y.Due)), cmp.Compare(x.Account, y.Account))
	})
	return out
}

// decide sets the renewal's forecast and expected amount.
func (r *Renewal) decide(o Outlook) {
	r.HealthRisk = o.AtRisk[r.Account]
	if c, ok := o.Calls[r.RenewalKey]; ok && c.Check() == nil {
		r.Forecast, r.Expected = c.Forecast, c.Amount
		if r.Expected == 0 && c.Forecast != ForecastChurn {
			r.Expected = r.Amount
		}
		if c.Forecast == ForecastChurn {
			r.Expected = 0
		}
		return
	}
	r.Defaulted = true
	r.Expected = 0
	for _, l := range r.Lines {
		switch {
		case l.Signed > 0:
			r.Expected += l.Signed
		case !l.Canceled:
			r.Expected += l.Amount
		}
	}
	switch {
	case r.Expected == 0:
		r.Forecast = ForecastChurn
	case r.HealthRisk:
		r.Forecast = ForecastAtRisk
	case r.Expected > r.Amount:
		r.Forecast = ForecastExpand
	default:
		r.Forecast = ForecastRenew
	}
}

// ForecastRetention is the retention a forecast implies for a period:
// actual movements up to AsOf, then each renewal due after AsOf at its
// expected amount, everything else flat. Downside assumes the at-risk
// renewals churn.
type ForecastRetention struct {
	Period   Period    `json:"period"`
	Implied  Retention `json:"implied"`
	Downside Retention `json:"downside"`
	// Renewals sums the renewals due in the period after AsOf: Due, and
	// Renewed as expected (capped at what is due) — the implied GDRR.
	Renewals Renewals `json:"renewals"`
}

// ForecastRetention computes the retention forecast for period p (a
// quarter, usually) over the accounts present at its start.
func (b *Book) ForecastRetention(p Period, calls map[RenewalKey]Call) ForecastRetention {
	return b.ForecastRetentionOf(p, Outlook{Calls: calls})
}

// ForecastRetentionOf is ForecastRetention from an Outlook: the calls, and
// the accounts at risk by their health, whose renewals the downside
// loses.
func (b *Book) ForecastRetentionOf(p Period, o Outlook) ForecastRetention {
	from, to := dayOf(p.From), dayOf(p.To)
	out := ForecastRetention{Period: p}
	rens := b.renewals(b.asOf+1, max(to, b.asOf+1), o)
	// Changes per account after AsOf, by day, for both scenarios.
	type change struct {
		d              day
		implied, worst int64
	}
	byAcct := map[int64][]change{}
	for _, r := range rens {
		c := change{d: dayOf(r.Due), implied: r.Expected - r.Amount, worst: r.Expected - r.Amount}
		if r.Forecast == ForecastAtRisk {
			c.worst = -r.Amount
		}
		byAcct[r.Account] = append(byAcct[r.Account], c)
		if c.d >= from && c.d < to {
			out.Renewals.Due += r.Amount
			out.Renewals.Count++
			kept := min(r.Expected, r.Amount)
			out.Renewals.Renewed += kept
			if kept > 0 {
				out.Renewals.Kept++
			}
			if kept == r.Amount {
				out.Renewals.Flat++
			}
		}
	}
	var ri, rw retTally
	for a, id := range b.ids {
		lo, hi := b.acctSteps[a], b.acctSteps[a+1]
		proj := func(d day, worst bool) int64 {
			m := at(&b.as, lo, hi, min(d, b.asOf))
			for _, c := range byAcct[id] {
				if c.d <= d {
					if worst {
						m += c.worst
					} else {
						m += c.implied
					}
				}
			}
			return max(m, 0)
		}
		s := proj(from-1, false)
		ri.add(s, proj(to-1, false))
		sw := proj(from-1, true)
		rw.add(sw, proj(to-1, true))
	}
	out.Implied, out.Downside = ri.public(), rw.public()
	return out
}

// retTally is a Retention being summed.
type retTally struct {
	start int64
	cust  int32
	f     retFlow
}

func (r *retTally) add(s, e int64) {
	if s == 0 {
		return
	}
	r.start += s
	r.cust++
	r.f.add(s, e)
}

func (r *retTally) public() Retention { return retention(r.start, r.cust, &r.f) }

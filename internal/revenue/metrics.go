package revenue

import (
	"cmp"
	"slices"
)

// Retention is the retention of the customers present at the start of a
// period (new customers excluded): their MRR at the start, and what
// happened to each of them by the end of the period, netted per customer —
// a customer whose MRR ends higher than it started adds to Expansion, lower
// to Contraction, and at zero to Churn (and to Lost). A customer who
// leaves and comes back within the period is judged by where it ends.
//
// In the account wallet a customer is an account; in the product wallet it
// is one product line of an account, so a line dropped by a continuing
// account is churn there and only contraction in the account wallet.
type Retention struct {
	Start       int64 `json:"start"`
	Expansion   int64 `json:"expansion"`
	Contraction int64 `json:"contraction"`
	Churn       int64 `json:"churn"`
	Customers   int   `json:"customers"`  // present at the start
	Expanded    int   `json:"expanded"`   // ended above their start
	Contracted  int   `json:"contracted"` // ended below their start, above zero
	Lost        int   `json:"lost"`       // ended at zero
}

// GRR is gross revenue retention, (S − C − X) / S. It is never above 1.
func (r Retention) GRR() Ratio { return Ratio{r.Start - r.Contraction - r.Churn, r.Start} }

// NRR is net revenue retention, (S + E − C − X) / S.
func (r Retention) NRR() Ratio {
	return Ratio{r.Start + r.Expansion - r.Contraction - r.Churn, r.Start}
}

// LogoChurn is customers lost / customers at the start.
func (r Retention) LogoChurn() Ratio { return Ratio{int64(r.Lost), int64(r.Customers)} }

// IncreasedShare is the share of the customers at the start whose
// contract grew over the period.
func (r Retention) IncreasedShare() Ratio { return Ratio{int64(r.Expanded), int64(r.Customers)} }

// Renewals sums the renewals that fell due in a period (terms whose end
// date is in the period and on or before AsOf): the MRR due, and how much
// of it was renewed — by a term of the same product line starting within
// the renewal grace, counted at most up to the amount due, so expansion at
// renewal does not hide churn and downsell elsewhere.
type Renewals struct {
	Due     int64 `json:"due"`
	Renewed int64 `json:"renewed"`
	Count   int   `json:"count"` // renewals due (per product line and due day)
	Kept    int   `json:"kept"`  // of which renewed at least in part
	Flat    int   `json:"flat"`  // of which renewed in full
}

// GDRR is the gross dollar renewal rate, $ renewed / $ due.
func (r Renewals) GDRR() Ratio { return Ratio{r.Renewed, r.Due} }

// Metrics are the retention numbers of one slice of one dimension over one
// period. Amounts are minor units of the book's currency; Contraction and
// Churn are positive amounts that reduce MRR.
//
// The waterfall (Start … End) covers every account in the slice and obeys
// Start + New + Expansion − Contraction − Churn + Reactivation = End.
// Retention covers only the customers present at the start.
type Metrics struct {
	Period    Period `json:"period"`
	Dimension string `json:"dimension"`
	Slice     string `json:"slice"`

	Start        int64 `json:"start"`
	New          int64 `json:"new"`
	Expansion    int64 `json:"expansion"`
	Contraction  int64 `json:"contraction"`
	Churn        int64 `json:"churn"`
	Reactivation int64 `json:"reactivation"`
	End          int64 `json:"end"`

	CustomersStart int `json:"customers_start"`
	CustomersEnd   int `json:"customers_end"`
	// Movements counts the ledger's movements of each kind in the period.
	Movements MovementCounts `json:"movements"`

	// Retention is the account wallet (for the product dimension, the
	// product lines of the slice's product).
	Retention Retention `json:"retention"`
	// ProductRetention is the product wallet: the same customers counted
	// per product line.
	ProductRetention Retention `json:"product_retention"`
	Renewals         Renewals  `json:"renewals"`
}

// MovementCounts counts movements by kind.
type MovementCounts struct {
	New          int `json:"new"`
	Expansion    int `json:"expansion"`
	Contraction  int `json:"contraction"`
	Churn        int `json:"churn"`
	Reactivation int `json:"reactivation"`
}

// Of is the count of kind k.
func (c MovementCounts) Of(k Kind) int {
	switch k {
	case New:
		return c.New
	case Expansion:
		return c.Expansion
	case Contraction:
		return c.Contraction
	case Churn:
		return c.Churn
	case Reactivation:
		return c.Reactivation
	}
	return 0
}

// Net is End − Start, the sum of every movement.
func (m *Metrics) Net() int64 { return m.New + m.Expansion - m.Contraction - m.Churn + m.Reactivation }

// GRR is the account wallet's gross revenue retention.
func (m *Metrics) GRR() Ratio { return m.Retention.GRR() }

// NRR is the account wallet's net revenue retention.
func (m *Metrics) NRR() Ratio { return m.Retention.NRR() }

// LogoChurn is the share of the customers at the start that had left by
// the end.
func (m *Metrics) LogoChurn() Ratio { return m.Retention.LogoChurn() }

// GDRR is the gross dollar renewal rate on renewals due in the period.
func (m *Metrics) GDRR() Ratio { return m.Renewals.GDRR() }

// QuickRatio is (new + expansion + reactivation) / (contraction + churn):
// MRR gained for each unit lost.
func (m *Metrics) QuickRatio() Ratio {
	return Ratio{m.New + m.Expansion + m.Reactivation, m.Contraction + m.Churn}
}

// ARPA is the average MRR per account at the end of the period, in minor
// units.
func (m *Metrics) ARPA() Ratio { return Ratio{m.End, int64(m.CustomersEnd)} }

// Ratios gathers every ratio of m, for surfaces that show them together.
type Ratios struct {
	GRR        Ratio `json:"grr"`
	NRR        Ratio `json:"nrr"`
	ProductGRR Ratio `json:"product_grr"`
	ProductNRR Ratio `json:"product_nrr"`
	LogoChurn  Ratio `json:"logo_churn"`
	GDRR       Ratio `json:"gdrr"`
	QuickRatio Ratio `json:"quick_ratio"`
	ARPA       Ratio `json:"arpa"`
	Increased  Ratio `json:"increased"`
}

// Ratios computes every ratio of m.
func (m *Metrics) Ratios() Ratios {
	return Ratios{GRR: m.GRR(), NRR: m.NRR(), ProductGRR: m.ProductRetention.GRR(), ProductNRR: m.ProductRetention.NRR(),
		LogoChurn: m.LogoChurn(), GDRR: m.GDRR(), QuickRatio: m.QuickRatio(), ARPA: m.ARPA(), Increased: m.Retention.IncreasedShare()}
}

// period bounds, sorted by start.
type span struct {
	from, to day
	q        int // index in the caller's list
}

// Metrics computes the metrics of every period for every slice of each
// dimension (All when none is given). The result lists, for each dimension
// in the order given and each period in the order given, every slice that
// has MRR, movements or renewals in any of the periods, by slice name.
// Periods may overlap (months, quarters and trailing twelve months in one
// call); a period reaching past AsOf is measured to date.
func (b *Book) Metrics(periods []Period, dims ...Dimension) []Metrics {
	if len(dims) == 0 {
		dims = []Dimension{All()}
	}
	sp := make([]span, len(periods))
	for q, p := range periods {
		sp[q] = span{dayOf(p.From), dayOf(p.To), q}
	}
	slices.SortStableFunc(sp, func(x, y span) int { return cmp.Or(cmp.Compare(x.from, y.from), cmp.Compare(x.to, y.to)) })
	sorted := make([]Period, len(sp))
	for i, s := range sp {
		sorted[i] = periods[s.q]
	}
	rs := make([]*resolved, len(dims))
	tallies := make([][]tally, len(dims))
	for i, d := range dims {
		rs[i] = b.resolve(d, sorted)
		tallies[i] = make([]tally, len(sp)*len(rs[i].keys))
	}
	b.accumulate(sp, rs, tallies)

	var out []Metrics
	pos := make([]int, len(sp)) // caller's period index → sorted index
	for qs, s := range sp {
		pos[s.q] = qs
	}
	for i, r := range rs {
		nk := len(r.keys)
		live := make([]bool, nk)
		for q := range sp {
			for k := range nk {
				if !tallies[i][k*len(sp)+q].empty() {
					live[k] = true
				}
			}
		}
		order := make([]int, 0, nk)
		for k := range nk {
			if live[k] {
				order = append(order, k)
			}
		}
		slices.SortFunc(order, func(x, y int) int { return cmp.Compare(r.keys[x], r.keys[y]) })
		out = slices.Grow(out, len(order)*len(periods))
		for q := range periods {
			for _, k := range order {
				t := &tallies[i][k*len(sp)+pos[q]]
				out = append(out, t.metrics(periods[q], r.name, r.keys[k], r.product))
			}
		}
	}
	return out
}

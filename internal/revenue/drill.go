package revenue

import (
	"cmp"
	"fmt"
	"slices"
)

// Component names one number of Metrics that can be drilled into, to the
// accounts (and product lines) behind it.
type Component string

// The components of Metrics.
const (
	CompStart Component = "start" // MRR at the start; Count: customers at the start
	CompEnd   Component = "end"   // MRR at the end; Count: customers at the end
	// The ledger's movements of each kind in the period; Count: movements.
	CompNew          Component = "new"
	CompExpansion    Component = "expansion"
	CompContraction  Component = "contraction"
	CompChurn        Component = "churn"
	CompReactivation Component = "reactivation"
	// Retention.Expansion, .Contraction and .Churn (the account wallet;
	// for the product dimension, its lines), netted per customer; Count
	// is 1 per customer, so the Lost counts are CompLost's.
	CompRetainedExpansion   Component = "retention_expansion"
	CompRetainedContraction Component = "retention_contraction"
	CompLost                Component = "retention_churn"
	// ProductRetention's Expansion, Contraction and Churn, per product line.
	CompProductExpansion   Component = "product_expansion"
	CompProductContraction Component = "product_contraction"
	CompProductChurn       Component = "product_churn"
	// Renewals.Due and .Renewed, per product line and due day; Count:
	// renewals due (Renewals.Count), renewed at least in part
	// (Renewals.Kept).
	CompRenewalDue Component = "renewal_due"
	CompRenewed    Component = "renewed"
)

// Components lists every component.
var Components = []Component{CompStart, CompNew, CompExpansion, CompContraction, CompChurn, CompReactivation, CompEnd,
	CompRetainedExpansion, CompRetainedContraction, CompLost,
	CompProductExpansion, CompProductContraction, CompProductChurn, CompRenewalDue, CompRenewed}

// Contribution is one account's (or one product line's) share of a
// component: Amount in minor units, Count in customers, movements or
// renewals. Amounts of contraction and churn are positive.
type Contribution struct {
	Account int64  `json:"account_id"`
	Product string `json:"product,omitempty"`
	Amount  int64  `json:"amount"`
	Count   int    `json:"count"`
}

// Contributors lists the accounts (or product lines) behind component c
// of the metrics of slice in dimension d over period p, largest amount
// first. Their amounts and counts add up to the number Metrics reports.
// It reads the book one account at a time, independently of the engine
// behind Metrics, so each checks the other.
func (b *Book) Contributors(p Period, d Dimension, slice string, c Component) ([]Contribution, error) {
	if !slices.Contains(Components, c) {
		return nil, fmt.Errorf("%q is not a metrics component (want one of %v)", c, Components)
	}
	r := b.resolve(d, []Period{p})
	want := int32(slices.Index(r.keys, slice))
	if want < 0 {
		return nil, nil
	}
	from, to := dayOf(p.From), dayOf(p.To)
	var out []Contribution
	add := func(acct int64, prod int32, amt int64, n int) {
		if amt == 0 && n == 0 {
			return
		}
		ct := Contribution{Account: acct, Amount: amt, Count: n}
		if prod >= 0 {
			ct.Product = b.products[prod]
		}
		out = append(out, ct)
	}
	for a := range b.ids {
		id := b.ids[a]
		if !r.product && r.slice(0, a, len(b.ids)) != want {
			continue
		}
		if !r.product {
			b.drillAccount(int32(a), from, to, c, add)
		}
		for l := b.acctLines[a]; l < b.acctLines[a+1]; l++ {
			p := b.lines[l].prod
			if r.product && p != want {
				continue
			}
			lo, hi := b.lineSteps[l], b.lineSteps[l+1]
			s, e := at(&b.ls, lo, hi, from-1), at(&b.ls, lo, hi, to-1)
			switch {
			case r.product && (c == CompStart || c == CompEnd || isMove(c)):
				b.drillSteps(&b.ls, lo, hi, from, to, c, func(amt int64, n int) { add(id, p, amt, n) })
			case r.product && c == CompRetainedExpansion || c == CompProductExpansion:
				if s > 0 && e > s {
					add(id, p, e-s, 1)
				}
			case r.product && c == CompRetainedContraction || c == CompProductContraction:
				if s > e && e > 0 {
					add(id, p, s-e, 1)
				}
			case r.product && c == CompLost || c == CompProductChurn:
				if s > 0 && e == 0 {
					add(id, p, s, 1)
				}
			case c == CompRenewalDue || c == CompRenewed:
				for k := b.lineDues[l]; k < b.lineDues[l+1]; k++ {
					if d := b.dd[k].day; d >= from && d < to {
						if c == CompRenewalDue {
							add(id, p, b.dd[k].elig, 1)
						} else if b.dd[k].renewed > 0 {
							add(id, p, b.dd[k].renewed, 1)
						}
					}
				}
			}
		}
	}
	slices.SortStableFunc(out, func(x, y Contribution) int {
		return cmp.Or(cmp.Compare(y.Amount, x.Amount), cmp.Compare(x.Account, y.Account), cmp.Compare(x.Product, y.Product))
	})
	return out, nil
}

func isMove(c Component) bool {
	switch c {
	case CompNew, CompExpansion, CompContraction, CompChurn, CompReactivation:
		return true
	}
	return false
}

var compKind = map[Component]Kind{CompNew: New, CompExpansion: Expansion, CompContraction: Contraction, CompChurn: Churn, CompReactivation: Reactivation}

// drillAccount reports account a's share of an account-view component.
func (b *Book) drillAccount(a int32, from, to day, c Component, add func(int64, int32, int64, int)) {
	id := b.ids[a]
	lo, hi := b.acctSteps[a], b.acctSteps[a+1]
	s, e := at(&b.as, lo, hi, from-1), at(&b.as, lo, hi, to-1)
	switch {
	case c == CompStart || c == CompEnd || isMove(c):
		b.drillSteps(&b.as, lo, hi, from, to, c, func(amt int64, n int) { add(id, -1, amt, n) })
	case c == CompRetainedExpansion:
		if s > 0 && e > s {
			add(id, -1, e-s, 1)
		}
	case c == CompRetainedContraction:
		if s > e && e > 0 {
			add(id, -1, s-e, 1)
		}
	case c == CompLost:
		if s > 0 && e == 0 {
			add(id, -1, s, 1)
		}
	}
}

// drillSteps reports one step function's share of a waterfall component.
func (b *Book) drillSteps(s *steps, lo, hi int32, from, to day, c Component, add func(int64, int)) {
	switch c {
	case CompStart:
		if m := at(s, lo, hi, from-1); m > 0 {
			add(m, 1)
		}
		return
	case CompEnd:
		if m := at(s, lo, hi, to-1); m > 0 {
			add(m, 1)
		}
		return
	}
	want := compKind[c]
	var amt int64
	n := 0
	var prev int64
	for k := lo; k < hi; k++ {
		if d := s.day[k]; d >= from && d < to && s.kind[k] == want {
			amt += abs(s.mrr[k] - prev)
			n++
		}
		prev = s.mrr[k]
	}
	add(amt, n)
}

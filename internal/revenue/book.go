package revenue

import (
	"cmp"
	"slices"

	"github.com/tendhq/tend/internal/civil"
)

// AsOf is the day the book is closed on.
func (b *Book) AsOf() civil.Date { return dateOf(b.asOf) }

// Currency is the reporting currency of every amount in the book.
func (b *Book) Currency() string { return b.currency }

// Skipped counts the rows left out of the ledger, by reason.
func (b *Book) Skipped() Skipped { return b.skipped }

// Accounts lists the ids of the accounts that have paid subscription rows,
// ascending.
func (b *Book) Accounts() []int64 { return slices.Clone(b.ids) }

// Products lists the product lines seen, by name.
func (b *Book) Products() []string { return slices.Clone(b.products) }

// acct is the dense index of account id, or −1.
func (b *Book) acct(id int64) int32 {
	i, ok := slices.BinarySearch(b.ids, id)
	if !ok {
		return -1
	}
	return int32(i)
}

// prodIndex is the index of product name, or −1.
func (b *Book) prodIndex(name string) int32 {
	i, ok := slices.BinarySearch(b.products, name)
	if !ok {
		return -1
	}
	return int32(i)
}

// at is the MRR in force on day d of the step function s[lo:hi].
func at(s *steps, lo, hi int32, d day) int64 {
	var m int64
	for k := lo; k < hi && s.day[k] <= d; k++ {
		m = s.mrr[k]
	}
	return m
}

// MRR is the account's MRR in force on day d, after that day's movements.
// Days after AsOf read the MRR as of AsOf: nothing later is recognised.
func (b *Book) MRR(account int64, d civil.Date) int64 {
	a := b.acct(account)
	if a < 0 {
		return 0
	}
	return at(&b.as, b.acctSteps[a], b.acctSteps[a+1], dayOf(d))
}

// ProductMRR is the MRR of one product line of the account on day d.
func (b *Book) ProductMRR(account int64, product string, d civil.Date) int64 {
	a, p := b.acct(account), b.prodIndex(product)
	if a < 0 || p < 0 {
		return 0
	}
	for l := b.acctLines[a]; l < b.acctLines[a+1]; l++ {
		if b.lines[l].prod == p {
			return at(&b.ls, b.lineSteps[l], b.lineSteps[l+1], dayOf(d))
		}
	}
	return 0
}

// TotalMRR is the MRR of all accounts on day d.
func (b *Book) TotalMRR(d civil.Date) int64 {
	dd := dayOf(d)
	var sum int64
	for a := range b.ids {
		sum += at(&b.as, b.acctSteps[a], b.acctSteps[a+1], dd)
	}
	return sum
}

// Timeline is the account's MRR as a step function: each step gives the
// MRR in force from its day until the next step. Before the first step the
// MRR is zero.
func (b *Book) Timeline(account int64) []Step {
	a := b.acct(account)
	if a < 0 {
		return nil
	}
	return b.timeline(&b.as, b.acctSteps[a], b.acctSteps[a+1])
}

// ProductTimeline is the MRR of one product line of the account as a step
// function.
func (b *Book) ProductTimeline(account int64, product string) []Step {
	a, p := b.acct(account), b.prodIndex(product)
	if a < 0 || p < 0 {
		return nil
	}
	for l := b.acctLines[a]; l < b.acctLines[a+1]; l++ {
		if b.lines[l].prod == p {
			return b.timeline(&b.ls, b.lineSteps[l], b.lineSteps[l+1])
		}
	}
	return nil
}

func (b *Book) timeline(s *steps, lo, hi int32) []Step {
	out := make([]Step, 0, hi-lo)
	for k := lo; k < hi; k++ {
		out = append(out, Step{Date: dateOf(s.day[k]), MRR: s.mrr[k]})
	}
	return out
}

// movement materialises step k of s as a Movement of product p (−1: none).
func (b *Book) movement(s *steps, lo, k int32, account int64, p int32) Movement {
	var from int64
	if k > lo {
		from = s.mrr[k-1]
	}
	m := Movement{Date: dateOf(s.day[k]), Account: account, Kind: s.kind[k], From: from, To: s.mrr[k]}
	if p >= 0 {
		m.Product = b.products[p]
	}
	return m
}

// AccountMovements is the account's ledger in the account view, by date.
func (b *Book) AccountMovements(account int64) []Movement {
	a := b.acct(account)
	if a < 0 {
		return nil
	}
	lo, hi := b.acctSteps[a], b.acctSteps[a+1]
	out := make([]Movement, 0, hi-lo)
	for k := lo; k < hi; k++ {
		out = append(out, b.movement(&b.as, lo, k, account, b.as.prod[k]))
	}
	return out
}

// ProductMovements is the account's ledger in the product view: each
// product line's movements, by date then product.
func (b *Book) ProductMovements(account int64) []Movement {
	a := b.acct(account)
	if a < 0 {
		return nil
	}
	var out []Movement
	for l := b.acctLines[a]; l < b.acctLines[a+1]; l++ {
		lo, hi := b.lineSteps[l], b.lineSteps[l+1]
		for k := lo; k < hi; k++ {
			out = append(out, b.movement(&b.ls, lo, k, account, b.lines[l].prod))
		}
	}
	slices.SortStableFunc(out, func(x, y Movement) int {
		return cmp.Or(cmp.Compare(dayOf(x.Date), dayOf(y.Date)), cmp.Compare(x.Product, y.Product))
	})
	return out
}

// Ledger is every movement dated in period p, in the account view, or in
// the product view when byProduct is set; by date, then account, then
// product.
func (b *Book) Ledger(p Period, byProduct bool) []Movement {
	from, to := dayOf(p.From), dayOf(p.To)
	var out []Movement
	for a := range b.ids {
		if !byProduct {
			lo, hi := b.acctSteps[a], b.acctSteps[a+1]
			for k := lo; k < hi; k++ {
				if d := b.as.day[k]; d >= from && d < to {
					out = append(out, b.movement(&b.as, lo, k, b.ids[a], b.as.prod[k]))
				}
			}
			continue
		}
		for l := b.acctLines[a]; l < b.acctLines[a+1]; l++ {
			lo, hi := b.lineSteps[l], b.lineSteps[l+1]
			for k := lo; k < hi; k++ {
				if d := b.ls.day[k]; d >= from && d < to {
					out = append(out, b.movement(&b.ls, lo, k, b.ids[a], b.lines[l].prod))
				}
			}
		}
	}
	slices.SortStableFunc(out, func(x, y Movement) int {
		return cmp.Or(cmp.Compare(dayOf(x.Date), dayOf(y.Date)), cmp.Compare(x.Account, y.Account), cmp.Compare(x.Product, y.Product))
	})
	return out
}

// FirstPaid is the first day the account paid (its first movement), or
// the zero Date if it never has as of AsOf.
func (b *Book) FirstPaid(account int64) civil.Date {
	a := b.acct(account)
	if a < 0 || b.acctSteps[a] == b.acctSteps[a+1] {
		return civil.Date{}
	}
	return dateOf(b.as.day[b.acctSteps[a]])
}

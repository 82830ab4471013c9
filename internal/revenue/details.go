package revenue

import (
	"cmp"
	"slices"

	"github.com/tendhq/tend/internal/civil"
)

// The "know the details" questions of domain.md. The share of customers
// that increased their contract over a period is Retention.IncreasedShare
// of Metrics (for any slice), and churn by industry is Metrics sliced by
// industry; the rest are here.

// ContractSize compares the MRR of long-standing customers now with their
// original contract.
type ContractSize struct {
	MinYears  int   `json:"min_years"`
	Customers int   `json:"customers"`
	Original  int64 `json:"original"` // sum of their first contracts' MRR
	Now       int64 `json:"now"`      // sum of their MRR at AsOf
	// Accounts are the customers counted, ascending.
	Accounts []int64 `json:"accounts"`
}

// AverageOriginal is the average original contract (minor units).
func (c ContractSize) AverageOriginal() Ratio { return Ratio{c.Original, int64(c.Customers)} }

// AverageNow is the average contract now (minor units).
func (c ContractSize) AverageNow() Ratio { return Ratio{c.Now, int64(c.Customers)} }

// Growth is the average contract now over the average original one.
func (c ContractSize) Growth() Ratio { return Ratio{c.Now, c.Original} }

// ContractSizeByTenure compares, for the customers paying at AsOf who
// became customers at least minYears years before it, their MRR at AsOf
// with their original contract: the MRR after their first movement in the
// book (the first day's rows, netted). since gives the day an account
// became a customer (Account.CustomerSince); nil, or a zero Date, means
// its first paid day in the book. When the book's history starts later
// than an account's first contract, "original" is the earliest contract on
// record.
func (b *Book) ContractSizeByTenure(minYears int, since func(account int64) civil.Date) ContractSize {
	out := ContractSize{MinYears: minYears}
	cutoff := dayOf(dateOf(b.asOf).AddMonths(-12 * minYears))
	for a, id := range b.ids {
		lo, hi := b.acctSteps[a], b.acctSteps[a+1]
		if lo == hi {
			continue
		}
		now := at(&b.as, lo, hi, b.asOf)
		if now == 0 {
			continue
		}
		start := b.as.day[lo]
		if since != nil {
			if s := since(id); !s.IsZero() {
				start = dayOf(s)
			}
		}
		if start > cutoff {
			continue
		}
		out.Customers++
		out.Original += b.as.mrr[lo]
		out.Now += now
		out.Accounts = append(out.Accounts, id)
	}
	return out
}

// DiscountChange is the discount of one product line before and after its
// first renewal, in percent (MRR-weighted over the terms that ended and
// the terms that renewed them).
type DiscountChange struct {
	Account int64      `json:"account_id"`
	Product string     `json:"product"`
	Date    civil.Date `json:"date"`
	Before  float64    `json:"before"`
	After   float64    `json:"after"`
}

// DiscountChanges summarises discount changes at first renewal.
type DiscountChanges struct {
	Items     []DiscountChange `json:"items"` // by date, then account, then product
	Increased int              `json:"increased"`
	Decreased int              `json:"decreased"`
	Unchanged int              `json:"unchanged"`
	// AverageBefore, AverageAfter and AverageChange are simple means over
	// the renewals, in percent and percentage points; zero when there
	// are none.
	AverageBefore float64 `json:"average_before"`
	AverageAfter  float64 `json:"average_after"`
	AverageChange float64 `json:"average_change"`
}

// FirstRenewalDiscounts reports the discount change at the first renewal
// of every product line whose first renewal falls in period p (from
// Subscription.DiscountPercent). A line's first renewal is the first due
// date on which some of it was renewed.
func (b *Book) FirstRenewalDiscounts(p Period) DiscountChanges {
	from, to := dayOf(p.From), dayOf(p.To)
	var out DiscountChanges
	for _, f := range b.firsts {
		if f.day < from || f.day >= to {
			continue
		}
		ln := b.lines[f.line]
		c := DiscountChange{Account: b.ids[ln.acct], Product: b.products[ln.prod], Date: dateOf(f.day),
			Before: float64(f.before), After: float64(f.after)}
		out.Items = append(out.Items, c)
		switch {
		case c.After > c.Before:
			out.Increased++
		case c.After < c.Before:
			out.Decreased++
		default:
			out.Unchanged++
		}
		out.AverageBefore += c.Before
		out.AverageAfter += c.After
	}
	if n := float64(len(out.Items)); n > 0 {
		out.AverageBefore /= n
		out.AverageAfter /= n
		out.AverageChange = out.AverageAfter - out.AverageBefore
	}
	slices.SortFunc(out.Items, func(x, y DiscountChange) int {
		return cmp.Or(cmp.Compare(dayOf(x.Date), dayOf(y.Date)), cmp.Compare(x.Account, y.Account), cmp.Compare(x.Product, y.Product))
	})
	return out
}

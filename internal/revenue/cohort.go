package revenue

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/tendhq/tend/internal/civil"
)

// CohortRow follows the accounts that became customers in one month, month
// by month: column k is the end of the k-th month after the cohort's own
// month (column 0 is the end of the cohort's month), up to the month that
// contains AsOf (measured to date).
type CohortRow struct {
	Cohort string `json:"cohort"` // "YYYY-MM"
	// Accounts are the cohort's accounts, ascending; Customers counts them.
	Accounts  []int64 `json:"accounts"`
	Customers int     `json:"customers"`
	MRR       []int64 `json:"mrr"`   // the cohort's MRR at the end of each column's month
	Logos     []int   `json:"logos"` // the cohort's accounts paying then
}

// RevenueRetention is the cohort's MRR in column k over its MRR in column
// 0 (a net figure: expansion and reactivation count, so it can pass 100%).
func (r *CohortRow) RevenueRetention(k int) Ratio {
	if k >= len(r.MRR) || len(r.MRR) == 0 {
		return Ratio{}
	}
	return Ratio{r.MRR[k], r.MRR[0]}
}

// LogoRetention is the share of the cohort's accounts paying in column k.
func (r *CohortRow) LogoRetention(k int) Ratio {
	if k >= len(r.Logos) {
		return Ratio{}
	}
	return Ratio{int64(r.Logos[k]), int64(r.Customers)}
}

// CohortBasis says how accounts are put in cohorts: by the month of their
// first paid day in the book, the standard definition (Stripe's and
// Chargebee's cohort reports, for example), so that column 0 is each
// cohort's first MRR and later columns compare with it.
const CohortBasis = "first_paid_month"

// CohortTable is a cohort table of revenue and logo retention, one row per
// start month, oldest first.
type CohortTable struct {
	Basis string      `json:"basis"` // CohortBasis
	Rows  []CohortRow `json:"rows"`
}

// Cohorts builds the cohort table of the accounts whose first paid day in
// the book falls in the months from first to last (inclusive, by the
// months containing them). A sign-up date earlier than the first payment
// (Account.CustomerSince) does not decide the cohort: counted from it, the
// cohort's column 0 would hold no MRR of that account, and its first
// payment would show as retention above 100%.
func (b *Book) Cohorts(first, last civil.Date) CohortTable {
	mFirst, mLast := monthIndex(first), monthIndex(last)
	mAsOf := monthIndex(dateOf(b.asOf))
	rows := map[int]*CohortRow{}
	for a, id := range b.ids {
		lo, hi := b.acctSteps[a], b.acctSteps[a+1]
		if lo == hi {
			continue
		}
		m := monthIndex(dateOf(b.as.day[lo]))
		if m < mFirst || m > mLast || m > mAsOf {
			continue
		}
		r := rows[m]
		if r == nil {
			n := mAsOf - m + 1
			r = &CohortRow{Cohort: fmt.Sprintf("%04d-%02d", m/12, m%12+1), MRR: make([]int64, n), Logos: make([]int, n)}
			rows[m] = r
		}
		r.Accounts = append(r.Accounts, id)
		r.Customers++
		for k := range r.MRR {
			end := monthStart(m+k+1) - 1
			if v := at(&b.as, lo, hi, min(end, b.asOf)); v > 0 {
				r.MRR[k] += v
				r.Logos[k]++
			}
		}
	}
	t := CohortTable{Basis: CohortBasis}
	for _, r := range rows {
		t.Rows = append(t.Rows, *r)
	}
	slices.SortFunc(t.Rows, func(x, y CohortRow) int { return cmp.Compare(x.Cohort, y.Cohort) })
	return t
}

// monthIndex numbers the month of d (year×12 + month−1).
func monthIndex(d civil.Date) int { return d.Year*12 + int(d.Month) - 1 }

// monthStart is the first day of month index m.
func monthStart(m int) day {
	return dayOf(civil.Date{Year: m / 12, Month: monthOf(m), Day: 1})
}

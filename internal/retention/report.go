package retention

import (
	"fmt"
	"math"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/revenue"
)

// Report is the retention of one period, sliced by one dimension: what the
// API answers and what `tend metrics retention --format json` prints.
type Report struct {
	Period    revenue.Period `json:"period"`
	Dimension string         `json:"dimension"`
	Basis
	// Slices are the dimension's slices that had MRR, movements or
	// renewals in the period, by name.
	Slices []RetentionSlice `json:"slices"`
	// Definitions writes out how each number is computed.
	Definitions map[string]string `json:"definitions"`
}

// Basis is what every report states about its numbers: the day the books
// were closed on, the currency and unit of every amount, and the
// subscription rows the book leaves out.
type Basis struct {
	AsOf civil.Date `json:"as_of"`
	// Currency of every amount, and AmountsIn its unit: amounts are
	// integer minor units ("cents" for USD: 123456 is $1,234.56), as
	// everywhere in Tend's JSON; CSV and tables show decimals.
	Currency  string `json:"currency"`
	AmountsIn string `json:"amounts_in"`
	// Skipped counts the subscription rows left out of every figure, by
	// reason (trials, zero MRR, ending on their start day…).
	Skipped revenue.Skipped `json:"skipped"`
}

// BasisOf is book's Basis.
func BasisOf(book *revenue.Book) Basis {
	cur := book.Currency()
	unit := "cents"
	if e := money.Exponent(cur); cur != "USD" || e != 2 {
		unit = fmt.Sprintf("minor units of %s (1/%d)", cur, int(math.Pow10(e)))
	}
	return Basis{AsOf: book.AsOf(), Currency: cur, AmountsIn: unit, Skipped: book.Skipped()}
}

// SkippedNote says in words which subscription rows the book leaves out,
// or "" when none are.
func SkippedNote(s revenue.Skipped) string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(s.Trials, "trials")
	add(s.ZeroMRR, "with zero MRR")
	add(s.ZeroLength, "ending on the day they start")
	add(s.NoStart, "with no start date")
	add(s.EndedUndated, "ended with no end date")
	if len(parts) == 0 {
		return ""
	}
	return "Subscriptions left out of every figure: " + strings.Join(parts, ", ") + "."
}

// RetentionSlice is one slice's MRR waterfall and ratios. Amounts are minor
// units; contraction and churn are positive amounts that reduce MRR. Ratios
// are numbers (0.973 for 97.3%), or null when undefined (nothing to divide
// by).
type RetentionSlice struct {
	Slice          string `json:"slice"`
	Start          int64  `json:"start"`
	New            int64  `json:"new"`
	Expansion      int64  `json:"expansion"`
	Contraction    int64  `json:"contraction"`
	Churn          int64  `json:"churn"`
	Reactivation   int64  `json:"reactivation"`
	End            int64  `json:"end"`
	CustomersStart int    `json:"customers_start"`
	CustomersEnd   int    `json:"customers_end"`

	Ratios           revenue.Ratios         `json:"ratios"`
	Movements        revenue.MovementCounts `json:"movements"`
	Retention        revenue.Retention      `json:"retention"`
	ProductRetention revenue.Retention      `json:"product_retention"`
	Renewals         revenue.Renewals       `json:"renewals"`
}

// Definitions are the formulas of the numbers in a Report, as in
// docs/revenue.md and the domain glossary. S is the MRR at the start of the
// customers present then; E, C and X their expansion, contraction and churn
// netted per customer over the period.
var Definitions = map[string]string{
	"start":        "MRR of the slice's accounts at the end of the day before the period",
	"end":          "MRR of the slice's accounts at the end of the period's last day (or of as_of)",
	"identity":     "start + new + expansion − contraction − churn + reactivation = end",
	"new":          "MRR of accounts paying for the first time (or returning after the 365-day reactivation window)",
	"reactivation": "MRR of accounts returning within 365 days of churning",
	"churn":        "MRR lost by accounts that stopped paying; recognised at the end of the paid period, after a 30-day renewal grace",
	"grr":          "gross revenue retention = (S − C − X) / S, never above 100%",
	"nrr":          "net revenue retention = (S + E − C − X) / S",
	"product_grr":  "GRR counting each product line of each account as a customer (a dropped line is churn)",
	"product_nrr":  "NRR counting each product line of each account as a customer",
	"logo_churn":   "customers lost / customers at the start",
	"gdrr":         "gross dollar renewal rate = $ renewed / $ due, over renewals due in the period, renewed amounts capped at the amount due",
	"quick_ratio":  "(new + expansion + reactivation) / (contraction + churn)",
	"arpa":         "average revenue per account = ending MRR / customers at the end: the accounts paying on the period's last day (or as_of), read from subscription history, so it may differ from today's count of customers (minor units)",
	"increased":    "share of the customers at the start whose MRR grew over the period",
}

// Measure computes period's retention by the named dimension ("" means
// "all") over book, whose accounts' attributes give the slices. A bad
// dimension name is an error naming it.
func Measure(book *revenue.Book, accounts []customer.Account, period revenue.Period, by string) (*Report, error) {
	if by == "" {
		by = "all"
	}
	dim, err := revenue.DimensionByName(by, accounts)
	if err != nil {
		return nil, err
	}
	ms := book.Metrics([]revenue.Period{period}, dim)
	r := &Report{Period: period, Dimension: dim.Name, Basis: BasisOf(book),
		Slices: make([]RetentionSlice, 0, len(ms)), Definitions: Definitions}
	for i := range ms {
		m := &ms[i]
		r.Slices = append(r.Slices, RetentionSlice{
			Slice: m.Slice, Start: m.Start, New: m.New, Expansion: m.Expansion, Contraction: m.Contraction,
			Churn: m.Churn, Reactivation: m.Reactivation, End: m.End,
			CustomersStart: m.CustomersStart, CustomersEnd: m.CustomersEnd,
			Ratios: m.Ratios(), Movements: m.Movements, Retention: m.Retention,
			ProductRetention: m.ProductRetention, Renewals: m.Renewals,
		})
	}
	return r, nil
}

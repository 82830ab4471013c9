package transfer

import (
	"fmt"
	"slices"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/money"
)

// Subscriptions store MRR, the monthly amount. Billing exports often give
// something else: ARR, or the price of each billing period. An import reads
// those as amounts that are not stored but turned into MRR, so a file
// never imports as zero revenue because its column had another name.
//
//   - arr: annual recurring revenue; MRR = arr ÷ 12.
//   - amount: the price of one billing period; MRR = amount ÷ 1, 3 or 12
//     for monthly, quarterly and annual, and ÷ the term's whole months for
//     multi_year.
//
// Divisions round half away from zero to the minor unit.
var derivedAmounts = map[string][]string{"subscriptions": {"arr", "amount"}}

// derivedAmount reports whether name is an amount the object reads only to
// derive a stored field from.
func (o Object) derivedAmount(name string) bool {
	return slices.Contains(derivedAmounts[o.Name], name)
}

// derive fills the fields derived from the row's amounts and returns what
// the row's reader should know (warnings) and what makes the row wrong
// (problems). It runs on a checked object; changed says whether it must be
// checked again. stored is the object the row updates (nil for a new one):
// a row that leaves its amount and billing period as they were (an export
// imported back) is not warned about again.
func derive(v any, amounts map[string]int64, l *layout, stored any) (warns []warning, probs []Problem, changed bool) {
	s, ok := v.(*customer.Subscription)
	if !ok {
		return nil, nil, false
	}
	prev, _ := stored.(*customer.Subscription)
	unchanged := prev != nil && prev.MRR == s.MRR && prev.BillingPeriod == s.BillingPeriod
	label := func(f string) string { return l.label(f) }
	_, mrrGiven := l.labels["mrr"]
	mrrGiven = mrrGiven && s.MRR != 0
	months := map[string]int64{"monthly": 1, "quarterly": 3, "annual": 12}[s.BillingPeriod]
	amount, hasAmount := amounts["amount"]
	arr, hasARR := amounts["arr"]
	var derived int64
	var from string
	switch {
	case hasAmount:
		if s.BillingPeriod == "multi_year" {
			months = termMonths(s)
			if months == 0 {
				return nil, []Problem{{Where: label("amount"), Message: "a multi_year amount is spread over the term's whole months: give start_on and an end_on a whole number of months later, or give mrr"}}, false
			}
		}
		derived, from = divRound(amount, months), fmt.Sprintf("amount ÷ %d (%s)", months, s.BillingPeriod)
	case hasARR && !mrrGiven:
		derived, from = divRound(arr, 12), "arr ÷ 12"
	}
	cur := s.Currency
	switch {
	case from != "" && mrrGiven && derived != s.MRR:
		return nil, []Problem{{Where: label("mrr"), Message: fmt.Sprintf("%s is not %s = %s: give one of them", money.FormatMinor(s.MRR, cur), from, money.FormatMinor(derived, cur))}}, false
	case from != "" && !mrrGiven:
		s.MRR, changed = derived, true
	}
	if hasARR && hasAmount {
		if a := divRound(arr, 12); a != s.MRR {
			return nil, []Problem{{Where: label("arr"), Message: fmt.Sprintf("arr ÷ 12 = %s is not the MRR %s (from %s): give one of them", money.FormatMinor(a, cur), money.FormatMinor(s.MRR, cur), from)}}, false
		}
	}
	if hasARR && mrrGiven && !hasAmount {
		if d := arr - 12*s.MRR; d > 12 || d < -12 {
			warns = append(warns, warning{Problem: Problem{Where: label("arr"), Message: fmt.Sprintf("%s is not 12 × mrr %s; mrr is kept", money.FormatMinor(arr, cur), money.FormatMinor(s.MRR, cur))}})
		}
	}
	if mrrGiven && !hasAmount && !hasARR && s.BillingPeriod != "monthly" && !unchanged {
		warns = append(warns, warning{Problem: Problem{Where: label("mrr"), Message: fmt.Sprintf("read as the monthly amount of a subscription billed %s; if %s is the price per billing period, map the column to amount (tend divides it by the period's months)", s.BillingPeriod, money.FormatMinor(s.MRR, cur))},
			onlyNew: prev == nil})
	}
	_, mrrCol := l.labels["mrr"]
	_, arrCol := l.labels["arr"]
	_, amountCol := l.labels["amount"]
	if !mrrCol && !arrCol && !amountCol && s.MRR == 0 && !s.Trial {
		warns = append(warns, warning{Problem: Problem{Message: "the file has no mrr, arr or amount column: imported with zero MRR, so retention leaves it out"},
			onlyNew: true})
	}
	if !s.StartOn.IsZero() && s.EndOn == s.StartOn && !s.Trial {
		warns = append(warns, warning{Problem: Problem{Where: label("end_on"), Message: fmt.Sprintf("ends on the day it starts (%s): it carries no revenue, so retention leaves it out", s.StartOn)}})
	}
	return warns, nil, changed
}

// termMonths is the number of whole months from s's start to its end, or 0
// when the end is missing or not a whole number of months later.
func termMonths(s *customer.Subscription) int64 {
	if s.StartOn.IsZero() || s.EndOn.IsZero() {
		return 0
	}
	n := (s.EndOn.Year-s.StartOn.Year)*12 + int(s.EndOn.Month) - int(s.StartOn.Month)
	if n < 1 || s.StartOn.AddMonths(n) != s.EndOn {
		return 0
	}
	return int64(n)
}

// divRound divides n by d, rounding half away from zero.
func divRound(n, d int64) int64 {
	q, r := n/d, n%d
	switch {
	case 2*r >= d:
		q++
	case 2*r <= -d:
		q--
	}
	return q
}

package demo

import (
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// paymentTerms is how many days after issue an invoice is due (net 30).
const paymentTerms = 30

// makeInvoices bills the account inside the history, one invoice per
// billing date as a billing system would: monthly accounts every month for
// everything live that day, annual accounts once a year for the year ahead,
// with a pro-rata invoice when an add-on is bought mid-term. Most invoices
// are paid on time; a few customers are slow payers; in trouble with the
// overdue sign, invoices are paid very late or not at all. Live
// subscriptions of an account with an invoice more than 30 days overdue
// become past_due.
func (g *gen) makeInvoices(a *acct) {
	T := g.today
	annual := a.billing == "annual"
	step := 1
	if annual {
		step = 12
	}
	bill := func(d civil.Date, amount int64) {
		if amount <= 0 || d.Before(g.h0) || !d.Before(T) {
			return
		}
		inv := customer.Invoice{
			ExternalID:        "in_" + a.r.token(14),
			AccountExternalID: a.ext,
			Amount:            amount,
			Currency:          "USD",
			IssuedOn:          d,
			DueOn:             d.AddDays(paymentTerms),
		}
		inv.PaidOn = g.payment(a, inv.IssuedOn, inv.DueOn, annual)
		a.invoices = append(a.invoices, inv)
	}
	cycle := map[civil.Date]bool{}
	for _, t := range a.terms {
		for k := 0; ; k++ {
			d := t.start.AddMonths(k * step)
			if !d.Before(t.end) || !d.Before(T) {
				break
			}
			cycle[d] = true
			var amount int64
			for _, s := range a.subs {
				if !s.StartOn.After(d) && s.EndOn.After(d) {
					amount += s.MRR * int64(max(1, min(step, monthsBetween(d, s.EndOn))))
				}
			}
			bill(d, amount)
		}
	}
	if annual {
		for _, s := range a.subs {
			if !cycle[s.StartOn] {
				bill(s.StartOn, s.MRR*int64(max(1, monthsBetween(s.StartOn, s.EndOn))))
			}
		}
	}
	for _, inv := range a.invoices {
		if inv.DaysOverdue(T) <= 30 {
			continue
		}
		for i := range a.subs {
			if a.subs[i].Status == customer.SubActive {
				a.subs[i].Status = customer.SubPastDue
			}
		}
	}
}

// payment is the day an invoice was paid, or zero if it is unpaid today.
func (g *gen) payment(a *acct, issued, due civil.Date, annual bool) civil.Date {
	r := a.r
	var paid civil.Date
	trouble, unpaid := false, false
	for i := range a.episodes {
		ep := &a.episodes[i]
		if !ep.has(sigOverdue) {
			continue
		}
		// Monthly invoices go bad a month before the trouble shows, and
		// some are never paid; the one annual invoice of the last year is
		// paid very late.
		switch {
		case !annual && inRange(issued, ep.from.AddDays(-30), ep.to):
			trouble, unpaid = true, r.chance(0.35)
		case annual && inRange(issued, ep.to.AddDays(-365), ep.to):
			trouble = true
		}
	}
	switch {
	case unpaid:
		// never paid
	case trouble:
		paid = due.AddDays(r.between(20, 90))
	case a.slowPayer && r.chance(0.3):
		paid = due.AddDays(r.between(3, 30))
	case r.chance(0.01):
		paid = due.AddDays(r.between(3, 20))
	case !annual && a.touch == customer.TouchTech && r.chance(0.7):
		paid = issued // card on file
	default:
		paid = issued.AddDays(r.between(1, paymentTerms-2))
	}
	if !paid.Before(g.today) {
		return civil.Date{}
	}
	return paid
}

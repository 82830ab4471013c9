package demo

import (
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// paymentTerms is how many days after issue an invoice is due (net 30).
const paymentTerms = 30

// makeInvoices bills every subscription row inside the history: monthly
// rows each month, annual rows once a year (pro rata for an add-on bought
// mid-term). Most invoices are paid on time; a few customers are slow
// payers; in trouble with the overdue sign, invoices are paid very late or
// not at all. Live rows with an invoice more than 30 days overdue become
// past_due.
func (g *gen) makeInvoices(a *acct) {
	T := g.today
	for i := range a.subs {
		s := &a.subs[i]
		step := 1
		if s.BillingPeriod == "annual" {
			step = 12
		}
		for k := 0; ; k++ {
			d := s.StartOn.AddMonths(k * step)
			if !d.Before(s.EndOn) || !d.Before(T) {
				break
			}
			if d.Before(g.h0) {
				continue
			}
			months := step
			if step == 12 {
				months = max(1, min(12, monthsBetween(d, s.EndOn)))
			}
			inv := customer.Invoice{
				ExternalID:        "in_" + a.r.token(14),
				AccountExternalID: a.ext,
				Amount:            s.MRR * int64(months),
				Currency:          s.Currency,
				IssuedOn:          d,
				DueOn:             d.AddDays(paymentTerms),
			}
			inv.PaidOn = g.payment(a, inv.IssuedOn, inv.DueOn, step == 12)
			a.invoices = append(a.invoices, inv)
			if s.Status == customer.SubActive && inv.DaysOverdue(T) > 30 {
				s.Status = customer.SubPastDue
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

package demo

import (
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// makeTickets opens support tickets through the account's life at a rate
// that grows with its seats, and in trouble with the ticket-spike sign a
// burst of urgent, escalated, badly rated ones.
func (g *gen) makeTickets(a *acct) {
	r := a.r
	perDay := min(0.12+float64(a.seats)/300, 4) / 30.4
	var topics []string
	topics = append(topics, ticketsPlatform...)
	topics = append(topics, ticketsBilling[:2]...)
	if a.addons[0].has {
		topics = append(topics, ticketsInsights...)
	}
	if a.addons[1].has {
		topics = append(topics, ticketsAutomate...)
	}
	for _, iv := range a.intervals(g.h0, g.today.AddDays(-1)) {
		d := iv[0]
		for {
			d = d.AddDays(int(r.exp(1/perDay)) + 1)
			if d.After(iv[1]) {
				break
			}
			subject := pick(r, topics)
			if r.chance(0.05) {
				subject = pick(r, ticketsBilling)
			}
			a.tickets = append(a.tickets, g.ticket(a, d, subject, false))
		}
	}
	for i := range a.episodes {
		ep := &a.episodes[i]
		if !ep.has(sigTickets) {
			continue
		}
		last := minDate(ep.to.AddDays(-3), a.lastDay(g.today))
		for range r.between(3, 9) {
			d := r.dayIn(ep.from, last)
			subject := pick(r, ticketsTrouble)
			if r.chance(0.3) {
				subject = pick(r, topics)
			}
			a.tickets = append(a.tickets, g.ticket(a, d, subject, true))
		}
	}
}

var (
	priorityCalm    = []float64{0.30, 0.47, 0.19, 0.04} // low, medium, high, urgent
	priorityTrouble = []float64{0.05, 0.25, 0.45, 0.25}
	resolveHours    = []float64{110, 60, 30, 10}
	firstResponse   = [][2]int{{60, 1440}, {30, 600}, {15, 240}, {5, 60}}
	escalation      = []float64{0.0, 0.01, 0.05, 0.2}
	csatCalm        = []float64{0.03, 0.04, 0.10, 0.28, 0.55} // 1…5
	csatTrouble     = []float64{0.35, 0.30, 0.20, 0.10, 0.05}
)

// ticket is one support case opened on day d.
func (g *gen) ticket(a *acct, d civil.Date, subject string, trouble bool) customer.Ticket {
	r := a.r
	pw, cw := priorityCalm, csatCalm
	if trouble {
		pw, cw = priorityTrouble, csatTrouble
	}
	p := r.weighted(pw)
	opened := r.at(d)
	hours := r.exp(resolveHours[p])
	if trouble {
		hours *= 3
	}
	closed := opened.Add(time.Duration(hours*60) * time.Minute)
	frm := r.between(firstResponse[p][0], firstResponse[p][1])
	t := customer.Ticket{
		AccountExternalID:    a.ext,
		Subject:              subject,
		Priority:             customer.TicketPriorities[p],
		OpenedAt:             opened,
		FirstResponseMinutes: &frm,
		Escalated:            r.chance(escalation[p]) || trouble && r.chance(0.35),
	}
	switch {
	case !closed.Before(g.today.Time()):
		t.Status = "open"
		if r.chance(0.4) {
			t.Status = "pending"
		}
	default:
		t.ClosedAt = closed
		t.Status = "closed"
		if g.today.Time().Sub(closed) < 4*24*time.Hour {
			t.Status = "solved"
		}
		if r.chance(0.5) {
			score := r.weighted(cw) + 1
			t.CSAT = &score
		}
	}
	return t
}

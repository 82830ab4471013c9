package demo

import (
	"math"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// Pricing, in cents a month.
const (
	insightsSeatPrice   = 1900
	automateBundlePrice = 25000
)

// corePlan is a plan of the core Platform product.
type corePlan struct {
	name      string
	seatPrice int64
	upTo      float64 // largest account MRR (dollars) the plan is sold to
	discounts []int   // percent, one is drawn
}

var corePlans = []corePlan{
	{"Starter", 2900, 600, []int{0}},
	{"Team", 4900, 2500, []int{0, 0, 5, 10}},
	{"Business", 6900, 12000, []int{5, 10, 10, 15}},
	{"Enterprise", 8900, math.Inf(1), []int{10, 15, 20, 25}},
}

// acct is an account while it is being invented.
type acct struct {
	i     int
	r     rng
	u     rng // the usage story's own stream, so it shifts nothing else
	today civil.Date
	rank  float64 // 0 smallest … 1 largest

	ext, billingID, productID               string
	name, domain, industry, region, country string
	parent                                  *acct
	subsidiaries                            map[string]bool

	size       float64 // MRR in dollars at the end of its history
	plan       corePlan
	discount   int
	billing    string // monthly or annual
	termMonths int

	since         civil.Date
	terms         []term
	churns        []civil.Date
	reactivatedOn civil.Date
	addons        [2]addon // Insights, Automate
	live          bool
	mrr           int64 // cents: now if live, else when it churned
	seats         int   // Platform seats at the end of its history

	touch, tier      string
	csm, ae, sponsor string

	episodes  []episode
	atRisk    bool
	canceled  bool
	flagged   bool // lifecycle at_risk
	saved     bool
	slowPayer bool

	// The usage story (story.go).
	u0        float64 // share of seats in use when healthy
	dips      []dip
	usageFrom civil.Date // first day of target
	target    []int32    // active users wanted over the 30 days ending each day
	users     []string   // user ids: people's external ids, then unnamed users
	visits    []visit    // by day, then user

	subs       []customer.Subscription
	people     []*person
	invoices   []customer.Invoice
	tickets    []customer.Ticket
	surveys    []customer.SurveyResponse
	activities []customer.Activity
	account    customer.Account
}

// term is one contract term; each product on it becomes a subscription row.
type term struct {
	start, end civil.Date
	mult       float64 // size relative to the first term
	restarted  bool    // after a reactivation
	seats      int
}

// addon is an account's history with one add-on product.
type addon struct {
	has   bool
	from  civil.Date // cross-sold on this day (zero: from the start)
	until civil.Date // dropped at this renewal (zero: kept)
	share float64    // Insights: share of Platform seats; Automate: share of Platform MRR
}

// on reports whether the add-on is on term t.
func (ad addon) on(t term) bool {
	return ad.has && !t.restarted &&
		(ad.from.IsZero() || ad.from.Before(t.end)) &&
		(ad.until.IsZero() || t.start.Before(ad.until))
}

// runStart is when the account's current (or last) stretch as a customer
// began.
func (a *acct) runStart() civil.Date {
	if !a.reactivatedOn.IsZero() {
		return a.reactivatedOn
	}
	return a.since
}

// lastDay is the last day the account was a customer: yesterday if live,
// else the day before it churned.
func (a *acct) lastDay(today civil.Date) civil.Date {
	if a.live {
		return today.AddDays(-1)
	}
	return a.churns[len(a.churns)-1].AddDays(-1)
}

// liveAt reports whether the account was a customer on day d.
func (a *acct) liveAt(d civil.Date) bool {
	for _, t := range a.terms {
		if !t.start.After(d) && t.end.After(d) {
			return true
		}
	}
	return false
}

// intervals are the stretches [from, to] (inclusive days) during which the
// account was a customer, clipped to [lo, hi].
func (a *acct) intervals(lo, hi civil.Date) [][2]civil.Date {
	var out [][2]civil.Date
	for _, t := range a.terms {
		from, to := maxDate(t.start, lo), minDate(t.end.AddDays(-1), hi)
		if from.After(to) {
			continue
		}
		if n := len(out); n > 0 && !out[n-1][1].AddDays(1).Before(from) {
			out[n-1][1] = maxDate(out[n-1][1], to)
			continue
		}
		out = append(out, [2]civil.Date{from, to})
	}
	return out
}

// renewalFactor is how an account's size changes at a renewal: most renew
// flat or with a small price uplift, about a third expand, some contract.
func renewalFactor(r rng) float64 {
	u := r.Float64()
	switch {
	case u < 0.34:
		return r.uniform(1.10, 1.55)
	case u < 0.46:
		return r.uniform(0.65, 0.93)
	case u < 0.70:
		return r.uniform(1.03, 1.07)
	}
	return 1
}

// churnProb is the chance an account does not renew: small accounts churn
// more, and a first renewal is riskier than later ones.
func churnProb(a *acct, first bool) float64 {
	p := 0.115
	switch {
	case a.size*100 >= highFloor:
		p = 0.045
	case a.size*100 >= lowFloor:
		p = 0.075
	}
	if a.termMonths == 24 {
		p *= 1.5
	}
	if first {
		p *= 1.3
	}
	return p
}

// simulate runs the account's contracts through the 24 months of history:
// renewals that expand or contract it, churn, sometimes a comeback, and
// cross-sold or dropped add-ons. Then it prices every term.
func (g *gen) simulate(a *acct) {
	r := a.r
	T, H0 := g.today, g.h0
	if r.chance(shareOld) {
		a.since = billingDay(H0.AddDays(-r.between(20, 6*365)))
	} else {
		a.since = billingDay(H0.AddDays(r.IntN(max(1, T.DaysSince(H0)-10))))
	}
	a.termMonths = 12
	if a.size*100 >= highFloor && r.chance(0.25) {
		a.termMonths = 24
	}
	for _, p := range corePlans {
		if a.size <= p.upTo {
			a.plan = p
			break
		}
	}
	a.discount = pick(r, a.plan.discounts)
	pAnnual := 0.3
	switch {
	case a.size*100 >= highFloor:
		pAnnual = 0.85
	case a.size*100 >= lowFloor:
		pAnnual = 0.6
	}
	a.billing = "monthly"
	if a.termMonths == 24 || r.chance(pAnnual) {
		a.billing = "annual"
	}
	a.slowPayer = r.chance(0.08)

	s := a.since
	for !s.AddMonths(a.termMonths).After(H0) {
		s = s.AddMonths(a.termMonths)
	}
	mult, restarted := 1.0, false
	for {
		e := s.AddMonths(a.termMonths)
		a.terms = append(a.terms, term{start: s, end: e, mult: mult, restarted: restarted})
		if e.After(T) {
			break
		}
		first := monthsBetween(a.since, e) <= a.termMonths
		if a.reactivatedOn.IsZero() && r.chance(churnProb(a, first)) {
			a.churns = append(a.churns, e)
			if r.chance(0.12) {
				back := billingDay(e.AddDays(r.between(60, 270)))
				if back.Before(T.AddDays(-14)) {
					a.reactivatedOn = back
					s, restarted = back, true
					mult *= r.uniform(0.5, 0.9)
					continue
				}
			}
			break
		}
		mult *= renewalFactor(r)
		s = e
	}
	a.live = a.terms[len(a.terms)-1].end.After(T)
	g.planAddons(a)
	g.price(a)
}

// planAddons decides which add-ons the account buys, when, and whether it
// dropped one at a renewal. Larger accounts buy more.
func (g *gen) planAddons(a *acct) {
	r := a.r
	end := g.today.AddDays(-20)
	if !a.live {
		end = a.churns[len(a.churns)-1].AddDays(-60)
	}
	var renewals []civil.Date
	for k := 1; k < len(a.terms); k++ {
		if t := a.terms[k]; !t.restarted && t.start.Before(g.today) {
			renewals = append(renewals, t.start)
		}
	}
	probs := [2]float64{0.10 + 0.55*a.rank, 0.04 + 0.45*a.rank}
	if a.size < 800 {
		probs[1] = 0
	}
	for j := range a.addons {
		ad := &a.addons[j]
		if j == 0 {
			ad.share = r.uniform(0.15, 0.6)
		} else {
			ad.share = r.uniform(0.08, 0.22)
		}
		switch {
		case r.chance(probs[j]):
			ad.has = true
			lo := a.terms[0].start.AddDays(45)
			if r.chance(0.45) && lo.Before(end) {
				ad.from = billingDay(r.dayIn(lo, end))
			}
		case len(renewals) > 0 && r.chance(0.07):
			ad.has = true
			ad.until = pick(r, renewals)
		}
	}
}

// price turns the account's terms into subscription rows: seats from the
// target MRR at each term, MRR from seats, plan price and discount. The
// last term's total is the account's size.
func (g *gen) price(a *acct) {
	r := a.r
	last := a.terms[len(a.terms)-1]
	disc := int64(100 - a.discount)
	coreSeat := a.plan.seatPrice * disc / 100
	insSeat := insightsSeatPrice * disc / 100
	autoBundle := automateBundlePrice * disc / 100
	ratio := 0.0
	if a.addons[0].on(last) {
		ratio += a.addons[0].share * float64(insSeat) / float64(coreSeat)
	}
	if a.addons[1].on(last) {
		ratio += a.addons[1].share
	}
	coreFinal := a.size * 100 / (1 + ratio) // cents
	row := func(t term, product, plan string, qty int, unit int64, from civil.Date) {
		a.subs = append(a.subs, customer.Subscription{
			ExternalID:        "sub_" + r.token(14),
			AccountExternalID: a.ext,
			Product:           product,
			Plan:              plan,
			Quantity:          qty,
			MRR:               int64(qty) * unit,
			Currency:          "USD",
			BillingPeriod:     a.billing,
			StartOn:           from,
			EndOn:             t.end,
			AutoRenew:         a.billing == "monthly",
			DiscountPercent:   float64(a.discount),
		})
	}
	for k := range a.terms {
		t := &a.terms[k]
		target := coreFinal * t.mult / last.mult
		t.seats = max(3, int(math.Round(target/float64(coreSeat))))
		row(*t, products[0].Name, a.plan.name, t.seats, coreSeat, t.start)
		if ad := a.addons[0]; ad.on(*t) {
			qty := max(2, min(t.seats, int(math.Round(ad.share*float64(t.seats)))))
			row(*t, products[1].Name, "Analyst seats", qty, insSeat, maxDate(t.start, ad.from))
		}
		if ad := a.addons[1]; ad.on(*t) {
			qty := max(1, int(math.Round(ad.share*float64(t.seats)*float64(coreSeat)/float64(autoBundle))))
			row(*t, products[2].Name, "10k runs", qty, autoBundle, maxDate(t.start, ad.from))
		}
	}
	a.seats = a.terms[len(a.terms)-1].seats
	for _, s := range a.subs {
		if s.EndOn == last.end {
			a.mrr += s.MRR
		}
	}
}

// setStatuses marks rows ended, active or (for an account that has said
// it will not renew) canceled.
func (g *gen) setStatuses(a *acct) {
	for i := range a.subs {
		s := &a.subs[i]
		switch {
		case !s.EndOn.After(g.today):
			s.Status = customer.SubEnded
		case a.canceled:
			s.Status = customer.SubCanceled
			s.AutoRenew = false
		default:
			s.Status = customer.SubActive
		}
	}
}

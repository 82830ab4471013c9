package demo

import (
	"math"
	"slices"

	"strconv"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/usage"
)

// Every account has one story, and its product usage tells it too: how
// much of its seats it uses when healthy, a ramp after it starts, the fall
// before it churns (or now, if it is at risk), the dip and recovery of a
// scare it got over, a false alarm now and then, and growth into new seats
// around an expansion. The share of seats active over 30 days (seat
// utilisation) is modelled per day; users are then given visits so that the
// stored rollups show that share, and business reviews quote what the
// rollups say.

// UsageDays is how many days of product usage the demo company has, ending
// on its today: eight months, so the churns of the last half year have the
// months before them. (Every active user is a row for each day they visit;
// a longer span would take the demo past its 10-second load.)
const UsageDays = 240

// Visit cadences: how often a user of each kind uses Lumora. Every user
// comes back within 28 days, so a user counts in every monthly-active
// window while their seat is in use. Most users are occasional
// (every four weeks); the champion and the admin come every other week, and
// a few users every week or every working day.
var (
	visitPeriods = []int{1, 7, 14, 28}
	visitShares  = []float64{0.004, 0.016, 0.05, 0.93}
)

// dip is a stretch of lower usage that leads to nothing: a reorganisation,
// a long holiday, a project ending.
type dip struct {
	from, to civil.Date
	depth    float64 // utilisation is multiplied by this
}

// visit is one user's use of the product on one day: one event.
type visit struct {
	day   usage.Day
	slot  int32 // index into the account's users
	event uint8 // index into eventNames
}

// planStory draws the account's usage story from its own random stream:
// how much of its seats it uses when healthy, how far usage falls in each
// episode of trouble, and its false alarms.
func (g *gen) planStory(a *acct) {
	r := a.u
	switch a.touch {
	case customer.TouchTech:
		a.u0 = r.uniform(0.45, 0.95)
	default:
		a.u0 = r.uniform(0.55, 0.9)
	}
	for i := range a.episodes {
		ep := &a.episodes[i]
		switch {
		case ep.kind == epSaved:
			ep.usageFloor = r.uniform(0.45, 0.75)
		case !controllable(ep.reason):
			// An acquisition or an insolvency rarely shows in usage first.
			ep.usageFloor = r.uniform(0.7, 1)
		case ep.reason == "poor_adoption":
			ep.usageFloor = r.uniform(0.1, 0.35)
		case r.chance(0.2):
			// Some accounts keep using the product to the end.
			ep.usageFloor = r.uniform(0.75, 1)
		default:
			ep.usageFloor = r.uniform(0.2, 0.55)
		}
	}
	// False alarms: usage dips for a month or two and comes back.
	if r.chance(0.18) {
		from := r.dayIn(g.us, g.today.AddDays(-45))
		a.dips = append(a.dips, dip{from: from, to: from.AddDays(r.between(30, 75)), depth: r.uniform(0.5, 0.75)})
	}
}

// utilisation is the share of the account's seats in use over the 30 days
// ending d: zero when it is not a customer.
func (a *acct) utilisation(d civil.Date) float64 { return a.utilisations(d, 1)[0] }

// day is d as a day number, for arithmetic in the per-day loops.
func day(d civil.Date) int { return int(usage.DayOf(d.Time())) }

// utilisations is utilisation for the n days from first.
func (a *acct) utilisations(first civil.Date, n int) []float64 {
	f := day(first)
	u := make([]float64, n)
	// each calls fn(i, x) for the days i of [from, to) inside the range,
	// x being how far into [from, to) day i is (0 … 1).
	each := func(from, to civil.Date, fn func(i int, x float64)) {
		lo, hi := day(from), day(to)
		span := float64(max(1, hi-lo))
		for i := max(0, lo-f); i < min(n, hi-f); i++ {
			fn(i, float64(f+i-lo)/span)
		}
	}
	for _, t := range a.terms {
		each(t.start, t.end, func(i int, _ float64) { u[i] = a.u0 })
	}
	// Ramp after the start and after a comeback.
	for _, s := range []civil.Date{a.since, a.reactivatedOn} {
		if !s.IsZero() {
			each(s, s.AddDays(90), func(i int, x float64) { u[i] *= 0.4 + 0.6*x })
		}
	}
	for k := range a.episodes {
		ep := &a.episodes[k]
		fl := ep.usageFloor
		if ep.kind == epSaved {
			each(ep.from, ep.to.AddDays(1), func(i int, x float64) { u[i] *= 1 - (1-fl)*min(1, 2*x) })
			each(ep.to.AddDays(1), ep.to.AddDays(61), func(i int, x float64) { u[i] *= fl + (1-fl)*x })
			continue
		}
		each(ep.from, ep.to.AddDays(1), func(i int, x float64) { u[i] *= 1 - (1-fl)*x })
	}
	for _, dp := range a.dips {
		each(dp.from, dp.to.AddDays(1), func(i int, _ float64) { u[i] *= dp.depth })
	}
	// Around a renewal that added seats: the team grows into its seats in
	// the two months before, and the new seats fill over three months.
	for k := 1; k < len(a.terms); k++ {
		prev, next := a.terms[k-1], a.terms[k]
		if next.restarted || next.seats <= prev.seats {
			continue
		}
		each(next.start.AddDays(-60), next.start, func(i int, x float64) { u[i] *= 1 + 0.25*x })
		r := float64(prev.seats) / float64(next.seats)
		each(next.start, next.start.AddDays(90), func(i int, x float64) { u[i] *= r + (1-r)*x })
	}
	for i := range u {
		u[i] = math.Min(0.98, u[i])
	}
	return u
}

// seatsOn is the account's Platform seats on day d (0 if it is not a
// customer).
func (a *acct) seatsOn(d civil.Date) int {
	for _, t := range a.terms {
		if !t.start.After(d) && t.end.After(d) {
			return t.seats
		}
	}
	return 0
}

// analystSeats is the account's Insights analyst seats on day d.
func (a *acct) analystSeats(d civil.Date) int {
	n := 0
	for _, s := range a.subs {
		if s.Product == products[1].Name && !s.StartOn.After(d) && s.EndOn.After(d) {
			n += s.Quantity
		}
	}
	return n
}

// makeUsage gives the account's users their visits over the usage span:
// on each day, the users whose place in the account's order is below the
// day's target of active users (utilisation × seats, with some weekly
// noise) and whose cadence brings them back that day. People named in the
// CRM come first in that order, as long as they are there.
func (g *gen) makeUsage(a *acct) {
	r := a.u
	first, last := g.us, minDate(g.today, a.lastDay(g.today))
	if last.Before(first) {
		return
	}
	d0 := usage.Day(day(first))
	n := last.DaysSince(first) + 1
	util := a.utilisations(first, n)
	seats := make([]int, n)
	for _, t := range a.terms {
		for i := max(0, day(t.start)-int(d0)); i < min(n, day(t.end)-int(d0)); i++ {
			seats[i] = t.seats
		}
	}
	target, low := make([]int32, n), make([]bool, n)
	maxTarget := int32(0)
	noise := 1.0
	for i := range n {
		if i%7 == 0 {
			noise = r.uniform(0.94, 1.06)
		}
		target[i] = int32(math.Round(math.Min(0.98, util[i]*noise) * float64(seats[i])))
		low[i] = util[i] < 0.6*a.u0
	}
	// Before a renewal that cut seats, the team had already shrunk to fit
	// them: no more users over the last month than the new seats.
	for k := 1; k < len(a.terms); k++ {
		prev, next := a.terms[k-1], a.terms[k]
		if next.restarted || next.seats >= prev.seats {
			continue
		}
		for i := max(0, day(next.start)-30-int(d0)); i < min(n, day(next.start)-int(d0)); i++ {
			target[i] = min(target[i], int32(0.98*float64(next.seats)))
		}
	}
	for _, t := range target {
		maxTarget = max(maxTarget, t)
	}
	a.usageFrom, a.target = first, target
	// The users: people first (by engagement: champion, admin and power
	// users), then unnamed ones.
	people := slices.Clone(a.people)
	rank := func(p *person) int {
		switch {
		case p.HasRole("champion"), p.HasRole("admin"):
			return 0
		case p.HasRole("power_user"):
			return 1
		case p.HasRole("economic_buyer"), p.HasRole("executive"):
			return 3
		}
		return 2
	}
	slices.SortStableFunc(people, func(x, y *person) int { return rank(x) - rank(y) })
	a.users = a.users[:0]
	for _, p := range people {
		a.users = append(a.users, p.ExternalID)
	}
	for k := len(a.users); k < int(maxTarget); k++ {
		a.users = append(a.users, a.productID[:8]+"-u"+strconv.Itoa(k))
	}
	insights, automate := a.addonDays(first, n)
	for slot := range a.users {
		// The days [in, out) the user can use the product: a person
		// between joining and leaving.
		in, out := 0, n
		rk := 2
		if slot < len(people) {
			p := people[slot]
			rk = rank(p)
			in = max(0, day(p.joined)-int(d0))
			if !p.LeftOn.IsZero() {
				out = min(n, day(p.LeftOn)-int(d0))
			}
		}
		period := visitPeriods[r.weighted(visitShares)]
		if rk == 0 {
			period = 14
		}
		// Weekly and four-weekly users come back on the same weekday,
		// never at the weekend; daily users skip it.
		phase := r.IntN(period)
		for period > 1 && weekend(d0+usage.Day(phase)) {
			phase = (phase + 1) % period
		}
		for i := phase; i < n; i += period {
			if i < in || i >= out || int32(slot) >= target[i] || period == 1 && weekend(d0+usage.Day(i)) {
				continue
			}
			a.visits = append(a.visits, visit{day: d0 + usage.Day(i), slot: int32(slot), event: visitEvent(r, slot, insights[i], automate[i], low[i])})
		}
	}
	slices.SortFunc(a.visits, func(x, y visit) int {
		if x.day != y.day {
			return int(x.day - y.day)
		}
		return int(x.slot - y.slot)
	})
}

// weekend reports whether d is a Saturday or a Sunday (day 0 was a
// Thursday).
func weekend(d usage.Day) bool { wd := (int(d) + 4) % 7; return wd == 0 || wd == 6 }

// addonDays is, for each day of the usage span, how many analyst seats of
// Insights the account has and whether it has Automate.
func (a *acct) addonDays(first civil.Date, n int) (insights []int32, automate []bool) {
	insights, automate = make([]int32, n), make([]bool, n)
	for _, s := range a.subs {
		if s.Product == products[0].Name {
			continue
		}
		lo, hi := max(0, s.StartOn.DaysSince(first)), min(n, s.EndOn.DaysSince(first))
		for i := lo; i < hi; i++ {
			if s.Product == products[1].Name {
				insights[i] += int32(s.Quantity)
			} else {
				automate[i] = true
			}
		}
	}
	return insights, automate
}

// Event names of the demo's product, as the visits use them.
var eventNames = []string{"Task Created", "Task Completed", "Task Commented", "Project Created", "Project Archived",
	"Workflow Started", "Workflow Completed", "Integration Connected",
	"Dashboard Viewed", "Dashboard Created", "Report Exported", "Automation Triggered", "Automation Edited"}

const (
	evWorkflowStarted = 5
	evDashboardViewed = 8
	evAutomation      = 11
)

var coreEventWeights = []float64{30, 25, 12, 4, 1, 8, 6, 0.5}

// visitEvent picks what a user did on their visit: analysts look at
// dashboards, the first users of an Automate account edit automations,
// and when usage is low fewer people run workflows (the high-value
// feature).
func visitEvent(r rng, slot int, analysts int32, automate, low bool) uint8 {
	switch {
	case int32(slot) < analysts && r.chance(0.4):
		return uint8(evDashboardViewed + r.weighted([]float64{8, 1, 2}))
	case automate && slot < 3 && r.chance(0.5):
		return uint8(evAutomation + r.weighted([]float64{5, 1}))
	}
	e := r.weighted(coreEventWeights)
	if low && (e == evWorkflowStarted || e == evWorkflowStarted+1) && r.chance(0.6) {
		e = 0
	}
	return uint8(e)
}

// activeUsers is how many users used the product in the 30 days ending d,
// read from the visits when the usage span covers the window, else the
// story's target for d.
func (a *acct) activeUsers(d civil.Date) int {
	i := d.DaysSince(a.usageFrom)
	if a.usageFrom.IsZero() || i-29 < 0 || i >= len(a.target) {
		return int(math.Round(a.utilisation(d) * float64(a.seatsOn(d))))
	}
	hi := usage.DayOf(d.Time())
	lo := hi - 29
	from, _ := slices.BinarySearchFunc(a.visits, lo, func(v visit, day usage.Day) int { return int(v.day - day) })
	seen := map[int32]bool{}
	for _, v := range a.visits[from:] {
		if v.day > hi {
			break
		}
		seen[v.slot] = true
	}
	return len(seen)
}

package demo

import (
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// sign is a set of warning signs.
type sign uint8

const (
	sigNPS sign = 1 << iota
	sigContactLeft
	sigOverdue
	sigTickets
	sigSilence
)

var signNames = []struct {
	s    sign
	name string
}{
	{sigNPS, SignNPS}, {sigContactLeft, SignContactLeft}, {sigOverdue, SignOverdue},
	{sigTickets, SignTickets}, {sigSilence, SignSilence},
}

// Kinds of episode.
const (
	epChurn   = iota // warning signs before a churn
	epCurrent        // warning signs now, in a live account
	epSaved          // warning signs in the past, then recovery
)

// episode is a stretch of trouble with its warning signs.
type episode struct {
	kind    int
	from    civil.Date
	to      civil.Date // the churn day, today, or the day it was resolved
	reason  string
	signs   sign
	silence int // days without a CSM touch before `to`
	// usageFloor is how far utilisation falls by the end of the episode
	// (its bottom, for a scare that ended well): 1 is not at all.
	usageFloor float64
}

func (e *episode) has(s sign) bool { return e.signs&s != 0 }

// covers reports whether day d falls in the episode.
func (e *episode) covers(d civil.Date) bool { return inRange(d, e.from, e.to) }

// reasons for churn, with weights, and whether CS could have affected them.
var reasons = []struct {
	name         string
	weight       float64
	controllable bool
}{
	{"poor_adoption", 28, true}, {"product_gap", 14, true}, {"price", 11, true},
	{"competitor", 14, true}, {"budget", 10, true}, {"key_person_left", 9, true},
	{"acquired", 7, false}, {"bankruptcy", 4, false}, {"restructuring", 3, false},
}

func controllable(reason string) bool {
	for _, x := range reasons {
		if x.name == reason {
			return x.controllable
		}
	}
	return true
}

func pickReason(r rng, onlyControllable bool) string {
	ws := make([]float64, len(reasons))
	for i, x := range reasons {
		if x.controllable || !onlyControllable {
			ws[i] = x.weight
		}
	}
	return reasons[r.weighted(ws)].name
}

// signsFor draws the warning signs of a churn or an at-risk account. Churn
// CS could have prevented shows at least two signs; an acquisition or a
// bankruptcy often comes out of the blue.
func signsFor(r rng, reason string, csmOwned bool) sign {
	p := map[sign]float64{sigNPS: 0.7, sigContactLeft: 0.5, sigOverdue: 0.45, sigTickets: 0.6, sigSilence: 0.55}
	switch reason {
	case "key_person_left":
		p[sigContactLeft] = 1
	case "budget", "price":
		p[sigOverdue] = 0.75
	case "product_gap":
		p[sigTickets] = 0.85
	case "poor_adoption":
		p[sigSilence] = 0.75
	case "acquired":
		p = map[sign]float64{sigContactLeft: 0.6, sigNPS: 0.15, sigSilence: 0.25}
	case "bankruptcy":
		p = map[sign]float64{sigOverdue: 0.9, sigContactLeft: 0.3}
	case "restructuring":
		p = map[sign]float64{sigContactLeft: 0.5, sigNPS: 0.2}
	}
	if !csmOwned {
		delete(p, sigSilence)
	}
	var s sign
	var order []sign
	for _, x := range signNames {
		if prob, ok := p[x.s]; ok {
			order = append(order, x.s)
			if r.chance(prob) {
				s |= x.s
			}
		}
	}
	if controllable(reason) {
		for count(s) < 2 {
			s |= pick(r, order)
		}
	}
	return s
}

func count(s sign) int {
	n := 0
	for ; s != 0; s &= s - 1 {
		n++
	}
	return n
}

// planRisk gives churned accounts their warning signs before each churn,
// puts some live accounts at risk now (a few have told us they will not
// renew), and gives a few healthy accounts a scare they recovered from.
func (g *gen) planRisk(a *acct) {
	r := a.r
	csmOwned := a.csm != "" && a.touch != customer.TouchTech
	for _, c := range a.churns {
		ep := episode{kind: epChurn, to: c, from: c.AddDays(-r.between(100, 240)), reason: pickReason(r, false)}
		ep.signs = signsFor(r, ep.reason, csmOwned)
		ep.silence = r.between(75, 150)
		a.episodes = append(a.episodes, ep)
	}
	if !a.live || g.today.DaysSince(a.runStart()) < 120 {
		return
	}
	switch {
	case r.chance(0.085):
		a.atRisk = true
		ep := episode{kind: epCurrent, to: g.today, from: g.today.AddDays(-r.between(45, 200)), reason: pickReason(r, true)}
		ep.from = maxDate(ep.from, a.runStart().AddDays(30))
		ep.signs = signsFor(r, ep.reason, csmOwned)
		ep.silence = r.between(60, 120)
		a.episodes = append(a.episodes, ep)
		renewal := a.terms[len(a.terms)-1].end
		a.canceled = renewal.DaysSince(g.today) <= 120 && r.chance(0.4)
		a.flagged = a.canceled || (csmOwned && !ep.has(sigSilence) && r.chance(0.75))
	case r.chance(0.05):
		to := g.today.AddDays(-r.between(120, 480))
		from := to.AddDays(-r.between(60, 150))
		if from.Before(maxDate(g.h0.AddDays(30), a.runStart().AddDays(30))) {
			return
		}
		a.saved = true
		var s sign
		opts := []sign{sigNPS, sigContactLeft, sigOverdue, sigTickets}
		for count(s) < r.between(1, 2) {
			s |= pick(r, opts)
		}
		a.episodes = append(a.episodes, episode{kind: epSaved, from: from, to: to, reason: pickReason(r, true), signs: s})
	}
}

// episodeAt is the episode with sign s covering day d, if any.
func (a *acct) episodeAt(d civil.Date, s sign) *episode {
	for i := range a.episodes {
		if e := &a.episodes[i]; e.has(s) && e.covers(d) {
			return e
		}
	}
	return nil
}

// troubleAt is any episode covering day d.
func (a *acct) troubleAt(d civil.Date) *episode {
	for i := range a.episodes {
		if e := &a.episodes[i]; e.covers(d) {
			return e
		}
	}
	return nil
}

// truth is the generator's record of the account.
func (a *acct) truth() Truth {
	t := Truth{AccountExternalID: a.ext, Fate: FateHealthy, ReactivatedOn: a.reactivatedOn, Saved: a.saved, SaidWillNotRenew: a.canceled}
	switch {
	case !a.live:
		t.Fate = FateChurned
	case a.atRisk:
		t.Fate = FateAtRisk
	case !a.reactivatedOn.IsZero():
		t.Fate = FateReactivated
	}
	if len(a.churns) > 0 {
		t.ChurnedOn = a.churns[len(a.churns)-1]
	}
	var ep *episode
	for i := range a.episodes {
		if e := &a.episodes[i]; e.kind != epSaved {
			ep = e // the last churn, or the current risk
		}
	}
	t.Controllable = true
	if ep != nil {
		t.Reason, t.RiskFrom, t.Controllable = ep.reason, ep.from, controllable(ep.reason)
		for _, x := range signNames {
			if ep.has(x.s) {
				t.Signs = append(t.Signs, x.name)
			}
		}
	}
	return t
}

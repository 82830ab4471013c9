package demo

import (
	"fmt"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// mood is how an account feels about Lumora on a given day.
type mood int

const (
	moodHappy    mood = iota
	moodSlipping      // trouble brewing, or in trouble without the NPS sign
	moodUnhappy       // in trouble with the NPS sign
	moodFurious       // the detractor answers that are the NPS sign
)

// moodAt reads the account's episodes: NPS falls in the months before an
// episode with the NPS sign and is low during it.
func (a *acct) moodAt(d civil.Date) mood {
	m := moodHappy
	for i := range a.episodes {
		ep := &a.episodes[i]
		switch {
		case ep.has(sigNPS) && ep.covers(d):
			return moodUnhappy
		case ep.covers(d), ep.has(sigNPS) && inRange(d, ep.from.AddDays(-150), ep.from):
			m = moodSlipping
		}
	}
	return m
}

var (
	npsHappy    = []float64{0.12, 0.38, 0.50} // detractor, passive, promoter
	npsSlipping = []float64{0.35, 0.50, 0.15}
	npsUnhappy  = []float64{0.78, 0.17, 0.05}
	detractors  = []float64{1, 1, 2, 3, 5, 6, 7} // 0…6
)

// npsScore draws a 0–10 answer for the mood.
func npsScore(r rng, m mood) int {
	w := npsHappy
	switch m {
	case moodSlipping:
		w = npsSlipping
	case moodUnhappy:
		w = npsUnhappy
	case moodFurious:
		return r.weighted(detractors)
	}
	switch r.weighted(w) {
	case 0:
		return r.weighted(detractors)
	case 1:
		return r.between(7, 8)
	}
	return r.between(9, 10)
}

// reasonComments are what a detractor says, by the reason the account is
// in trouble.
var reasonComments = map[string]string{
	"poor_adoption":   commentUnused,
	"product_gap":     "The product has not kept up with what we need.",
	"price":           "Price is hard to justify to our CFO this year.",
	"budget":          "Budgets are being cut and this is on the list.",
	"competitor":      "Evaluating alternatives at renewal.",
	"key_person_left": commentAdminLeft,
}

// comment is what a respondent writes, if anything.
func (a *acct) comment(score int, d civil.Date) string {
	r := a.r
	if !r.chance(0.5) {
		return ""
	}
	list := commentsDetractor
	switch customer.NPSCategory(score) {
	case "promoter":
		list = commentsPromoter
	case "passive":
		list = commentsPassive
	default:
		if ep := a.troubleAt(d); ep != nil && r.chance(0.6) {
			if c, ok := reasonComments[ep.reason]; ok && a.fits(c, d) {
				return c
			}
		}
	}
	for range 8 {
		if c := pick(r, list); a.fits(c, d) {
			return c
		}
	}
	return ""
}

// Comments that state a fact about the account.
const (
	commentHalfUsed  = "We use about half of what we pay for."
	commentUnused    = "We are paying for seats nobody uses."
	commentAdminLeft = "Since our main admin left, nobody here really knows how to run it."
)

// fits reports whether comment c is true of the account on day d: a
// respondent complains of unused seats only when they are, and of a
// departed admin only when one left.
func (a *acct) fits(c string, d civil.Date) bool {
	util := func() float64 {
		seats := a.seatsOn(d)
		if seats == 0 {
			return 0
		}
		return float64(a.activeUsers(d)) / float64(seats)
	}
	switch c {
	case commentHalfUsed:
		return util() < 0.6
	case commentUnused:
		return util() < 0.45
	case commentAdminLeft:
		for _, p := range a.people {
			if p.Status == customer.ContactLeft && inRange(p.LeftOn, d.AddDays(-180), d) && (p.key() || p.HasRole("admin")) {
				return true
			}
		}
		return false
	}
	return true
}

// makeSurveys collects the account's answers: twice-yearly relationship
// NPS by email, in-app NPS from users (including the detractors of an
// account in trouble), "would you renew?" before each renewal of a
// CSM-owned account, and a CSAT after onboarding.
func (g *gen) makeSurveys(a *acct) {
	r := a.r
	T := g.today
	last := a.lastDay(T)
	add := func(kind string, p *person, d civil.Date, score int, comment, campaign string) {
		a.surveys = append(a.surveys, customer.SurveyResponse{
			ExternalID:        "R_" + r.token(15),
			AccountExternalID: a.ext,
			ContactExternalID: p.ExternalID,
			Kind:              kind,
			Score:             score,
			Comment:           comment,
			Campaign:          campaign,
			RespondedAt:       r.at(d),
		})
	}
	nps := func(p *person, d civil.Date, campaign string, m mood) {
		score := npsScore(r, m)
		add("nps", p, d, score, a.comment(score, d), campaign)
	}
	// Relationship NPS, every six months.
	for k := range 4 {
		sent := T.AddMonths(-6 * k).AddDays(-24)
		if sent.Before(g.h0) || !a.liveAt(sent) {
			continue
		}
		half := 1
		if sent.Month > 6 {
			half = 2
		}
		campaign := fmt.Sprintf("Relationship NPS %d H%d", sent.Year, half)
		for _, p := range a.activeAt(sent) {
			rate := 0.25
			if p.HasRole("champion") || p.HasRole("power_user") {
				rate = 0.4
			}
			if d := sent.AddDays(r.between(0, 14)); r.chance(rate) && !d.After(last) && p.activeAt(d) {
				nps(p, d, campaign, a.moodAt(d))
			}
		}
	}
	// In-app NPS, now and then.
	for _, iv := range a.intervals(g.h0, last) {
		n := int(float64(iv[1].DaysSince(iv[0]))/365*0.6 + r.Float64())
		for range n {
			d := r.dayIn(iv[0], iv[1])
			if p := a.anyone(d, "power_user", "user"); p != nil {
				nps(p, d, "In-app NPS", a.moodAt(d))
			}
		}
	}
	for i := range a.episodes {
		ep := &a.episodes[i]
		if !ep.has(sigNPS) {
			continue
		}
		for range r.between(1, 2) {
			d := r.dayIn(ep.from.AddDays(7), minDate(ep.to.AddDays(-5), last))
			if p := a.anyone(d, "power_user", "champion"); p != nil && a.liveAt(d) {
				nps(p, d, "In-app NPS", moodFurious)
			}
		}
	}
	// Would you renew? Asked of CSM-owned accounts two to three months
	// before each renewal.
	if a.touch != customer.TouchTech {
		for _, t := range a.terms {
			d := t.end.AddDays(-r.between(60, 100))
			if d.Before(g.h0) || d.After(last) || !a.liveAt(d) {
				continue
			}
			p := a.withRole(d, "economic_buyer", "champion")
			if p == nil {
				continue
			}
			yes := 0.93
			switch a.moodAt(d) {
			case moodSlipping:
				yes = 0.6
			case moodUnhappy:
				yes = 0.2
			}
			if a.canceled && t.end.After(T) {
				yes = 0
			}
			score := 0
			if r.chance(yes) {
				score = 1
			}
			add("would_renew", p, d, score, "", "Renewal pulse")
		}
	}
	// CSAT after onboarding, for customers who started in the history.
	for _, start := range []civil.Date{a.since, a.reactivatedOn} {
		d := start.AddDays(r.between(45, 60))
		if start.IsZero() || start.Before(g.h0) || d.After(last) || !r.chance(0.6) {
			continue
		}
		if p := a.anyone(d, "champion", "admin"); p != nil {
			w := []float64{0.02, 0.03, 0.1, 0.4, 0.45}
			if a.troubleAt(d) != nil {
				w = []float64{0.1, 0.35, 0.35, 0.15, 0.05}
			}
			add("csat", p, d, r.weighted(w)+1, "", "Onboarding CSAT")
		}
	}
}

package demo

import (
	"fmt"
	"slices"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// person is a contact with the day they joined the account's team.
type person struct {
	customer.Contact
	joined civil.Date
}

// activeAt reports whether the person was at the account on day d.
func (p *person) activeAt(d civil.Date) bool {
	return !p.joined.After(d) && (p.LeftOn.IsZero() || p.LeftOn.After(d))
}

// key reports whether losing this person is a risk: the economic buyer,
// the champion or an executive.
func (p *person) key() bool {
	return p.HasRole("economic_buyer") || p.HasRole("champion") || p.HasRole("executive")
}

// activeAt lists the account's contacts there on day d.
func (a *acct) activeAt(d civil.Date) []*person {
	var out []*person
	for _, p := range a.people {
		if p.activeAt(d) {
			out = append(out, p)
		}
	}
	return out
}

// withRole is the first contact there on day d with one of roles, in the
// order given, or nil.
func (a *acct) withRole(d civil.Date, roles ...string) *person {
	for _, role := range roles {
		for _, p := range a.people {
			if p.activeAt(d) && p.HasRole(role) {
				return p
			}
		}
	}
	return nil
}

// anyone is a contact there on day d, preferring the given roles.
func (a *acct) anyone(d civil.Date, roles ...string) *person {
	if p := a.withRole(d, roles...); p != nil {
		return p
	}
	if ps := a.activeAt(d); len(ps) > 0 {
		return pick(a.r, ps)
	}
	return nil
}

// rolePlan is the relationship map of an account with n contacts: who is
// the economic buyer, the champion, the admin and so on.
func rolePlan(k, n int) []string {
	switch {
	case k == 0:
		return []string{"economic_buyer", "decision_maker"}
	case k == 1 && n <= 2:
		return []string{"champion", "admin", "power_user"}
	case k == 1:
		return []string{"champion", "power_user"}
	case k == 2:
		return []string{"admin", "technical_buyer"}
	case k == 3:
		return []string{"power_user"}
	case k == 4:
		return []string{"user_buyer", "coach"}
	case k == 5:
		return []string{"executive"}
	}
	return [][]string{{"power_user"}, {"user"}, {"user"}, {"coach"}, {"technical_buyer"}}[k%5]
}

// titleFor picks a job title and seniority that fit the roles and the
// size of the account.
func titleFor(r rng, roles []string, big bool) (title, seniority string) {
	switch roles[0] {
	case "economic_buyer", "executive":
		if big && r.chance(0.5) || roles[0] == "executive" && r.chance(0.6) {
			return pick(r, titlesExec), "executive"
		}
		if big || r.chance(0.5) {
			return pick(r, titlesVP), "vp"
		}
		return pick(r, titlesDirector), "director"
	case "champion", "user_buyer":
		if r.chance(0.5) {
			return pick(r, titlesDirector), "director"
		}
		return pick(r, titlesManager), "manager"
	case "admin", "technical_buyer":
		return pick(r, titlesAdmin), "individual_contributor"
	case "power_user", "coach":
		if r.chance(0.4) {
			return pick(r, titlesManager), "manager"
		}
		return pick(r, titlesIC), "individual_contributor"
	}
	return pick(r, titlesIC), "individual_contributor"
}

// newPerson adds a contact with roles who joined on day joined.
func (g *gen) newPerson(a *acct, roles []string, joined civil.Date) *person {
	r := a.r
	first, last := pick(r, firstNames), pick(r, lastNames)
	email := slug(first) + "." + slug(last) + "@" + a.domain
	for n := 2; slices.ContainsFunc(a.people, func(p *person) bool { return p.Email == email }); n++ {
		email = fmt.Sprintf("%s.%s%d@%s", slug(first), slug(last), n, a.domain)
	}
	title, seniority := titleFor(r, roles, a.size*100 >= highFloor)
	p := &person{joined: joined, Contact: customer.Contact{
		ExternalID:        "003" + r.token(15),
		AccountExternalID: a.ext,
		Name:              first + " " + last,
		Email:             email,
		Title:             title,
		Seniority:         seniority,
		Roles:             roles,
		Status:            customer.ContactActive,
	}}
	if r.chance(0.6) {
		p.Phone = phone(r, a.region)
	}
	a.people = append(a.people, p)
	return p
}

// phone is a number from the ranges set aside for fiction.
func phone(r rng, region string) string {
	switch region {
	case "EMEA":
		return fmt.Sprintf("+44 20 7946 0%03d", r.IntN(1000))
	case "APAC":
		return fmt.Sprintf("+61 2 5550 %04d", r.IntN(10000))
	}
	return fmt.Sprintf("+1 %d 555 01%02d", pick(r, []int{212, 312, 415, 512, 617, 646, 720, 206}), r.IntN(100))
}

// leave records that p left the account on day d.
func (p *person) leave(d civil.Date) {
	p.Status, p.LeftOn = customer.ContactLeft, d
}

// makeContacts invents the account's people. In trouble the champion or
// the economic buyer leaves and nobody replaces them; otherwise people
// come and go at an ordinary rate and key people are replaced.
func (g *gen) makeContacts(a *acct) {
	r := a.r
	n := r.between(2, 4)
	switch a.touch {
	case customer.TouchHigh:
		n = r.between(8, 16)
	case customer.TouchLow:
		n = r.between(4, 8)
	}
	for k := range n {
		g.newPerson(a, rolePlan(k, n), a.since)
	}
	last := a.lastDay(g.today)
	// Departures that are warning signs.
	for i := range a.episodes {
		ep := &a.episodes[i]
		if !ep.has(sigContactLeft) {
			continue
		}
		p := a.withRole(ep.from, "champion", "economic_buyer", "executive")
		if p == nil {
			continue
		}
		day := r.dayIn(ep.from, minDate(ep.to.AddDays(-10), last))
		if !day.After(p.joined) {
			continue
		}
		p.leave(day)
		if ep.kind == epSaved {
			g.replace(a, p, day.AddDays(r.between(14, 60)), last)
		}
	}
	// Ordinary turnover: about 7% of people a year.
	start := maxDate(g.h0, a.since).AddDays(30)
	years := float64(last.DaysSince(start)) / 365
	for _, p := range slices.Clone(a.people) {
		if p.Status == customer.ContactLeft || years <= 0 || !r.chance(0.07*years) {
			continue
		}
		day := r.dayIn(maxDate(start, p.joined.AddDays(30)), last)
		if day.After(last) || a.troubleAt(day) != nil && p.key() {
			continue // a key person leaving in trouble is a planted sign, not noise
		}
		p.leave(day)
		if p.key() || r.chance(0.4) {
			g.replace(a, p, day.AddDays(r.between(20, 120)), last)
		}
	}
}

// replace hires someone into p's roles on day d, if d is before last.
func (g *gen) replace(a *acct, p *person, d, last civil.Date) {
	if d.After(last) {
		return
	}
	g.newPerson(a, slices.Clone(p.Roles), d)
}

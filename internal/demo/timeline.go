package demo

import (
	"fmt"
	"math"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/money"
)

// reasonText says a churn reason the way a CSM writes it in a note.
var reasonText = map[string]string{
	"poor_adoption":   "low adoption: most of the seats went unused and the rollout never got past the pilot team",
	"product_gap":     "missing capabilities they need (advanced reporting, an on-prem connector)",
	"price":           "the price at renewal",
	"competitor":      "moving to a competitor bundled with their productivity suite",
	"budget":          "budget cuts across their software spend",
	"key_person_left": "their champion left and nobody on their side picked the project up",
	"acquired":        "they were acquired and the parent company standardises on another tool",
	"bankruptcy":      "the company is winding down (insolvency)",
	"restructuring":   "a restructuring dissolved the team that used Lumora",
}

// activity adds a timeline entry on day d, unless d is not yet past.
func (a *acct) activity(kind string, d civil.Date, author string, attendees []string, subject, body string) {
	if !d.Before(a.today) {
		return
	}
	a.activities = append(a.activities, customer.Activity{
		ExternalID:        "act_" + a.r.token(16),
		AccountExternalID: a.ext,
		Kind:              kind,
		OccurredAt:        a.r.at(d),
		AuthorEmail:       author,
		Attendees:         attendees,
		Subject:           subject,
		Body:              body,
	})
}

// silentAt reports whether the account's CSM has gone quiet on day d: in
// trouble with the silence sign, in the months before it came to a head.
func (a *acct) silentAt(d civil.Date) bool {
	for i := range a.episodes {
		ep := &a.episodes[i]
		if ep.has(sigSilence) && inRange(d, ep.to.AddDays(-ep.silence), ep.to) {
			return true
		}
	}
	return false
}

// noReviewAt reports whether business reviews stopped on day d: all
// through trouble with the silence sign.
func (a *acct) noReviewAt(d civil.Date) bool {
	ep := a.episodeAt(d, sigSilence)
	return ep != nil || a.silentAt(d)
}

// emails lists the people's email addresses, then extra ones.
func emails(ps []*person, extra ...string) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Email)
	}
	for _, e := range extra {
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}

// some is up to n of the account's people there on day d, key people first.
func (a *acct) some(d civil.Date, n int) []*person {
	var out []*person
	for _, role := range []string{"champion", "economic_buyer", "admin", "power_user"} {
		if p := a.withRole(d, role); p != nil && len(out) < n && !containsPerson(out, p) {
			out = append(out, p)
		}
	}
	if len(out) > 1 && a.r.chance(0.5) {
		out = out[:len(out)-1]
	}
	return out
}

func containsPerson(ps []*person, p *person) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

func namesOf(ps []*person) string {
	var names []string
	for _, p := range ps {
		names = append(names, firstName(p.Name))
	}
	switch len(names) {
	case 0:
		return "the team"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// makeTimeline writes the account's timeline: onboarding, the CSM's
// regular touches and business reviews (by touch model), renewals and
// cross-sells, notes on trouble, and automated emails for tech touch.
func (g *gen) makeTimeline(a *acct) {
	g.onboarding(a)
	g.commercialNotes(a)
	if a.touch == customer.TouchTech {
		g.automated(a)
	} else {
		g.cadence(a)
		g.reviews(a)
	}
	g.troubleNotes(a)
}

// onboarding: the AE's handoff, kickoff, training and go-live, for
// customers who started (or came back) during the history.
func (g *gen) onboarding(a *acct) {
	r := a.r
	last := a.lastDay(g.today)
	for _, s := range []civil.Date{a.since, a.reactivatedOn} {
		if s.IsZero() || s.Before(g.h0) {
			continue
		}
		if a.touch == customer.TouchTech {
			for _, e := range []struct {
				days          int
				subject, body string
			}{
				{0, "Welcome to Lumora", "Automated welcome email: admin setup checklist and a link to book a group onboarding webinar."},
				{7, "Getting started: invite your team", "Automated onboarding email 2 of 4: inviting users, SSO setup, workspace templates."},
				{21, "Tips: automate your first workflow", "Automated onboarding email 3 of 4: workflow templates and the Automate trial."},
				{45, "How is it going?", "Automated onboarding email 4 of 4 with the onboarding CSAT survey."},
			} {
				if d := s.AddDays(e.days); !d.After(last) {
					a.activity("email", d, "", nil, e.subject, e.body)
				}
			}
			continue
		}
		ps := a.some(s, 3)
		eb, champ := a.withRole(s, "economic_buyer"), a.withRole(s, "champion")
		if d := s.AddDays(-3); !d.Before(g.h0) && a.ae != "" {
			var b strings.Builder
			fmt.Fprintf(&b, "AE → CSM handoff for %s.\n", a.name)
			if eb != nil {
				fmt.Fprintf(&b, "Economic buyer: %s (%s). ", eb.Name, eb.Title)
			}
			if champ != nil {
				fmt.Fprintf(&b, "Champion: %s (%s).\n", champ.Name, champ.Title)
			}
			fmt.Fprintf(&b, "Why they bought: %s.\n", pick(r, objectives))
			fmt.Fprintf(&b, "Contract: %d seats of Platform (%s plan), billed %s, %d%% discount.\n", a.seatsOn(s), a.plan.name, a.billing, a.discount)
			fmt.Fprintf(&b, "Watch out for: %s.", pick(r, []string{
				"procurement was slow; IT security review still open", "a competitor was in the final round on price",
				"the champion is new in role", "they expect a working CRM integration in month one", "nothing unusual"}))
			a.activity("note", d, a.ae, []string{a.csm}, "Handoff: "+a.name, b.String())
		}
		steps := []struct {
			kind          string
			lo, hi        int
			subject, body string
		}{
			{"meeting", 3, 10, "Kickoff", "Kickoff with %s. Agreed success plan: %s. Target go-live in six weeks."},
			{"call", 14, 25, "Admin training", "Admin training with %s: permissions, SSO, templates. Next: %s."},
			{"note", 30, 60, "Go-live", "Live. First value reached with %s: %s. Moving to adoption."},
		}
		for _, st := range steps {
			d := s.AddDays(r.between(st.lo, st.hi))
			if d.After(last) || a.silentAt(d) {
				continue
			}
			arg := pick(r, objectives)
			if st.kind == "call" {
				arg = pick(r, nextSteps)
			}
			a.activity(st.kind, d, a.csm, emails(ps, a.csm), st.subject, fmt.Sprintf(st.body, namesOf(ps), arg))
		}
	}
}

// commercialNotes: renewals, cross-sells, dropped add-ons and a win-back,
// as the AE (or the CSM) records them.
func (g *gen) commercialNotes(a *acct) {
	last := a.lastDay(g.today)
	author := a.ae
	if author == "" {
		author = a.csm
	}
	for k := 1; k < len(a.terms); k++ {
		prev, t := a.terms[k-1], a.terms[k]
		if t.start.Before(g.h0) || t.start.After(last) {
			continue
		}
		if t.restarted {
			months := monthsBetween(a.churns[len(a.churns)-1], t.start)
			a.activity("note", t.start, author, nil, "Win-back: "+a.name,
				fmt.Sprintf("%s is back after %d months away: %d seats of Platform on a new %d-month term.", a.name, months, t.seats, a.termMonths))
			continue
		}
		before, after := a.mrrOn(t.start.AddDays(-1)), a.mrrOn(t.start)
		change := "flat"
		if before > 0 && after != before {
			change = fmt.Sprintf("%+.0f%%", float64(after-before)*100/float64(before))
		}
		body := fmt.Sprintf("Renewed for %d months: Platform %d → %d seats; MRR %s → %s (%s).",
			a.termMonths, prev.seats, t.seats, money.Display(before, "USD"), money.Display(after, "USD"), change)
		for j, ad := range a.addons {
			if ad.until == t.start {
				body += fmt.Sprintf(" Dropped %s at this renewal.", products[j+1].Name)
			}
		}
		if author == "" {
			a.activity("email", t.start, "", nil, "Your Lumora subscription has renewed", "Automated renewal confirmation. "+body)
		} else {
			a.activity("note", t.start, author, nil, "Renewal closed", body)
		}
	}
	for j, ad := range a.addons {
		if ad.from.IsZero() || ad.from.Before(g.h0) || ad.from.After(last) || author == "" {
			continue
		}
		for _, s := range a.subs {
			if s.Product == products[j+1].Name && s.StartOn == ad.from {
				a.activity("note", ad.from, author, nil, "Closed-won: "+s.Product,
					fmt.Sprintf("Cross-sell: %s, %d × %s, co-termed with Platform to %s. MRR +%s.", s.Product, s.Quantity, products[j+1].Unit, s.EndOn, money.Display(s.MRR, "USD")))
				break
			}
		}
	}
}

// mrrOn is the account's MRR on day d.
func (a *acct) mrrOn(d civil.Date) int64 {
	var sum int64
	for _, s := range a.subs {
		if !s.StartOn.After(d) && s.EndOn.After(d) {
			sum += s.MRR
		}
	}
	return sum
}

// automated: the renewal reminders tech-touch customers get instead of a
// CSM, and the pooled scale CSM's twice-yearly note to the larger ones.
func (g *gen) automated(a *acct) {
	r := a.r
	last := a.lastDay(g.today)
	for _, t := range a.terms {
		if d := t.end.AddDays(-30); !d.Before(g.h0) && !d.After(last) {
			a.activity("email", d, "", nil, "Your renewal is coming up", fmt.Sprintf("Automated renewal reminder: the subscription renews on %s.", t.end))
		}
	}
	for _, iv := range a.intervals(g.h0, last) {
		if a.csm == "" {
			continue
		}
		for d := iv[0].AddDays(r.between(30, 150)); !d.After(iv[1]); d = d.AddDays(r.between(150, 210)) {
			if !a.silentAt(d) {
				p := a.anyone(d, "champion", "admin")
				if p == nil {
					continue
				}
				a.activity("email", d.AddDays(r.between(1, 10)), a.csm, []string{p.Email}, "Checking in",
					fmt.Sprintf("Pooled check-in email to %s: %s. Offered a slot at admin office hours.", firstName(p.Name), strings.ToLower(pick(r, checkinTopics))))
			}
		}
	}
}

// Phrases of the cadence that depend on the account's usage.
const (
	seatsAsked         = "Their team leads are asking for more seats"
	utilisationSubject = "Your seat utilisation this month"
)

// cadence: the CSM's regular calls, meetings, emails and notes. High-touch
// accounts hear from their CSM every week or two, low-touch ones every
// month or two.
func (g *gen) cadence(a *acct) {
	r := a.r
	lo, hi := 7, 21
	kinds := []float64{0.35, 0.25, 0.25, 0.15} // call, meeting, email, note
	if a.touch == customer.TouchLow {
		lo, hi = 21, 55
		kinds = []float64{0.30, 0.10, 0.45, 0.15}
	}
	happy := []string{"They are happy with progress", "Good energy on the call",
		seatsAsked, "No open issues from their side"}
	worried := []string{"Frustrated about the open support issues", "Mentioned budget pressure for next year",
		"Fewer people joined than usual", "They asked about contract flexibility"}
	for _, iv := range a.intervals(g.h0, a.lastDay(g.today)) {
		for d := iv[0].AddDays(r.between(1, hi)); !d.After(iv[1]); d = d.AddDays(r.between(lo, hi)) {
			if a.silentAt(d) {
				continue
			}
			ps := a.some(d, 2)
			if len(ps) == 0 {
				continue
			}
			feel := pick(r, happy)
			if a.troubleAt(d) != nil {
				feel = pick(r, worried)
			}
			seats, now, before := a.seatsOn(d), a.activeUsers(d), a.activeUsers(d.AddDays(-60))
			switch {
			case before > 0 && now < before*85/100:
				feel = fmt.Sprintf("Active users are down from %d to %d of %d seats over two months", before, now, seats)
			case feel == seatsAsked && now < seats*85/100:
				feel = happy[0]
			}
			topic := pick(r, checkinTopics)
			switch r.weighted(kinds) {
			case 0:
				a.activity("call", d, a.csm, emails(ps, a.csm), "Check-in with "+namesOf(ps),
					fmt.Sprintf("%s. %s. Next step: %s.", topic, feel, pick(r, nextSteps)))
			case 1:
				a.activity("meeting", d, a.csm, emails(ps, a.csm), "Working session: "+strings.ToLower(topic[:1])+topic[1:],
					fmt.Sprintf("With %s. %s. %s. Next step: %s.", namesOf(ps), topic, feel, pick(r, nextSteps)))
			case 2:
				subject := pick(r, []string{"Following up on our call", "Training calendar for next month", "Release notes: what's new",
					utilisationSubject, "Invitation: customer webinar", "Office hours for admins"})
				body := fmt.Sprintf("Sent %s a note: %s.", firstName(ps[0].Name), strings.ToLower(topic[:1])+topic[1:])
				if subject == utilisationSubject {
					body = fmt.Sprintf("Sent %s their seat utilisation: %d of %d seats active in the last 30 days (%d%%).", firstName(ps[0].Name), now, seats, percent(now, seats))
				}
				a.activity("email", d, a.csm, emails(ps[:1], a.csm), subject, body)
			default:
				a.activity("note", d, a.csm, nil, "Account note", fmt.Sprintf("%s. %s.", topic, feel))
			}
		}
	}
}

// reviews: quarterly (high touch) or half-yearly (low touch) business
// reviews, a yearly EBR with the executive sponsor and an on-site visit
// for the largest accounts. Reviews stop when the CSM goes quiet.
func (g *gen) reviews(a *acct) {
	r := a.r
	period := 91
	if a.touch == customer.TouchLow {
		period = 182
	}
	last := a.lastDay(g.today)
	for _, iv := range a.intervals(g.h0, last) {
		for d := iv[0].AddDays(r.between(20, period)); !d.After(iv[1]); d = d.AddDays(period + r.between(-12, 12)) {
			if a.noReviewAt(d) || a.troubleAt(d) != nil && r.chance(0.3) {
				continue
			}
			g.qbr(a, d)
		}
		if a.touch != customer.TouchHigh {
			continue
		}
		for d := iv[0].AddDays(r.between(120, 330)); !d.After(iv[1]); d = d.AddDays(365 + r.between(-20, 20)) {
			if a.noReviewAt(d) {
				continue
			}
			eb := a.withRole(d, "economic_buyer", "executive")
			att := emails(a.some(d, 1), a.csm, a.sponsor)
			who := "their leadership"
			if eb != nil {
				att = append(att, eb.Email)
				who = eb.Name + " (" + eb.Title + ")"
			}
			sponsor := ""
			if a.sponsor != "" {
				sponsor = " Our executive sponsor joined."
			}
			a.activity("ebr", d, a.csm, att, "Executive business review",
				fmt.Sprintf("EBR with %s.%s Reviewed the year's outcomes against the success plan (%s), the roadmap, and next year's priorities: %s.",
					who, sponsor, pick(r, objectives), pick(r, objectives)))
		}
		if a.mrr >= 1_500_000 {
			for d := iv[0].AddDays(r.between(60, 300)); !d.After(iv[1]); d = d.AddDays(365 + r.between(-30, 30)) {
				if a.noReviewAt(d) {
					continue
				}
				ps := a.some(d, 3)
				a.activity("onsite", d, a.csm, emails(ps, a.csm), "On-site visit",
					fmt.Sprintf("Visited %s's office (%s). Workshop with %s on %s; met two new team leads.", a.name, a.country, namesOf(ps), pick(r, objectives)))
			}
		}
	}
}

// qbr writes a business review with the numbers a CSM would bring.
func (g *gen) qbr(a *acct, d civil.Date) {
	r := a.r
	ps := a.some(d, 3)
	seats, active := a.seatsOn(d), a.activeUsers(d)
	tickets, rated, csat := 0, 0, 0
	for _, t := range a.tickets {
		if od := civil.Of(t.OpenedAt); inRange(od, d.AddDays(-90), d) {
			tickets++
			if t.CSAT != nil {
				rated++
				csat += *t.CSAT
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Business review with %s.\n", namesOf(ps))
	fmt.Fprintf(&b, "Objectives reviewed: %s.\n", pick(r, objectives))
	fmt.Fprintf(&b, "Adoption: %d of %d licensed seats active in the last 30 days (%d%%)", active, seats, percent(active, seats))
	if n := a.analystSeats(d); n > 0 {
		fmt.Fprintf(&b, "; %d of them also hold Insights analyst seats", n)
	}
	b.WriteString(".\n")
	noun := "tickets"
	if tickets == 1 {
		noun = "ticket"
	}
	fmt.Fprintf(&b, "Support: %d %s in the last 90 days", tickets, noun)
	if rated > 0 {
		fmt.Fprintf(&b, ", CSAT %.1f", float64(csat)/float64(rated))
	}
	b.WriteString(".\n")
	if npsLast, ok := a.lastNPS(d); ok {
		fmt.Fprintf(&b, "Latest NPS answer: %d.\n", npsLast)
	}
	fmt.Fprintf(&b, "Next objectives: %s; %s.", pick(r, objectives), pick(r, objectives))
	subject := "Quarterly business review"
	if a.touch == customer.TouchLow {
		subject = "Half-yearly business review"
	}
	a.activity("qbr", d, a.csm, emails(ps, a.csm), subject, b.String())
}

// percent is n of total as a whole percentage.
func percent(n, total int) int {
	if total == 0 {
		return 0
	}
	return int(math.Round(float64(n) * 100 / float64(total)))
}

// lastNPS is the latest NPS answer on or before day d.
func (a *acct) lastNPS(d civil.Date) (int, bool) {
	score, ok := 0, false
	var at civil.Date
	for _, s := range a.surveys {
		if sd := civil.Of(s.RespondedAt); s.Kind == "nps" && !sd.After(d) && (at.IsZero() || !sd.Before(at)) {
			score, ok, at = s.Score, true, sd
		}
	}
	return score, ok
}

// troubleNotes: what the CSM writes down when warning signs appear (unless
// they have gone quiet), the flag to At Risk, and how it ended.
func (g *gen) troubleNotes(a *acct) {
	r := a.r
	last := a.lastDay(g.today)
	csm := a.csm
	if a.touch == customer.TouchTech {
		csm = ""
	}
	note := func(kind string, d civil.Date, subject, body string) {
		if csm == "" || d.After(last) || d.Before(g.h0) || a.silentAt(d) {
			return
		}
		a.activity(kind, d, csm, emails(a.some(d, 2), csm), subject, body)
	}
	for i := range a.episodes {
		ep := &a.episodes[i]
		if ep.has(sigContactLeft) {
			for _, p := range a.people {
				if p.Status == customer.ContactLeft && inRange(p.LeftOn, ep.from, ep.to) && p.key() {
					note("note", p.LeftOn.AddDays(r.between(3, 20)), "Key contact left: "+p.Name,
						fmt.Sprintf("Learned that %s (%s) has left %s. They were our main relationship there; asking for an introduction to whoever takes over.", p.Name, p.Title, a.name))
					break
				}
			}
		}
		if ep.has(sigTickets) {
			note("call", ep.from.AddDays(r.between(10, 40)), "Escalation review",
				"Support escalations are piling up (urgent tickets, two escalated to engineering). Walked them through the fixes in flight; looping in Support leadership for a weekly update.")
		}
		if ep.has(sigNPS) {
			var first *customer.SurveyResponse
			for i := range a.surveys {
				s := &a.surveys[i]
				if s.Kind == "nps" && s.Score <= 6 && ep.covers(civil.Of(s.RespondedAt)) && (first == nil || s.RespondedAt.Before(first.RespondedAt)) {
					first = s
				}
			}
			if first != nil {
				note("call", civil.Of(first.RespondedAt).AddDays(r.between(2, 10)), "Detractor follow-up",
					fmt.Sprintf("Followed up on an NPS of %d. Main complaint: %s", first.Score, orElse(first.Comment, "they did not want to go into detail on the survey.")))
			}
		}
		if ep.has(sigOverdue) {
			for _, inv := range a.invoices {
				if inRange(inv.DueOn, ep.from.AddDays(-30), ep.to) && inv.DaysOverdue(minDate(g.today, ep.to)) > 15 {
					note("note", inv.DueOn.AddDays(r.between(16, 30)), "Overdue invoice",
						fmt.Sprintf("Finance flagged an unpaid invoice of %s, due %s. Raised it with the champion; they say it is stuck in approval.", money.Display(inv.Amount, "USD"), inv.DueOn))
					break
				}
			}
		}
		switch ep.kind {
		case epCurrent:
			if a.flagged {
				d := ep.from.AddDays(r.between(20, max(21, ep.to.DaysSince(ep.from)-5)))
				if a.canceled {
					d = g.today.AddDays(-r.between(3, 20))
				}
				body := fmt.Sprintf("Moving %s to At Risk. Driver: %s. Save plan: executive call, adoption workshop, weekly check-ins until renewal.", a.name, strings.ReplaceAll(ep.reason, "_", " "))
				if a.canceled {
					body = fmt.Sprintf("%s told us they will not renew on %s. Reason given: %s. Asked for a last call with their economic buyer.", a.name, a.terms[len(a.terms)-1].end, reasonText[ep.reason])
				}
				if !d.After(last) {
					a.activity("note", d, a.csm, nil, "At risk: "+a.name, body)
				}
			}
		case epSaved:
			note("note", ep.to, "Risk resolved", "Back on track: the new admin is trained, the open issues are fixed and usage has recovered. Back to the regular cadence.")
		case epChurn:
			d := ep.to.AddDays(-r.between(5, 40))
			if d.Before(g.h0) {
				continue
			}
			author, subject := csm, "Non-renewal confirmed"
			body := fmt.Sprintf("%s confirmed they will not renew. Reason: %s.", a.name, reasonText[ep.reason])
			if csm == "" || a.silentAt(d) {
				author, subject = a.ae, "Renewal lost"
				body = fmt.Sprintf("Renewal lost: %s let us know at the renewal call that they are leaving. Reason: %s.", a.name, reasonText[ep.reason])
			}
			if author == "" {
				a.activity("email", d, "", nil, "We're sorry to see you go", "Automated cancellation email with an exit survey and an export-your-data link.")
				continue
			}
			a.activity("note", d, author, nil, subject, body)
		}
	}
}

// orElse is s, or def when s is empty.
func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

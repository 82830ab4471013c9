package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// How many of each related object the account page shows at most; the
// page says when there are more.
const (
	relatedLimit  = 200
	timelineLimit = 100
)

// roleOrder is the order contact groups appear in: the people who decide
// and pay first, then those who champion, then those who use.
var roleOrder = []string{
	"economic_buyer", "decision_maker", "executive", "champion", "coach",
	"technical_buyer", "user_buyer", "power_user", "admin", "user",
}

// person is a named owner of an account (CSM, AE, sponsor).
type person struct {
	Name, Email string
}

// accountLink is a link to another account.
type accountLink struct {
	ID       int64
	Name     string
	MRR      int64
	Currency string
}

// contactGroup is the contacts whose main role is Role.
type contactGroup struct {
	Role     string
	Contacts []customer.Contact
}

// ticketRow is a ticket and how long it has been open.
type ticketRow struct {
	customer.Ticket
	IsOpen  bool
	AgeDays int // days open so far (open tickets) or until closed
}

// surveyRow is a survey answer with who gave it and how to read it.
type surveyRow struct {
	customer.SurveyResponse
	Contact string
	Max     int
	Verdict string // "Promoter", "Satisfied", "Would renew"…
	Tone    string // good, mid or bad: the colour of the score
}

// invoiceRow is an invoice and whether it is overdue.
type invoiceRow struct {
	customer.Invoice
	DaysOverdue int
	DueInDays   int
	Paid        bool
}

// activityRow is a timeline entry with its author and attendees by name,
// where known.
type activityRow struct {
	customer.Activity
	Author string
	With   []string
}

// related is a list of objects and whether more exist than were fetched.
type related[T any] struct {
	Items []T
	More  bool
}

// accountView is what templates/account.html shows.
type accountView struct {
	Page
	A                      customer.Account
	Currency               string
	ARR                    int64
	Renewal                renewal
	CSM, AE, Sponsor       person
	Parent                 *accountLink
	Children               related[accountLink]
	FamilyMRR              int64 // this account's MRR plus its subsidiaries' (same currency)
	Subscriptions          related[customer.Subscription]
	CurrentSubs, EndedSubs int
	// Ending is true when every current subscription is cancelled: the
	// renewal date is then the day the customer leaves.
	Ending                 bool
	Contacts               []contactGroup
	ContactCount, Departed int
	Tickets                related[ticketRow]
	OpenTickets, Escalated int
	Surveys                related[surveyRow]
	LatestNPS              *surveyRow
	Invoices               related[invoiceRow]
	Overdue                int
	OverdueAmount          int64
	Timeline               related[activityRow]
	TenureDays             int
}

// accountPage is the Customer 360 of one account.
func (s *server) accountPage(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return notFound("Account not found", "There is no account at this address.")
	}
	ctx := r.Context()
	a, err := s.st.Accounts().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Account not found", "No account has this id. It may have been deleted or merged.")
	}
	if err != nil {
		return err
	}
	today := s.today()
	v := accountView{
		Page:     Page{Title: a.Name, Section: "accounts"},
		A:        a,
		Currency: currencyOr(a.Currency),
		ARR:      a.MRR * 12,
		Renewal:  renewalOf(a.RenewalOn, today),
	}
	if !a.CustomerSince.IsZero() {
		v.TenureDays = today.DaysSince(a.CustomerSince)
	}
	byAccount := []store.Filter{{Field: "account_id", Op: store.Eq, Value: strconv.FormatInt(id, 10)}}

	// Owners, by name where they are Tend users.
	owners := []string{a.CSMEmail, a.AEEmail, a.SponsorEmail}
	names := userNames(ctx, s, owners, func(e string) string { return e })
	v.CSM = person{names[a.CSMEmail], a.CSMEmail}
	v.AE = person{names[a.AEEmail], a.AEEmail}
	v.Sponsor = person{names[a.SponsorEmail], a.SponsorEmail}

	// Hierarchy.
	if a.ParentID != 0 {
		p, err := s.st.Accounts().Get(ctx, a.ParentID)
		switch {
		case err == nil:
			v.Parent = &accountLink{p.ID, p.Name, p.MRR, currencyOr(p.Currency)}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	children, err := list(ctx, s.st.Accounts(), store.Query{
		Filters: []store.Filter{{Field: "parent_id", Op: store.Eq, Value: strconv.FormatInt(id, 10)}},
		Sort:    "-mrr", Limit: relatedLimit,
	})
	if err != nil {
		return err
	}
	v.Children.More = children.More
	v.FamilyMRR = a.MRR
	for _, c := range children.Items {
		v.Children.Items = append(v.Children.Items, accountLink{c.ID, c.Name, c.MRR, currencyOr(c.Currency)})
		if currencyOr(c.Currency) == v.Currency {
			v.FamilyMRR += c.MRR
		}
	}

	// Subscriptions: current ones first, largest first; then ended ones,
	// latest first.
	subs, err := list(ctx, s.st.Subscriptions(), store.Query{Filters: byAccount, Limit: relatedLimit})
	if err != nil {
		return err
	}
	slices.SortStableFunc(subs.Items, func(x, y customer.Subscription) int {
		if c := cmp.Compare(subRank(x), subRank(y)); c != 0 {
			return c
		}
		if subRank(x) == 1 {
			return cmp.Or(cmp.Compare(y.EndOn.String(), x.EndOn.String()), strings.Compare(x.Product, y.Product))
		}
		return cmp.Or(cmp.Compare(y.MRR, x.MRR), strings.Compare(x.Product, y.Product))
	})
	v.Subscriptions = subs
	cancelled := 0
	for _, sb := range subs.Items {
		if subRank(sb) == 0 {
			v.CurrentSubs++
			if sb.Status == customer.SubCanceled {
				cancelled++
			}
		} else {
			v.EndedSubs++
		}
	}
	v.Ending = v.CurrentSubs > 0 && cancelled == v.CurrentSubs

	// Contacts, grouped by their main role.
	contacts, err := list(ctx, s.st.Contacts(), store.Query{Filters: byAccount, Limit: relatedLimit})
	if err != nil {
		return err
	}
	v.Contacts, v.ContactCount, v.Departed = groupContacts(contacts.Items)
	contactName := map[int64]string{}
	byEmail := map[string]string{} // lowercased email → name, for attendees
	for _, c := range contacts.Items {
		contactName[c.ID] = cmp.Or(c.Name, c.Email)
		if c.Email != "" && c.Name != "" {
			byEmail[strings.ToLower(c.Email)] = c.Name
		}
	}

	// Tickets: open ones first, newest first within each.
	tickets, err := list(ctx, s.st.Tickets(), store.Query{Filters: byAccount, Sort: "-opened_at", Limit: relatedLimit})
	if err != nil {
		return err
	}
	v.Tickets.More = tickets.More
	now := today.Time().Add(24*time.Hour - time.Second)
	for _, t := range tickets.Items {
		row := ticketRow{Ticket: t, IsOpen: t.Open()}
		end := now
		if !row.IsOpen && !t.ClosedAt.IsZero() {
			end = t.ClosedAt
		}
		if !t.OpenedAt.IsZero() {
			row.AgeDays = max(0, int(end.Sub(t.OpenedAt).Hours()/24))
		}
		v.Tickets.Items = append(v.Tickets.Items, row)
		if row.IsOpen {
			v.OpenTickets++
			if t.Escalated {
				v.Escalated++
			}
		}
	}
	slices.SortStableFunc(v.Tickets.Items, func(x, y ticketRow) int {
		if x.IsOpen != y.IsOpen {
			if x.IsOpen {
				return -1
			}
			return 1
		}
		return y.OpenedAt.Compare(x.OpenedAt)
	})

	// Survey answers, newest first.
	surveys, err := list(ctx, s.st.Surveys(), store.Query{Filters: byAccount, Sort: "-responded_at", Limit: relatedLimit})
	if err != nil {
		return err
	}
	v.Surveys.More = surveys.More
	for _, sr := range surveys.Items {
		row := surveyRow{SurveyResponse: sr, Contact: contactName[sr.ContactID], Max: surveyMax[sr.Kind]}
		row.Verdict, row.Tone = readSurvey(sr.Kind, sr.Score)
		v.Surveys.Items = append(v.Surveys.Items, row)
	}
	slices.SortStableFunc(v.Surveys.Items, func(x, y surveyRow) int { return y.RespondedAt.Compare(x.RespondedAt) })
	for i := range v.Surveys.Items {
		if v.Surveys.Items[i].Kind == "nps" {
			v.LatestNPS = &v.Surveys.Items[i]
			break
		}
	}

	// Invoices, latest due first, overdue ones flagged.
	invoices, err := list(ctx, s.st.Invoices(), store.Query{Filters: byAccount, Sort: "-due_on", Limit: relatedLimit})
	if err != nil {
		return err
	}
	v.Invoices.More = invoices.More
	for _, inv := range invoices.Items {
		row := invoiceRow{Invoice: inv, DaysOverdue: inv.DaysOverdue(today), Paid: !inv.PaidOn.IsZero()}
		if !row.Paid && !inv.DueOn.IsZero() {
			row.DueInDays = inv.DueOn.DaysSince(today)
		}
		if row.DaysOverdue > 0 {
			v.Overdue++
			if inv.Currency == v.Currency {
				v.OverdueAmount += inv.Amount
			}
		}
		v.Invoices.Items = append(v.Invoices.Items, row)
	}
	slices.SortStableFunc(v.Invoices.Items, func(x, y invoiceRow) int { return cmp.Compare(y.DueOn.String(), x.DueOn.String()) })

	// The timeline, newest first, with authors and attendees by name
	// where they are known contacts or Tend users.
	timeline, err := list(ctx, s.st.Activities(), store.Query{Filters: byAccount, Sort: "-occurred_at", Limit: timelineLimit})
	if err != nil {
		return err
	}
	slices.SortStableFunc(timeline.Items, func(x, y customer.Activity) int { return y.OccurredAt.Compare(x.OccurredAt) })
	var people []string
	for _, a := range timeline.Items {
		people = append(people, a.AuthorEmail)
		for _, p := range a.Attendees {
			if strings.Contains(p, "@") && byEmail[strings.ToLower(p)] == "" {
				people = append(people, p)
			}
		}
	}
	users := userNames(ctx, s, people, func(e string) string { return e })
	nameOf := func(p string) string {
		return cmp.Or(byEmail[strings.ToLower(p)], users[p], p)
	}
	v.Timeline.More = timeline.More
	for _, a := range timeline.Items {
		row := activityRow{Activity: a, Author: nameOf(a.AuthorEmail)}
		for _, p := range a.Attendees {
			row.With = append(row.With, nameOf(p))
		}
		v.Timeline.Items = append(v.Timeline.Items, row)
	}

	return s.render(w, r, http.StatusOK, "account", v)
}

// readSurvey says what a survey score means and whether it is good news:
// NPS promoters, passives and detractors; CSAT 4–5 satisfied; CES 1–3 easy
// (lower is better); would-renew yes or no.
func readSurvey(kind string, score int) (verdict, tone string) {
	switch kind {
	case "nps":
		switch c := customer.NPSCategory(score); c {
		case "promoter":
			return "Promoter", "good"
		case "passive":
			return "Passive", "mid"
		default:
			return "Detractor", "bad"
		}
	case "csat":
		switch {
		case score >= 4:
			return "Satisfied", "good"
		case score == 3:
			return "Neutral", "mid"
		default:
			return "Dissatisfied", "bad"
		}
	case "ces":
		switch {
		case score <= 3:
			return "Easy", "good"
		case score == 4:
			return "Neutral", "mid"
		default:
			return "Hard", "bad"
		}
	case "would_renew":
		if score >= 1 {
			return "Would renew", "good"
		}
		return "Would not renew", "bad"
	}
	return "", "mid"
}

// surveyMax is the top of each survey kind's scale.
var surveyMax = map[string]int{"nps": 10, "csat": 5, "ces": 7, "would_renew": 1}

// list fetches one page of a collection as a related list.
func list[T any](ctx context.Context, c store.Collection[T], q store.Query) (related[T], error) {
	p, err := c.List(ctx, q)
	if err != nil {
		return related[T]{}, err
	}
	return related[T]{Items: p.Items, More: p.NextCursor != ""}, nil
}

// subRank orders subscriptions: running ones (0) before ended ones (1).
func subRank(s customer.Subscription) int {
	if s.Status == customer.SubEnded {
		return 1
	}
	return 0
}

// groupContacts puts each contact under its most senior role (in
// roleOrder), those with no role last, active people before those who
// left. It also counts contacts and departures.
func groupContacts(cs []customer.Contact) (groups []contactGroup, total, departed int) {
	byRole := map[string][]customer.Contact{}
	for _, c := range cs {
		main := ""
		for _, r := range roleOrder {
			if c.HasRole(r) {
				main = r
				break
			}
		}
		byRole[main] = append(byRole[main], c)
		if c.Status == customer.ContactLeft {
			departed++
		}
	}
	for _, r := range append(slices.Clone(roleOrder), "") {
		g := byRole[r]
		if len(g) == 0 {
			continue
		}
		slices.SortStableFunc(g, func(x, y customer.Contact) int {
			xl, yl := x.Status == customer.ContactLeft, y.Status == customer.ContactLeft
			if xl != yl {
				if xl {
					return 1
				}
				return -1
			}
			return strings.Compare(strings.ToLower(cmp.Or(x.Name, x.Email)), strings.ToLower(cmp.Or(y.Name, y.Email)))
		})
		name := label(r)
		if r == "" {
			name = "Other contacts"
		}
		groups = append(groups, contactGroup{Role: name, Contacts: g})
	}
	return groups, len(cs), departed
}

package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// How many of each related object the account page shows at most; the
// page says when there are more.
const (
	relatedLimit  = 50
	timelineLimit = 50
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
	// CanEdit is whether the viewer may change this account: edit it and
	// log activities on its timeline.
	CanEdit bool
	// Log is the form that logs an activity; Saved says the account's
	// fields were just saved.
	Log                    *formState
	Saved                  bool
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
	// Usage is the product usage panel (adoption over 90 days).
	Usage UsagePanel
	// Health is the health panel (score, explanation, trend, pulse).
	Health HealthPanel
	// CTAs is the panel of the account's calls to action.
	CTAs          CTAPanel
	Overdue       int
	OverdueAmount int64
	Timeline      related[activityRow]
	TenureDays    int
}

// accountPage is the Customer 360 of one account. Those who may change
// the account also get the form that logs an activity and a link to edit
// it.
func (s *server) accountPage(w http.ResponseWriter, r *http.Request) error {
	a, err := s.pathAccount(r)
	if err != nil {
		return err
	}
	v, err := s.accountView(r.Context(), a, viewer(r))
	if err != nil {
		return err
	}
	v.Log = activityForm(nil, s.now())
	v.Saved = r.URL.Query().Get("saved") == "1"
	v.Health.Saved = r.URL.Query().Get("pulse") == "1"
	if r.URL.Query().Get("cta") == "opened" {
		v.CTAs.Saved = "CTA opened."
	}
	return s.render(w, r, http.StatusOK, "account", v)
}

// pathAccount is the account whose id is in the request's path.
func (s *server) pathAccount(r *http.Request) (customer.Account, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return customer.Account{}, notFound("Account not found", "There is no account at this address.")
	}
	a, err := s.st.Accounts().Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return a, notFound("Account not found", "No account has this id. It may have been deleted or merged.")
	}
	return a, err
}

// editableAccount is the account in r's path and the principal, who must
// be allowed to change it (auth.Principal.RequireAccount): the start of
// every form that writes to an account.
func (s *server) editableAccount(r *http.Request) (auth.Principal, customer.Account, error) {
	p, err := s.principal(r)
	if err != nil {
		return p, customer.Account{}, err
	}
	a, err := s.pathAccount(r)
	if err != nil {
		return p, a, err
	}
	return p, a, p.RequireAccount(a.CSMID)
}

// accountView reads everything the account page shows about a, as p sees
// it.
func (s *server) accountView(ctx context.Context, a customer.Account, p auth.Principal) (accountView, error) {
	id := a.ID
	today := s.today()
	v := accountView{
		Page:     Page{Title: a.Name, Section: "accounts"},
		CanEdit:  p.CanEditAccount(a.CSMID),
		A:        a,
		Currency: currencyOr(a.Currency),
		ARR:      a.MRR * 12,
		Renewal:  renewalOf(a.RenewalOn, today),
	}
	var err error
	if v.Usage, err = s.usagePanel(ctx, id, a.Name); err != nil {
		return v, err
	}
	if v.Health, err = s.healthPanel(ctx, id, v.CanEdit); err != nil {
		return v, err
	}
	if v.CTAs, err = s.ctaPanel(ctx, a, p); err != nil {
		return v, err
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
		parent, err := s.st.Accounts().Get(ctx, a.ParentID)
		switch {
		case err == nil:
			v.Parent = &accountLink{parent.ID, parent.Name, parent.MRR, currencyOr(parent.Currency)}
		case !errors.Is(err, store.ErrNotFound):
			return v, err
		}
	}
	children, err := list(ctx, s.st.Accounts(), store.Query{
		Filters: []store.Filter{{Field: "parent_id", Op: store.Eq, Value: strconv.FormatInt(id, 10)}},
		Sort:    "-mrr", Limit: relatedLimit,
	})
	if err != nil {
		return v, err
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
		return v, err
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
		return v, err
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
		return v, err
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
		return v, err
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
		return v, err
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
		return v, err
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

	return v, nil
}

// activityForm is the form that logs an activity on the timeline, filled
// with what was sent (nil: a fresh form, a note happening now).
func activityForm(sent url.Values, now time.Time) *formState {
	now = now.UTC()
	get := func(k, def string) string {
		if sent == nil {
			return def
		}
		return sent.Get(k)
	}
	var kinds []option
	for _, k := range customer.ActivityKinds {
		kinds = append(kinds, option{Value: k, Label: label(k)})
	}
	return &formState{Fields: []*field{
		{Name: "kind", ID: "log-kind", Label: "What", Type: "select", Value: get("kind", "note"), Options: kinds, Required: true},
		{Name: "occurred_on", ID: "log-on", Label: "Date", Type: "date", Value: get("occurred_on", now.Format(time.DateOnly)), Required: true},
		{Name: "occurred_time", ID: "log-time", Label: "Time (UTC)", Type: "time", Value: get("occurred_time", now.Format("15:04"))},
		{Name: "subject", ID: "log-subject", Label: "Subject", Type: "text", Value: get("subject", ""), MaxLen: 300, Wide: true},
		{Name: "body", ID: "log-body", Label: "Notes", Type: "textarea", Value: get("body", ""), Wide: true,
			Hint: "What was said, agreed or learned. A subject or notes is enough."},
		{Name: "attendees", ID: "log-attendees", Label: "With", Type: "text", Value: get("attendees", ""), Wide: true,
			Hint: "Names or email addresses, separated by commas."},
	}}
}

// activityRenames maps the domain's field names to the activity form's.
var activityRenames = map[string]string{"occurred_at": "occurred_on"}

// logActivity adds a note, call, meeting… to the account's timeline,
// written by the principal. A problem re-shows the account page (422)
// with what was typed and each message beside its field; success goes
// back to the timeline, where the entry now is.
func (s *server) logActivity(w http.ResponseWriter, r *http.Request) error {
	p, a, err := s.editableAccount(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	act := customer.Activity{
		AccountID: a.ID,
		AuthorID:  p.UserID,
		Kind:      f.Get("kind"),
		Subject:   f.Get("subject"),
		Body:      strings.ReplaceAll(f.Get("body"), "\r\n", "\n"),
		Attendees: splitList(f.Get("attendees")),
	}
	var errs validate.Errors
	if on := strings.TrimSpace(f.Get("occurred_on")); on != "" {
		at, err := occurredAt(on, f.Get("occurred_time"))
		if err != nil {
			errs.Add("occurred_at", "invalid", "%v", err)
		} else {
			act.OccurredAt = at
		}
	}
	if cerr, ok := validate.As(act.Check()); ok {
		for _, e := range cerr {
			if e.Field == "occurred_at" && len(errs) > 0 {
				continue // already said why
			}
			errs = append(errs, e)
		}
	}
	if len(errs) == 0 {
		err = s.st.Activities().Create(r.Context(), &act)
		if verrs, ok := validate.As(err); ok {
			errs, err = verrs, nil
		}
		if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		v, err := s.accountView(r.Context(), a, p)
		if err != nil {
			return err
		}
		v.Log = activityForm(f, s.now())
		v.Log.addErrors(errs, activityRenames)
		return s.render(w, r, http.StatusUnprocessableEntity, "account", v)
	}
	http.Redirect(w, r, "/accounts/"+strconv.FormatInt(a.ID, 10)+"#timeline", http.StatusSeeOther)
	return nil
}

// occurredAt reads the day and time of day (HH:MM, UTC) of an activity;
// no time means the start of the day.
func occurredAt(day, clock string) (time.Time, error) {
	d, err := civil.Parse(day)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date", clipText(day, 40))
	}
	at := d.Time()
	if clock = strings.TrimSpace(clock); clock != "" {
		c, err := time.Parse("15:04", clock)
		if err != nil {
			c, err = time.Parse("15:04:05", clock)
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a time of day; write it as HH:MM", clipText(clock, 20))
		}
		at = at.Add(time.Duration(c.Hour())*time.Hour + time.Duration(c.Minute())*time.Minute + time.Duration(c.Second())*time.Second)
	}
	return at, nil
}

// splitList reads a comma- or line-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
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

package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// defaultPageSize is how many accounts one page of the list shows.
const defaultPageSize = 50

// renewalSoon is how many days ahead a renewal is highlighted.
const renewalSoon = 90

// listSorts maps the sort names used in URLs to the store's sort keys.
var listSorts = []struct{ name, label, key string }{
	{"mrr", "MRR, highest first", "-mrr"},
	{"renewal", "Renewal date, soonest first", "renewal_on"},
	{"name", "Name, A to Z", "name"},
}

// option is one choice in a <select>.
type option struct {
	Value, Label string
	Selected     bool
}

// noCSM is the csm filter value for accounts no CSM owns.
const noCSM = "none"

// listParams is what the accounts list was asked for.
type listParams struct {
	Q, Tier, Touch, Lifecycle, Sort, Cursor string
	// CSM is the owner's email, or noCSM.
	CSM string
	// RenewalFrom and RenewalTo bound the renewal date, both days included
	// (a renewal window, as the dashboard links to).
	RenewalFrom, RenewalTo civil.Date
	PageNo                 int
}

// filtered reports whether any filter or search narrows the list.
func (p listParams) filtered() bool {
	return p.Q != "" || p.Tier != "" || p.Touch != "" || p.Lifecycle != "" || p.CSM != "" ||
		!p.RenewalFrom.IsZero() || !p.RenewalTo.IsZero()
}

// values encodes p for a link, leaving defaults out so URLs stay short.
func (p listParams) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": p.Q, "tier": p.Tier, "touch": p.Touch, "lifecycle": p.Lifecycle, "csm": p.CSM,
		"renewal_from": p.RenewalFrom.String(), "renewal_to": p.RenewalTo.String(), "cursor": p.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if p.Sort != "" && p.Sort != listSorts[0].name {
		v.Set("sort", p.Sort)
	}
	if p.Cursor != "" && p.PageNo > 1 {
		v.Set("page", strconv.Itoa(p.PageNo))
	}
	return v
}

// url is the list's address for p.
func (p listParams) url() string {
	if q := p.values().Encode(); q != "" {
		return "/accounts?" + q
	}
	return "/accounts"
}

// parseListParams reads and checks the list's query parameters. Every bad
// one is reported at once (validate.Errors, shown as a 400 page).
func parseListParams(q url.Values) (listParams, error) {
	p := listParams{
		Q:         strings.TrimSpace(q.Get("q")),
		Tier:      strings.TrimSpace(q.Get("tier")),
		Touch:     strings.TrimSpace(q.Get("touch")),
		Lifecycle: strings.TrimSpace(q.Get("lifecycle")),
		Sort:      strings.TrimSpace(q.Get("sort")),
		CSM:       strings.ToLower(strings.TrimSpace(q.Get("csm"))),
		Cursor:    q.Get("cursor"),
		PageNo:    1,
	}
	var errs validate.Errors
	if p.CSM != "" && p.CSM != noCSM && (len(p.CSM) > 200 || !strings.Contains(p.CSM, "@")) {
		errs.Add("csm", "invalid", "%q is not a CSM's email address, nor %q for accounts with no CSM", clipText(p.CSM, 60), noCSM)
	}
	for _, f := range []struct {
		name string
		day  *civil.Date
	}{{"renewal_from", &p.RenewalFrom}, {"renewal_to", &p.RenewalTo}} {
		s := strings.TrimSpace(q.Get(f.name))
		if s == "" {
			continue
		}
		d, err := civil.Parse(s)
		if err != nil {
			errs.Add(f.name, "invalid", "%q is not a day; write it as YYYY-MM-DD", clipText(s, 40))
			continue
		}
		*f.day = d
	}
	if !p.RenewalFrom.IsZero() && !p.RenewalTo.IsZero() && p.RenewalTo.Before(p.RenewalFrom) {
		errs.Add("renewal_to", "invalid", "%s is before renewal_from %s", p.RenewalTo, p.RenewalFrom)
	}
	if len(p.Q) > 200 {
		errs.Add("q", "too_long", "the search is too long (at most 200 characters)")
	}
	if len(p.Tier) > 100 {
		errs.Add("tier", "too_long", "is too long (at most 100 characters)")
	}
	if p.Sort == "" {
		p.Sort = listSorts[0].name
	}
	if !slices.ContainsFunc(listSorts, func(s struct{ name, label, key string }) bool { return s.name == p.Sort }) {
		errs.Add("sort", "invalid", "%q is not a way to sort accounts; use mrr, renewal or name", p.Sort)
	}
	if p.Touch != "" && !slices.Contains(customer.TouchModels, p.Touch) {
		errs.Add("touch", "invalid", "%q is not a touch model; use one of %s", p.Touch, strings.Join(customer.TouchModels, ", "))
	}
	if p.Lifecycle != "" && !slices.Contains(customer.Stages, p.Lifecycle) {
		errs.Add("lifecycle", "invalid", "%q is not a lifecycle stage; use one of %s", p.Lifecycle, strings.Join(customer.Stages, ", "))
	}
	if s := q.Get("page"); s != "" && p.Cursor != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			errs.Add("page", "invalid", "%q is not a page number", s)
		} else {
			p.PageNo = n
		}
	}
	return p, errs.Err()
}

// query is the store query for p.
func (p listParams) query(pageSize int) store.Query {
	q := store.Query{Search: p.Q, Cursor: p.Cursor, Limit: pageSize}
	for _, s := range listSorts {
		if s.name == p.Sort {
			q.Sort = s.key
		}
	}
	for field, v := range map[string]string{"tier": p.Tier, "touch_model": p.Touch, "lifecycle": p.Lifecycle} {
		if v != "" {
			q.Filters = append(q.Filters, store.Filter{Field: field, Op: store.Eq, Value: v})
		}
	}
	switch p.CSM {
	case "":
	case noCSM:
		q.Filters = append(q.Filters, store.Filter{Field: "csm_id", Op: store.Eq, Value: ""})
	default:
		q.Filters = append(q.Filters, store.Filter{Field: "csm_email", Op: store.Eq, Value: p.CSM})
	}
	if !p.RenewalFrom.IsZero() {
		q.Filters = append(q.Filters, store.Filter{Field: "renewal_on", Op: store.Gte, Value: p.RenewalFrom.String()})
	}
	if !p.RenewalTo.IsZero() {
		q.Filters = append(q.Filters, store.Filter{Field: "renewal_on", Op: store.Lte, Value: p.RenewalTo.String()})
	}
	slices.SortFunc(q.Filters, func(a, b store.Filter) int {
		return cmp.Or(strings.Compare(a.Field, b.Field), strings.Compare(string(a.Op), string(b.Op)))
	})
	return q
}

// accountRow is one line of the accounts table.
type accountRow struct {
	ID                     int64
	Name                   string
	Tier, Touch, Lifecycle string
	Industry, Region       string
	MRR                    int64
	Currency               string
	Renewal                renewal
	CSMName, CSMEmail      string
}

// renewal is a renewal date and how far away it is.
type renewal struct {
	On   civil.Date
	Days int  // from today; negative when past
	Soon bool // within renewalSoon days from today (or past)
}

func renewalOf(on, today civil.Date) renewal {
	if on.IsZero() {
		return renewal{}
	}
	d := on.DaysSince(today)
	return renewal{On: on, Days: d, Soon: d <= renewalSoon}
}

// sortLink is a column header that sorts the table.
type sortLink struct {
	URL    string
	Active bool
	Aria   string // aria-sort value on the active column
}

// accountsView is what templates/accounts.html shows.
type accountsView struct {
	Page
	Params     listParams
	Sorts      []option
	Tiers      []option
	Touches    []option
	Stages     []option
	CSMs       []option
	Filtered   bool
	Total      int
	From, To   int
	Rows       []accountRow
	NextURL    string
	FirstURL   string
	ClearURL   string
	SortByName sortLink
	SortByMRR  sortLink
	SortByRen  sortLink
}

// accountsPage is the accounts list: search, filters, sort, pages.
func (s *server) accountsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := parseListParams(r.URL.Query())
	if err != nil {
		return err
	}
	ctx := r.Context()
	q := p.query(s.pageSize)
	page, err := s.st.Accounts().List(ctx, q)
	if err != nil {
		return err
	}
	countQ := q
	countQ.Cursor, countQ.Limit = "", 0
	total, err := s.st.Accounts().Count(ctx, countQ)
	if err != nil {
		return err
	}
	tiers := s.tiers(ctx)

	v := accountsView{
		Page:     Page{Title: "Accounts", Section: "accounts"},
		Params:   p,
		Filtered: p.filtered(),
		Total:    total,
		ClearURL: "/accounts",
	}
	for _, so := range listSorts {
		v.Sorts = append(v.Sorts, option{so.name, so.label, so.name == p.Sort})
	}
	if p.Tier != "" && !slices.Contains(tiers, p.Tier) {
		tiers = append(tiers, p.Tier)
	}
	for _, t := range tiers {
		v.Tiers = append(v.Tiers, option{t, t, t == p.Tier})
	}
	for _, t := range customer.TouchModels {
		v.Touches = append(v.Touches, option{t, touchLabel(t), t == p.Touch})
	}
	for _, st := range customer.Stages {
		v.Stages = append(v.Stages, option{st, label(st), st == p.Lifecycle})
	}
	v.CSMs = s.csmOptions(ctx, p.CSM)

	names := userNames(ctx, s, page.Items, func(a customer.Account) string { return a.CSMEmail })
	today := s.today()
	for _, a := range page.Items {
		v.Rows = append(v.Rows, accountRow{
			ID: a.ID, Name: a.Name, Tier: a.Tier, Touch: a.TouchModel, Lifecycle: a.Lifecycle,
			Industry: a.Industry, Region: a.Region, MRR: a.MRR, Currency: currencyOr(a.Currency),
			Renewal: renewalOf(a.RenewalOn, today), CSMName: names[a.CSMEmail], CSMEmail: a.CSMEmail,
		})
	}
	if len(v.Rows) > 0 {
		v.From = (p.PageNo-1)*s.pageSize + 1
		v.To = v.From + len(v.Rows) - 1
	}
	if page.NextCursor != "" {
		next := p
		next.Cursor, next.PageNo = page.NextCursor, p.PageNo+1
		v.NextURL = next.url()
	}
	if p.Cursor != "" {
		first := p
		first.Cursor, first.PageNo = "", 1
		v.FirstURL = first.url()
	}
	sortURL := func(name string) sortLink {
		l := p
		l.Sort, l.Cursor, l.PageNo = name, "", 1
		sl := sortLink{URL: l.url(), Active: p.Sort == name}
		if sl.Active {
			sl.Aria = "ascending"
			if name == "mrr" {
				sl.Aria = "descending"
			}
		}
		return sl
	}
	v.SortByName, v.SortByMRR, v.SortByRen = sortURL("name"), sortURL("mrr"), sortURL("renewal")
	return s.render(w, r, http.StatusOK, "accounts", v)
}

// currencyOr is c, or USD for an account with no live subscription (and so
// no currency yet), whose MRR is zero anyway.
func currencyOr(c string) string {
	if c == "" {
		return "USD"
	}
	return c
}

// userNames maps the emails picked from items to the names of the Tend
// users they belong to. Unknown emails are left out; pages show the email.
func userNames[T any](ctx context.Context, s *server, items []T, email func(T) string) map[string]string {
	names := map[string]string{}
	for _, it := range items {
		e := email(it)
		if e == "" {
			continue
		}
		if _, done := names[e]; done {
			continue
		}
		names[e] = ""
		u, err := s.st.Users().GetByExternalID(ctx, e)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				s.log.WarnContext(ctx, "web: looking up user", "email", e, "err", err)
			}
			continue
		}
		names[e] = u.Name
	}
	return names
}

// maxTiers bounds how many distinct tiers the filter offers.
const maxTiers = 40

// tiers returns the distinct account tiers, for the tier filter. On failure
// the filter offers no tiers rather than failing the page.
func (s *server) tiers(ctx context.Context) []string {
	found, err := s.st.Accounts().Distinct(ctx, "tier", maxTiers)
	if err != nil {
		s.log.WarnContext(ctx, "web: listing tiers", "err", err)
		return nil
	}
	return found
}

// clipText shortens s to at most n runes for an error message.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// maxUsers bounds how many users the owner filter offers and the
// dashboard names.
const maxUsers = 1000

// users lists Tend's users (at most maxUsers), by name.
func (s *server) users(ctx context.Context) ([]customer.User, error) {
	page, err := s.st.Users().List(ctx, store.Query{Sort: "name", Limit: maxUsers})
	if err != nil {
		return nil, err
	}
	return page.Items, nil
}

// csmOptions are the choices of the CSM filter: "No CSM" (the accounts
// nobody owns), then every CSM by name, and the current choice even when
// it is nobody Tend knows. On failure the filter offers only those two
// rather than failing the page.
func (s *server) csmOptions(ctx context.Context, current string) []option {
	opts := []option{{noCSM, "No CSM", current == noCSM}}
	found := current == "" || current == noCSM
	us, err := s.users(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "web: listing users", "err", err)
	}
	for _, u := range us {
		if u.Role != customer.RoleCSM && u.Email != current {
			continue
		}
		opts = append(opts, option{u.Email, cmp.Or(u.Name, u.Email), u.Email == current})
		found = found || u.Email == current
	}
	if !found {
		opts = append(opts, option{current, current, true})
	}
	return opts
}

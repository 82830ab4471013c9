package web

import (
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

// listParams is what the accounts list was asked for.
type listParams struct {
	Q, Tier, Touch, Lifecycle, Sort, Cursor string
	PageNo                                  int
}

// values encodes p for a link, leaving defaults out so URLs stay short.
func (p listParams) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": p.Q, "tier": p.Tier, "touch": p.Touch, "lifecycle": p.Lifecycle, "cursor": p.Cursor} {
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
		Cursor:    q.Get("cursor"),
		PageNo:    1,
	}
	var errs validate.Errors
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
	slices.SortFunc(q.Filters, func(a, b store.Filter) int { return strings.Compare(a.Field, b.Field) })
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
		Filtered: p.Q != "" || p.Tier != "" || p.Touch != "" || p.Lifecycle != "",
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
	return s.render(w, http.StatusOK, "accounts", v)
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

package web

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tendhq/tend/internal/auth"
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
	{"health", "Health, lowest score first", "health_score"},
}

// option is one choice in a <select>.
type option struct {
	Value, Label string
	Selected     bool
}

// noCSM is the csm filter value for accounts no CSM owns.
const noCSM = "none"

// renewalWithin are the renewal windows a list offers, in days from today.
// A saved view keeps the window, not the dates, so it stays current.
var renewalWithin = []int{30, 60, 90, 180, 365}

// listParams is what a list of accounts (the accounts list, a portfolio)
// was asked for.
type listParams struct {
	Q, Tier, Touch, Lifecycle, Sort, Cursor string
	Industry, Region                        string
	// Health is a colour, store.NotEnoughData or store.Unscored.
	Health string
	// CSM is the owner's email, or noCSM.
	CSM string
	// RenewalFrom and RenewalTo bound the renewal date, both days included
	// (a renewal window, as the dashboard links to).
	RenewalFrom, RenewalTo civil.Date
	// Within asks for renewals from today to this many days ahead.
	Within int
	// Attrs filters on custom attributes: key → value.
	Attrs  map[string]string
	PageNo int
	// today is the day Within counts from.
	today civil.Date
}

// filtered reports whether any filter or search narrows the list.
func (p listParams) filtered() bool {
	return p.Q != "" || p.Tier != "" || p.Touch != "" || p.Lifecycle != "" || p.CSM != "" || p.Health != "" ||
		p.Industry != "" || p.Region != "" || p.Within != 0 || len(p.Attrs) > 0 ||
		!p.RenewalFrom.IsZero() || !p.RenewalTo.IsZero()
}

// moreFiltered reports whether a filter from the "more filters" group is
// set, so that the group starts open.
func (p listParams) moreFiltered() bool {
	return p.Industry != "" || p.Region != "" || len(p.Attrs) > 0 || !p.RenewalFrom.IsZero() || !p.RenewalTo.IsZero()
}

// values encodes p for a link, leaving defaults out so URLs stay short.
func (p listParams) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": p.Q, "tier": p.Tier, "touch": p.Touch, "lifecycle": p.Lifecycle, "csm": p.CSM,
		"industry": p.Industry, "region": p.Region, "health": p.Health,
		"renewal_from": p.RenewalFrom.String(), "renewal_to": p.RenewalTo.String(), "cursor": p.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if p.Within != 0 {
		v.Set("renews_within", strconv.Itoa(p.Within))
	}
	for k, s := range p.Attrs {
		v.Set("attributes."+k, s)
	}
	if p.Sort != "" && p.Sort != listSorts[0].name {
		v.Set("sort", p.Sort)
	}
	if p.Cursor != "" && p.PageNo > 1 {
		v.Set("page", strconv.Itoa(p.PageNo))
	}
	return v
}

// view is p's query string without the page it is on: what a saved view
// keeps and an export reads.
func (p listParams) view() string {
	p.Cursor, p.PageNo = "", 1
	return p.values().Encode()
}

// url is the accounts list's address for p.
func (p listParams) url() string { return p.urlAt("/accounts") }

// urlAt is the address of the list at base for p.
func (p listParams) urlAt(base string) string {
	if q := p.values().Encode(); q != "" {
		return base + "?" + q
	}
	return base
}

// parseListParams reads and checks a list's query parameters: defs are
// the custom attributes one may filter on, today the day a renewal window
// counts from. Every bad one is reported at once (validate.Errors, shown
// as a 400 page).
func parseListParams(q url.Values, defs []customer.AttributeDef, today civil.Date) (listParams, error) {
	p := listParams{
		Q:         strings.TrimSpace(q.Get("q")),
		Tier:      strings.TrimSpace(q.Get("tier")),
		Touch:     strings.TrimSpace(q.Get("touch")),
		Lifecycle: strings.TrimSpace(q.Get("lifecycle")),
		Industry:  strings.TrimSpace(q.Get("industry")),
		Region:    strings.TrimSpace(q.Get("region")),
		Health:    strings.TrimSpace(q.Get("health")),
		Sort:      strings.TrimSpace(q.Get("sort")),
		CSM:       strings.ToLower(strings.TrimSpace(q.Get("csm"))),
		Cursor:    q.Get("cursor"),
		PageNo:    1,
		today:     today,
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
	if s := strings.TrimSpace(q.Get("renews_within")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !slices.Contains(renewalWithin, n) {
			errs.Add("renews_within", "invalid", "%q is not a renewal window; use one of %s days", clipText(s, 20), joinInts(renewalWithin))
		} else {
			p.Within = n
		}
	}
	if utf8.RuneCountInString(p.Q) > store.MaxSearchLen {
		errs.Add("q", "too_long", "the search is too long (at most %d characters)", store.MaxSearchLen)
	}
	for k, v := range map[string]string{"tier": p.Tier, "industry": p.Industry, "region": p.Region} {
		if len(v) > 200 {
			errs.Add(k, "too_long", "is too long (at most 200 characters)")
		}
	}
	if p.Sort == "" {
		p.Sort = listSorts[0].name
	}
	if !slices.ContainsFunc(listSorts, func(s struct{ name, label, key string }) bool { return s.name == p.Sort }) {
		errs.Add("sort", "invalid", "%q is not a way to sort accounts; use mrr, renewal, name or health", p.Sort)
	}
	if p.Health != "" && !slices.ContainsFunc(healthFilters, func(h struct{ value, label string }) bool { return h.value == p.Health }) {
		errs.Add("health", "invalid", "%q is not a health; use red, yellow, green, %s or %s", clipText(p.Health, 40), store.NotEnoughData, store.Unscored)
	}
	if p.Touch != "" && !slices.Contains(customer.TouchModels, p.Touch) {
		errs.Add("touch", "invalid", "%q is not a touch model; use one of %s", p.Touch, strings.Join(customer.TouchModels, ", "))
	}
	if p.Lifecycle != "" && !slices.Contains(customer.Stages, p.Lifecycle) {
		errs.Add("lifecycle", "invalid", "%q is not a lifecycle stage; use one of %s", p.Lifecycle, strings.Join(customer.Stages, ", "))
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		key, ok := strings.CutPrefix(k, "attributes.")
		if !ok {
			continue
		}
		v := strings.TrimSpace(q.Get(k))
		if !slices.ContainsFunc(defs, func(d customer.AttributeDef) bool { return d.Key == key }) {
			errs.Add(k, "unknown", "no custom attribute %q is defined", clipText(key, 60))
			continue
		}
		if v == "" {
			continue
		}
		if p.Attrs == nil {
			p.Attrs = map[string]string{}
		}
		p.Attrs[key] = v
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

// joinInts writes 30, 60 and 90.
func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// renewalBounds is the renewal window p asks for: the dates given, narrowed
// to the next Within days when a window is chosen too.
func (p listParams) renewalBounds() (from, to civil.Date) {
	from, to = p.RenewalFrom, p.RenewalTo
	if p.Within != 0 {
		if from.IsZero() || from.Before(p.today) {
			from = p.today
		}
		if end := p.today.AddDays(p.Within); to.IsZero() || end.Before(to) {
			to = end
		}
	}
	return from, to
}

// query is the store query for p.
func (p listParams) query(pageSize int) store.Query {
	q := store.Query{Search: p.Q, Cursor: p.Cursor, Limit: pageSize}
	for _, s := range listSorts {
		if s.name == p.Sort {
			q.Sort = s.key
		}
	}
	for field, v := range map[string]string{"tier": p.Tier, "touch_model": p.Touch, "lifecycle": p.Lifecycle,
		"industry": p.Industry, "region": p.Region, "health": p.Health} {
		if v != "" {
			q.Filters = append(q.Filters, store.Filter{Field: field, Op: store.Eq, Value: v})
		}
	}
	for k, v := range p.Attrs {
		q.Filters = append(q.Filters, store.Filter{Field: "attributes." + k, Op: store.Eq, Value: v})
	}
	switch p.CSM {
	case "":
	case noCSM:
		q.Filters = append(q.Filters, store.Filter{Field: "csm_id", Op: store.Eq, Value: ""})
	default:
		q.Filters = append(q.Filters, store.Filter{Field: "csm_email", Op: store.Eq, Value: p.CSM})
	}
	from, to := p.renewalBounds()
	if !from.IsZero() {
		q.Filters = append(q.Filters, store.Filter{Field: "renewal_on", Op: store.Gte, Value: from.String()})
	}
	if !to.IsZero() {
		q.Filters = append(q.Filters, store.Filter{Field: "renewal_on", Op: store.Lte, Value: to.String()})
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
	Health                 healthCell
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

// listControls are the parts of a list page the accounts list and the
// portfolio share: the filters with their choices, the sort, the pager,
// saved views and the export link.
type listControls struct {
	Params       listParams
	Sorts        []option
	Tiers        []option
	Touches      []option
	Stages       []option
	Industries   []option
	Regions      []option
	Windows      []option
	Healths      []option
	AttrFilters  []*field
	Filtered     bool
	MoreFiltered bool
	Total        int
	// Split says how many of the Total are customers (customer.IsCustomer)
	// and how many churned or prospects; nil when not known cheaply.
	Split        *split
	From, To     int
	NextURL      string
	FirstURL     string
	ClearURL     string
	ExportURL    string
	SortByName   sortLink
	SortByMRR    sortLink
	SortByRen    sortLink
	SortByHealth sortLink
	Views        *savedViews
}

// accountsView is what templates/accounts.html shows.
type accountsView struct {
	Page
	listControls
	CSMs []option
	Rows []accountRow
}

// listPage is one page of a list of accounts: the store query for it, the
// page of accounts and how many match in all.
type listPage struct {
	q     store.Query
	items []customer.Account
	next  string
	total int
}

// readList reads the page p asks for and counts every match.
func (s *server) readList(ctx context.Context, p listParams, extra ...store.Filter) (listPage, error) {
	q := p.query(s.pageSize)
	q.Filters = append(q.Filters, extra...)
	countQ := q
	countQ.Cursor, countQ.Limit = "", 0
	// The page and the count are independent reads: run them at once.
	var (
		page  store.Page[customer.Account]
		total int
	)
	err := parallel(ctx,
		func(ctx context.Context) (err error) { page, err = s.st.Accounts().List(ctx, q); return err },
		func(ctx context.Context) (err error) { total, err = s.st.Accounts().Count(ctx, countQ); return err },
	)
	if err != nil {
		return listPage{}, err
	}
	return listPage{q: q, items: page.Items, next: page.NextCursor, total: total}, nil
}

// split is how many of the accounts a list counts are customers
// (customer.IsCustomer) and how many are churned or prospects.
type split struct{ Customers, Others int }

// customersOf splits the accounts p selects into customers and others from
// the dashboard's cached book figures (store.AccountGroups), so the list
// and the dashboard always agree and the split costs no pass over the
// accounts. The figures are grouped by CSM and lifecycle stage only: for
// any other filter ok is false and the list shows no split.
func customersOf(groups []store.AccountGroup, p listParams) (sp split, ok bool) {
	if p.Q != "" || p.Tier != "" || p.Touch != "" || p.Industry != "" || p.Region != "" || p.Within != 0 ||
		len(p.Attrs) > 0 || !p.RenewalFrom.IsZero() || !p.RenewalTo.IsZero() {
		return split{}, false
	}
	for _, g := range groups {
		switch {
		case p.Lifecycle != "" && g.Lifecycle != p.Lifecycle:
		case p.CSM == noCSM && g.CSMID != 0:
		case p.CSM != "" && p.CSM != noCSM && !strings.EqualFold(g.CSMEmail, p.CSM):
		default:
			sp.Customers += g.Customers
			sp.Others += g.Accounts - g.Customers
		}
	}
	return sp, true
}

// controls fills what the list at base shows around its rows.
func (s *server) controls(ctx context.Context, base string, p listParams, lp listPage, defs []customer.AttributeDef) listControls {
	c := listControls{
		Params:       p,
		Filtered:     p.filtered(),
		MoreFiltered: p.moreFiltered(),
		Total:        lp.total,
		ClearURL:     base,
	}
	exp := base + ".csv"
	if q := p.view(); q != "" {
		exp += "?" + q
	}
	c.ExportURL = exp
	for _, so := range listSorts {
		c.Sorts = append(c.Sorts, option{so.name, so.label, so.name == p.Sort})
	}
	c.Tiers = choices(s.suggest(ctx, "tier"), p.Tier, maxTiers)
	c.Industries = choices(s.suggest(ctx, "industry"), p.Industry, maxSuggestions)
	c.Regions = choices(s.suggest(ctx, "region"), p.Region, maxSuggestions)
	for _, t := range customer.TouchModels {
		c.Touches = append(c.Touches, option{t, touchLabel(t), t == p.Touch})
	}
	for _, st := range customer.Stages {
		c.Stages = append(c.Stages, option{st, label(st), st == p.Lifecycle})
	}
	for _, n := range renewalWithin {
		c.Windows = append(c.Windows, option{strconv.Itoa(n), "Next " + strconv.Itoa(n) + " days", n == p.Within})
	}
	for _, h := range healthFilters {
		c.Healths = append(c.Healths, option{h.value, h.label, h.value == p.Health})
	}
	for _, d := range defs {
		fl := &field{Name: "attributes." + d.Key, ID: "f-attr-" + d.Key, Label: cmp.Or(d.Label, d.Key), Value: p.Attrs[d.Key]}
		switch d.Type {
		case "boolean":
			fl.Type = "select"
			fl.Options = []option{{Value: "", Label: "Any"}, {Value: "true", Label: "Yes"}, {Value: "false", Label: "No"}}
		case "date":
			fl.Type = "date"
		default:
			fl.Type = "text"
		}
		c.AttrFilters = append(c.AttrFilters, fl)
	}
	if len(lp.items) > 0 {
		c.From = (p.PageNo-1)*s.pageSize + 1
		c.To = c.From + len(lp.items) - 1
	}
	if lp.next != "" {
		next := p
		next.Cursor, next.PageNo = lp.next, p.PageNo+1
		c.NextURL = next.urlAt(base)
	}
	if p.Cursor != "" {
		first := p
		first.Cursor, first.PageNo = "", 1
		c.FirstURL = first.urlAt(base)
	}
	sortURL := func(name string) sortLink {
		l := p
		l.Sort, l.Cursor, l.PageNo = name, "", 1
		sl := sortLink{URL: l.urlAt(base), Active: p.Sort == name}
		if sl.Active {
			sl.Aria = "ascending"
			if name == "mrr" {
				sl.Aria = "descending"
			}
		}
		return sl
	}
	c.SortByName, c.SortByMRR, c.SortByRen = sortURL("name"), sortURL("mrr"), sortURL("renewal")
	c.SortByHealth = sortURL("health")
	return c
}

// choices are a select's options from the values in use, with the current
// one kept even when it is not among them.
func choices(vals []string, current string, limit int) []option {
	if len(vals) > limit {
		vals = vals[:limit]
	}
	if current != "" && !slices.Contains(vals, current) {
		vals = append(vals, current)
	}
	opts := make([]option, 0, len(vals))
	for _, v := range vals {
		opts = append(opts, option{v, v, v == current})
	}
	return opts
}

// accountsPage is the accounts list: search, filters, sort, pages.
func (s *server) accountsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	defs, err := s.st.Attributes(ctx)
	if err != nil {
		return err
	}
	p, err := parseListParams(r.URL.Query(), defs, s.today())
	if err != nil {
		return err
	}
	v, err := s.accountsView(ctx, p, defs, viewer(r))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "accounts", v)
}

// accountsView reads what the accounts list shows for p, as who sees it.
func (s *server) accountsView(ctx context.Context, p listParams, defs []customer.AttributeDef, who auth.Principal) (accountsView, error) {
	lp, err := s.readList(ctx, p)
	if err != nil {
		return accountsView{}, err
	}
	v := accountsView{
		Page:         Page{Title: "Accounts", Section: "accounts"},
		listControls: s.controls(ctx, "/accounts", p, lp, defs),
		CSMs:         s.csmOptions(ctx, p.CSM),
	}
	groups, err := s.st.AccountGroups(ctx)
	if err != nil {
		return v, err
	}
	if sp, ok := customersOf(groups, p); ok {
		v.Split = &sp
	}
	if v.Views, err = s.savedViews(ctx, who, pageAccounts, p); err != nil {
		return v, err
	}
	names := userNames(ctx, s, lp.items, func(a customer.Account) string { return a.CSMEmail })
	health, err := s.healthCells(ctx, accountIDs(lp.items))
	if err != nil {
		return v, err
	}
	today := s.today()
	for _, a := range lp.items {
		v.Rows = append(v.Rows, accountRow{
			ID: a.ID, Name: a.Name, Tier: a.Tier, Touch: a.TouchModel, Lifecycle: a.Lifecycle,
			Industry: a.Industry, Region: a.Region, MRR: a.MRR, Currency: currencyOr(a.Currency),
			Renewal: renewalOf(a.RenewalOn, today), CSMName: names[a.CSMEmail], CSMEmail: a.CSMEmail,
			Health: health[a.ID],
		})
	}
	return v, nil
}

// accountIDs are the ids of accounts, in order.
func accountIDs(accounts []customer.Account) []int64 {
	ids := make([]int64, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	return ids
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
// More than a few emails cost one list of the users rather than a lookup
// each (a big account names a hundred people).
func userNames[T any](ctx context.Context, s *server, items []T, email func(T) string) map[string]string {
	want := map[string]bool{}
	for _, it := range items {
		if e := email(it); e != "" {
			want[e] = true
		}
	}
	names := map[string]string{}
	if len(want) > 3 {
		us, err := s.users(ctx)
		if err != nil {
			s.log.WarnContext(ctx, "web: listing users", "err", err)
		}
		for _, u := range us {
			if want[u.Email] {
				names[u.Email] = u.Name
				delete(want, u.Email)
			}
		}
		if len(us) < maxUsers {
			return names // every user was listed: the rest are unknown
		}
	}
	for e := range want {
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

package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tendhq/tend/internal/chart"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/validate"
)

// The retention dashboard (issue 7): the MRR waterfall, GRR/NRR trend,
// cohorts, churn reasons and the renewal pipeline for any period and any
// slice, every number linked to the accounts behind it
// (revenue.Book.Contributors) and exportable as CSV. The arithmetic is
// internal/revenue's; this file only picks what to show.

// trendMonths is how many month-ends the GRR/NRR trend covers, and
// cohortMonths how many start months the cohort tables follow (the CLI's
// and the API's default too).
const (
	trendMonths  = 24
	cohortMonths = retention.CohortMonths
	// pipelineMonths is how many months of renewals the pipeline shows,
	// starting with the current one.
	pipelineMonths = 6
)

// dimensionLabels name the dimensions of revenue.DimensionNames for people.
var dimensionLabels = map[string]string{
	"all": "Whole book", "tier": "Tier", "touch_model": "Touch model", "industry": "Industry", "region": "Region",
	"csm": "CSM", "lifecycle": "Lifecycle stage", "product": "Product", "cohort": "Cohort (start month)",
}

// retentionParams is what the page is asked for: a period, the dimension
// to slice by, and the slice the charts focus on ("" for the whole book).
type retentionParams struct {
	Period revenue.Period
	By     string
	Slice  string
	// AsOf closes the books on a past day; zero means today.
	AsOf civil.Date
}

// query writes p as a query string, leaving out defaults.
func (p retentionParams) values() url.Values {
	v := url.Values{"period": {p.Period.Name}}
	if p.By != "" && p.By != "all" {
		v.Set("by", p.By)
	}
	if p.Slice != "" {
		v.Set("slice", p.Slice)
	}
	return p.keepAsOf(v)
}

// keepAsOf adds p's as_of to the query v of a link, so every link of a
// page closed on a past day stays on that day.
func (p retentionParams) keepAsOf(v url.Values) url.Values {
	if !p.AsOf.IsZero() {
		v.Set("as_of", p.AsOf.String())
	}
	return v
}

// parseAsOf reads as_of: the day the books are closed on, today when
// absent. A day after today is refused: nothing is known about it yet.
func parseAsOf(q url.Values, today civil.Date) (civil.Date, error) {
	v := strings.TrimSpace(q.Get("as_of"))
	if v == "" {
		return today, nil
	}
	d, err := civil.Parse(v)
	if err != nil || d.IsZero() {
		return today, validate.Errors{{Field: "as_of", Code: "invalid", Message: fmt.Sprintf("%q is not a date (want YYYY-MM-DD)", v)}}
	}
	if d.After(today) {
		return today, validate.Errors{{Field: "as_of", Code: "invalid", Message: fmt.Sprintf("%s is after today (%s)", d, today)}}
	}
	return d, nil
}

// defaultPeriod is the trailing twelve months to the last complete month:
// the figure boards and CFOs read.
func defaultPeriod(today civil.Date) revenue.Period {
	last := monthStart(today).AddMonths(-1)
	return revenue.TrailingTwelveMonths(last.Year, last.Month)
}

// monthStart is the first day of d's month (AddMonths on the 31st would
// roll over into the month after).
func monthStart(d civil.Date) civil.Date { return civil.Date{Year: d.Year, Month: d.Month, Day: 1} }

// parseRetentionParams reads period, by, slice and as_of; every bad value
// is reported at once. A period that starts after the as-of day is
// refused: nothing of it has happened.
func parseRetentionParams(q url.Values, today civil.Date) (retentionParams, error) {
	return parseParams(q, today, false)
}

// parseParams is parseRetentionParams; ahead allows a period after the
// as-of day (the renewals still due).
func parseParams(q url.Values, today civil.Date, ahead bool) (retentionParams, error) {
	var errs validate.Errors
	asOf, err := parseAsOf(q, today)
	if fe, ok := validate.As(err); ok {
		errs = append(errs, fe...)
	}
	p := retentionParams{Period: defaultPeriod(asOf), By: strings.TrimSpace(q.Get("by")), Slice: strings.TrimSpace(q.Get("slice"))}
	if err == nil && asOf != today {
		p.AsOf = asOf
	}
	if v := strings.TrimSpace(q.Get("period")); v != "" {
		per, err := revenue.ParsePeriod(v)
		if err != nil {
			errs.Add("period", "invalid", "%v", err)
		} else if err := per.KnownBy(asOf); err != nil && !ahead {
			errs.Add("period", "invalid", "%v", err)
		}
		p.Period = per
	}
	if p.By == "" {
		p.By = "all"
	}
	if !slices.Contains(revenue.DimensionNames, p.By) {
		errs.OneOf("by", p.By, revenue.DimensionNames)
	}
	if p.By == "all" {
		p.Slice = ""
	}
	return p, errs.Err()
}

// periodLabel names a period for people: "12 months to Oct 2026",
// "Q3 2026", "Oct 2026", with "(to date)" when it is still running.
func periodLabel(p revenue.Period, asOf civil.Date) string {
	var s string
	switch {
	case strings.HasPrefix(p.Name, "TTM-"):
		s = "12 months to " + p.Last().Time().Format("Jan 2006")
	case strings.Contains(p.Name, "-Q"):
		s = p.Name[5:] + " " + p.Name[:4]
	case len(p.Name) == 7:
		s = p.From.Time().Format("Jan 2006")
	case len(p.Name) == 4:
		s = p.Name
	default:
		s = displayDate(p.From) + " – " + displayDate(p.Last())
	}
	if !asOf.Before(p.From) && asOf.Before(p.Last()) {
		s += " (to date)"
	}
	return s
}

// optionGroup is a labelled group of a select's options.
type optionGroup struct {
	Label   string
	Options []option
}

// periodOptions are the periods offered: trailing twelve months to each of
// the last 12 months, the last 8 quarters and the last 24 months, newest
// first; the period asked for is added when it is none of them.
func periodOptions(cur revenue.Period, asOf civil.Date) []optionGroup {
	mk := func(ps []revenue.Period) []option {
		out := make([]option, len(ps))
		for i, p := range ps {
			out[i] = option{Value: p.Name, Label: periodLabel(p, asOf), Selected: p.Name == cur.Name}
		}
		return out
	}
	var ttm, qs, ms []revenue.Period
	for i := range 12 {
		d := monthStart(asOf).AddMonths(-i)
		ttm = append(ttm, revenue.TrailingTwelveMonths(d.Year, d.Month))
	}
	for i := range 8 {
		qs = append(qs, revenue.QuarterOf(monthStart(asOf).AddMonths(-3*i)))
	}
	for i := range 24 {
		ms = append(ms, revenue.MonthOf(monthStart(asOf).AddMonths(-i)))
	}
	groups := []optionGroup{{"Trailing twelve months", mk(ttm)}, {"Quarters", mk(qs)}, {"Months", mk(ms)}}
	for _, g := range groups {
		for _, o := range g.Options {
			if o.Selected {
				return groups
			}
		}
	}
	return append([]optionGroup{{"Chosen", mk([]revenue.Period{cur})}}, groups...)
}

// retentionData is the book and what the page needs beside it.
type retentionData struct {
	book     *revenue.Book
	accounts map[int64]customer.Account
	list     []customer.Account
	records  []revenue.ChurnRecord
	csmNames map[string]string // CSM email → name, for the csm slices
	calls    map[revenue.RenewalKey]revenue.Call
	// atRisk are the accounts red by health, whose renewals with no call
	// count as at risk.
	atRisk map[int64]bool
}

// loadRetention reads the book as of p's day (today when it has none) —
// the cached one while the subscriptions have not changed; a past day's is
// built for the request, leaving today's in the cache — and the churn
// records and renewal calls stored beside it. A subscription in a currency
// with no rate becomes a page that says which.
func (s *server) loadRetention(ctx context.Context, p retentionParams) (*retentionData, error) {
	var (
		book *revenue.Book
		list []customer.Account
		err  error
	)
	if p.AsOf.IsZero() {
		book, list, err = s.books.Load(ctx, s.st, s.today())
	} else {
		book, list, err = retention.Load(ctx, s.st, p.AsOf)
	}
	var ce *retention.CurrencyError
	if errors.As(err, &ce) {
		return nil, &httpError{status: http.StatusUnprocessableEntity, title: "Retention needs an exchange rate", message: ce.Error() + "."}
	}
	if err != nil {
		return nil, err
	}
	d := &retentionData{book: book, list: list, accounts: s.accountIndex(book, list)}
	users, err := s.users(ctx)
	if err != nil {
		return nil, err
	}
	d.csmNames = make(map[string]string, len(users))
	for _, u := range users {
		d.csmNames[u.Email] = cmp.Or(u.Name, u.Email)
	}
	if d.records, err = retention.ChurnRecords(ctx, s.st); err != nil {
		return nil, err
	}
	o, err := retention.Outlook(ctx, s.st)
	if err != nil {
		return nil, err
	}
	d.calls, d.atRisk = o.Calls, o.AtRisk
	return d, nil
}

// outlook is what the pipeline forecasts from: the calls and the accounts
// red by health.
func (d *retentionData) outlook() revenue.Outlook {
	return revenue.Outlook{Calls: d.calls, AtRisk: d.atRisk}
}

// accountIndex maps the book's accounts by id, built once per book (the
// cached book comes back until the subscriptions change).
func (s *server) accountIndex(book *revenue.Book, list []customer.Account) map[int64]customer.Account {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if s.indexOf == book {
		return s.index
	}
	m := make(map[int64]customer.Account, len(list))
	for _, a := range list {
		m[a.ID] = a
	}
	s.indexOf, s.index = book, m
	return m
}

// since is each account's customer-since day, for tenure.
func (d *retentionData) since(id int64) civil.Date { return d.accounts[id].CustomerSince }

// drillURL links to the accounts behind component c of slice in p.
func drillURL(p retentionParams, slice string, c revenue.Component) string {
	v := url.Values{"period": {p.Period.Name}, "by": {p.By}, "slice": {slice}, "c": {string(c)}}
	return "/retention/accounts?" + p.keepAsOf(v).Encode()
}

// money figure helpers for the page.
type retKPI struct {
	Label, Value, Note, Def string
	// Parts are the numbers the figure is made of, each linked to its
	// accounts.
	Parts []retPart
}

type retPart struct {
	Label, Value, URL string
}

// wfCell is one linked amount of the waterfall table.
type wfCell struct {
	Text, Title, URL string
}

// wfRow is one slice of the waterfall table.
type wfRow struct {
	Slice, Label string
	FocusURL     string
	Cells        []wfCell // start, new, expansion, contraction, churn, reactivation, end
	GRR, NRR     string
	LogoChurn    string
	GDRR         string
}

// heatCell is one cell of a cohort table.
type heatCell struct {
	Text, Title, URL, Class string
}

type heatRow struct {
	Cohort    string
	Customers int
	Start     string // MRR in the cohort's first month
	Cells     []heatCell
}

type heatTable struct {
	Cols []string
	Rows []heatRow
}

// churnRow is one reason's share of churn.
type churnRow struct {
	Reason, Label         string
	Count                 int
	MRR                   string
	Share, MRRShare       string
	HardToAffect, Unknown bool
	AccountsURL           string
}

type pipelineRow struct {
	Month, URL                   string
	Count                        int
	Due, Expected                string
	Renew, AtRisk, Churn, Expand string
	AtRiskAmt, ChurnAmt          int64
}

type definition struct{ Term, Text string }

// retentionView is what templates/retention.html shows.
type retentionView struct {
	Page
	AsOf     civil.Date
	Currency string
	P        retentionParams
	Label    string // the period for people
	Focus    string // the focused slice's label, "" for the whole book
	Periods  []optionGroup
	Dims     []option
	Slices   []option
	Empty    bool
	CSVURL   string
	// Skipped says which subscription rows every figure leaves out.
	Skipped string

	KPIs                       []retKPI
	WaterfallWide, WaterfallNr template.HTML
	WaterfallBroken            bool
	Rows                       []wfRow
	Total                      *wfRow

	TrendWide, TrendNarrow template.HTML
	TrendNote              string

	CohortRevenue, CohortLogos heatTable

	Churn struct {
		Count          int
		MRR            string
		Recorded       int // churns with a reason on record
		Rows           []churnRow
		Wide, Narrow   template.HTML
		Controllable   string
		HardToAffect   string
		Unknown        string // share of the MRR lost with no reason recorded; "" when none
		UnknownURL     string
		RecordsInTotal int
	}
	ByIndustry []industryRow

	Pipeline struct {
		Rows                  []pipelineRow
		Quarter               string
		ImpliedGRR, ImpliedNR string
		DownsideGRR           string
		GDRR                  string
		Due, Renewed          string
		Count                 int
	}

	Details struct {
		Increased, IncreasedNote  string
		IncreasedURL              string
		Tenure                    revenue.ContractSize
		TenureOriginal, TenureNow string
		TenureGrowth              string
		TenureURL                 string
		Discounts                 revenue.DiscountChanges
		DiscountsURL              string
	}

	Definitions []definition
}

// industryRow is churn in one industry.
type industryRow struct {
	Industry, URL   string
	Customers, Lost int
	LogoChurn, GRR  string
	ChurnMRR        string
	LostURL         string
}

// definitionOrder is the order the definitions are written out on the
// page.
var definitionOrder = []struct{ key, term string }{
	{"start", "Starting MRR"}, {"new", "New"}, {"expansion", "Expansion"}, {"contraction", "Contraction"},
	{"churn", "Churn"}, {"reactivation", "Reactivation"}, {"end", "Ending MRR"}, {"identity", "The waterfall adds up"},
	{"grr", "GRR"}, {"nrr", "NRR"}, {"product_grr", "Product GRR"}, {"product_nrr", "Product NRR"},
	{"logo_churn", "Logo churn"}, {"gdrr", "GDRR"}, {"quick_ratio", "Quick ratio"}, {"arpa", "ARPA"},
	{"increased", "Increased their contract"}, {"cohort", "Cohort retention"}, {"churn_reason", "Churn reasons"},
	{"pipeline", "Renewal pipeline"}, {"forecast", "Forecast retention"},
	{"contract_size", "Contract size by tenure"}, {"discount", "Discount at first renewal"},
}

// pageDefinitions are the definitions the page adds to the Report's.
var pageDefinitions = map[string]string{
	"expansion":     "MRR added by paying accounts (more seats, a higher plan, another product line), at renewal or mid-term",
	"contraction":   "MRR given up by accounts that keep paying (fewer seats, a lower plan, a product line dropped)",
	"cohort":        "accounts grouped by the month they became customers; revenue retention = the cohort's MRR at the end of month k ÷ its MRR at the end of its first month (net: expansion counts, so it can pass 100%); logo retention = its accounts paying then ÷ its accounts",
	"churn_reason":  "each churn of the period (an account, or a product line dropped by an account that stayed) explained by the nearest churn record of the same account within 180 days; M&A, restructuring and bankruptcy are hard to affect; a churn with no record is unknown and counted as controllable",
	"pipeline":      "renewals falling due after today, by month: an account's terms ending on one day, the MRR due, and the forecast — the CSM's call, or from the data: churn when every line is cancelled, renew (or expand, at what is already signed) otherwise",
	"forecast":      "the quarter's retention if every renewal still due lands as forecast: actual movements up to today, then each renewal at its expected amount; the downside counts at-risk renewals as churning",
	"contract_size": "customers of three years or more who are paying today: their MRR now against their first contract on record",
	"discount":      "the discount (MRR-weighted) of each product line before and after its first renewal in the period",
}

func retentionDefinitions() []definition {
	out := make([]definition, 0, len(definitionOrder))
	for _, d := range definitionOrder {
		text := pageDefinitions[d.key]
		if t, ok := retention.Definitions[d.key]; ok {
			text = t
		}
		if text != "" {
			out = append(out, definition{Term: d.term, Text: strings.ToUpper(text[:1]) + text[1:] + "."})
		}
	}
	return out
}

// retentionPage is GET /retention.
func (s *server) retentionPage(w http.ResponseWriter, r *http.Request) error {
	p, err := parseRetentionParams(r.URL.Query(), s.today())
	if err != nil {
		return err
	}
	d, err := s.loadRetention(r.Context(), p)
	if err != nil {
		return err
	}
	v, err := s.retViews.get(retentionKey(d, p, s.today()), d.book, func() (*retentionView, error) { return buildRetention(d, p) })
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "retention", *v)
}

// buildRetention computes everything the page shows.
func buildRetention(d *retentionData, p retentionParams) (*retentionView, error) {
	book := d.book
	asOf := book.AsOf()
	cur := book.Currency()
	v := &retentionView{
		Page: Page{Title: "Retention", Section: "retention"},
		AsOf: asOf, Currency: cur, P: p, Label: periodLabel(p.Period, asOf),
		Periods: periodOptions(p.Period, asOf), Definitions: retentionDefinitions(),
		Empty: len(book.Accounts()) == 0, Skipped: retention.SkippedNote(book.Skipped()),
	}
	for _, name := range revenue.DimensionNames {
		v.Dims = append(v.Dims, option{Value: name, Label: dimensionLabels[name], Selected: name == p.By})
	}
	csv := p.values()
	csv.Del("slice")
	v.CSVURL = "/retention.csv?" + csv.Encode()
	if v.Empty {
		return v, nil
	}
	dim, err := revenue.DimensionByName(p.By, d.list)
	if err != nil {
		return nil, err
	}
	// The whole book, then the dimension's slices; a period with no
	// revenue at all has no slices (and an all-zero whole book).
	all := revenue.Metrics{Period: p.Period, Dimension: "all", Slice: "all"}
	var bySlice []revenue.Metrics
	for i, m := range book.Metrics([]revenue.Period{p.Period}, revenue.All(), dim) {
		switch {
		case i == 0 && m.Dimension == "all":
			all = m
		case p.By != "all":
			bySlice = append(bySlice, m)
		}
	}
	// The focused slice, or the whole book.
	focus, focusSlice, focusBy := all, "all", "all"
	fp := p
	fp.By = "all"
	if p.Slice != "" {
		i := slices.IndexFunc(bySlice, func(m revenue.Metrics) bool { return m.Slice == p.Slice })
		if i < 0 {
			return nil, notFound("No such slice", fmt.Sprintf("%s has no slice %q with revenue in %s.", dimensionLabels[p.By], p.Slice, v.Label))
		}
		focus, focusSlice, focusBy = bySlice[i], p.Slice, p.By
		fp = p
		v.Focus = sliceLabel(p.By, p.Slice, d.csmNames)
	}
	for _, m := range bySlice {
		v.Slices = append(v.Slices, option{Value: m.Slice, Label: sliceLabel(p.By, m.Slice, d.csmNames), Selected: m.Slice == p.Slice})
	}
	link := func(c revenue.Component) string { return drillURL(fp, focusSlice, c) }

	v.kpis(&focus, cur, link)
	v.waterfall(&focus, cur, link)
	if p.By != "all" {
		for i := range bySlice {
			row := wfRowOf(&bySlice[i], p, cur, d.csmNames)
			v.Rows = append(v.Rows, row)
		}
	}
	tot := wfRowOf(&all, retentionParams{Period: p.Period, By: "all"}, cur, nil)
	tot.Label = "Whole book"
	v.Total = &tot

	// Trend: trailing-twelve-month GRR and NRR at each month's end.
	var periods []revenue.Period
	var labels, urls []string
	for i := trendMonths - 1; i >= 0; i-- {
		m := monthStart(asOf).AddMonths(-i)
		ttm := revenue.TrailingTwelveMonths(m.Year, m.Month)
		periods = append(periods, ttm)
		labels = append(labels, m.Time().Format("Jan 06"))
		tp := p
		tp.Period = ttm
		urls = append(urls, "/retention?"+tp.values().Encode())
	}
	fdim := revenue.All()
	if focusBy != "all" {
		fdim = dim
	}
	trend := book.Metrics(periods, fdim)
	var grr, nrr []chart.Value
	for q := range periods {
		var m *revenue.Metrics
		for i := range trend {
			if trend[i].Period.Name == periods[q].Name && trend[i].Slice == focusSlice {
				m = &trend[i]
				break
			}
		}
		var g, n chart.Value
		if m != nil {
			g.V, g.OK = m.GRR().Float()
			n.V, n.OK = m.NRR().Float()
		}
		grr, nrr = append(grr, g), append(nrr, n)
	}
	ref := 1.0
	what := "the whole book"
	if v.Focus != "" {
		what = v.Focus
	}
	lc := chart.Lines{ID: "trend", Title: "Trailing-twelve-month GRR and NRR, " + what,
		Labels: labels, URLs: urls, Series: []chart.Series{{Name: "NRR", Class: "nrr", Values: nrr}, {Name: "GRR", Class: "grr", Values: grr}},
		Format: func(x float64) string { return fmt.Sprintf("%.1f%%", x*100) }, Ref: &ref}
	lc.Desc = trendDesc(labels, grr, nrr)
	v.TrendWide, v.TrendNarrow = lc.SVG(chart.Wide), lc.SVG(chart.Narrow)
	v.TrendNote = fmt.Sprintf("Each point is the twelve months ending that month (the last one to %s) and opens them; the dashed line is 100%%.", displayDate(asOf))

	v.cohorts(d, p)
	v.churn(d, p, focusSlice, fdim, cur)
	if err := v.industries(d, p); err != nil {
		return nil, err
	}
	v.pipeline(d, p, cur)
	v.details(d, &focus, p, link, cur)
	return v, nil
}

// sliceLabel names a slice for people: touch models and lifecycle stages
// in words, CSMs by name (csmNames: email → name), the rest as stored.
func sliceLabel(by, slice string, csmNames map[string]string) string {
	switch {
	case slice == revenue.NoSlice && by == "csm":
		return "No CSM"
	case slice == revenue.NoSlice:
		return "(none)"
	case by == "csm" && csmNames[slice] != "":
		return csmNames[slice]
	case by == "touch_model":
		return touchLabel(slice)
	case by == "lifecycle":
		return label(slice)
	}
	return slice
}

// pct writes a ratio for people: "97.3%", or "—" when undefined.
func pct(r revenue.Ratio) string {
	if !r.Defined() {
		return "—"
	}
	return r.Percent()
}

// kpis fills the headline figures of the focused slice.
func (v *retentionView) kpis(m *revenue.Metrics, cur string, link func(revenue.Component) string) {
	short := func(a int64) string { return moneyShort(a, cur) }
	ret := m.Retention
	S := retPart{"S", short(ret.Start), link(revenue.CompStart)}
	E := retPart{"E", short(ret.Expansion), link(revenue.CompRetainedExpansion)}
	C := retPart{"C", short(ret.Contraction), link(revenue.CompRetainedContraction)}
	X := retPart{"X", short(ret.Churn), link(revenue.CompLost)}
	v.KPIs = []retKPI{
		{Label: "GRR", Value: pct(m.GRR()), Def: retention.Definitions["grr"], Parts: []retPart{S, C, X}},
		{Label: "NRR", Value: pct(m.NRR()), Def: retention.Definitions["nrr"], Parts: []retPart{S, E, C, X}},
		{Label: "Logo churn", Value: pct(m.LogoChurn()), Def: retention.Definitions["logo_churn"],
			Parts: []retPart{{"lost", thousands(ret.Lost), link(revenue.CompLost)}, {"of", thousands(ret.Customers), link(revenue.CompStart)}}},
		{Label: "GDRR", Value: pct(m.GDRR()), Def: retention.Definitions["gdrr"],
			Parts: []retPart{{"renewed", short(m.Renewals.Renewed), link(revenue.CompRenewed)}, {"due", short(m.Renewals.Due), link(revenue.CompRenewalDue)}}},
		{Label: "Product GRR", Value: pct(m.ProductRetention.GRR()), Def: retention.Definitions["product_grr"],
			Parts: []retPart{{"lines dropped", short(m.ProductRetention.Churn), link(revenue.CompProductChurn)}, {"shrunk", short(m.ProductRetention.Contraction), link(revenue.CompProductContraction)}}},
		{Label: "Quick ratio", Value: ratioX(m.QuickRatio()), Def: retention.Definitions["quick_ratio"],
			Parts: []retPart{{"gained", short(m.New + m.Expansion + m.Reactivation), ""}, {"lost", short(m.Contraction + m.Churn), ""}}},
		{Label: "ARPA", Value: arpa(m.ARPA(), cur), Def: retention.Definitions["arpa"],
			Parts: []retPart{{"MRR", short(m.End), link(revenue.CompEnd)}, {"customers", thousands(m.CustomersEnd), link(revenue.CompEnd)}},
			Note:  "paying on " + displayDate(v.periodEnd(m.Period))},
		{Label: "Ending MRR", Value: short(m.End), Note: short(12*m.End) + " ARR", Def: retention.Definitions["end"],
			Parts: []retPart{{"from", short(m.Start), link(revenue.CompStart)}}},
	}
}

// periodEnd is the day a period's ending figures are read on: its last
// day, or the book's as-of day while the period is still running.
func (v *retentionView) periodEnd(p revenue.Period) civil.Date {
	if end := p.Last(); !v.AsOf.IsZero() && v.AsOf.Before(end) {
		return v.AsOf
	}
	return p.Last()
}

// ratioX writes a quick ratio: "3.2×", or "—".
func ratioX(r revenue.Ratio) string {
	f, ok := r.Float()
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.1f×", f)
}

// arpa writes the average MRR per account rounded to whole units.
func arpa(r revenue.Ratio, cur string) string {
	if !r.Defined() {
		return "—"
	}
	q := r.Num / r.Den
	if rem := r.Num % r.Den; 2*rem >= r.Den {
		q++
	}
	return moneyRound(q, cur)
}

// waterfallSteps are the waterfall's bars, in order.
var waterfallSteps = []struct {
	c     revenue.Component
	label string
	sign  int64
}{
	{revenue.CompStart, "Start", 0}, {revenue.CompNew, "New", 1}, {revenue.CompExpansion, "Expansion", 1},
	{revenue.CompContraction, "Contraction", -1}, {revenue.CompChurn, "Churn", -1},
	{revenue.CompReactivation, "Reactivation", 1}, {revenue.CompEnd, "End", 0},
}

// amountOf is the waterfall amount of component c (positive for losses).
func amountOf(m *revenue.Metrics, c revenue.Component) int64 {
	switch c {
	case revenue.CompStart:
		return m.Start
	case revenue.CompNew:
		return m.New
	case revenue.CompExpansion:
		return m.Expansion
	case revenue.CompContraction:
		return m.Contraction
	case revenue.CompChurn:
		return m.Churn
	case revenue.CompReactivation:
		return m.Reactivation
	case revenue.CompEnd:
		return m.End
	}
	return 0
}

// waterfall draws the focused slice's MRR bridge.
func (v *retentionView) waterfall(m *revenue.Metrics, cur string, link func(revenue.Component) string) {
	short := func(a int64) string { return moneyShort(a, cur) }
	wf := chart.Waterfall{ID: "waterfall", Title: "MRR waterfall, " + v.Label, Tick: short}
	var desc []string
	for _, st := range waterfallSteps {
		a := amountOf(m, st.c)
		step := chart.WaterfallStep{Label: st.label, URL: link(st.c)}
		if st.sign == 0 {
			step.Total, step.Value, step.ValueText = true, a, short(a)
		} else {
			step.Value = st.sign * a
			step.ValueText = chart.Signed(step.Value, short)
		}
		wf.Steps = append(wf.Steps, step)
		desc = append(desc, st.label+" "+step.ValueText)
	}
	wf.Desc = "MRR from the start to the end of the period: " + strings.Join(desc, ", ") + "."
	v.WaterfallWide, v.WaterfallNr = wf.SVG(chart.Wide), wf.SVG(chart.Narrow)
	v.WaterfallBroken = wf.Broken()
}

// wfRowOf is one slice's row of the waterfall table.
func wfRowOf(m *revenue.Metrics, p retentionParams, cur string, csmNames map[string]string) wfRow {
	row := wfRow{Slice: m.Slice, Label: sliceLabel(p.By, m.Slice, csmNames)}
	fv := retentionParams{Period: p.Period, By: p.By, Slice: m.Slice, AsOf: p.AsOf}.values()
	row.FocusURL = "/retention?" + fv.Encode()
	for _, st := range waterfallSteps {
		a := amountOf(m, st.c)
		text := moneyShort(a, cur)
		if st.sign < 0 && a != 0 {
			text = "−" + text
		}
		row.Cells = append(row.Cells, wfCell{Text: text, Title: money.Display(a, cur), URL: drillURL(p, m.Slice, st.c)})
	}
	row.GRR, row.NRR, row.LogoChurn, row.GDRR = pct(m.GRR()), pct(m.NRR()), pct(m.LogoChurn()), pct(m.GDRR())
	return row
}

// trendDesc describes the trend for a screen reader: first and last values.
func trendDesc(labels []string, grr, nrr []chart.Value) string {
	first, last := -1, -1
	for i := range grr {
		if grr[i].OK && nrr[i].OK {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return "No customers at the start of any of these periods, so retention is undefined."
	}
	return fmt.Sprintf("Trailing-twelve-month GRR went from %.1f%% (%s) to %.1f%% (%s); NRR from %.1f%% to %.1f%%.",
		grr[first].V*100, labels[first], grr[last].V*100, labels[last], nrr[first].V*100, nrr[last].V*100)
}

// heatClass colours a retention ratio: heat-0 (lost everything) to heat-10
// (kept everything), heat-up above 100% as the cell reads (whole percent).
func heatClass(r revenue.Ratio) string {
	f, ok := r.Float()
	switch {
	case !ok:
		return "heat-none"
	case math.Round(f*100) > 100: // as shown: a cell reading "100%" is never "above"
		return "heat-up"
	}
	return fmt.Sprintf("heat-%d", min(10, max(0, int(f*10+0.5))))
}

// cohorts fills the two cohort tables for the last cohortMonths start
// months; every cell links to the accounts paying then.
func (v *retentionView) cohorts(d *retentionData, p retentionParams) {
	asOf := v.AsOf
	first := monthStart(asOf).AddMonths(-(cohortMonths - 1))
	t := d.book.Cohorts(first, asOf)
	cols := 0
	for _, r := range t.Rows {
		cols = max(cols, len(r.MRR))
	}
	for k := range cols {
		c := fmt.Sprintf("M%d", k)
		v.CohortRevenue.Cols = append(v.CohortRevenue.Cols, c)
		v.CohortLogos.Cols = append(v.CohortLogos.Cols, c)
	}
	cur := v.Currency
	for i := len(t.Rows) - 1; i >= 0; i-- { // newest first
		r := t.Rows[i]
		rr := heatRow{Cohort: r.Cohort, Customers: r.Customers}
		lr := rr
		if len(r.MRR) > 0 {
			rr.Start = moneyShort(r.MRR[0], cur)
			lr.Start = rr.Start
		}
		from, _ := civil.Parse(r.Cohort + "-01")
		for k := range r.MRR {
			m := from.AddMonths(k)
			u := drillURL(retentionParams{Period: revenue.Month(m.Year, m.Month), By: "cohort", AsOf: p.AsOf}, r.Cohort, revenue.CompEnd)
			rev, logo := r.RevenueRetention(k), r.LogoRetention(k)
			rr.Cells = append(rr.Cells, heatCell{Text: pctShort(rev), URL: u, Class: heatClass(rev),
				Title: fmt.Sprintf("%s cohort, end of %s: %s MRR of %s", r.Cohort, m.Time().Format("Jan 2006"), money.Display(r.MRR[k], cur), money.Display(r.MRR[0], cur))})
			lr.Cells = append(lr.Cells, heatCell{Text: pctShort(logo), URL: u, Class: heatClass(logo),
				Title: fmt.Sprintf("%s cohort, end of %s: %d of %d accounts paying", r.Cohort, m.Time().Format("Jan 2006"), r.Logos[k], r.Customers)})
		}
		v.CohortRevenue.Rows = append(v.CohortRevenue.Rows, rr)
		v.CohortLogos.Rows = append(v.CohortLogos.Rows, lr)
	}
}

// pctShort writes a ratio as a whole percentage ("97%"), or "—".
func pctShort(r revenue.Ratio) string {
	f, ok := r.Float()
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", f*100)
}

// churn fills the churn-reasons section for the focused slice.
func (v *retentionView) churn(d *retentionData, p retentionParams, focus string, dim revenue.Dimension, cur string) {
	var a revenue.ChurnAnalysis
	for _, x := range d.book.ChurnBySlice(p.Period, d.records, dim) {
		if x.Slice == focus {
			a = x
		}
	}
	c := &v.Churn
	c.RecordsInTotal = len(d.records)
	c.Count, c.MRR = a.Count, moneyShort(a.MRR, cur)
	c.Controllable = pct(a.Controllable.MRRShare)
	c.HardToAffect = pct(a.HardToAffect.MRRShare)
	var bars []chart.Bar
	for _, rs := range a.Reasons {
		if rs.Reason != revenue.ReasonUnknown {
			c.Recorded += rs.Count
		}
		row := churnRow{Reason: string(rs.Reason), Label: reasonLabel(rs.Reason), Count: rs.Count, MRR: moneyShort(rs.MRR, cur),
			Share: pct(rs.Share), MRRShare: pct(rs.MRRShare), HardToAffect: rs.Reason.HardToAffect(),
			Unknown: rs.Reason == revenue.ReasonUnknown}
		row.AccountsURL = churnURL(p, focus, rs.Reason)
		if row.Unknown {
			c.Unknown = row.MRRShare
		}
		c.Rows = append(c.Rows, row)
		bars = append(bars, chart.Bar{Label: row.Label, Value: rs.MRR, ValueText: row.MRR, Note: row.MRRShare, Muted: row.Unknown})
	}
	c.UnknownURL = churnURL(p, focus, revenue.ReasonUnknown)
	if len(bars) > 0 && c.Recorded > 0 {
		bc := chart.Bars{ID: "reasons", Title: "MRR lost by churn reason, " + v.Label, Bars: bars, Tick: func(a int64) string { return moneyShort(a, cur) }}
		var desc []string
		for _, r := range c.Rows {
			desc = append(desc, fmt.Sprintf("%s %s (%s)", r.Label, r.MRR, r.MRRShare))
		}
		bc.Desc = "MRR lost by reason: " + strings.Join(desc, "; ") + "."
		c.Wide, c.Narrow = bc.SVG(chart.Wide), bc.SVG(chart.Narrow)
	}
}

// churnURL lists the churns of the period with one reason.
func churnURL(p retentionParams, slice string, reason revenue.Reason) string {
	v := p.keepAsOf(url.Values{"period": {p.Period.Name}, "by": {p.By}, "slice": {slice}, "c": {"churn_events"}, "reason": {string(reason)}})
	if slice == "all" {
		v.Set("by", "all")
	}
	return "/retention/accounts?" + v.Encode()
}

// reasonLabel names a churn reason for people.
func reasonLabel(r revenue.Reason) string { return r.Label() }

// industries fills churn by industry ("know the details").
func (v *retentionView) industries(d *retentionData, p retentionParams) error {
	dim, err := revenue.DimensionByName("industry", d.list)
	if err != nil {
		return err
	}
	ip := retentionParams{Period: p.Period, By: "industry", AsOf: p.AsOf}
	for _, m := range d.book.Metrics([]revenue.Period{p.Period}, dim) {
		if m.Retention.Customers == 0 {
			continue
		}
		v.ByIndustry = append(v.ByIndustry, industryRow{Industry: sliceLabel("industry", m.Slice, nil), URL: "/retention?" + ip.values().Encode() + "&slice=" + url.QueryEscape(m.Slice),
			Customers: m.Retention.Customers, Lost: m.Retention.Lost, LogoChurn: pct(m.LogoChurn()), GRR: pct(m.GRR()),
			LostURL: drillURL(ip, m.Slice, revenue.CompLost)})
	}
	slices.SortStableFunc(v.ByIndustry, func(a, b industryRow) int { return b.Lost - a.Lost })
	return nil
}

// pipeline fills the renewal pipeline and the quarter's forecast.
func (v *retentionView) pipeline(d *retentionData, p retentionParams, cur string) {
	asOf := v.AsOf
	pl := d.book.PipelineOf(asOf, monthStart(asOf).AddMonths(pipelineMonths-1), d.outlook())
	short := func(a int64) string { return moneyShort(a, cur) }
	for _, m := range pl.Months {
		v.Pipeline.Rows = append(v.Pipeline.Rows, pipelineRow{Month: periodLabel(m.Month, asOf), URL: "/retention/accounts?" + p.keepAsOf(url.Values{"c": {drillRenewals}, "period": {m.Month.Name}}).Encode(),
			Count: m.Count, Due: short(m.Due), Expected: short(m.Expected), Renew: short(m.ByForecast.Renew), AtRisk: short(m.ByForecast.AtRisk),
			Churn: short(m.ByForecast.Churn), Expand: short(m.ByForecast.Expand), AtRiskAmt: m.ByForecast.AtRisk, ChurnAmt: m.ByForecast.Churn})
	}
	q := revenue.QuarterOf(asOf)
	fr := d.book.ForecastRetentionOf(q, d.outlook())
	v.Pipeline.Quarter = periodLabel(q, asOf)
	v.Pipeline.ImpliedGRR, v.Pipeline.ImpliedNR = pct(fr.Implied.GRR()), pct(fr.Implied.NRR())
	v.Pipeline.DownsideGRR = pct(fr.Downside.GRR())
	v.Pipeline.GDRR = pct(fr.Renewals.GDRR())
	v.Pipeline.Due, v.Pipeline.Renewed, v.Pipeline.Count = short(fr.Renewals.Due), short(fr.Renewals.Renewed), fr.Renewals.Count
}

// details fills the "know the details" answers.
func (v *retentionView) details(d *retentionData, m *revenue.Metrics, p retentionParams, link func(revenue.Component) string, cur string) {
	dt := &v.Details
	dt.Increased = pct(m.Retention.IncreasedShare())
	dt.IncreasedNote = fmt.Sprintf("%s of %s customers at the start", thousands(m.Retention.Expanded), thousands(m.Retention.Customers))
	dt.IncreasedURL = link(revenue.CompRetainedExpansion)
	dt.Tenure = d.book.ContractSizeByTenure(3, d.since)
	dt.TenureOriginal = arpa(dt.Tenure.AverageOriginal(), cur)
	dt.TenureNow = arpa(dt.Tenure.AverageNow(), cur)
	if g, ok := dt.Tenure.Growth().Float(); ok {
		dt.TenureGrowth = fmt.Sprintf("%.2f×", g)
	}
	dt.TenureURL = "/retention/accounts?" + p.keepAsOf(url.Values{"c": {"tenure"}, "period": {p.Period.Name}}).Encode()
	dt.Discounts = d.book.FirstRenewalDiscounts(p.Period)
	dt.DiscountsURL = "/retention/accounts?" + p.keepAsOf(url.Values{"c": {"discounts"}, "period": {p.Period.Name}}).Encode()
}

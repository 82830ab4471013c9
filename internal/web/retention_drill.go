package web

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/validate"
)

// The drill-down behind every number of the retention dashboard: the
// accounts (or product lines, churns, renewals) that make it up, with
// amounts and counts that add up to it exactly, as a page and as CSV.

// Drill kinds beyond revenue's components.
const (
	drillChurnEvents = "churn_events" // the period's churns with their reasons (reason= narrows)
	drillTenure      = "tenure"       // customers of three years or more: first contract and now
	drillDiscounts   = "discounts"    // discount before and after first renewals in the period
	drillRenewals    = "renewals"     // the renewals due in a month of the pipeline
)

// componentWords describe each component: what its amount and count are.
var componentWords = map[revenue.Component]struct{ title, amount, count, def string }{
	revenue.CompStart:               {"Starting MRR", "MRR at the start", "Customers", "start"},
	revenue.CompEnd:                 {"Ending MRR", "MRR at the end", "Customers", "end"},
	revenue.CompNew:                 {"New MRR", "New MRR", "Movements", "new"},
	revenue.CompExpansion:           {"Expansion", "Expansion", "Movements", "expansion"},
	revenue.CompContraction:         {"Contraction", "Contraction", "Movements", "contraction"},
	revenue.CompChurn:               {"Churned MRR", "Churn", "Movements", "churn"},
	revenue.CompReactivation:        {"Reactivation", "Reactivation", "Movements", "reactivation"},
	revenue.CompRetainedExpansion:   {"Customers who grew (E in NRR)", "End − start", "Customers", "nrr"},
	revenue.CompRetainedContraction: {"Customers who shrank (C in GRR)", "Start − end", "Customers", "grr"},
	revenue.CompLost:                {"Customers lost (X in GRR, logo churn)", "MRR at the start", "Customers", "logo_churn"},
	revenue.CompProductExpansion:    {"Product lines that grew", "End − start", "Lines", "product_nrr"},
	revenue.CompProductContraction:  {"Product lines that shrank", "Start − end", "Lines", "product_grr"},
	revenue.CompProductChurn:        {"Product lines dropped", "MRR at the start", "Lines", "product_grr"},
	revenue.CompRenewalDue:          {"Renewals due (GDRR's denominator)", "MRR due", "Renewals", "gdrr"},
	revenue.CompRenewed:             {"Renewed (GDRR's numerator)", "MRR renewed, capped at due", "Renewals", "gdrr"},
}

// drillQuery is what a drill-down is asked for.
type drillQuery struct {
	retentionParams
	Kind   string
	Reason revenue.Reason // churn_events only; "" for every reason
}

func parseDrill(q url.Values, today civil.Date) (drillQuery, error) {
	p, err := parseParams(q, today, q.Get("c") == drillRenewals)
	var errs validate.Errors
	if fe, ok := validate.As(err); ok {
		errs = fe
	} else if err != nil {
		return drillQuery{}, err
	}
	dq := drillQuery{retentionParams: p, Kind: q.Get("c")}
	dq.Slice = q.Get("slice")
	if dq.Slice == "" {
		dq.Slice = "all"
	}
	if p.By == "all" && dq.Slice != "all" {
		errs.Add("slice", "invalid", "the whole book has only the slice \"all\"")
	}
	switch dq.Kind {
	case drillChurnEvents:
		if r := q.Get("reason"); r != "" {
			if rr, ok := revenue.ParseReason(r); ok {
				dq.Reason = rr
			} else if r == string(revenue.ReasonUnknown) {
				dq.Reason = revenue.ReasonUnknown
			} else {
				errs.Add("reason", "invalid", "%q is not a churn reason", r)
			}
		}
	case drillTenure, drillDiscounts, drillRenewals:
	default:
		if _, ok := componentWords[revenue.Component(dq.Kind)]; !ok {
			names := []string{drillChurnEvents, drillTenure, drillDiscounts, drillRenewals}
			for _, c := range revenue.Components {
				names = append(names, string(c))
			}
			errs.OneOf("c", dq.Kind, names)
		}
	}
	return dq, errs.Err()
}

// drillRow is one account (or line, churn, renewal) behind a number.
type drillRow struct {
	AccountID     int64
	Account, URL  string
	ExternalID    string
	Product, Date string
	Amount        int64
	Count         int
	Extra         []string
	ExtraCSV      []string
	// ActionURL, when set, is a form for this row the viewer may fill
	// (record a missing churn reason, set a renewal's forecast).
	ActionURL, ActionText string
}

// drillView is what templates/retention_accounts.html shows; the CSV has
// the same rows.
type drillView struct {
	Page
	Heading, Sub, Def   string
	Back, CSVURL        string
	Currency            string
	AmountCol, CountCol string
	HasProduct, HasDate bool
	ExtraCols           []string
	Rows                []drillRow
	TotalAmount         int64
	TotalCount          int
	HasTotal            bool
	HasActions          bool
	// RowCounts shows CountCol on each row; off when every row counts one.
	RowCounts bool
}

// buildDrill lists what is behind the asked-for number.
//
// canEdit says whether the viewer may write on the account's behalf; rows
// they may act on get a link to the form.
func buildDrill(d *retentionData, q drillQuery, canEdit func(account int64) bool, back string) (*drillView, error) {
	book := d.book
	asOf := book.AsOf()
	cur := book.Currency()
	plabel := periodLabel(q.Period, asOf)
	v := &drillView{Page: Page{Title: "Retention detail", Section: "retention"}, Currency: cur, HasTotal: true}
	dash := q.retentionParams
	if q.Slice == "all" {
		dash.Slice = ""
	}
	v.Back = "/retention?" + dash.values().Encode()
	where := "Whole book"
	if q.By != "all" {
		where = dimensionLabels[q.By] + " " + sliceLabel(q.By, q.Slice, d.csmNames)
	}
	v.Sub = where + " · " + plabel
	row := func(id int64) drillRow {
		a := d.accounts[id]
		name := a.Name
		if name == "" {
			name = "Account #" + strconv.FormatInt(id, 10)
		}
		return drillRow{AccountID: id, Account: name, ExternalID: a.ExternalID, URL: "/accounts/" + strconv.FormatInt(id, 10)}
	}
	switch q.Kind {
	case drillChurnEvents:
		dim, err := revenue.DimensionByName(q.By, d.list)
		if err != nil {
			return nil, err
		}
		v.Heading = "Churns and their reasons"
		if q.Reason != "" {
			v.Heading = "Churns: " + reasonLabel(q.Reason)
		}
		v.Def = pageDefinitions["churn_reason"]
		v.AmountCol, v.CountCol, v.HasProduct, v.HasDate = "MRR lost", "", true, true
		v.ExtraCols = []string{"Reason", "Controllable", "CSM"}
		for _, ev := range book.ChurnEventsIn(q.Period, d.records, dim, q.Slice) {
			if q.Reason != "" && ev.Reason != q.Reason {
				continue
			}
			r := row(ev.Account)
			r.Product, r.Date, r.Amount, r.Count = ev.Product, ev.Date.String(), ev.MRR, 1
			csm := d.csmOf(ev.Account)
			r.Extra = []string{reasonLabel(ev.Reason), yesNo(ev.Controllable), cmp.Or(csm, "—")}
			r.ExtraCSV = []string{string(ev.Reason), strconv.FormatBool(ev.Controllable), csm}
			if ev.Reason == revenue.ReasonUnknown && canEdit(ev.Account) {
				r.ActionURL = "/accounts/" + strconv.FormatInt(ev.Account, 10) + "/churn?" +
					url.Values{"churned_on": {ev.Date.String()}, "product": {ev.Product}, "return": {back}}.Encode()
				r.ActionText = "Record reason"
			}
			v.Rows = append(v.Rows, r)
		}
		v.CountCol = "Churns"
	case drillTenure:
		cs := book.ContractSizeByTenure(3, d.since)
		v.Heading, v.Sub, v.Def = "Contract size now against the first contract", "Customers for three years or more, paying on "+displayDate(asOf), pageDefinitions["contract_size"]
		v.AmountCol = "MRR now"
		v.ExtraCols = []string{"First contract", "Customer since"}
		for _, id := range cs.Accounts {
			r := row(id)
			r.Amount, r.Count = book.MRR(id, asOf), 1
			tl := book.Timeline(id)
			var first int64
			if len(tl) > 0 {
				first = tl[0].MRR
			}
			since := d.accounts[id].CustomerSince
			if since.IsZero() {
				since = book.FirstPaid(id)
			}
			r.Extra = []string{money.Display(first, cur), displayDate(since)}
			r.ExtraCSV = []string{money.FormatMinor(first, cur), since.String()}
			v.Rows = append(v.Rows, r)
		}
		v.CountCol = "Customers"
	case drillDiscounts:
		dc := book.FirstRenewalDiscounts(q.Period)
		v.Heading, v.Sub, v.Def = "Discount at first renewal", plabel, pageDefinitions["discount"]
		v.HasTotal, v.HasProduct, v.HasDate = false, true, true
		v.ExtraCols = []string{"Discount before", "Discount after", "Change"}
		for _, it := range dc.Items {
			r := row(it.Account)
			r.Product, r.Date = it.Product, it.Date.String()
			r.Extra = []string{fmt.Sprintf("%.1f%%", it.Before), fmt.Sprintf("%.1f%%", it.After), fmt.Sprintf("%+.1f pts", it.After-it.Before)}
			r.ExtraCSV = []string{fmt.Sprintf("%.2f", it.Before), fmt.Sprintf("%.2f", it.After), fmt.Sprintf("%.2f", it.After-it.Before)}
			v.Rows = append(v.Rows, r)
		}
	case drillRenewals:
		if q.Period != revenue.MonthOf(q.Period.From) {
			return nil, validate.Errors{{Field: "period", Code: "invalid", Message: "renewals are listed by month (period=2026-04)"}}
		}
		pl := book.PipelineOf(q.Period.From, q.Period.From, d.outlook())
		v.Heading, v.Sub, v.Def = "Renewals due", plabel, pageDefinitions["pipeline"]
		v.AmountCol, v.CountCol, v.HasDate = "MRR due", "", true
		v.ExtraCols = []string{"Forecast", "Expected MRR", "Product lines"}
		for _, rn := range pl.Renewals {
			r := row(rn.Account)
			r.Date, r.Amount, r.Count = rn.Due.String(), rn.Amount, 1
			var lines []string
			for _, l := range rn.Lines {
				s := l.Product
				if l.Canceled {
					s += " (cancelled)"
				}
				lines = append(lines, s)
			}
			fc := label(string(rn.Forecast))
			if rn.Defaulted {
				fc += " (from the data)"
			}
			r.Extra = []string{fc, money.Display(rn.Expected, cur), strings.Join(lines, ", ")}
			r.ExtraCSV = []string{string(rn.Forecast), money.FormatMinor(rn.Expected, cur), strings.Join(lines, "; ")}
			if canEdit(rn.Account) {
				r.ActionURL = "/accounts/" + strconv.FormatInt(rn.Account, 10) + "/forecast?" +
					url.Values{"due_on": {rn.Due.String()}, "return": {back}}.Encode()
				r.ActionText = "Set forecast"
			}
			v.Rows = append(v.Rows, r)
		}
		v.CountCol = "Renewals"
	default:
		c := revenue.Component(q.Kind)
		words := componentWords[c]
		dim, err := revenue.DimensionByName(q.By, d.list)
		if err != nil {
			return nil, err
		}
		cs, err := book.Contributors(q.Period, dim, q.Slice, c)
		if err != nil {
			return nil, err
		}
		v.Heading, v.AmountCol, v.CountCol = words.title, words.amount, words.count
		v.Def = retention.Definitions[words.def]
		if v.Def == "" {
			v.Def = pageDefinitions[words.def]
		}
		// Behind a churn: when it was recognised, why, and whose account
		// it was.
		var churns retention.Churns
		if retention.ChurnComponent(c) {
			churns = retention.ChurnsOf(book, q.Period, d.records)
			v.HasDate = true
			v.ExtraCols = []string{"Reason", "CSM"}
		}
		for _, ct := range cs {
			r := row(ct.Account)
			r.Product, r.Amount, r.Count = ct.Product, ct.Amount, ct.Count
			if r.Product != "" {
				v.HasProduct = true
			}
			if churns != nil {
				ev, ok := churns.Find(ct.Account, ct.Product)
				csm := d.csmOf(ct.Account)
				r.Extra, r.ExtraCSV = []string{"—", cmp.Or(csm, "—")}, []string{"", csm}
				if ok {
					r.Date = ev.Date.String()
					r.Extra[0], r.ExtraCSV[0] = reasonLabel(ev.Reason), string(ev.Reason)
				}
			}
			v.Rows = append(v.Rows, r)
		}
	}
	// A count column where every row counts one says nothing: the total
	// in the heading carries it.
	for _, r := range v.Rows {
		v.RowCounts = v.RowCounts || r.Count != 1
	}
	for _, r := range v.Rows {
		v.HasActions = v.HasActions || r.ActionURL != ""
		v.TotalAmount += r.Amount
		v.TotalCount += r.Count
	}
	if v.Def != "" {
		v.Def = strings.ToUpper(v.Def[:1]) + v.Def[1:] + "."
	}
	csvq := q.keepAsOf(url.Values{"period": {q.Period.Name}, "by": {q.By}, "slice": {q.Slice}, "c": {q.Kind}})
	if q.Reason != "" {
		csvq.Set("reason", string(q.Reason))
	}
	v.CSVURL = "/retention/accounts.csv?" + csvq.Encode()
	v.Title = v.Heading
	return v, nil
}

// csmOf names the CSM of account id ("" when none): their name, else
// their email.
func (d *retentionData) csmOf(id int64) string {
	a := d.accounts[id]
	if a.CSMEmail == "" {
		return ""
	}
	return cmp.Or(d.csmNames[a.CSMEmail], a.CSMEmail)
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// retentionAccounts is GET /retention/accounts.
func (s *server) retentionAccounts(w http.ResponseWriter, r *http.Request) error {
	q, err := parseDrill(r.URL.Query(), s.today())
	if err != nil {
		return err
	}
	d, err := s.loadRetention(r.Context(), q.retentionParams)
	if err != nil {
		return err
	}
	v, err := buildDrill(d, q, s.canEdit(r, d), r.URL.RequestURI())
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "retention_accounts", *v)
}

// retentionAccountsCSV is GET /retention/accounts.csv: the drill-down's
// rows, money as decimals beside the currency.
func (s *server) retentionAccountsCSV(w http.ResponseWriter, r *http.Request) error {
	q, err := parseDrill(r.URL.Query(), s.today())
	if err != nil {
		return err
	}
	d, err := s.loadRetention(r.Context(), q.retentionParams)
	if err != nil {
		return err
	}
	v, err := buildDrill(d, q, func(int64) bool { return false }, "")
	if err != nil {
		return err
	}
	header := []string{"account_id", "account", "external_id"}
	if v.HasProduct {
		header = append(header, "product")
	}
	if v.HasDate {
		header = append(header, "date")
	}
	if v.AmountCol != "" {
		header = append(header, "amount", "currency")
	}
	if v.CountCol != "" {
		header = append(header, "count")
	}
	for _, c := range v.ExtraCols {
		header = append(header, strings.ToLower(strings.ReplaceAll(c, " ", "_")))
	}
	rows := [][]string{header}
	for _, x := range v.Rows {
		line := []string{strconv.FormatInt(x.AccountID, 10), cell(x.Account), cell(x.ExternalID)}
		if v.HasProduct {
			line = append(line, cell(x.Product))
		}
		if v.HasDate {
			line = append(line, x.Date)
		}
		if v.AmountCol != "" {
			line = append(line, money.FormatMinor(x.Amount, v.Currency), v.Currency)
		}
		if v.CountCol != "" {
			line = append(line, strconv.Itoa(x.Count))
		}
		for _, e := range x.ExtraCSV {
			line = append(line, cell(e))
		}
		rows = append(rows, line)
	}
	return s.writeCSV(w, "retention-"+q.Kind, rows)
}

// retentionCSV is GET /retention.csv: the waterfall and ratios of every
// slice of the dimension for the period, then the whole book.
func (s *server) retentionCSV(w http.ResponseWriter, r *http.Request) error {
	p, err := parseRetentionParams(r.URL.Query(), s.today())
	if err != nil {
		return err
	}
	d, err := s.loadRetention(r.Context(), p)
	if err != nil {
		return err
	}
	rep, err := retention.Measure(d.book, d.list, p.Period, p.By)
	if err != nil {
		return err
	}
	rows := [][]string{{"period", "from", "last", "dimension", "slice", "currency", "start", "new", "expansion", "contraction", "churn",
		"reactivation", "end", "customers_start", "customers_end", "grr", "nrr", "product_grr", "product_nrr", "logo_churn",
		"gdrr", "quick_ratio", "arpa", "increased"}}
	add := func(dim string, sl retention.RetentionSlice) {
		f := func(v int64) string { return money.FormatMinor(v, rep.Currency) }
		ra := sl.Ratios
		rows = append(rows, []string{rep.Period.Name, rep.Period.From.String(), rep.Period.Last().String(), dim, cell(sl.Slice), rep.Currency,
			f(sl.Start), f(sl.New), f(sl.Expansion), f(sl.Contraction), f(sl.Churn), f(sl.Reactivation), f(sl.End),
			strconv.Itoa(sl.CustomersStart), strconv.Itoa(sl.CustomersEnd),
			ratioCSV(ra.GRR), ratioCSV(ra.NRR), ratioCSV(ra.ProductGRR), ratioCSV(ra.ProductNRR), ratioCSV(ra.LogoChurn),
			ratioCSV(ra.GDRR), ratioCSV(ra.QuickRatio), arpaCSV(ra.ARPA, rep.Currency), ratioCSV(ra.Increased)})
	}
	for _, sl := range rep.Slices {
		add(rep.Dimension, sl)
	}
	if p.By != "all" {
		tot, err := retention.Measure(d.book, d.list, p.Period, "all")
		if err != nil {
			return err
		}
		for _, sl := range tot.Slices {
			add("all", sl)
		}
	}
	return s.writeCSV(w, "retention-"+p.Period.Name+"-by-"+p.By, rows)
}

// ratioCSV writes a ratio with four decimals, empty when undefined.
func ratioCSV(r revenue.Ratio) string {
	if !r.Defined() {
		return ""
	}
	return r.String()
}

// arpaCSV writes the average MRR per account in the currency's decimals,
// rounded half away from zero; empty when there are no accounts.
func arpaCSV(r revenue.Ratio, cur string) string {
	if !r.Defined() {
		return ""
	}
	q, rem := r.Num/r.Den, r.Num%r.Den
	if 2*rem >= r.Den {
		q++
	}
	return money.FormatMinor(q, cur)
}

// writeCSV sends rows as a CSV download named tend-<name>-<today>.csv.
func (s *server) writeCSV(w http.ResponseWriter, name string, rows [][]string) error {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="tend-`+name+"-"+s.today().String()+`.csv"`)
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	return cw.WriteAll(rows)
}

// canEdit is whether the viewer may write on behalf of an account of d.
func (s *server) canEdit(r *http.Request, d *retentionData) func(int64) bool {
	p := viewer(r)
	return func(id int64) bool {
		a, ok := d.accounts[id]
		return ok && p.RequireAccount(a.CSMID) == nil
	}
}

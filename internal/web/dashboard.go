package web

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/tendhq/tend/internal/chart"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/segment"
	"github.com/tendhq/tend/internal/store"
)

// renewalWindows are the days ahead the dashboard counts renewals in.
var renewalWindows = []int{30, 90, 180}

// tierCuts are the marks on the Pareto curve: the top 10% and the top 30%
// of accounts, the usual bounds of the high-touch and low-touch tiers.
var tierCuts = []int{10, 30}

// tierTouch is the touch model suggested for each tier, in order: the top
// 10%, the next 20%, the other 70%.
var tierTouch = []string{customer.TouchHigh, customer.TouchLow, customer.TouchTech}

// bandDecades is how many powers of ten below the best-paying account the
// Pareto bands reach; accounts paying less share one last band.
const bandDecades = 6

// figures is what the dashboard reads from the store. Each part is written
// by one of the loaders that run at once.
type figures struct {
	groups []store.AccountGroup
	users  []customer.User
	// currency is the reporting currency: the one most paying accounts
	// are billed in. Money in other currencies is counted apart, never
	// added in.
	currency string
	paying   map[string]int   // paying accounts by currency
	bands    []store.MRRBand  // of the reporting currency
	marks    []segment.Point  // at tierCuts, of the reporting currency, exact
	renewals []store.Renewals // at renewalWindows, of the reporting currency
	overdue  []store.Overdue  // by currency
	// renewalsBy holds every currency's renewals: they are read before the
	// reporting currency is known.
	renewalsBy map[string][]store.Renewals
	// health counts accounts and customers by health colour; drops and
	// rises are the accounts whose score moved most in moverDays.
	health       []store.HealthBucket
	drops, rises []move
	// compared is true when some account had a score moverDays ago.
	compared bool
}

// loadFigures reads the dashboard's figures, three groups of queries at
// once: the books (one pass over the accounts), the Pareto curve, and the
// renewals and overdue invoices.
func (s *server) loadFigures(ctx context.Context, today civil.Date) (*figures, error) {
	f := &figures{paying: map[string]int{}, renewalsBy: map[string][]store.Renewals{}}
	until := make([]civil.Date, len(renewalWindows))
	for i, d := range renewalWindows {
		until[i] = today.AddDays(d)
	}
	err := parallel(ctx,
		func(ctx context.Context) error {
			var err error
			if f.groups, err = s.st.AccountGroups(ctx); err != nil {
				return err
			}
			f.users, err = s.users(ctx)
			return err
		},
		func(ctx context.Context) error {
			curs, err := s.st.Currencies(ctx)
			if err != nil {
				return err
			}
			bands := map[string][]store.MRRBand{}
			for _, c := range curs {
				top, err := s.st.TopMRR(ctx, c, 0, 1)
				if err != nil {
					return err
				}
				if top.Accounts == 0 {
					continue
				}
				floors := segment.BandFloors(top.MRR, bandDecades)
				if floors[len(floors)-1] > 1 {
					floors = append(floors, 1) // everyone paying less, in one band
				}
				if bands[c], err = s.st.MRRBands(ctx, c, floors); err != nil {
					return err
				}
				for _, b := range bands[c] {
					f.paying[c] += b.Accounts
				}
			}
			f.currency = reportingCurrency(f.paying)
			f.bands = bands[f.currency]
			// Each mark exactly: the bands above it as counted, and the
			// part of its own band down to it read from the index.
			for _, pct := range tierCuts {
				k := segment.TopCount(f.paying[f.currency], pct)
				i, above, ok := segment.Locate(bandsOf(f.bands), k)
				if !ok {
					continue
				}
				part, err := s.st.TopMRR(ctx, f.currency, f.bands[i].Ceiling, k-above.Accounts)
				if err != nil {
					return err
				}
				f.marks = append(f.marks, segment.Point{Accounts: above.Accounts + part.Accounts, MRR: above.MRR + part.MRR, Floor: part.Floor})
			}
			return nil
		},
		func(ctx context.Context) error {
			// Renewals in every currency (each read is a range of one
			// currency's index, so all of them cost what one would): which
			// currency reports is not known yet.
			curs, err := s.st.Currencies(ctx)
			if err != nil {
				return err
			}
			for _, c := range curs {
				if f.renewalsBy[c], err = s.st.RenewalsDue(ctx, c, today, until); err != nil {
					return err
				}
			}
			f.overdue, err = s.st.OverdueInvoices(ctx, today)
			return err
		},
		func(ctx context.Context) error { return s.loadHealth(ctx, f, today) },
	)
	if err != nil {
		return nil, err
	}
	f.renewals = f.renewalsBy[f.currency]
	return f, nil
}

// parallel runs fns at once and returns the first error; the first error
// cancels the context the others run in.
func parallel(ctx context.Context, fns ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(fns))
	for _, fn := range fns {
		go func() { errs <- fn(ctx) }()
	}
	var first error
	for range fns {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

// reportingCurrency is the currency most paying accounts are billed in;
// on a tie USD, then the first in alphabetical order; USD when nobody pays.
func reportingCurrency(paying map[string]int) string {
	best, n := "USD", paying["USD"]
	for _, c := range slices.Sorted(maps.Keys(paying)) {
		if paying[c] > n {
			best, n = c, paying[c]
		}
	}
	return best
}

// kpi is one headline figure and where it drills down to.
type kpi struct {
	Accounts int
	ARR      int64
	// Share is the ARR as a share of all ARR, in whole percent.
	Share int
	URL   string
}

// renewalKPI is the renewals due within Days.
type renewalKPI struct {
	kpi
	Days  int
	Until civil.Date
}

// tierRow is one tier of the Pareto table.
type tierRow struct {
	Name     string // "Top 10%"
	Accounts int
	MRR      int64
	Share    int
	Floor    int64 // 0 when unknown
	Below    int64 // for the last tier: the floor of the tier above
	Touch    string
}

// bookRow is one CSM's book in the table.
type bookRow struct {
	Name, Email, URL string
	Accounts, AtRisk int
	ARR              int64
	HasLoad          bool
	Load             int // % of capacity
	Capacity         int64
	// Size is how full the book is (segment.SizeOf: by capacity when set,
	// else by the benchmark), SizeTone its colour and SizeWhy what it was
	// measured against.
	Size              segment.Size
	SizeTone, SizeWhy string
}

// dashboardView is what templates/dashboard.html shows.
type dashboardView struct {
	Page
	Today    civil.Date
	Currency string
	Empty    bool

	// Customers counts the customers (customer.IsCustomer); Others the
	// other accounts, Churned of them churned and the rest prospects.
	// Paying counts the accounts of the reporting currency with MRR, the
	// population of the Pareto curve; Billed the customers billed in it.
	Customers, Others, Churned int
	Paying, Billed             int
	MRR, ARR                   int64
	// AtRisk is the customers at the at-risk lifecycle stage.
	AtRisk   kpi
	Renewals []renewalKPI
	Overdue  struct {
		Invoices, Accounts int
		Amount             int64
		Other              int // overdue invoices in other currencies
	}
	// OtherCurrencies names the currencies left out of the money figures
	// and how many paying accounts they hold.
	OtherCurrencies string
	OtherPaying     int

	ParetoWide, ParetoNarrow template.HTML
	Concentration            string
	Tiers                    []tierRow
	Exact                    bool

	BooksWide, BooksNarrow template.HTML
	Books                  []bookRow
	Unassigned             bookRow
	Coverage               segment.Coverage
	// Benchmark is the staffing benchmark for the company's ARR, drawn in
	// the chart; ByACV the one for its average contract value.
	Benchmark, ByACV segment.Benchmark
	HasBenchmark     bool
	ACV              int64

	// Health is the customers by health colour and the week's movers.
	Health dashboardHealth
}

// dashboardPage is the CS leader's dashboard: the size of the book, what
// renews soon, what is owed, how concentrated revenue is, and how the
// book is spread over the CSMs.
func (s *server) dashboardPage(w http.ResponseWriter, r *http.Request) error {
	today := s.today()
	f, err := s.loadFigures(r.Context(), today)
	if err != nil {
		return err
	}
	v, err := buildDashboard(f, today)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "dashboard", v)
}

// buildDashboard turns the figures into what the page shows.
func buildDashboard(f *figures, today civil.Date) (dashboardView, error) {
	cur := f.currency
	v := dashboardView{
		Page:     Page{Title: "Dashboard", Section: "dashboard"},
		Today:    today,
		Currency: cur,
		Paying:   f.paying[cur],
	}
	var atRiskMRR int64
	for _, g := range f.groups {
		v.Customers += g.Customers
		v.Others += g.Accounts - g.Customers
		if g.Lifecycle == customer.StageChurned {
			v.Churned += g.Accounts
			continue
		}
		if g.Lifecycle == customer.StageAtRisk {
			v.AtRisk.Accounts += g.Customers
		}
		if g.Currency == cur {
			v.Billed += g.Customers
			v.MRR += g.MRR
			if g.Lifecycle == customer.StageAtRisk {
				atRiskMRR += g.MRR
			}
		}
	}
	v.Empty = v.Customers+v.Others == 0
	v.ARR = 12 * v.MRR
	v.AtRisk.ARR = 12 * atRiskMRR
	v.AtRisk.Share = segment.Share{Part: atRiskMRR, Whole: v.MRR}.Percent()
	v.AtRisk.URL = listParams{Lifecycle: customer.StageAtRisk}.url()

	var others []string
	for _, c := range slices.Sorted(maps.Keys(f.paying)) {
		if c != cur && f.paying[c] > 0 {
			others = append(others, c)
			v.OtherPaying += f.paying[c]
		}
	}
	v.OtherCurrencies = strings.Join(others, ", ")

	for i, d := range renewalWindows {
		k := renewalKPI{Days: d, Until: today.AddDays(d)}
		if i < len(f.renewals) {
			k.Accounts, k.ARR = f.renewals[i].Accounts, 12*f.renewals[i].MRR
			k.Share = segment.Share{Part: f.renewals[i].MRR, Whole: v.MRR}.Percent()
		}
		k.URL = listParams{Sort: "renewal", RenewalFrom: today, RenewalTo: k.Until}.url()
		v.Renewals = append(v.Renewals, k)
	}
	for _, o := range f.overdue {
		if o.Currency == cur {
			v.Overdue.Invoices, v.Overdue.Accounts, v.Overdue.Amount = o.Invoices, o.Accounts, o.Amount
		} else {
			v.Overdue.Other += o.Invoices
		}
	}

	if err := v.pareto(f); err != nil {
		return v, err
	}
	v.books(f)
	v.health(f, today)
	return v, nil
}

// pareto fills the concentration section: the curve from the bands, the
// marks measured exactly, and the tiers between them.
func (v *dashboardView) pareto(f *figures) error {
	bands := segment.Cumulate(bandsOf(f.bands))
	curve, err := segment.FromPoints(slices.Concat(bands, f.marks))
	if err != nil {
		// The marks are read apart from the bands; a write in between can
		// leave them off the bands' curve. Read the marks off the bands
		// then (a statement sees one snapshot, so the bands agree).
		if curve, err = segment.FromPoints(bands); err != nil {
			return fmt.Errorf("web: pareto curve: %w", err)
		}
	}
	if curve.Empty() {
		return nil
	}
	cur := v.Currency
	n, total := float64(curve.Accounts), float64(curve.MRR)
	var xy []chart.XY
	for _, p := range curve.Points() {
		xy = append(xy, chart.XY{X: float64(p.Accounts) / n, Y: float64(p.MRR) / total})
	}
	var marks []chart.ParetoMark
	var desc []string
	v.Exact = true
	for _, pct := range tierCuts {
		m := curve.Top(pct)
		v.Exact = v.Exact && m.Exact
		share := m.Share.Percent()
		mark := chart.ParetoMark{
			X: float64(m.Accounts) / n, Y: m.Share.Float(),
			Label: fmt.Sprintf("Top %d%% of accounts = %d%% of MRR", pct, share),
			Short: fmt.Sprintf("Top %d%% = %d%%", pct, share),
		}
		sentence := fmt.Sprintf("The top %d%% of accounts (%s of %s) carry %d%% of MRR", pct, thousands(m.Accounts), thousands(curve.Accounts), share)
		if m.Floor > 0 {
			mark.Detail = "floor " + moneyRound(m.Floor, cur)
			sentence += "; each pays at least " + moneyRound(m.Floor, cur) + " a month"
		}
		marks = append(marks, mark)
		desc = append(desc, sentence+".")
	}
	v.Concentration = desc[0]
	p := chart.Pareto{
		ID:     "pareto",
		Title:  "Pareto chart of MRR",
		Desc:   "Paying accounts sorted by MRR, largest first, against the cumulative share of MRR they carry. " + strings.Join(desc, " "),
		Curve:  xy,
		Marks:  marks,
		XLabel: "Share of paying accounts, largest first",
		YLabel: "Cumulative share of MRR",
	}
	v.ParetoWide, v.ParetoNarrow = p.SVG(chart.Wide), p.SVG(chart.Narrow)

	for i, t := range curve.Tiers(tierCuts...) {
		row := tierRow{Accounts: t.Accounts, MRR: t.MRR, Share: t.Share.Percent(), Floor: t.Floor, Touch: tierTouch[min(i, len(tierTouch)-1)]}
		switch {
		case t.FromPercent == 0:
			row.Name = fmt.Sprintf("Top %d%%", t.ToPercent)
		case t.ToPercent == 100:
			row.Name = fmt.Sprintf("Other %d%%", 100-t.FromPercent)
			row.Floor = 0 // the least-paying account is not measured
			row.Below = v.Tiers[len(v.Tiers)-1].Floor
		default:
			row.Name = fmt.Sprintf("Next %d%%", t.ToPercent-t.FromPercent)
		}
		v.Tiers = append(v.Tiers, row)
	}
	return nil
}

// bandsOf turns the store's bands into the segment package's.
func bandsOf(bs []store.MRRBand) []segment.Band {
	out := make([]segment.Band, len(bs))
	for i, b := range bs {
		out[i] = segment.Band{Accounts: b.Accounts, MRR: b.MRR}
	}
	return out
}

// books fills the book-size section: one book per CSM who owns accounts
// or is a CSM, the accounts nobody owns apart, and the staffing benchmark
// when the reporting currency is the survey's (US dollars).
func (v *dashboardView) books(f *figures) {
	byEmail := map[string]customer.User{}
	for _, u := range f.users {
		byEmail[u.Email] = u
	}
	books := map[string]*segment.Book{}
	book := func(email string) *segment.Book {
		b, ok := books[email]
		if !ok {
			u := byEmail[email]
			b = &segment.Book{Owner: email, Name: cmp.Or(u.Name, email), Capacity: u.CapacityARR}
			books[email] = b
		}
		return b
	}
	for _, u := range f.users {
		if u.Role == customer.RoleCSM && !u.Disabled {
			book(u.Email)
		}
	}
	for _, g := range f.groups {
		if g.Lifecycle == customer.StageChurned {
			continue
		}
		b := book(g.CSMEmail)
		b.Accounts += g.Customers
		if g.Lifecycle == customer.StageAtRisk {
			b.AtRisk += g.Customers
		}
		if g.Currency == v.Currency {
			b.MRR += g.MRR
		}
	}
	list := make([]segment.Book, 0, len(books))
	for _, b := range books {
		list = append(list, *b)
	}
	segment.SortBooks(list)
	v.Coverage = segment.Cover(list)

	v.HasBenchmark = v.Currency == "USD" && v.ARR > 0
	if v.HasBenchmark {
		v.ACV = segment.ACV(v.ARR, v.Billed)
		v.Benchmark = segment.ByCompanyARR(v.ARR)
		v.ByACV = segment.ByACV(v.ACV)
	}
	cur := v.Currency
	var bars []chart.Bar
	var desc []string
	for _, b := range list {
		row := bookRow{Name: b.Name, Email: b.Owner, Accounts: b.Accounts, AtRisk: b.AtRisk, ARR: b.ARR(), Capacity: b.Capacity}
		if load, ok := b.Load(); ok {
			row.HasLoad, row.Load = true, load.Percent()
		}
		if b.Owner == "" {
			row.Name, row.URL = "No CSM", listParams{CSM: noCSM}.url()
			v.Unassigned = row
			continue
		}
		row.URL = listParams{CSM: b.Owner}.url()
		var bench *segment.Benchmark
		if v.HasBenchmark {
			bench = &v.Benchmark
		}
		row.Size, row.SizeTone = segment.SizeOf(b, bench), sizeTones[segment.SizeOf(b, bench)]
		switch {
		case row.HasLoad:
			row.SizeWhy = fmt.Sprintf("%d%% of a capacity of %s ARR", row.Load, moneyShort(b.Capacity, cur))
		case bench != nil:
			row.SizeWhy = "no capacity set: " + bench.Place(row.ARR).String() + " of the benchmark"
		}
		v.Books = append(v.Books, row)
		bar := chart.Bar{Label: b.Name, Value: row.ARR, ValueText: moneyShort(row.ARR, cur), Note: plural(b.Accounts, "customer")}
		if b.Capacity > 0 {
			bar.Marker = b.Capacity
			bar.MarkerText = fmt.Sprintf("%s: capacity %s ARR, %d%% used", b.Name, moneyShort(b.Capacity, cur), row.Load)
		}
		bars = append(bars, bar)
		desc = append(desc, fmt.Sprintf("%s %s (%s)", b.Name, moneyShort(row.ARR, cur), plural(b.Accounts, "customer")))
	}
	if len(bars) == 0 {
		return
	}
	bc := chart.Bars{
		ID:    "books",
		Title: "ARR per CSM",
		Desc:  "ARR in each CSM's book: " + strings.Join(desc, "; ") + ".",
		Bars:  bars,
		Tick:  func(a int64) string { return moneyShort(a, cur) },
	}
	if v.HasBenchmark {
		bm := v.Benchmark
		bc.Band = &chart.Band{Lo: bm.P25, Mid: bm.P50, Hi: bm.P75, Label: "Benchmark: 25th–75th percentile"}
		bc.Desc += fmt.Sprintf(" Benchmark for %s: %s, %s and %s ARR per CSM at the 25th, 50th and 75th percentile.",
			bm.Band, moneyShort(bm.P25, cur), moneyShort(bm.P50, cur), moneyShort(bm.P75, cur))
	}
	v.BooksWide, v.BooksNarrow = bc.SVG(chart.Wide), bc.SVG(chart.Narrow)
}

// sizeTones colour a book's size: a typical book is good, a light one
// may be spare capacity, a heavy one a CSM stretched too thin.
var sizeTones = map[segment.Size]string{
	segment.Light:   "mid",
	segment.Typical: "good",
	segment.Heavy:   "bad",
}

// plural writes a count of a noun: "1 account", "2,400 accounts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}

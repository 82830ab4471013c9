package revenue

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/demo"
)

// demoToday fixes the demo company's "now".
var demoToday = civil.Date{Year: 2026, Month: time.March, Day: 15}

// demoData is the demo company (seed 1) with account ids assigned as a
// store would (1, 2, … in order), its book and its standard dimensions.
type demoData struct {
	c     *demo.Company
	book  *Book
	accts []customer.Account
	byExt map[string]int64
	dims  []Dimension
}

var demoOnce = sync.OnceValues(func() (*demoData, error) {
	c := demo.Build(demo.Options{Seed: 1, Today: demoToday})
	x := &demoData{c: c, accts: slices.Clone(c.Accounts), byExt: map[string]int64{}}
	for i := range x.accts {
		x.accts[i].ID = int64(i + 1)
		x.byExt[x.accts[i].ExternalID] = int64(i + 1)
	}
	subs := slices.Clone(c.Subscriptions)
	for i := range subs {
		subs[i].AccountID = x.byExt[subs[i].AccountExternalID]
	}
	var err error
	if x.book, err = Build(subs, Options{AsOf: demoToday}); err != nil {
		return nil, err
	}
	for _, name := range DimensionNames {
		dim, err := DimensionByName(name, x.accts)
		if err != nil {
			return nil, err
		}
		x.dims = append(x.dims, dim)
	}
	return x, nil
})

func demoBook(t *testing.T) *demoData {
	t.Helper()
	x, err := demoOnce()
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestDemoProperties runs every metric over the demo company's 24 months
// by every dimension and checks what must hold whatever the data.
func TestDemoProperties(t *testing.T) {
	t.Parallel()
	x := demoBook(t)
	b := x.book
	months := Months(demoToday.AddMonths(-23), 24)
	periods := append(slices.Clone(months), QuarterOf(demoToday.AddMonths(-3)), TrailingTwelveMonths(2026, time.February))
	ms := b.Metrics(periods, x.dims...)
	if len(ms) < 24*len(x.dims) {
		t.Fatalf("only %d metrics", len(ms))
	}
	totals := map[string]int64{} // period|dimension → sum of End over slices
	for _, m := range ms {
		name := fmt.Sprintf("%s %s=%s", m.Period.Name, m.Dimension, m.Slice)
		if m.Start+m.New+m.Expansion-m.Contraction-m.Churn+m.Reactivation != m.End {
			t.Errorf("%s: identity fails: %+v", name, m)
		}
		for _, r := range []Retention{m.Retention, m.ProductRetention} {
			if r.GRR().Num > r.GRR().Den || r.GRR().Num < 0 {
				t.Errorf("%s: GRR %v outside [0, 1]", name, r.GRR())
			}
			if r.Start+r.Expansion-r.Contraction-r.Churn < 0 {
				t.Errorf("%s: NRR below zero", name)
			}
		}
		if m.Retention.Start != m.Start && m.Dimension != "product" {
			t.Errorf("%s: retention start %d != start %d", name, m.Retention.Start, m.Start)
		}
		if m.Renewals.Renewed > m.Renewals.Due {
			t.Errorf("%s: GDRR above 100%%", name)
		}
		if m.Dimension != "product" && m.ProductRetention.GRR().Num*m.Retention.GRR().Den > m.Retention.GRR().Num*m.ProductRetention.GRR().Den {
			t.Errorf("%s: product wallet GRR %v above account wallet GRR %v", name, m.ProductRetention.GRR(), m.GRR())
		}
		totals[m.Period.Name+"|"+m.Dimension] += m.End
	}
	// Every dimension splits the same total, and it is the total MRR on
	// the period's last day.
	for _, p := range periods {
		want := b.TotalMRR(p.Last())
		for _, dim := range x.dims {
			if got := totals[p.Name+"|"+dim.Name]; got != want {
				t.Errorf("%s by %s: ending MRR adds up to %d, total is %d", p.Name, dim.Name, got, want)
			}
		}
	}
	// The demo company was built with 8–12% logo churn a year.
	for _, p := range []Period{TrailingTwelveMonths(2026, time.February), TrailingTwelveMonths(2025, time.February)} {
		m := find(t, b.Metrics([]Period{p}), p.Name, "all", "all")
		v, _ := m.LogoChurn().Float()
		t.Logf("%s: logo churn %.1f%% of %d, GRR %s, NRR %s, product GRR %s, GDRR %s, quick ratio %s",
			p.Name, v*100, m.Retention.Customers, m.GRR().Percent(), m.NRR().Percent(), m.ProductRetention.GRR().Percent(), m.GDRR().Percent(), m.QuickRatio())
		if v < 0.08 || v > 0.12 {
			t.Errorf("%s: logo churn %.1f%%, want 8–12%%", p.Name, v*100)
		}
	}
}

// TestDemoDrillDown: for every component of every slice of a few periods,
// the accounts behind the number add up to it.
func TestDemoDrillDown(t *testing.T) {
	t.Parallel()
	x := demoBook(t)
	b := x.book
	periods := []Period{MonthOf(demoToday.AddMonths(-1)), QuarterOf(demoToday.AddMonths(-6)), TrailingTwelveMonths(2026, time.February)}
	for _, dim := range x.dims {
		for _, m := range b.Metrics(periods, dim) {
			want := map[Component][2]int64{
				CompStart: {m.Start, int64(m.CustomersStart)}, CompEnd: {m.End, int64(m.CustomersEnd)},
				CompNew: {m.New, int64(m.Movements.Of(New))}, CompExpansion: {m.Expansion, int64(m.Movements.Of(Expansion))},
				CompContraction: {m.Contraction, int64(m.Movements.Of(Contraction))}, CompChurn: {m.Churn, int64(m.Movements.Of(Churn))},
				CompReactivation:        {m.Reactivation, int64(m.Movements.Of(Reactivation))},
				CompRetainedExpansion:   {m.Retention.Expansion, int64(m.Retention.Expanded)},
				CompRetainedContraction: {m.Retention.Contraction, int64(m.Retention.Contracted)},
				CompLost:                {m.Retention.Churn, int64(m.Retention.Lost)},
				CompProductExpansion:    {m.ProductRetention.Expansion, int64(m.ProductRetention.Expanded)},
				CompProductContraction:  {m.ProductRetention.Contraction, int64(m.ProductRetention.Contracted)},
				CompProductChurn:        {m.ProductRetention.Churn, int64(m.ProductRetention.Lost)},
				CompRenewalDue:          {m.Renewals.Due, int64(m.Renewals.Count)},
				CompRenewed:             {m.Renewals.Renewed, int64(m.Renewals.Kept)},
			}
			for _, c := range Components {
				cs, err := b.Contributors(m.Period, dim, m.Slice, c)
				if err != nil {
					t.Fatal(err)
				}
				var got [2]int64
				for _, ct := range cs {
					got[0] += ct.Amount
					got[1] += int64(ct.Count)
				}
				if got != want[c] {
					t.Errorf("%s %s=%s %s: contributors add up to %v, metrics say %v", m.Period.Name, dim.Name, m.Slice, c, got, want[c])
				}
			}
		}
	}
}

// TestDemoTruth: the ledger finds the churns and comebacks the generator
// planted, on the days it planted them.
func TestDemoTruth(t *testing.T) {
	t.Parallel()
	x := demoBook(t)
	var churned, back int
	for i, tr := range x.c.Truth {
		id := int64(i + 1)
		moves := x.book.AccountMovements(id)
		has := func(k Kind, on civil.Date) bool {
			return slices.ContainsFunc(moves, func(m Movement) bool { return m.Kind == k && m.Date == on })
		}
		switch tr.Fate {
		case demo.FateChurned:
			churned++
			if last := moves[len(moves)-1]; last.Kind != Churn || last.Date != tr.ChurnedOn {
				t.Errorf("%s churned on %s; ledger ends with %+v", tr.AccountExternalID, tr.ChurnedOn, last)
			}
		case demo.FateReactivated:
			back++
			if !has(Churn, tr.ChurnedOn) || !has(Reactivation, tr.ReactivatedOn) {
				t.Errorf("%s churned %s, came back %s; ledger %+v", tr.AccountExternalID, tr.ChurnedOn, tr.ReactivatedOn, moves)
			}
		default:
			if m := x.book.MRR(id, demoToday); m == 0 {
				t.Errorf("%s is live in the demo but has no MRR", tr.AccountExternalID)
			} else if m != x.accts[i].MRR {
				t.Errorf("%s: MRR %d, the demo's rollup says %d", tr.AccountExternalID, m, x.accts[i].MRR)
			}
		}
	}
	if churned < 100 || back < 5 {
		t.Errorf("only %d churned and %d reactivated accounts", churned, back)
	}
}

// TestDemoDetails exercises the "know the details" questions, the cohort
// table, churn reasons and the pipeline on the demo company.
func TestDemoDetails(t *testing.T) {
	t.Parallel()
	x := demoBook(t)
	b := x.book
	since := func(id int64) civil.Date { return x.accts[id-1].CustomerSince }
	cs := b.ContractSizeByTenure(3, since)
	g, _ := cs.Growth().Float()
	t.Logf("customers of 3+ years: %d, average contract now %s vs original %s (×%.2f)", cs.Customers, cs.AverageNow(), cs.AverageOriginal(), g)
	if cs.Customers < 100 || g < 1 {
		t.Errorf("contract size %+v", cs)
	}
	dc := b.FirstRenewalDiscounts(TrailingTwelveMonths(2026, time.February))
	t.Logf("first renewals in the last year: %d, discount %.1f%% → %.1f%%", len(dc.Items), dc.AverageBefore, dc.AverageAfter)
	if len(dc.Items) < 50 {
		t.Errorf("only %d first renewals", len(dc.Items))
	}
	// Churn records from the generator's truth.
	var records []ChurnRecord
	for i, tr := range x.c.Truth {
		if tr.ChurnedOn.IsZero() {
			continue
		}
		r, ok := ParseReason(tr.Reason)
		if !ok {
			t.Fatalf("demo reason %q is not in the taxonomy", tr.Reason)
		}
		records = append(records, ChurnRecord{AccountID: int64(i + 1), Date: tr.ChurnedOn, Reason: r, Controllable: tr.Controllable})
	}
	year := TrailingTwelveMonths(2026, time.February)
	an := AnalyseChurn("all", b.ChurnEvents(year, records))
	var explained int
	for _, rs := range an.Reasons {
		t.Logf("%-16s %3d churns, %s of churned MRR", rs.Reason, rs.Count, rs.MRRShare.Percent())
		if rs.Reason != ReasonUnknown {
			explained += rs.Count
		}
	}
	t.Logf("hard to affect: %s of churns; controllable: %s", an.HardToAffect.Share.Percent(), an.Controllable.Share.Percent())
	m := find(t, b.Metrics([]Period{year}), year.Name, "all", "all")
	if explained != m.Movements.Of(Churn) {
		t.Errorf("%d account churns explained, the ledger has %d", explained, m.Movements.Of(Churn))
	}
	byIndustry := b.ChurnBySlice(year, records, x.dims[slices.IndexFunc(x.dims, func(d Dimension) bool { return d.Name == "industry" })])
	if len(byIndustry) < 5 {
		t.Errorf("churn by industry: %d industries", len(byIndustry))
	}
	tab := b.Cohorts(demoToday.AddMonths(-24), demoToday)
	if len(tab.Rows) < 20 {
		t.Errorf("%d cohorts", len(tab.Rows))
	}
	for _, r := range tab.Rows {
		if r.Logos[0] > r.Customers || len(r.MRR) != len(r.Logos) {
			t.Errorf("cohort %s: %+v", r.Cohort, r)
		}
	}
	p := b.Pipeline(demoToday, demoToday.AddMonths(5), nil)
	var due int64
	for _, mo := range p.Months {
		due += mo.Due
	}
	if due == 0 || len(p.Renewals) < 100 {
		t.Errorf("pipeline: %d renewals, %d due", len(p.Renewals), due)
	}
	f := b.ForecastRetention(QuarterOf(demoToday.AddMonths(3)), nil)
	t.Logf("next quarter by default forecast: GRR %s NRR %s, implied GDRR %s", f.Implied.GRR().Percent(), f.Implied.NRR().Percent(), f.Renewals.GDRR().Percent())
	if f.Implied.Start == 0 {
		t.Errorf("forecast %+v", f)
	}
}

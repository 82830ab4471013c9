package revenue

import (
	"slices"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// TestCohortTable works a two-account cohort by hand. Both start in
// January 2025: X at 1000 churns on 2025-03-01, Y at 500 grows to 800 on
// 2025-02-15. A third account starts in February.
func TestCohortTable(t *testing.T) {
	t.Parallel()
	b := mustBuild(t, []customer.Subscription{
		sub(10, "Platform", 1000, "2025-01-05", "2025-03-01"),
		sub(11, "Platform", 500, "2025-01-20", "2025-02-15"), sub(11, "Platform", 800, "2025-02-15", "2026-02-15"),
		sub(12, "Platform", 300, "2025-02-03", "2026-02-03"),
	}, Options{AsOf: d("2025-04-10")})
	tab := b.Cohorts(d("2025-01-01"), d("2025-12-31"))
	if len(tab.Rows) != 2 {
		t.Fatalf("rows %+v", tab.Rows)
	}
	jan := tab.Rows[0]
	want := CohortRow{Cohort: "2025-01", Accounts: []int64{10, 11}, Customers: 2,
		MRR:   []int64{1500, 1800, 800, 800}, // end of Jan, Feb, Mar, and April to date
		Logos: []int{2, 2, 1, 1}}
	if jan.Cohort != want.Cohort || !slices.Equal(jan.Accounts, want.Accounts) || jan.Customers != 2 ||
		!slices.Equal(jan.MRR, want.MRR) || !slices.Equal(jan.Logos, want.Logos) {
		t.Errorf("January cohort %+v, want %+v", jan, want)
	}
	if r := jan.RevenueRetention(2); r != (Ratio{800, 1500}) {
		t.Errorf("revenue retention month 2 = %v", r)
	}
	if r := jan.LogoRetention(2); r != (Ratio{1, 2}) {
		t.Errorf("logo retention month 2 = %v", r)
	}
	if feb := tab.Rows[1]; feb.Cohort != "2025-02" || !slices.Equal(feb.MRR, []int64{300, 300, 300}) {
		t.Errorf("February cohort %+v", feb)
	}
	if r := jan.RevenueRetention(9); r.Defined() {
		t.Errorf("a column past AsOf is defined: %v", r)
	}
	if tab.Basis != CohortBasis {
		t.Errorf("basis %q", tab.Basis)
	}
}

// TestCohortFirstPaidMonth: an account is in the cohort of its first paid
// month, whatever its sign-up date. Cohort revenue retention is the
// cohort's MRR in a month over its MRR in the month it became active
// (Chargebee, "What is MRR Retention Cohort?": "∑ of MRR in a given month
// / ∑ of MRR earned in the activated month"; Stripe, "Revenue retention by
// cohort in Billing": a subscription's cohort is the month it "started
// generating positive MRR").
//
// A signs up and pays 400 in January 2025 and 500 from March; B signs up in
// January too but first pays 200 in March. Put in its sign-up month, B's
// first payment showed as January-cohort retention: 700 / 400 = 175%. By
// first payment, January is A alone, 500 / 400 = 125%, and B is March's
// cohort at 100%.
func TestCohortFirstPaidMonth(t *testing.T) {
	t.Parallel()
	b := mustBuild(t, []customer.Subscription{
		sub(1, "Platform", 400, "2025-01-10", "2025-03-01"), sub(1, "Platform", 500, "2025-03-01", "2026-03-01"),
		sub(2, "Platform", 200, "2025-03-05", "2026-03-05"),
	}, Options{AsOf: d("2025-04-30")})
	tab := b.Cohorts(d("2025-01-01"), d("2025-04-30"))
	if len(tab.Rows) != 2 {
		t.Fatalf("rows %+v", tab.Rows)
	}
	jan, mar := tab.Rows[0], tab.Rows[1]
	if jan.Cohort != "2025-01" || !slices.Equal(jan.Accounts, []int64{1}) || jan.RevenueRetention(2) != (Ratio{500, 400}) {
		t.Errorf("January %+v, want A alone at 500/400 = 125%% in March", jan)
	}
	if mar.Cohort != "2025-03" || !slices.Equal(mar.Accounts, []int64{2}) || mar.RevenueRetention(1) != (Ratio{200, 200}) {
		t.Errorf("March %+v, want B at 100%%", mar)
	}
	// Chargebee's example 1: a cohort activated at $1,000 MRR that grows to
	// $5,000 retains 500%.
	b = mustBuild(t, []customer.Subscription{
		sub(3, "Platform", 100000, "2017-01-01", "2017-06-01"), sub(3, "Platform", 500000, "2017-06-01", "2018-06-01"),
	}, Options{AsOf: d("2017-12-31")})
	if r := b.Cohorts(d("2017-01-01"), d("2017-01-31")).Rows[0].RevenueRetention(11); r.Percent() != "500.0%" {
		t.Errorf("Chargebee example 1: %s, want 500.0%%", r.Percent())
	}
}

func TestContractSizeAndDiscounts(t *testing.T) {
	t.Parallel()
	withDisc := func(s customer.Subscription, disc float64) customer.Subscription {
		s.DiscountPercent = disc
		return s
	}
	b := mustBuild(t, []customer.Subscription{
		// Z: customer since 2021, original 1000, now 1500; discount 10% → 5% at the first renewal.
		withDisc(sub(1, "Platform", 1000, "2021-01-01", "2022-01-01"), 10), withDisc(sub(1, "Platform", 1200, "2022-01-01", "2024-01-01"), 5),
		withDisc(sub(1, "Platform", 1500, "2024-01-01", "2026-01-01"), 0),
		// W: since 2024, excluded from the three-year question; discount 0 → 20% at renewal.
		withDisc(sub(2, "Platform", 700, "2024-05-01", "2025-05-01"), 0), withDisc(sub(2, "Platform", 560, "2025-05-01", "2026-05-01"), 20),
		// V: since 2020 but gone: excluded.
		sub(3, "Platform", 900, "2020-01-01", "2023-01-01"),
	}, Options{})
	cs := b.ContractSizeByTenure(3, nil)
	if cs.Customers != 1 || cs.Original != 1000 || cs.Now != 1500 || !slices.Equal(cs.Accounts, []int64{1}) || cs.Growth() != (Ratio{1500, 1000}) {
		t.Errorf("contract size %+v", cs)
	}
	// The CRM says W has been a customer since 2019 (the book starts later).
	cs = b.ContractSizeByTenure(3, func(id int64) civil.Date {
		if id == 2 {
			return d("2019-01-01")
		}
		return civil.Date{}
	})
	if cs.Customers != 2 || cs.AverageNow() != (Ratio{2060, 2}) || cs.AverageOriginal() != (Ratio{1700, 2}) {
		t.Errorf("contract size with since %+v", cs)
	}
	dc := b.FirstRenewalDiscounts(Period{Name: "all", From: d("2000-01-01"), To: d("2100-01-01")})
	want := []DiscountChange{{Account: 1, Product: "Platform", Date: d("2022-01-01"), Before: 10, After: 5},
		{Account: 2, Product: "Platform", Date: d("2025-05-01"), Before: 0, After: 20}}
	if !slices.Equal(dc.Items, want) || dc.Increased != 1 || dc.Decreased != 1 || dc.AverageChange != 7.5 || dc.AverageBefore != 5 {
		t.Errorf("discounts %+v", dc)
	}
	if dc := b.FirstRenewalDiscounts(Year(2025)); len(dc.Items) != 1 || dc.AverageChange != 20 {
		t.Errorf("2025 discounts %+v", dc)
	}
}

// TestChurnReasons explains the churn of the worked example's Q1: A2's
// account churn (2000), A1's Insights (300) and A3's Insights (500), the
// latter without a record.
func TestChurnReasons(t *testing.T) {
	t.Parallel()
	b := mustBuild(t, handSubs(), Options{})
	records := []ChurnRecord{
		{AccountID: 2, Date: d("2025-01-20"), Reason: ReasonMAndA, Controllable: false},
		{AccountID: 1, Product: "Insights", Date: d("2024-12-05"), Reason: ReasonPrice, Controllable: true},
		{AccountID: 1, Date: d("2023-01-01"), Reason: ReasonBudget}, // too old to explain anything
	}
	evs := b.ChurnEvents(Quarter(2025, 1), records)
	want := []ChurnEvent{
		{Account: 1, Product: "Insights", Date: d("2025-01-01"), MRR: 300, Reason: ReasonPrice, Controllable: true},
		{Account: 2, Date: d("2025-02-01"), MRR: 2000, Reason: ReasonMAndA, Controllable: false},
		{Account: 3, Product: "Insights", Date: d("2025-03-15"), MRR: 500, Reason: ReasonUnknown, Controllable: true},
	}
	if !slices.Equal(evs, want) {
		t.Fatalf("events\n got %+v\nwant %+v", evs, want)
	}
	an := AnalyseChurn("all", evs)
	if an.Count != 3 || an.MRR != 2800 || len(an.Reasons) != 3 {
		t.Fatalf("analysis %+v", an)
	}
	for _, rs := range an.Reasons {
		wantMRR := map[Reason]int64{ReasonPrice: 300, ReasonMAndA: 2000, ReasonUnknown: 500}[rs.Reason]
		if rs.Count != 1 || rs.MRR != wantMRR || rs.Share != (Ratio{1, 3}) || rs.MRRShare != (Ratio{wantMRR, 2800}) {
			t.Errorf("%s: %+v", rs.Reason, rs)
		}
	}
	if an.HardToAffect.MRRShare != (Ratio{2000, 2800}) || an.Controllable.Share != (Ratio{2, 3}) || !slices.Equal(an.Controllable.Accounts, []int64{1, 3}) {
		t.Errorf("controllable %+v, hard to affect %+v", an.Controllable, an.HardToAffect)
	}
	bySlice := b.ChurnBySlice(Quarter(2025, 1), records, byTier())
	if len(bySlice) != 1 || bySlice[0].Slice != "Enterprise" || bySlice[0].Count != 3 {
		t.Errorf("by tier %+v", bySlice)
	}
	byProduct := b.ChurnBySlice(Quarter(2025, 1), records, ByProduct())
	if len(byProduct) != 2 || byProduct[1].Slice != "Platform" || byProduct[1].Reasons[0].Reason != ReasonMAndA {
		t.Errorf("by product %+v", byProduct)
	}
	// The drill-down lists exactly the events each slice counts.
	for _, c := range []struct {
		dim  Dimension
		as   []ChurnAnalysis
		want map[string][]ChurnEvent
	}{
		{byTier(), bySlice, map[string][]ChurnEvent{"Enterprise": want, "SMB": nil}},
		{ByProduct(), byProduct, map[string][]ChurnEvent{
			"Insights": {want[0], want[2]},
			"Platform": {{Account: 2, Product: "Platform", Date: d("2025-02-01"), MRR: 2000, Reason: ReasonMAndA}},
		}},
	} {
		for slice, w := range c.want {
			got := b.ChurnEventsIn(Quarter(2025, 1), records, c.dim, slice)
			if !slices.Equal(got, w) {
				t.Errorf("%s=%s events\n got %+v\nwant %+v", c.dim.Name, slice, got, w)
			}
			for _, a := range c.as {
				if a.Slice == slice && a.Count != len(got) {
					t.Errorf("%s=%s: analysis counts %d, drill-down lists %d", c.dim.Name, slice, a.Count, len(got))
				}
			}
		}
	}
	if rs := ReasonShares(records); len(rs) != 3 || rs[0].Reason != ReasonPrice || rs[0].Share != (Ratio{1, 3}) {
		t.Errorf("record shares %+v", rs)
	}
}

func TestChurnRecordCheck(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Reason{"Product gap": ReasonProductFit, "acquired": ReasonMAndA, "M&A": ReasonMAndA,
		"key person left": ReasonKeyPersonLeft, "BUDGET": ReasonBudget, "pricing": ReasonPrice} {
		if got, ok := ParseReason(in); !ok || got != want {
			t.Errorf("ParseReason(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	r := ChurnRecord{AccountID: 1, Date: d("2025-01-01"), Reason: "acquisition"}
	if err := r.Check(); err != nil || r.Reason != ReasonMAndA {
		t.Errorf("Check: %v %q", err, r.Reason)
	}
	bad := ChurnRecord{Reason: "weather"}
	if err := bad.Check(); err == nil {
		t.Error("a bad record passed")
	}
	if !ReasonBankruptcy.HardToAffect() || ReasonPoorAdoption.HardToAffect() {
		t.Error("HardToAffect")
	}
}

// TestPipeline works a renewal pipeline by hand. AsOf is 2025-12-31 and
// every account pays at the start of 2026-Q1:
//
//	1: 1000 due 2026-01-15, no call      → renew 1000
//	2:  500 due 2026-02-01, cancelled    → churn
//	3: 2000 due 2026-02-20, at risk      → 2000 (0 in the downside)
//	4:  700 due 2026-03-10, expand → 900
//	5:  400 due 2026-04-01 (next quarter), renewal already signed at 450
func TestPipeline(t *testing.T) {
	t.Parallel()
	canceled := sub(2, "Platform", 500, "2025-02-01", "2026-02-01")
	canceled.Status = customer.SubCanceled
	b := mustBuild(t, []customer.Subscription{
		sub(1, "Platform", 1000, "2025-01-15", "2026-01-15"),
		canceled,
		sub(3, "Platform", 2000, "2025-02-20", "2026-02-20"),
		sub(4, "Platform", 700, "2025-03-10", "2026-03-10"),
		sub(5, "Platform", 400, "2025-04-01", "2026-04-01"), sub(5, "Platform", 450, "2026-04-01", "2027-04-01"),
	}, Options{})
	calls := map[RenewalKey]Call{
		{Account: 3, Due: d("2026-02-20")}: {Forecast: ForecastAtRisk},
		{Account: 4, Due: d("2026-03-10")}: {Forecast: ForecastExpand, Amount: 900},
	}
	p := b.Pipeline(d("2026-01-01"), d("2026-04-30"), calls)
	if len(p.Months) != 4 || len(p.Renewals) != 5 {
		t.Fatalf("pipeline %+v", p)
	}
	for i, want := range []PipelineMonth{
		{Month: Month(2026, 1), Count: 1, Due: 1000, Expected: 1000, ByForecast: ForecastAmounts{1000, 0, 0, 0}},
		{Month: Month(2026, 2), Count: 2, Due: 2500, Expected: 2000, ByForecast: ForecastAmounts{0, 2000, 500, 0}},
		{Month: Month(2026, 3), Count: 1, Due: 700, Expected: 900, ByForecast: ForecastAmounts{0, 0, 0, 700}},
		{Month: Month(2026, 4), Count: 1, Due: 400, Expected: 450, ByForecast: ForecastAmounts{0, 0, 0, 400}},
	} {
		if p.Months[i] != want {
			t.Errorf("month %d: %+v, want %+v", i, p.Months[i], want)
		}
	}
	if r := p.Renewals[1]; r.Account != 2 || r.Forecast != ForecastChurn || !r.Defaulted || !r.Lines[0].Canceled {
		t.Errorf("cancelled renewal %+v", r)
	}
	if r := p.Renewals[4]; r.Lines[0].Signed != 450 || r.Forecast != ForecastExpand {
		t.Errorf("signed renewal %+v", r)
	}
	f := b.ForecastRetention(Quarter(2026, 1), calls)
	// S = 4600 (all five); implied: 2 churns (500), 4 expands (200).
	if f.Implied != (Retention{Start: 4600, Expansion: 200, Churn: 500, Customers: 5, Expanded: 1, Lost: 1}) {
		t.Errorf("implied %+v", f.Implied)
	}
	if g := f.Implied.GRR(); g != (Ratio{4100, 4600}) {
		t.Errorf("implied GRR %v", g)
	}
	if n := f.Implied.NRR(); n != (Ratio{4300, 4600}) {
		t.Errorf("implied NRR %v", n)
	}
	// Downside: the at-risk 2000 churns too.
	if g, n := f.Downside.GRR(), f.Downside.NRR(); g != (Ratio{2100, 4600}) || n != (Ratio{2300, 4600}) {
		t.Errorf("downside GRR %v NRR %v", g, n)
	}
	// Implied GDRR: 1000 + 0 + 2000 + min(900, 700) of 4200 due.
	if f.Renewals.GDRR() != (Ratio{3700, 4200}) || f.Renewals.Count != 4 {
		t.Errorf("implied renewals %+v", f.Renewals)
	}
	if err := (Call{Forecast: "maybe"}).Check(); err == nil {
		t.Error("a bad call passed")
	}

	// Red health: account 1's renewal (no call) counts as at risk, and the
	// downside loses it too; account 2's cancelled renewal stays churn;
	// account 4's call stands over its health.
	o := Outlook{Calls: calls, AtRisk: map[int64]bool{1: true, 2: true, 4: true}}
	p = b.PipelineOf(d("2026-01-01"), d("2026-04-30"), o)
	if m := p.Months[0]; m.ByForecast != (ForecastAmounts{0, 1000, 0, 0}) || m.Expected != 1000 {
		t.Errorf("January with account 1 red: %+v", m)
	}
	if r := p.Renewals[0]; r.Forecast != ForecastAtRisk || !r.Defaulted || !r.HealthRisk {
		t.Errorf("red renewal %+v", r)
	}
	if r := p.Renewals[1]; r.Forecast != ForecastChurn || !r.HealthRisk {
		t.Errorf("red cancelled renewal %+v", r)
	}
	if r := p.Renewals[3]; r.Forecast != ForecastExpand || r.Expected != 900 || r.Defaulted {
		t.Errorf("red renewal with a call %+v", r)
	}
	f = b.ForecastRetentionOf(Quarter(2026, 1), o)
	if f.Implied.GRR() != (Ratio{4100, 4600}) {
		t.Errorf("implied GRR with red accounts %v: health moves only the downside", f.Implied.GRR())
	}
	if g := f.Downside.GRR(); g != (Ratio{1100, 4600}) {
		t.Errorf("downside GRR with account 1 red %v, want 1100/4600", g)
	}
}

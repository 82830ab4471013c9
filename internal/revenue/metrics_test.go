package revenue

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// handSubs is the worked example of docs/revenue.md. In 2025-Q1:
//
//	A1 renews Platform 1000 → 1500 and drops Insights 300 (same day: +200 net)
//	A2 does not renew Platform 2000 (churn on 2025-02-01)
//	A3 renews Platform 1500 → 1000 and drops Insights 500 (−1000 net)
//	A4 is new business at 800
//	A5 left on 2024-10-01 and comes back at 700 (151 days: reactivation)
//	A6 pays 400 throughout
func handSubs() []customer.Subscription {
	return []customer.Subscription{
		sub(1, "Platform", 1000, "2024-01-01", "2025-01-01"), sub(1, "Platform", 1500, "2025-01-01", "2026-01-01"),
		sub(1, "Insights", 300, "2024-01-01", "2025-01-01"),
		sub(2, "Platform", 2000, "2024-02-01", "2025-02-01"),
		sub(3, "Platform", 1500, "2024-03-15", "2025-03-15"), sub(3, "Platform", 1000, "2025-03-15", "2026-03-15"),
		sub(3, "Insights", 500, "2024-03-15", "2025-03-15"),
		sub(4, "Platform", 800, "2025-02-10", "2026-02-10"),
		sub(5, "Platform", 600, "2023-10-01", "2024-10-01"), sub(5, "Platform", 700, "2025-03-01", "2026-03-01"),
		sub(6, "Platform", 400, "2024-06-01", "2026-06-01"),
	}
}

var handTier = map[int64]string{1: "Enterprise", 2: "Enterprise", 3: "Enterprise", 4: "SMB", 5: "SMB", 6: "SMB"}

func byTier() Dimension { return ByAccount("tier", func(id int64) string { return handTier[id] }) }

func find(t *testing.T, ms []Metrics, period, dim, slice string) Metrics {
	t.Helper()
	for _, m := range ms {
		if m.Period.Name == period && m.Dimension == dim && m.Slice == slice {
			return m
		}
	}
	t.Fatalf("no metrics for %s %s=%s", period, dim, slice)
	return Metrics{}
}

// TestHandExample checks every number of the worked example against the
// answers computed by hand from the definitions.
func TestHandExample(t *testing.T) {
	t.Parallel()
	b := mustBuild(t, handSubs(), Options{})
	ms := b.Metrics([]Period{Quarter(2025, 1), Month(2025, 2)}, All(), byTier(), ByProduct())
	q := find(t, ms, "2025-Q1", "all", "all")
	want := Metrics{Period: Quarter(2025, 1), Dimension: "all", Slice: "all",
		Start: 5700, New: 800, Expansion: 200, Contraction: 1000, Churn: 2000, Reactivation: 700, End: 4400,
		CustomersStart: 4, CustomersEnd: 5, Movements: MovementCounts{1, 1, 1, 1, 1},
		// A1 +200, A3 −1000, A2 −2000; A6 flat.
		Retention: Retention{Start: 5700, Expansion: 200, Contraction: 1000, Churn: 2000, Customers: 4, Expanded: 1, Contracted: 1, Lost: 1},
		// Per line: A1/Platform +500, A3/Platform −500, A1/Insights −300, A2/Platform −2000, A3/Insights −500.
		ProductRetention: Retention{Start: 5700, Expansion: 500, Contraction: 500, Churn: 2800, Customers: 6, Expanded: 1, Contracted: 1, Lost: 3},
		// Due: A1/P 1000 (renewed 1000 of 1500), A1/I 300, A2/P 2000, A3/P 1500 (renewed 1000), A3/I 500.
		Renewals: Renewals{Due: 5300, Renewed: 2000, Count: 5, Kept: 2, Flat: 1},
	}
	if q != want {
		t.Errorf("Q1\n got %+v\nwant %+v", q, want)
	}
	for _, c := range []struct {
		name string
		got  Ratio
		want float64
	}{
		{"GRR (5700−1000−2000)/5700", q.GRR(), 2700.0 / 5700},
		{"NRR (5700+200−1000−2000)/5700", q.NRR(), 2900.0 / 5700},
		{"product GRR (5700−500−2800)/5700", q.ProductRetention.GRR(), 2400.0 / 5700},
		{"product NRR", q.ProductRetention.NRR(), 2900.0 / 5700},
		{"logo churn 1/4", q.LogoChurn(), 0.25},
		{"GDRR 2000/5300", q.GDRR(), 2000.0 / 5300},
		{"quick ratio (800+200+700)/(1000+2000)", q.QuickRatio(), 1700.0 / 3000},
		{"ARPA 4400/5", q.ARPA(), 880},
		{"increased 1/4", q.Retention.IncreasedShare(), 0.25},
	} {
		if v, ok := c.got.Float(); !ok || math.Abs(v-c.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if q.Start+q.Net() != q.End {
		t.Errorf("identity: %d + %d != %d", q.Start, q.Net(), q.End)
	}

	feb := find(t, ms, "2025-02", "all", "all")
	if feb.Start != 5900 || feb.Churn != 2000 || feb.New != 800 || feb.End != 4700 || feb.Expansion != 0 {
		t.Errorf("February: %+v", feb)
	}
	ent := find(t, ms, "2025-Q1", "tier", "Enterprise")
	if ent.Start != 5300 || ent.Expansion != 200 || ent.Contraction != 1000 || ent.Churn != 2000 || ent.End != 2500 || ent.New != 0 {
		t.Errorf("Enterprise: %+v", ent)
	}
	smb := find(t, ms, "2025-Q1", "tier", "SMB")
	if smb.Start != 400 || smb.New != 800 || smb.Reactivation != 700 || smb.End != 1900 || smb.Retention.GRR() != (Ratio{400, 400}) {
		t.Errorf("SMB: %+v", smb)
	}
	plat := find(t, ms, "2025-Q1", "product", "Platform")
	if plat.Start != 4900 || plat.Expansion != 500 || plat.Contraction != 500 || plat.Churn != 2000 || plat.New != 800 || plat.Reactivation != 700 || plat.End != 4400 {
		t.Errorf("Platform: %+v", plat)
	}
	if plat.CustomersStart != 4 || plat.Retention != plat.ProductRetention || plat.Renewals.Due != 4500 {
		t.Errorf("Platform customers/retention/renewals: %+v", plat)
	}
	ins := find(t, ms, "2025-Q1", "product", "Insights")
	if ins.Start != 800 || ins.Churn != 800 || ins.End != 0 || ins.LogoChurn() != (Ratio{2, 2}) {
		t.Errorf("Insights: %+v", ins)
	}
}

// TestDrillDown checks that each number lists the accounts behind it and
// that they add up.
func TestDrillDown(t *testing.T) {
	t.Parallel()
	b := mustBuild(t, handSubs(), Options{})
	q1 := Quarter(2025, 1)
	for _, tc := range []struct {
		dim  Dimension
		c    Component
		want []Contribution
	}{
		{All(), CompLost, []Contribution{{Account: 2, Amount: 2000, Count: 1}}},
		{All(), CompRetainedContraction, []Contribution{{Account: 3, Amount: 1000, Count: 1}}},
		{All(), CompRetainedExpansion, []Contribution{{Account: 1, Amount: 200, Count: 1}}},
		{All(), CompReactivation, []Contribution{{Account: 5, Amount: 700, Count: 1}}},
		{All(), CompProductChurn, []Contribution{{Account: 2, Product: "Platform", Amount: 2000, Count: 1},
			{Account: 3, Product: "Insights", Amount: 500, Count: 1}, {Account: 1, Product: "Insights", Amount: 300, Count: 1}}},
		{All(), CompRenewed, []Contribution{{Account: 1, Product: "Platform", Amount: 1000, Count: 1}, {Account: 3, Product: "Platform", Amount: 1000, Count: 1}}},
		{byTier(), CompStart, []Contribution{{Account: 2, Amount: 2000, Count: 1}, {Account: 3, Amount: 2000, Count: 1}, {Account: 1, Amount: 1300, Count: 1}}},
		{ByProduct(), CompChurn, []Contribution{{Account: 3, Product: "Insights", Amount: 500, Count: 1}, {Account: 1, Product: "Insights", Amount: 300, Count: 1}}},
	} {
		slice := "all"
		switch tc.dim.Name {
		case "tier":
			slice = "Enterprise"
		case "product":
			slice = "Insights"
		}
		got, err := b.Contributors(q1, tc.dim, slice, tc.c)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s %s: got %v %v, want %v", tc.dim.Name, tc.c, got, err, tc.want)
		}
	}
	if _, err := b.Contributors(q1, All(), "all", "nonsense"); err == nil {
		t.Error("an unknown component was accepted")
	}
}

// TestUndefinedRatios: no MRR at the start gives undefined ratios, never NaN.
func TestUndefinedRatios(t *testing.T) {
	t.Parallel()
	b := mustBuild(t, []customer.Subscription{sub(1, "Platform", 1000, "2025-02-10", "2026-02-10")}, Options{})
	m := find(t, b.Metrics([]Period{Month(2025, 2)}), "2025-02", "all", "all")
	if m.Start != 0 || m.New != 1000 || m.End != 1000 {
		t.Fatalf("metrics %+v", m)
	}
	for name, r := range map[string]Ratio{"GRR": m.GRR(), "NRR": m.NRR(), "logo churn": m.LogoChurn(), "GDRR": m.GDRR(), "quick ratio": m.QuickRatio()} {
		if v, ok := r.Float(); ok || math.IsNaN(v) || r.Percent() != "undefined" || r.String() != "undefined" {
			t.Errorf("%s = %v (%v %v), want undefined", name, r, v, ok)
		}
	}
	j, err := json.Marshal(m.Ratios())
	if err != nil || string(j) != `{"grr":null,"nrr":null,"product_grr":null,"product_nrr":null,"logo_churn":null,"gdrr":null,"quick_ratio":null,"arpa":1000,"increased":null}` {
		t.Errorf("ratios JSON %s %v", j, err)
	}
	if r := (Ratio{2700, 5700}); r.Percent() != "47.4%" || r.String() != "0.4737" {
		t.Errorf("formatting: %s %s", r.Percent(), r.String())
	}
}

// TestPeriods checks period arithmetic and parsing.
func TestPeriods(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Period{
		"2025-07":                {"2025-07", d("2025-07-01"), d("2025-08-01")},
		"2025-Q3":                {"2025-Q3", d("2025-07-01"), d("2025-10-01")},
		"2025":                   {"2025", d("2025-01-01"), d("2026-01-01")},
		"ttm-2025-07":            {"TTM-2025-07", d("2024-08-01"), d("2025-08-01")},
		"2025-07-01..2025-09-30": {"2025-07-01..2025-09-30", d("2025-07-01"), d("2025-10-01")},
	} {
		if got, err := ParsePeriod(in); err != nil || got != want {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "2025-13", "2025-Q5", "25-07", "TTM-2025", "2025-09-30..2025-07-01", "2025-7"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
	if ms := Months(d("2024-11-20"), 3); ms[0].Name != "2024-11" || ms[2].Name != "2025-01" {
		t.Errorf("Months: %v", ms)
	}
	if q := QuarterOf(d("2025-08-15")); q.Name != "2025-Q3" || MonthOf(d("2025-08-15")).Last() != d("2025-08-31") {
		t.Errorf("QuarterOf/MonthOf: %v", q)
	}
	for _, s := range []string{"1970-01-01", "2000-02-29", "2024-12-31", "1899-03-01", "2100-03-01", "0001-01-01"} {
		if got := dateOf(dayOf(d(s))); got != d(s) {
			t.Errorf("day round trip %s → %s", s, got)
		}
		if dayOf(d(s)) != day(d(s).Time().Unix()/86400) && d(s).Year >= 1970 {
			t.Errorf("dayOf(%s) = %d", s, dayOf(d(s)))
		}
	}
}

// TestOverlappingPeriods: months, a quarter and a trailing year measured
// together agree with each measured alone.
func TestOverlappingPeriods(t *testing.T) {
	t.Parallel()
	b := mustBuild(t, handSubs(), Options{})
	periods := append(Months(d("2024-10-01"), 9), Quarter(2025, 1), TrailingTwelveMonths(2025, 3), Year(2024))
	all := b.Metrics(periods, All(), byTier(), ByProduct(), ByCohort(nil))
	for _, m := range all {
		// Alone, a slice with nothing in the period is left out.
		got := Metrics{Period: m.Period, Dimension: m.Dimension, Slice: m.Slice}
		for _, a := range b.Metrics([]Period{m.Period}, dimNamed(m.Dimension)) {
			if a.Slice == m.Slice {
				got = a
			}
		}
		if got != m {
			t.Errorf("%s %s=%s together %+v, alone %+v", m.Period.Name, m.Dimension, m.Slice, m, got)
		}
	}
	if len(all) < 12*4 {
		t.Errorf("only %d metrics", len(all))
	}
}

func dimNamed(name string) Dimension {
	switch name {
	case "tier":
		return byTier()
	case "product":
		return ByProduct()
	case "cohort":
		return ByCohort(nil)
	}
	return All()
}

// TestAttributeHistory: with KeyAt an account counts, for a whole period,
// in the slice it was in on the period's first day.
func TestAttributeHistory(t *testing.T) {
	t.Parallel()
	b := mustBuild(t, handSubs(), Options{})
	// A1 moves from SMB to Enterprise on 2025-02-15.
	tier := Dimension{Name: "tier", KeyAt: func(id int64, at civil.Date) string {
		if id == 1 && at.Before(d("2025-02-15")) {
			return "SMB"
		}
		return handTier[id]
	}}
	ms := b.Metrics([]Period{Month(2025, 1), Month(2025, 2), Month(2025, 3)}, tier)
	if m := find(t, ms, "2025-01", "tier", "SMB"); m.Start != 1700 || m.Expansion != 200 || m.End != 1900 {
		t.Errorf("January SMB (with A1): %+v", m)
	}
	if m := find(t, ms, "2025-02", "tier", "SMB"); m.Start != 1900 || m.End != 2700 {
		t.Errorf("February SMB (A1 still SMB on Feb 1): %+v", m)
	}
	if m := find(t, ms, "2025-03", "tier", "Enterprise"); m.Start != 3500 || m.End != 2500 || m.Start+m.Net() != m.End {
		t.Errorf("March Enterprise (A1 now Enterprise): %+v", m)
	}
}

// TestPastAsOfReadsDates closes the books on a past day for a subscription
// that an import marked ended after its end date had passed: on that past
// day it was paying, so nothing churned. The status says what was true when
// the row was written; the ledger reads the dates.
func TestPastAsOfReadsDates(t *testing.T) {
	t.Parallel()
	annual := sub(1, "P", 5000, "2025-01-01", "2026-01-01")
	annual.Status = customer.SubEnded
	annual.UpdatedAt = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC) // the import day
	for _, asOf := range []string{"2025-06-30", "2025-06-15", "2025-12-31"} {
		b := mustBuild(t, []customer.Subscription{annual}, Options{AsOf: d(asOf)})
		m := find(t, b.Metrics([]Period{Month(2025, 6)}), "2025-06", "all", "all")
		if m.Start != 5000 || m.Churn != 0 || m.End != 5000 || m.CustomersEnd != 1 || m.GRR() != (Ratio{5000, 5000}) {
			t.Errorf("as of %s: %+v, want 5000 kept, GRR 100%%", asOf, m)
		}
	}
	b := mustBuild(t, []customer.Subscription{annual}, Options{AsOf: d("2026-03-31")})
	if got := movesOf(b.AccountMovements(1)); !slices.Equal(got, []mv{{"2025-01-01", "P", New, 0, 5000}, {"2026-01-01", "P", Churn, 5000, 0}}) {
		t.Errorf("as of 2026-03-31: %v, want churn on the end date", got)
	}
	// No end date and no change date: no day it ended is known, so the row
	// is left out and counted rather than ended on AsOf.
	undated := sub(2, "P", 1000, "2025-01-01", "")
	undated.Status = customer.SubEnded
	b = mustBuild(t, []customer.Subscription{undated}, Options{AsOf: d("2025-06-30")})
	if got := b.Skipped(); got != (Skipped{EndedUndated: 1}) {
		t.Errorf("Skipped = %+v, want one ended_undated", got)
	}
}

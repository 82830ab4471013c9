package revenue

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// TestMovementRules has one worked example per ledger rule (docs/revenue.md).
// AsOf is 2025-12-31 unless a case says otherwise.
func TestMovementRules(t *testing.T) {
	t.Parallel()
	canceled := sub(1, "Platform", 1000, "2025-03-01", "2026-03-01")
	canceled.Status = customer.SubCanceled
	trial := sub(1, "Platform", 0, "2025-01-01", "2025-01-15")
	trial.Trial = true
	paidTrial := sub(1, "Platform", 5000, "2025-01-01", "2025-01-15")
	paidTrial.Trial = true
	endedNoDate := sub(1, "Platform", 1000, "2025-01-01", "")
	endedNoDate.Status = customer.SubEnded
	endedNoDate.UpdatedAt = time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		subs    []customer.Subscription
		opt     Options
		account []mv // account view
		product []mv // product view; nil means the same as the account view with the product named
	}{
		{name: "new: first paid term",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2025-01-01", "2026-01-01")},
			account: []mv{{"2025-01-01", "Platform", New, 0, 1000}}},
		{name: "term ending after AsOf is not churn yet",
			subs:    []customer.Subscription{canceled},
			account: []mv{{"2025-03-01", "Platform", New, 0, 1000}}},
		{name: "expansion at renewal",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2024-01-01", "2025-01-01"), sub(1, "Platform", 1200, "2025-01-01", "2026-01-01")},
			account: []mv{{"2024-01-01", "Platform", New, 0, 1000}, {"2025-01-01", "Platform", Expansion, 1000, 1200}}},
		{name: "contraction at renewal",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2024-01-01", "2025-01-01"), sub(1, "Platform", 700, "2025-01-01", "2026-01-01")},
			account: []mv{{"2024-01-01", "Platform", New, 0, 1000}, {"2025-01-01", "Platform", Contraction, 1000, 700}}},
		{name: "flat renewal moves nothing",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2024-01-01", "2025-01-01"), sub(1, "Platform", 1000, "2025-01-01", "2026-01-01")},
			account: []mv{{"2024-01-01", "Platform", New, 0, 1000}}},
		{name: "churn recognised on the end date",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2024-03-01", "2025-03-01")},
			account: []mv{{"2024-03-01", "Platform", New, 0, 1000}, {"2025-03-01", "Platform", Churn, 1000, 0}}},
		{name: "mid-term seats: an overlapping row adds up",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2025-01-01", "2026-01-01"), sub(1, "Platform", 300, "2025-06-15", "2026-01-01")},
			account: []mv{{"2025-01-01", "Platform", New, 0, 1000}, {"2025-06-15", "Platform", Expansion, 1000, 1300}}},
		{name: "same-day changes are netted in the account view",
			subs: []customer.Subscription{
				sub(1, "Platform", 1000, "2024-01-01", "2025-01-01"), sub(1, "Platform", 800, "2025-01-01", "2026-01-01"),
				sub(1, "Insights", 300, "2025-01-01", "2026-01-01")},
			account: []mv{{"2024-01-01", "Platform", New, 0, 1000}, {"2025-01-01", "", Expansion, 1000, 1100}},
			product: []mv{{"2024-01-01", "Platform", New, 0, 1000}, {"2025-01-01", "Insights", New, 0, 300}, {"2025-01-01", "Platform", Contraction, 1000, 800}}},
		{name: "cancelled product line: contraction for the account, churn for the product",
			subs: []customer.Subscription{
				sub(1, "Platform", 1000, "2024-06-01", "2025-06-01"), sub(1, "Platform", 1000, "2025-06-01", "2026-06-01"),
				sub(1, "Insights", 400, "2024-06-01", "2025-06-01")},
			account: []mv{{"2024-06-01", "", New, 0, 1400}, {"2025-06-01", "Insights", Contraction, 1400, 1000}},
			product: []mv{{"2024-06-01", "Insights", New, 0, 400}, {"2024-06-01", "Platform", New, 0, 1000}, {"2025-06-01", "Insights", Churn, 400, 0}}},
		{name: "reactivation inside the window (120 days)",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2024-01-01", "2025-01-01"), sub(1, "Platform", 900, "2025-05-01", "2026-05-01")},
			account: []mv{{"2024-01-01", "Platform", New, 0, 1000}, {"2025-01-01", "Platform", Churn, 1000, 0}, {"2025-05-01", "Platform", Reactivation, 0, 900}}},
		{name: "return outside the window (517 days) is new business",
			subs: []customer.Subscription{sub(1, "Platform", 1000, "2022-01-01", "2023-01-01"), sub(1, "Platform", 900, "2024-06-01", "2025-06-01")},
			account: []mv{{"2022-01-01", "Platform", New, 0, 1000}, {"2023-01-01", "Platform", Churn, 1000, 0}, {"2024-06-01", "Platform", New, 0, 900},
				{"2025-06-01", "Platform", Churn, 900, 0}}},
		{name: "a shorter window makes a comeback new business",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2024-01-01", "2025-01-01"), sub(1, "Platform", 900, "2025-05-01", "2026-05-01")},
			opt:     Options{ReactivationWindow: 90},
			account: []mv{{"2024-01-01", "Platform", New, 0, 1000}, {"2025-01-01", "Platform", Churn, 1000, 0}, {"2025-05-01", "Platform", New, 0, 900}}},
		{name: "late renewal within the grace (19 days) is a renewal: MRR carried over the gap",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2024-01-01", "2025-01-01"), sub(1, "Platform", 1100, "2025-01-20", "2026-01-20")},
			account: []mv{{"2024-01-01", "Platform", New, 0, 1000}, {"2025-01-20", "Platform", Expansion, 1000, 1100}}},
		{name: "gap of 31 days is churn then reactivation",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2024-01-01", "2025-01-01"), sub(1, "Platform", 1000, "2025-02-01", "2026-02-01")},
			account: []mv{{"2024-01-01", "Platform", New, 0, 1000}, {"2025-01-01", "Platform", Churn, 1000, 0}, {"2025-02-01", "Platform", Reactivation, 0, 1000}}},
		{name: "no grace: a one-day gap is churn",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2024-01-01", "2025-01-01"), sub(1, "Platform", 1000, "2025-01-02", "2026-01-02")},
			opt:     Options{RenewalGrace: -1},
			account: []mv{{"2024-01-01", "Platform", New, 0, 1000}, {"2025-01-01", "Platform", Churn, 1000, 0}, {"2025-01-02", "Platform", Reactivation, 0, 1000}}},
		{name: "trials are excluded, even priced ones: the first paid day is new",
			subs:    []customer.Subscription{trial, paidTrial, sub(1, "Platform", 1000, "2025-01-15", "2026-01-15")},
			account: []mv{{"2025-01-15", "Platform", New, 0, 1000}}},
		{name: "ended with no end date: ends when the record last changed",
			subs:    []customer.Subscription{endedNoDate},
			account: []mv{{"2025-01-01", "Platform", New, 0, 1000}, {"2025-06-10", "Platform", Churn, 1000, 0}}},
		{name: "open-ended row runs on",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2025-01-01", "")},
			account: []mv{{"2025-01-01", "Platform", New, 0, 1000}}},
		{name: "row starting after AsOf is not yet recognised",
			subs:    []customer.Subscription{sub(1, "Platform", 1000, "2025-01-01", "2026-01-01"), sub(1, "Platform", 2000, "2026-01-01", "2027-01-01")},
			account: []mv{{"2025-01-01", "Platform", New, 0, 1000}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := mustBuild(t, tc.subs, tc.opt)
			if got := movesOf(b.AccountMovements(1)); !slices.Equal(got, tc.account) {
				t.Errorf("account view\n got %v\nwant %v", got, tc.account)
			}
			want := tc.product
			if want == nil {
				want = tc.account
			}
			if got := movesOf(b.ProductMovements(1)); !slices.Equal(got, want) {
				t.Errorf("product view\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestSkippedRows(t *testing.T) {
	t.Parallel()
	trial := sub(1, "Platform", 0, "2025-01-01", "2025-01-15")
	trial.Trial = true
	free := sub(2, "Platform", 0, "2025-01-01", "")
	empty := sub(3, "Platform", 1000, "2025-01-01", "2025-01-01")
	future := sub(4, "Platform", 1000, "2026-02-01", "2027-02-01")
	b := mustBuild(t, []customer.Subscription{trial, free, empty, future}, Options{})
	want := Skipped{Trials: 1, ZeroMRR: 1, ZeroLength: 1, NotStarted: 1}
	if got := b.Skipped(); got != want {
		t.Errorf("Skipped = %+v, want %+v", got, want)
	}
	if got := b.Accounts(); !slices.Equal(got, []int64{4}) {
		t.Errorf("Accounts = %v, want [4] (only the future row is kept, for the pipeline)", got)
	}
}

func TestCurrencyConversion(t *testing.T) {
	t.Parallel()
	eur := sub(1, "Platform", 1000, "2025-01-01", "") // €10.00
	eur.Currency = "EUR"
	jpy := sub(2, "Platform", 1000, "2025-01-01", "") // ¥1,000
	jpy.Currency = "JPY"
	kwd := sub(3, "Platform", 1005, "2025-01-01", "") // 1.005 KWD (three decimals)
	kwd.Currency = "KWD"
	usd := sub(4, "Platform", 999, "2025-01-01", "")
	rate := func(s string) Rate {
		r, err := ParseRate(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	b := mustBuild(t, []customer.Subscription{eur, jpy, kwd, usd},
		Options{Rates: map[string]Rate{"EUR": rate("1.0845"), "JPY": rate("0.0067"), "KWD": rate("3.25")}})
	for id, want := range map[int64]int64{
		1: 1085, // 10.845 USD: half a cent rounds away from zero
		2: 670,  // 6.70 USD
		3: 327,  // 3.26625 USD
		4: 999,  // already USD
	} {
		if got := b.MRR(id, d("2025-06-01")); got != want {
			t.Errorf("account %d: MRR %d cents, want %d", id, got, want)
		}
	}
	// Reporting in euros: dollars convert the other way.
	b = mustBuild(t, []customer.Subscription{usd}, Options{Currency: "EUR", Rates: map[string]Rate{"USD": rate("0.92")}})
	if got := b.MRR(4, d("2025-06-01")); got != 919 || b.Currency() != "EUR" {
		t.Errorf("USD 9.99 in EUR = %d %s, want 919 EUR (9.1908)", got, b.Currency())
	}
	if _, err := Build([]customer.Subscription{eur}, Options{AsOf: handAsOf}); err == nil {
		t.Errorf("a currency without a rate was accepted")
	}
	for _, bad := range []string{"", "-1", "abc", "1.2.3", "0"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
}

func TestBuildNeedsAsOf(t *testing.T) {
	t.Parallel()
	if _, err := Build(nil, Options{}); err == nil {
		t.Fatal("Build without AsOf succeeded")
	}
	b := mustBuild(t, nil, Options{})
	if ms := b.Metrics(Months(d("2025-01-01"), 2), All()); len(ms) != 0 {
		t.Errorf("an empty book has metrics: %v", ms)
	}
}

// TestInputOrder checks that rows in any order give the same book as rows
// ordered by account.
func TestInputOrder(t *testing.T) {
	t.Parallel()
	subs := handSubs()
	sorted := mustBuild(t, subs, Options{})
	rev := slices.Clone(subs)
	slices.Reverse(rev)
	shuffled := mustBuild(t, rev, Options{})
	for _, id := range sorted.Accounts() {
		if a, b := movesOf(sorted.AccountMovements(id)), movesOf(shuffled.AccountMovements(id)); !slices.Equal(a, b) {
			t.Errorf("account %d: sorted %v, shuffled %v", id, a, b)
		}
		if a, b := movesOf(sorted.ProductMovements(id)), movesOf(shuffled.ProductMovements(id)); !slices.Equal(a, b) {
			t.Errorf("account %d products: sorted %v, shuffled %v", id, a, b)
		}
	}
}

func TestTimelineAndLedger(t *testing.T) {
	t.Parallel()
	b := mustBuild(t, handSubs(), Options{})
	if got, want := b.Timeline(1), []Step{{d("2024-01-01"), 1300}, {d("2025-01-01"), 1500}}; !slices.Equal(got, want) {
		t.Errorf("Timeline(1) = %v, want %v", got, want)
	}
	if got, want := b.ProductTimeline(1, "Insights"), []Step{{d("2024-01-01"), 300}, {d("2025-01-01"), 0}}; !slices.Equal(got, want) {
		t.Errorf("ProductTimeline(1, Insights) = %v, want %v", got, want)
	}
	if got := b.ProductMRR(3, "Insights", d("2025-03-14")); got != 500 {
		t.Errorf("ProductMRR(3, Insights) on 2025-03-14 = %d, want 500", got)
	}
	if got := b.TotalMRR(d("2024-12-31")); got != 5700 {
		t.Errorf("TotalMRR(2024-12-31) = %d, want 5700", got)
	}
	q1 := Quarter(2025, 1)
	got := movesOf(b.Ledger(q1, false))
	want := []mv{{"2025-01-01", "", Expansion, 1300, 1500}, {"2025-02-01", "Platform", Churn, 2000, 0},
		{"2025-02-10", "Platform", New, 0, 800}, {"2025-03-01", "Platform", Reactivation, 0, 700}, {"2025-03-15", "", Contraction, 2000, 1000}}
	if !slices.Equal(got, want) {
		t.Errorf("Ledger(Q1)\n got %v\nwant %v", got, want)
	}
	// A1 Platform and Insights, A2, A3 Platform and Insights, A4, A5.
	if n := len(b.Ledger(q1, true)); n != 7 {
		t.Errorf("product ledger of Q1 has %d movements, want 7", n)
	}
	if got := b.FirstPaid(5); got != d("2023-10-01") {
		t.Errorf("FirstPaid(5) = %s", got)
	}
	if got := b.Products(); !slices.Equal(got, []string{"Insights", "Platform"}) {
		t.Errorf("Products = %v", got)
	}
}

func TestSupersede(t *testing.T) {
	t.Parallel()
	trial := sub(1, "Platform", 0, "2024-03-01", "")
	trial.Trial = true
	subs := []customer.Subscription{
		sub(1, "Platform", 1000, "2024-01-01", ""), trial, sub(1, "Platform", 1500, "2024-06-01", ""),
		sub(1, "Insights", 200, "2024-02-01", "2024-12-01"), sub(1, "Insights", 300, "2024-04-01", ""),
	}
	concurrent := mustBuild(t, subs, Options{})
	if m := concurrent.MRR(1, d("2025-01-01")); m != 2800 {
		t.Errorf("concurrent rows add up to %d, want 2800", m)
	}
	versions := Supersede(subs)
	if !subs[0].EndOn.IsZero() {
		t.Error("Supersede changed its input")
	}
	b := mustBuild(t, versions, Options{})
	want := []mv{{"2024-01-01", "Platform", New, 0, 1000}, {"2024-06-01", "Platform", Expansion, 1000, 1500}}
	var plat []mv
	for _, m := range movesOf(b.ProductMovements(1)) {
		if m.product == "Platform" {
			plat = append(plat, m)
		}
	}
	if !slices.Equal(plat, want) {
		t.Errorf("Platform as versions %v, want %v", plat, want)
	}
	if m := b.MRR(1, d("2025-01-01")); m != 1800 {
		t.Errorf("versions: MRR %d, want 1800 (Platform 1500 + Insights 300)", m)
	}
}

// TestStepFunctionsAgainstDays checks the step functions against the
// definition, day by day, on random histories (chains of terms, gaps,
// overlaps, several lines, rows beyond AsOf), with no renewal grace so that
// MRR on a day is plainly the sum of the rows in force.
func TestStepFunctionsAgainstDays(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 5))
	asOf := d("2025-06-30")
	var subs []customer.Subscription
	for a := int64(1); a <= 300; a++ {
		for _, p := range []string{"A", "B", "C"}[:1+r.IntN(3)] {
			start := d("2023-01-01").AddDays(r.IntN(400))
			for n := r.IntN(6); n >= 0; n-- {
				end := start.AddDays(20 + r.IntN(200))
				s := sub(a, p, int64(100*(1+r.IntN(5))), start.String(), end.String())
				if r.IntN(8) == 0 {
					s.EndOn = civil.Date{}
				}
				subs = append(subs, s)
				switch r.IntN(4) {
				case 0:
					start = end.AddDays(r.IntN(40)) // a gap
				case 1:
					start = end.AddDays(-r.IntN(30)) // an overlap
				default:
					start = end
				}
			}
		}
	}
	b := mustBuild(t, subs, Options{AsOf: asOf, RenewalGrace: -1})
	for day := d("2023-01-01"); !day.After(asOf.AddDays(30)); day = day.AddDays(1) {
		want := map[int64]int64{}
		wantP := map[[2]any]int64{}
		for _, s := range subs {
			end := s.EndOn
			if end.IsZero() || end.After(asOf) {
				end = d("2100-01-01")
			}
			if !s.StartOn.After(day) && day.Before(end) && !s.StartOn.After(asOf) {
				want[s.AccountID] += s.MRR
				wantP[[2]any{s.AccountID, s.Product}] += s.MRR
			}
		}
		for a := int64(1); a <= 300; a++ {
			if got := b.MRR(a, day); got != want[a] {
				t.Fatalf("account %d on %s: MRR %d, want %d", a, day, got, want[a])
			}
			for _, p := range []string{"A", "B", "C"} {
				if got := b.ProductMRR(a, p, day); got != wantP[[2]any{a, p}] {
					t.Fatalf("account %d %s on %s: MRR %d, want %d", a, p, day, got, wantP[[2]any{a, p}])
				}
			}
		}
	}
	// Every movement's kind agrees with its amounts.
	for _, id := range b.Accounts() {
		for _, m := range append(b.AccountMovements(id), b.ProductMovements(id)...) {
			ok := false
			switch m.Kind {
			case New, Reactivation:
				ok = m.From == 0 && m.To > 0
			case Churn:
				ok = m.From > 0 && m.To == 0
			case Expansion:
				ok = m.From > 0 && m.To > m.From
			case Contraction:
				ok = m.To > 0 && m.To < m.From
			}
			if !ok {
				t.Errorf("account %d: %+v", id, m)
			}
		}
	}
}

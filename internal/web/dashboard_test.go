package web

import (
	"context"
	"encoding/xml"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/segment"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// TestDashboard checks the dashboard's figures against the fixture, worked
// out by hand. MRR: Acme Corp 12,000, Globex 3,500 (at risk), Acme Labs
// 1,500, Initech 800, the evil name 50 — 17,850 a month, 214,200 a year.
func TestDashboard(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.handler(0)
	code, body, _ := get(t, h, "/dashboard")
	if code != http.StatusOK {
		t.Fatalf("status %d\n%s", code, body)
	}
	today := f.today
	day := func(n int) string { return today.AddDays(n).String() }
	renewalURL := func(n int) string {
		return "/accounts?" + url.Values{"renewal_from": {today.String()}, "renewal_to": {day(n)}, "sort": {"renewal"}}.Encode()
	}
	text := html.UnescapeString(body)
	for _, tc := range []struct{ what, want string }{
		{"nav", `<a href="/dashboard" aria-current="page">Dashboard</a>`},
		{"accounts", `<span class="kpi-value">5</span>`},
		{"paying", "5 paying"},
		{"ARR", `<span class="kpi-value" title="$214,200.00">$214K</span>`},
		{"MRR", `title="$17,850.00">$18K MRR`},
		{"at risk link", `<a class="kpi kpi-bad" href="/accounts?lifecycle=at_risk"`},
		{"customers", `<span class="kpi-label">Customers</span>
    <span class="kpi-value">5</span>
    <span class="kpi-note">every account</span>`},
		{"at risk count", `<span class="kpi-label">At risk</span>
    <span class="kpi-value">1</span>`},
		{"at risk ARR", "$42K ARR · 20% of ARR"},
		{"30-day renewals", `href="` + renewalURL(30) + `">
    <span class="kpi-label">Renewing in 30 days</span>
    <span class="kpi-value">1</span>`},
		{"30-day ARR", `title="$9,600.00 ARR, renewing by ` + displayDate(today.AddDays(30)) + `">$9.6K ARR · 4%`},
		{"90-day renewals", `href="` + renewalURL(90) + `">
    <span class="kpi-label">Renewing in 90 days</span>
    <span class="kpi-value">2</span>`},
		{"90-day ARR", "$154K ARR · 72%"},
		{"180-day renewals", `<span class="kpi-label">Renewing in 180 days</span>
    <span class="kpi-value">3</span>`},
		{"180-day ARR", "$172K ARR · 80%"},
		{"overdue", `<span class="kpi-label">Overdue invoices</span>
    <span class="kpi-value">1</span>`},
		{"overdue amount", `title="$14,400.00">$14K owed · 1 account`},
		{"concentration", "The top 10% of accounts (1 of 5) carry 67% of MRR; each pays at least $12,000 a month."},
		{"top 10% mark", ">Top 10% of accounts = 67% of MRR</text>"},
		{"top 10% floor", ">floor $12,000</text>"},
		{"top 30% mark", ">Top 30% of accounts = 87% of MRR</text>"},
		{"top 30% floor", ">floor $3,500</text>"},
		{"phone mark", ">Top 10% = 67%</text>"},
		{"tier 1", "<th scope=\"row\">Top 10%<div class=\"meta\">High touch suggested</div></th>\n            <td class=\"num\">1</td>"},
		{"tier 1 floor", "<td class=\"num\">$12,000</td>"},
		{"tier 2", "<th scope=\"row\">Next 20%<div class=\"meta\">Low touch suggested</div></th>\n            <td class=\"num\">1</td>"},
		{"tier 3", "<th scope=\"row\">Other 70%<div class=\"meta\">Tech touch suggested</div></th>\n            <td class=\"num\">3</td>"},
		{"tier 3 floor", "$3,500</span>"},
		{"tier shares", `<td class="num"><strong>67%</strong></td>`},
		{"books lead", "2 CSMs carry $204K ARR in 3 customers: $102K ARR per CSM at the median, against a benchmark median of $2M."},
		{"Ada's book", `<th scope="row" class="name"><a href="/accounts?csm=ada%40tend.test">Ada Lovelace</a></th>
            <td class="num">2</td>`},
		{"Ada's ARR", `title="$162,000.00">$162K</td>`},
		{"Grace's book", `<a href="/accounts?csm=grace%40tend.test">Grace Hopper</a></th>
            <td class="num">1</td>
            <td class="num hide-sm"><span class="tone-bad">1</span></td>`},
		{"no CSM", `<a href="/accounts?csm=none">No CSM</a>`},
		{"no CSM ARR", `title="$10,200.00">$10K</td>`},
		{"bar", ">$162K · 2 customers</text>"},
		{"benchmark band", "Company ARR up to $10M"},
		{"ACV benchmark", "Solution (ACV $25K–$75K)"},
		{"ACV", "(yours: $42,840)"},
		{"light books", `<span class="badge place-mid" title="no capacity set: below the 25th percentile of the benchmark">Light</span>`},
	} {
		if !strings.Contains(body, tc.want) && !strings.Contains(text, tc.want) {
			t.Errorf("%s: page lacks %q", tc.what, tc.want)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("unescaped script on the dashboard")
	}
	checkSVGs(t, body, 4)

	// The drill-down links lead to exactly the accounts they count.
	for _, tc := range []struct {
		link string
		want []string
	}{
		{renewalURL(30), []string{"Initech"}},
		{renewalURL(90), []string{"Initech", "Acme Corp"}},
		{renewalURL(180), []string{"Initech", "Acme Corp", "Acme Labs"}},
		{"/accounts?lifecycle=at_risk", []string{"Globex"}},
		{"/accounts?csm=ada%40tend.test", []string{"Acme Corp", "Acme Labs"}},
		{"/accounts?csm=grace%40tend.test", []string{"Globex"}},
		{"/accounts?csm=none", []string{"Initech", evilName}},
	} {
		if !strings.Contains(body, `href="`+html.EscapeString(tc.link)+`"`) {
			t.Errorf("no link to %s", tc.link)
		}
		code, list, _ := get(t, h, tc.link)
		if code != http.StatusOK {
			t.Fatalf("GET %s: status %d", tc.link, code)
		}
		if got := rowNames(list); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("GET %s: rows %q, want %q", tc.link, got, tc.want)
		}
	}
}

// TestDashboardBookSize: a book's size word follows its CSM's capacity
// when one is set, as the load beside it does — a book at 81% of capacity
// is typical even though the company benchmark would call it light — and
// the benchmark only when no capacity is set.
func TestDashboardBookSize(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ada := f.users["ada@tend.test"]
	ada.CapacityARR = 20_000_000 // $200K; her book is $162K ARR, 81%
	if err := f.st.Users().Update(t.Context(), &ada); err != nil {
		t.Fatal(err)
	}
	_, body, _ := get(t, f.handler(0), "/dashboard")
	for _, want := range []string{
		`<span title="of $200K ARR">81%</span>`,
		`<span class="badge place-good" title="81% of a capacity of $200K ARR">Typical</span>`,
		`<span class="badge place-mid" title="no capacity set: below the 25th percentile of the benchmark">Light</span>`,
	} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("the books table lacks %q", want)
		}
	}
}

// checkSVGs checks that the page holds n charts, each well-formed XML, an
// image with a title and a description, with ids unique in the page.
func checkSVGs(t *testing.T, page string, n int) {
	t.Helper()
	svgs := regexp.MustCompile(`(?s)<svg xmlns=.*?</svg>`).FindAllString(page, -1)
	if len(svgs) != n {
		t.Fatalf("%d charts, want %d", len(svgs), n)
	}
	ids := map[string]bool{}
	for _, s := range svgs {
		d := xml.NewDecoder(strings.NewReader(s))
		d.Strict = true
		var titles, descs int
		for {
			tok, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("chart is not well-formed XML: %v\n%s", err, s)
			}
			if se, ok := tok.(xml.StartElement); ok {
				for _, a := range se.Attr {
					if a.Name.Local == "id" {
						if ids[a.Value] {
							t.Errorf("id %q twice in the page", a.Value)
						}
						ids[a.Value] = true
					}
				}
				switch se.Name.Local {
				case "svg":
					role := ""
					for _, a := range se.Attr {
						if a.Name.Local == "role" {
							role = a.Value
						}
					}
					if role != "img" {
						t.Errorf("chart without role=img")
					}
				case "desc":
					descs++
				case "title":
					titles++
				}
			}
		}
		if titles == 0 || descs != 1 {
			t.Errorf("chart has %d titles and %d descriptions", titles, descs)
		}
	}
	// The phone layout of each chart is there, hidden on a laptop by CSS.
	if strings.Count(page, `<div class="chart-narrow">`) != n/2 {
		t.Errorf("want %d narrow charts", n/2)
	}
}

func TestDashboardEmpty(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	s := newServer(st, nil)
	code, body, _ := get(t, as(testLeader, s.routes()), "/dashboard")
	if code != http.StatusOK || !strings.Contains(body, "Nothing to show yet") || !strings.Contains(body, "tend import accounts FILE") {
		t.Fatalf("status %d\n%s", code, body)
	}
	// A kpi class, not the "kpi" of "Cockpit" in the nav.
	if strings.Contains(body, "<svg xmlns") || strings.Contains(body, `class="kpi`) {
		t.Error("an empty dashboard draws figures")
	}
}

// TestDashboardNobodyPays: accounts without subscriptions, one owned.
func TestDashboardNobodyPays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	u := customer.User{Email: "kim@tend.test", Name: "Kim", Role: "csm"}
	if err := st.Users().Create(ctx, &u); err != nil {
		t.Fatal(err)
	}
	for _, a := range []customer.Account{{Name: "Trial Co", CSMEmail: "kim@tend.test"}, {Name: "Gone Ltd", Lifecycle: "churned"}} {
		if err := st.Accounts().Create(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	code, body, _ := get(t, as(testLeader, newServer(st, nil).routes()), "/dashboard")
	if code != http.StatusOK {
		t.Fatalf("status %d\n%s", code, body)
	}
	for _, want := range []string{"No account pays anything yet", "2 churned or prospects not counted", `<span class="kpi-label">Customers</span>
    <span class="kpi-value">0</span>`,
		"Nothing overdue", ">Kim</a>", "$0 ARR", "The staffing benchmark is in US dollars"} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	checkSVGs(t, body, 2) // the books chart only
}

// TestDashboardCurrencies: money in a second currency is counted apart,
// never added to the reporting currency.
func TestDashboardCurrencies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	today := civil.Today()
	for i, x := range []struct {
		cur string
		mrr int64
	}{{"EUR", 100000}, {"EUR", 50000}, {"USD", 700000}} {
		a := customer.Account{Name: "Account " + string(rune('A'+i))}
		if err := st.Accounts().Create(ctx, &a); err != nil {
			t.Fatal(err)
		}
		if err := st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: a.ID, Product: "Core", MRR: x.mrr, Currency: x.cur,
			StartOn: today.AddDays(-30), EndOn: today.AddDays(400)}); err != nil {
			t.Fatal(err)
		}
	}
	s := newServer(st, nil)
	s.today = func() civil.Date { return today } // the day seeded for, even across midnight
	code, body, _ := get(t, as(testLeader, s.routes()), "/dashboard")
	if code != http.StatusOK {
		t.Fatalf("status %d\n%s", code, body)
	}
	for _, want := range []string{"money in EUR", "1 paying account billed in USD is counted, but its money is not in these EUR figures.",
		`title="€18,000.00">€18K`, "2 paying"} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestDashboardError(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.handler(0)
	f.st.Close()
	code, body, hdr := get(t, h, "/dashboard")
	if code != http.StatusInternalServerError || !strings.Contains(body, hdr.Get("X-Request-Id")) ||
		!strings.Contains(body, `<a href="/dashboard" aria-current="page">`) {
		t.Fatalf("status %d\n%s", code, body)
	}
	for _, leak := range []string{"sql", "closed", ".go:"} {
		if strings.Contains(strings.ToLower(body), leak) {
			t.Errorf("500 page leaks %q", leak)
		}
	}
}

// TestListRenewalAndOwnerFilters covers the accounts list's filters the
// dashboard links to: a renewal window and a CSM.
func TestListRenewalAndOwnerFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.handler(0)
	day := func(n int) string { return f.today.AddDays(n).String() }
	tests := []struct {
		name   string
		query  url.Values
		status int
		rows   []string
		want   []string
	}{
		{name: "from only", query: url.Values{"renewal_from": {day(100)}, "sort": {"renewal"}}, status: 200,
			rows: []string{"Acme Labs", "Globex", evilName}, want: []string{`value="` + day(100) + `"`, "3 accounts match"}},
		{name: "to only", query: url.Values{"renewal_to": {day(45)}}, status: 200,
			rows: []string{"Acme Corp", "Initech"}, want: []string{`id="renewal_to" name="renewal_to" value="` + day(45) + `"`}},
		{name: "both ends included", query: url.Values{"renewal_from": {day(10)}, "renewal_to": {day(45)}}, status: 200,
			rows: []string{"Acme Corp", "Initech"}},
		{name: "with other filters", query: url.Values{"renewal_to": {day(200)}, "csm": {"ADA@tend.test"}}, status: 200,
			rows: []string{"Acme Corp", "Acme Labs"}, want: []string{`<option value="ada@tend.test" selected>Ada Lovelace</option>`}},
		{name: "CSM choices", query: url.Values{}, status: 200,
			want: []string{`<option value="none">No CSM</option>`, `<option value="grace@tend.test">Grace Hopper</option>`}},
		{name: "an unknown CSM matches nothing", query: url.Values{"csm": {"who@tend.test"}}, status: 200,
			want: []string{"No accounts match", `<option value="who@tend.test" selected>who@tend.test</option>`}},
		{name: "bad day", query: url.Values{"renewal_from": {"soon"}}, status: 400, want: []string{"<code>renewal_from</code>", "YYYY-MM-DD"}},
		{name: "window backwards", query: url.Values{"renewal_from": {day(30)}, "renewal_to": {day(10)}}, status: 400,
			want: []string{"<code>renewal_to</code>"}},
		{name: "bad CSM", query: url.Values{"csm": {"ada"}}, status: 400, want: []string{"<code>csm</code>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := "/accounts?" + tc.query.Encode()
			code, body, _ := get(t, h, path)
			if code != tc.status {
				t.Fatalf("GET %s: status %d, want %d\n%s", path, code, tc.status, body)
			}
			if tc.rows != nil {
				if got := rowNames(body); strings.Join(got, "|") != strings.Join(tc.rows, "|") {
					t.Errorf("GET %s: rows %q, want %q", path, got, tc.rows)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) && !strings.Contains(html.UnescapeString(body), w) {
					t.Errorf("GET %s: body lacks %q", path, w)
				}
			}
		})
	}
}

// TestListFiltersSurvivePaging: the renewal window and owner are kept in
// the next-page link.
func TestListFiltersSurvivePaging(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.handler(1)
	path := "/accounts?" + url.Values{"renewal_from": {f.today.String()}, "renewal_to": {f.today.AddDays(200).String()}, "csm": {"ada@tend.test"}}.Encode()
	var seen []string
	for range 5 {
		code, body, _ := get(t, h, path)
		if code != 200 {
			t.Fatalf("GET %s: %d", path, code)
		}
		seen = append(seen, rowNames(body)...)
		m := nextLink.FindStringSubmatch(body)
		if m == nil {
			break
		}
		path = html.UnescapeString(m[1])
		for _, p := range []string{"renewal_from=", "renewal_to=", "csm=ada%40tend.test"} {
			if !strings.Contains(path, p) {
				t.Errorf("next link %q lost %s", path, p)
			}
		}
	}
	if strings.Join(seen, "|") != "Acme Corp|Acme Labs" {
		t.Errorf("pages gave %q", seen)
	}
}

func TestMoneyFormats(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{moneyShort(0, "USD"), "$0"}, {moneyShort(95_000, "USD"), "$950"}, {moneyShort(95_049, "USD"), "$950"},
		{moneyShort(960_000, "USD"), "$9.6K"}, {moneyShort(1_000_000, "USD"), "$10K"}, {moneyShort(21_420_000, "USD"), "$214K"},
		{moneyShort(420_000_000, "USD"), "$4.2M"}, {moneyShort(400_000_000, "USD"), "$4M"}, {moneyShort(4_300_000_000, "USD"), "$43M"},
		{moneyShort(250_000_000_000, "USD"), "$2.5B"}, {moneyShort(-960_000, "EUR"), "-€9.6K"}, {moneyShort(1_200_000, "JPY"), "1.2M JPY"},
		{moneyShort(999_999, "USD"), "$10K"}, {moneyShort(9_950_000, "GBP"), "£100K"}, {moneyShort(99_999_999, "USD"), "$1M"}, {moneyShort(99_960, "USD"), "$1K"},
		{moneyShort(99_940, "USD"), "$999"}, {moneyShort(99_999_999_999, "USD"), "$1B"},
		{moneyRound(501_150, "USD"), "$5,012"}, {moneyRound(501_149, "USD"), "$5,011"}, {moneyRound(-150, "USD"), "-$2"},
		{moneyRound(0, "USD"), "$0"}, {moneyRound(12_345, "JPY"), "12,345 JPY"}, {moneyRound(1_234_567, "KWD"), "1,235 KWD"},
		{plural(1, "account"), "1 account"}, {plural(2400, "account"), "2,400 accounts"}, {plural(0, "CSM"), "0 CSMs"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestBuildDashboardMarksOffTheCurve: marks read while accounts changed
// (so that they disagree with the bands) are dropped and the marks read
// off the bands instead — here on band edges, so exact but floorless.
func TestBuildDashboardMarksOffTheCurve(t *testing.T) {
	t.Parallel()
	f := &figures{
		currency: "USD",
		paying:   map[string]int{"USD": 10},
		groups:   []store.AccountGroup{{Currency: "USD", Lifecycle: "mature", Accounts: 10, MRR: 10000}},
		bands: []store.MRRBand{
			{Floor: 4000, Accounts: 1, MRR: 5000},
			{Floor: 1000, Ceiling: 4000, Accounts: 2, MRR: 3000},
			{Floor: 1, Ceiling: 1000, Accounts: 7, MRR: 2000},
		},
		// The top 1 read as 9,000 after a raise: more than the top 3 pay.
		marks: []segment.Point{{Accounts: 1, MRR: 9000, Floor: 9000}, {Accounts: 3, MRR: 8000, Floor: 1500}},
	}
	v, err := buildDashboard(f, civil.Date{Year: 2026, Month: 1, Day: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Exact || len(v.Tiers) != 3 {
		t.Fatalf("exact %v, tiers %+v", v.Exact, v.Tiers)
	}
	// Top 10% = 1 account: exactly the first band; top 30% = 3 accounts:
	// the first two bands. Both land on band edges, with no floor known.
	if v.Tiers[0].Accounts != 1 || v.Tiers[0].Share != 50 || v.Tiers[0].Floor != 0 ||
		v.Tiers[1].Accounts != 2 || v.Tiers[1].Share != 30 || v.Tiers[2].Share != 20 {
		t.Errorf("tiers %+v", v.Tiers)
	}
	if !strings.Contains(string(v.ParetoWide), "Top 10% of accounts = 50% of MRR") {
		t.Errorf("chart marks not read off the bands")
	}
}

func TestReportingCurrency(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		paying map[string]int
		want   string
	}{
		{nil, "USD"},
		{map[string]int{"EUR": 3}, "EUR"},
		{map[string]int{"EUR": 3, "USD": 3}, "USD"},
		{map[string]int{"EUR": 3, "GBP": 3}, "EUR"},
		{map[string]int{"EUR": 3, "GBP": 4, "USD": 1}, "GBP"},
	} {
		if got := reportingCurrency(tc.paying); got != tc.want {
			t.Errorf("reportingCurrency(%v) = %s, want %s", tc.paying, got, tc.want)
		}
	}
}

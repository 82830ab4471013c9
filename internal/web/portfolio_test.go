package web

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/customer"
)

// TestPortfolio: each user sees the accounts they are the CSM of, with the
// headline over all of them (not one page), health left unscored, open
// tickets and the last touch.
func TestPortfolio(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name, as, path string
		pageSize       int
		status         int
		location       string
		want, notWant  []string
		rows           []string
	}{
		{name: "the CSM's book", as: "ada@tend.test", path: "/portfolio", status: 200,
			rows: []string{"Acme Corp", "Acme Labs"},
			want: []string{
				"<h1>My portfolio</h1>", "Accounts where Ada Lovelace is the CSM",
				"2 accounts: ", "2 customers</abbr>", // every account of Ada's pays
				`<span class="kpi-value">2</span>`,                         // customers
				`<span class="kpi-value" title="$162,000.00">$162K</span>`, // ARR: (12,000 + 1,500) × 12
				"Renewing in 90 days", `<span class="kpi-value">1</span>`,  // Acme in 45 days
				`<span title="$144,000.00">$144K</span> ARR up for renewal`, // Acme's ARR
				"Not scored yet", // no invented health
				`<a href="/accounts/` + strconv.FormatInt(f.ids["Acme Corp"], 10) + `#tickets">1</a>`, // one open ticket
				"2 days ago", "No activity yet", // last touch: Acme's latest note; Acme Labs none
				`aria-current="page">Portfolio</a>`,
				`href="/portfolio.csv"`,
			},
			notWant: []string{"Globex", "Initech", "task", "Task"}},
		{name: "the headline covers every page", as: "ada@tend.test", path: "/portfolio", pageSize: 1, status: 200,
			rows: []string{"Acme Corp"},
			want: []string{`<span class="kpi-value">2</span>`, "$162K", "showing 1–1", `rel="next"`}},
		{name: "filtered by lifecycle", as: "ada@tend.test", path: "/portfolio?lifecycle=onboarding", status: 200,
			rows: []string{"Acme Labs"},
			want: []string{"1 matches the filters", `<span class="kpi-value">1</span>`, "$18K", "matching the filters", `href="/portfolio.csv?lifecycle=onboarding"`}},
		{name: "filtered by tier and renewal window", as: "ada@tend.test", path: "/portfolio?tier=Enterprise&renews_within=60", status: 200,
			rows: []string{"Acme Corp"}},
		{name: "sorted by name", as: "ada@tend.test", path: "/portfolio?sort=name", status: 200,
			rows: []string{"Acme Corp", "Acme Labs"}},
		{name: "sorted by renewal", as: "ada@tend.test", path: "/portfolio?sort=renewal", status: 200,
			rows: []string{"Acme Corp", "Acme Labs"}},
		{name: "the renewals figure links to the window", as: "ada@tend.test", path: "/portfolio?tier=Enterprise", status: 200,
			want: []string{`href="/portfolio?renews_within=90&amp;tier=Enterprise"`}},
		{name: "no match", as: "ada@tend.test", path: "/portfolio?q=zzz", status: 200,
			want: []string{"None of your accounts match"}},
		{name: "another CSM's book", as: "grace@tend.test", path: "/portfolio", status: 200,
			rows: []string{"Globex"}, want: []string{"Grace Hopper"}},
		{name: "the csm parameter cannot show someone else's book", as: "grace@tend.test", path: "/portfolio?csm=ada@tend.test", status: 200,
			rows: []string{"Globex"}},
		{name: "a leader with no accounts sees the team", as: "alan@tend.test", path: "/portfolio", status: 200,
			want: []string{"<h1>Your team's portfolio</h1>", `href="/accounts?csm=ada%40tend.test"`}, notWant: []string{"Export CSV", "No accounts are yours yet"}},
		{name: "a reader with no accounts", as: "rita@tend.test", path: "/portfolio", status: 200,
			want: []string{"No accounts are yours yet", `href="/accounts"`}, notWant: []string{"Export CSV", "Your team"}},
		{name: "a bad filter is a 400 page", as: "ada@tend.test", path: "/portfolio?lifecycle=zombie", status: http.StatusBadRequest,
			want: []string{"<code>lifecycle</code>"}},
		{name: "nobody signed in goes to sign in", path: "/portfolio?tier=Growth", status: http.StatusSeeOther,
			location: "/signin?next=" + url.QueryEscape("/portfolio?tier=Growth")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := f.anon()
			if tc.as != "" {
				h = f.as(tc.as, tc.pageSize)
			}
			code, body, hdr := get(t, h, tc.path)
			if code != tc.status {
				t.Fatalf("GET %s: status %d, want %d\n%s", tc.path, code, tc.status, body)
			}
			if got := hdr.Get("Location"); got != tc.location {
				t.Errorf("Location %q, want %q", got, tc.location)
			}
			for _, w := range tc.want {
				if !has(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if has(body, w) {
					t.Errorf("body has %q", w)
				}
			}
			if tc.rows != nil {
				if got := rowNames(body); strings.Join(got, "|") != strings.Join(tc.rows, "|") {
					t.Errorf("rows %q, want %q", got, tc.rows)
				}
			}
		})
	}
}

// TestPortfolioCountsCustomers: a CSM's headline counts customers and
// says how many of the accounts listed are churned or prospects, as the
// dashboard counts them.
func TestPortfolioCountsCustomers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, a := range []customer.Account{
		{Name: "Gone Ltd", Lifecycle: customer.StageChurned, CSMEmail: "ada@tend.test"},
		{Name: "Maybe Inc", Lifecycle: customer.StageOnboarding, CSMEmail: "ada@tend.test"}, // nothing live yet
	} {
		if err := f.st.Accounts().Create(t.Context(), &a); err != nil {
			t.Fatal(err)
		}
	}
	_, body, _ := get(t, f.as("ada@tend.test", 0), "/portfolio")
	for _, want := range []string{
		"4 accounts: ", "2 customers</abbr>, 2 churned or prospects",
		`<span class="kpi-label">Customers</span>
    <span class="kpi-value">2</span>
    <span class="kpi-note">in your book · 2 churned or prospects not counted</span>`,
	} {
		if !has(body, want) {
			t.Errorf("the portfolio lacks %q", want)
		}
	}
	if got := rowNames(body); len(got) != 4 {
		t.Errorf("the portfolio lists %q, want all four of Ada's accounts", got)
	}
	// The accounts list splits its count as the dashboard does, when its
	// filters are the dashboard's (CSM, lifecycle stage), and otherwise
	// counts accounts only.
	leader := f.handler(0)
	for path, want := range map[string]string{
		"/accounts":                             "7 accounts: <abbr title=\"A customer is an account that has not churned and pays for a live subscription\">5 customers</abbr>, 2 churned or prospects",
		"/accounts?csm=ada%40tend.test":         "4 accounts match: <abbr title=\"A customer is an account that has not churned and pays for a live subscription\">2 customers</abbr>, 2 churned or prospects",
		"/accounts?lifecycle=churned":           "1 account matches: <abbr title=\"A customer is an account that has not churned and pays for a live subscription\">0 customers</abbr>, 1 churned or a prospect",
		"/accounts?csm=none&lifecycle=adopting": "1 account matches: <abbr title=\"A customer is an account that has not churned and pays for a live subscription\">1 customer</abbr> · showing",
		"/accounts?tier=Starter":                "2 accounts match · showing",
	} {
		if _, list, _ := get(t, leader, path); !has(list, want) {
			t.Errorf("GET %s lacks %q", path, want)
		}
	}
	_, dash, _ := get(t, f.handler(0), "/dashboard")
	if want := `<a href="/accounts?csm=ada%40tend.test">Ada Lovelace</a></th>
            <td class="num">2</td>`; !has(dash, want) {
		t.Errorf("the dashboard does not count Ada's 2 customers: lacks %q", want)
	}
}

// TestTeamPortfolio: a leader or an administrator who owns no account sees
// every CSM's book — customers, ARR, renewals due in 90 days, customers at
// risk — largest first, with the accounts nobody owns and the team's total
// below, each figure linking to the accounts it counts.
func TestTeamPortfolio(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin := customer.User{Email: "ava@tend.test", Name: "Ava Admin", Role: customer.RoleAdmin}
	if err := f.st.Users().Create(t.Context(), &admin); err != nil {
		t.Fatal(err)
	}
	f.users[admin.Email] = admin
	today := f.today
	window := func(csm string) string {
		return "/accounts?" + url.Values{"csm": {csm}, "renewal_from": {today.String()}, "renewal_to": {today.AddDays(90).String()}, "sort": {"renewal"}}.Encode()
	}
	for _, who := range []string{"alan@tend.test", "ava@tend.test"} {
		code, body, _ := get(t, f.as(who, 0), "/portfolio")
		if code != http.StatusOK {
			t.Fatalf("%s: status %d\n%s", who, code, body)
		}
		text := html.UnescapeString(body)
		i, j := strings.Index(text, "Ada Lovelace"), strings.Index(text, "Grace Hopper")
		if i < 0 || j < i {
			t.Errorf("%s: Ada's book ($162K) is not listed before Grace's ($42K)", who)
		}
		for _, want := range []string{
			"<h1>Your team's portfolio</h1>",
			// Ada: Acme Corp and Acme Labs; Acme renews in 45 days.
			`<a href="/accounts?csm=ada%40tend.test">Ada Lovelace</a><div class="meta show-sm"><a href="` + window("ada@tend.test") + `">1 renewing</a></div></th>
      <td class="num">2</td>
      <td class="num" title="$162,000.00">$162K</td>
      <td class="num hide-sm"><a href="` + window("ada@tend.test") + `">1</a><div class="meta" title="$144,000.00">$144K ARR</div></td>
      <td class="num hide-sm"><span class="muted">0</span></td>`,
			// Grace: Globex, at risk, renewing in 200 days.
			`<a href="/accounts?csm=grace%40tend.test">Grace Hopper</a><div class="meta show-sm">none renewing · <a class="tone-bad" href="/accounts?csm=grace%40tend.test&lifecycle=at_risk">1 at risk</a></div></th>
      <td class="num">1</td>
      <td class="num" title="$42,000.00">$42K</td>
      <td class="num hide-sm"><span class="muted">0</span></td>
      <td class="num hide-sm"><a class="tone-bad" href="/accounts?csm=grace%40tend.test&lifecycle=at_risk">1</a></td>`,
			// Nobody's: Initech (renewing in 10 days) and the evil name.
			`<a href="/accounts?csm=none">No CSM</a>`,
			`<a href="` + window("none") + `">1</a><div class="meta" title="$9,600.00">$9.6K ARR</div>`,
			// The team: 5 customers, $214K ARR, 2 renewing, 1 at risk.
			`<th scope="row" class="name">All books<div class="meta show-sm">2 renewing ($154K ARR) · 1 at risk</div></th>
      <td class="num">5</td>
      <td class="num" title="$214,200.00">$214K</td>
      <td class="num hide-sm">2<div class="meta" title="$153,600.00">$154K ARR</div></td>
      <td class="num hide-sm">1</td>`,
			"At risk counts the customers at the <em>At risk</em> lifecycle stage",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the team portfolio lacks %q", who, want)
			}
		}
		if strings.Contains(body, "<script") {
			t.Errorf("%s: unescaped script on the team portfolio", who)
		}
	}
	// Each link leads to exactly the accounts it counts.
	h := f.handler(0)
	for link, want := range map[string][]string{
		"/accounts?csm=ada%40tend.test":                     {"Acme Corp", "Acme Labs"},
		window("ada@tend.test"):                             {"Acme Corp"},
		"/accounts?csm=grace%40tend.test&lifecycle=at_risk": {"Globex"},
		window("none"):                                      {"Initech"},
	} {
		_, list, _ := get(t, h, link)
		if got := rowNames(list); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("GET %s: rows %q, want %q", link, got, want)
		}
	}
}

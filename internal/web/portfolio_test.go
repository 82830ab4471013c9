package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
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
				`<span class="kpi-value">2</span>`,                         // accounts
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
		{name: "a leader with no accounts", as: "alan@tend.test", path: "/portfolio", status: 200,
			want: []string{"No accounts are yours yet", `href="/accounts"`}, notWant: []string{"Export CSV"}},
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

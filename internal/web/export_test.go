package web

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// readCSV parses an export, failing the test on a bad one.
func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	return recs
}

// listedNames follows a list page's "Next page" links from path and
// returns every row's name, in order.
func listedNames(t *testing.T, h http.Handler, path string) []string {
	t.Helper()
	var names []string
	for pages := 0; path != ""; pages++ {
		if pages > 20 {
			t.Fatal("too many pages")
		}
		code, body, _ := get(t, h, path)
		if code != 200 {
			t.Fatalf("GET %s: status %d", path, code)
		}
		names = append(names, rowNames(body)...)
		path = ""
		if m := nextLink.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	return names
}

// TestExportMatchesList: for each view of the accounts list and of the
// portfolio, the CSV holds exactly the rows the pages show, in the same
// order, though both the pages and the export's reads are two rows long.
func TestExportMatchesList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	small := func(as string) http.Handler {
		s := f.server(2)
		s.exportBatch = 2
		u := f.users[as]
		return withPrincipal(s.routes(), principalOf(u))
	}
	tests := []struct {
		as, page, query string
		want            int // rows expected, so that an empty match cannot pass
	}{
		{"alan@tend.test", "/accounts", "", 5},
		{"alan@tend.test", "/accounts", "sort=name", 5},
		{"alan@tend.test", "/accounts", "sort=renewal", 5},
		{"alan@tend.test", "/accounts", "tier=Growth", 2},
		{"alan@tend.test", "/accounts", "touch=tech&sort=name", 2},
		{"alan@tend.test", "/accounts", "q=acme", 2},
		{"alan@tend.test", "/accounts", "csm=ada@tend.test", 2},
		{"alan@tend.test", "/accounts", "csm=none", 2},
		{"alan@tend.test", "/accounts", "renews_within=180", 3},
		{"alan@tend.test", "/accounts", "region=NA&sort=renewal", 2},
		{"alan@tend.test", "/accounts", "attributes.sso=true", 1},
		{"ada@tend.test", "/portfolio", "", 2},
		{"ada@tend.test", "/portfolio", "sort=name", 2},
		{"ada@tend.test", "/portfolio", "lifecycle=onboarding", 1},
		{"grace@tend.test", "/portfolio", "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.page+"?"+tc.query, func(t *testing.T) {
			t.Parallel()
			h := small(tc.as)
			path := tc.page
			if tc.query != "" {
				path += "?" + tc.query
			}
			listed := listedNames(t, h, path)
			code, body, hdr := get(t, h, strings.Replace(path, tc.page, tc.page+".csv", 1))
			if code != 200 {
				t.Fatalf("export: status %d\n%s", code, body)
			}
			if ct := hdr.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			name := "tend-" + strings.TrimPrefix(tc.page, "/") + "-" + f.today.String() + ".csv"
			if cd := hdr.Get("Content-Disposition"); cd != `attachment; filename="`+name+`"` {
				t.Errorf("Content-Disposition %q", cd)
			}
			recs := readCSV(t, body)
			if recs[0][0] != "id" || recs[0][1] != "name" {
				t.Fatalf("header %q", recs[0])
			}
			var exported []string
			for _, r := range recs[1:] {
				exported = append(exported, r[1])
			}
			if len(listed) != tc.want || strings.Join(exported, "|") != strings.Join(listed, "|") {
				t.Errorf("CSV rows %q\nlist rows %q (want %d)", exported, listed, tc.want)
			}
		})
	}
}

// TestExportValues: ids, money as decimals with their currency, days as
// YYYY-MM-DD, owners, health, and the portfolio's signals.
func TestExportValues(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	acme := strconv.FormatInt(f.ids["Acme Corp"], 10)
	score := 72.46
	if err := f.st.PutHealthScores(context.Background(), []store.HealthScore{{AccountID: f.ids["Acme Corp"], ScoredAt: time.Now(),
		Scorecard: "default", Version: 1, Score: &score, Colour: store.ColourGreen}}); err != nil {
		t.Fatal(err)
	}
	_, body, _ := get(t, f.handler(0), "/accounts.csv?q=Acme+Corp")
	recs := readCSV(t, body)
	want := [][]string{
		{"id", "name", "external_id", "tier", "touch_model", "lifecycle", "industry", "region", "mrr", "currency", "renewal_on", "csm_name", "csm_email", "health_score", "health"},
		{acme, "Acme Corp", "crm-acme", "Enterprise", "high", "mature", "Manufacturing", "EMEA", "12000.00", "USD", f.today.AddDays(45).String(), "Ada Lovelace", "ada@tend.test", "72.5", "green"},
	}
	if !equalRecords(recs, want) {
		t.Errorf("accounts export\n got %q\nwant %q", recs, want)
	}

	_, body, _ = get(t, f.as("ada@tend.test", 0), "/portfolio.csv?sort=name")
	recs = readCSV(t, body)
	want = [][]string{
		{"id", "name", "external_id", "lifecycle", "tier", "touch_model", "mrr", "currency", "renewal_on", "days_to_renewal", "open_tickets", "last_touch", "health_score", "health"},
		{acme, "Acme Corp", "crm-acme", "mature", "Enterprise", "high", "12000.00", "USD", f.today.AddDays(45).String(), "45", "1", f.today.AddDays(-2).String(), "72.5", "green"},
		{strconv.FormatInt(f.ids["Acme Labs"], 10), "Acme Labs", "", "onboarding", "Growth", "low", "1500.00", "USD", f.today.AddDays(120).String(), "120", "0", "", "", "unscored"},
	}
	if !equalRecords(recs, want) {
		t.Errorf("portfolio export\n got %q\nwant %q", recs, want)
	}

	// A name a spreadsheet would run as a formula is written as text.
	ctx := context.Background()
	if err := f.st.Accounts().Create(ctx, &customer.Account{Name: `=HYPERLINK("http://evil.test","x")`, Tier: "Formula"}); err != nil {
		t.Fatal(err)
	}
	_, body, _ = get(t, f.handler(0), "/accounts.csv?tier=Formula")
	recs = readCSV(t, body)
	if len(recs) != 2 || recs[1][1] != `'=HYPERLINK("http://evil.test","x")` {
		t.Errorf("formula export: %q", recs)
	}

	// A bad query is an error page, not a file; nobody signed in has no portfolio.
	if code, _, hdr := get(t, f.handler(0), "/accounts.csv?sort=bogus"); code != http.StatusBadRequest || strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
		t.Errorf("bad export query: %d %s", code, hdr.Get("Content-Type"))
	}
	if code, _, hdr := get(t, f.anon(), "/portfolio.csv"); code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/signin?next=") {
		t.Errorf("portfolio export with nobody signed in: %d %q", code, hdr.Get("Location"))
	}
}

func equalRecords(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}

func TestCell(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "", "Acme": "Acme", "=1+1": "'=1+1", "+49 30": "'+49 30", "-x": "'-x", "@SUM(A1)": "'@SUM(A1)", "a=b": "a=b"} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}

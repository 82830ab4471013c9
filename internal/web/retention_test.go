package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/retention/retentiontest"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// retentionUI is the web UI over retentiontest's company (known answers
// for 2025-Q3), today pinned to its as-of day, signed in as a read-only
// user: every role may read retention.
func retentionUI(t *testing.T) http.Handler {
	t.Helper()
	h, _ := retentionUIAs(t, "read_only")
	return h
}

// retentionUIAs is the same UI signed in with role, and its store.
func retentionUIAs(t *testing.T, role string) (http.Handler, store.Store) {
	t.Helper()
	st := sqlitetest.Open(t)
	retentiontest.Seed(t, st)
	s := newServer(st, nil)
	s.today = func() civil.Date { return retentiontest.AsOf }
	return withPrincipal(s.routes(), principalOf(customer.User{ID: 1, Email: "pat@tend.test", Name: "Pat", Role: role})), st
}

func TestRetentionPages(t *testing.T) {
	t.Parallel()
	h := retentionUI(t)
	q3 := "period=2025-Q3"
	for _, tc := range []struct {
		name, path string
		status     int
		want, not  []string
	}{
		{name: "headline figures of 2025-Q3 by hand", path: "/retention?" + q3, status: 200, want: []string{
			`<a href="/retention" aria-current="page">Retention</a>`, "Q3 2025",
			`<span class="kpi-value">33.3%</span>`,            // GRR (3000 − 0 − 2000) / 3000
			`<span class="kpi-value">50.0%</span>`,            // NRR and logo churn
			`<span class="kpi-value">0.0%</span>`,             // GDRR: bolt's $2,000 due, nothing renewed
			`<span class="kpi-value">0.4×</span>`,             // quick ratio (300 + 500) / 2000
			`<span class="kpi-value">$900</span>`,             // ARPA 1800 / 2
			"customers <a", ">2</a> · paying on Sep 30, 2025", // ARPA's count says what and when it counts
			`title="$3,000.00">$3K</a>`, `title="$300.00">$300</a>`, `title="$500.00">$500</a>`,
			`title="$2,000.00">−$2K</a>`, `title="$1,800.00">$1.8K</a>`,
			"Start $3K, New +$300, Expansion +$500, Contraction +$0, Churn −$2K, Reactivation +$0, End $1.8K.",
			"Gross revenue retention = (S − C − X) / S, never above 100%.", // definitions written out
			"No churn reasons recorded yet", "1 churn</a> ($2K MRR",
			"Jan 2026", // pipeline: acme's $1,500 due on 2026-01-01
		}, not: []string{"<script"}},
		{name: "sliced by tier", path: "/retention?by=tier&" + q3, status: 200, want: []string{
			`<option value="tier" selected>Tier</option>`, ">Enterprise</a></th>", ">SMB</a></th>",
			`<td class="num">150.0%</td>`, // Enterprise NRR
			"Whole book",
		}},
		{name: "a slice focused", path: "/retention?by=tier&slice=SMB&" + q3, status: 200, want: []string{
			"<h1>Retention · SMB</h1>", `<span class="kpi-value">0.0%</span>`, `<tr class="row-current">`,
		}},
		{name: "default period is the trailing twelve months", path: "/retention", status: 200, want: []string{"12 months to Nov 2025"}},
		{name: "cohorts link each cell", path: "/retention?" + q3, status: 200, want: []string{
			"2025-08", "by=cohort&amp;c=end&amp;period=2025-08&amp;slice=2025-08",
		}},
		{name: "a period before any revenue", path: "/retention?by=tier&period=2020-01", status: 200, want: []string{
			`<span class="kpi-value">—</span>`, "No churn in Jan 2020"}},
		{name: "as_of closes the books on a past day, and every link keeps it", path: "/retention?as_of=2025-08-15&" + q3, status: 200, want: []string{
			`as of <time datetime="2025-08-15">`, "Q3 2025 (to date)", `value="2025-08-15"`,
			`<span class="kpi-value">100.0%</span>`, // GRR: bolt still pays until 2025-09-01
			"as_of=2025-08-15&amp;by=all&amp;c=start&amp;period=2025-Q3&amp;slice=all",
		}},
		{name: "a period after as_of is refused", path: "/retention?period=2025-Q4&as_of=2025-08-15", status: 400, want: []string{
			"<code>period</code>", "2025-Q4 starts on 2025-10-01, after the as-of day 2025-08-15"}},
		{name: "as_of after today is refused", path: "/retention?as_of=2026-02-01", status: 400, want: []string{"<code>as_of</code>"}},
		{name: "bad period", path: "/retention?period=2025-Q5", status: 400, want: []string{"<code>period</code>"}},
		{name: "bad dimension", path: "/retention?by=colour", status: 400, want: []string{"<code>by</code>"}},
		{name: "unknown slice", path: "/retention?by=tier&slice=Gold&" + q3, status: 404, want: []string{"No such slice"}},
		{name: "drill into churn", path: "/retention/accounts?by=tier&slice=SMB&c=churn&" + q3, status: 200, want: []string{
			"Churned MRR", "Tier SMB · Q3 2025", `<a href="/accounts/`, ">Bolt</a>", "<strong>$2,000.00</strong> in 1 movements",
		}, not: []string{">Cove</a>", ">Acme</a>"}},
		{name: "drill into new", path: "/retention/accounts?c=new&" + q3, status: 200, want: []string{">Cove</a>", "$300.00"}, not: []string{">Bolt</a>"}},
		{name: "drill into the churn events", path: "/retention/accounts?c=churn_events&reason=unknown&" + q3, status: 200,
			want: []string{">Bolt</a>", "No reason recorded", "2025-09-01"}},
		{name: "drill into renewals", path: "/retention/accounts?c=renewals&period=2026-01", status: 200,
			want: []string{">Acme</a>", "$1,500.00", "Renew (from the data)"}},
		{name: "renewals are listed by month", path: "/retention/accounts?c=renewals&period=2026-Q1", status: 400,
			want: []string{"<code>period</code>", "by month"}},
		{name: "bad component", path: "/retention/accounts?c=everything&" + q3, status: 400, want: []string{"<code>c</code>"}},
		{name: "whole book has one slice", path: "/retention/accounts?c=new&slice=SMB&" + q3, status: 400, want: []string{"<code>slice</code>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, body, _ := get(t, h, tc.path)
			if code != tc.status {
				t.Fatalf("status %d, want %d\n%s", code, tc.status, body)
			}
			text := html.UnescapeString(body)
			for _, w := range tc.want {
				if !strings.Contains(body, w) && !strings.Contains(text, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(body, w) {
					t.Errorf("page has %q", w)
				}
			}
		})
	}
}

// TestRetentionDrillAddsUp follows every linked amount of the waterfall
// table to its drill-down and checks the accounts there add up to it.
func TestRetentionDrillAddsUp(t *testing.T) {
	t.Parallel()
	h := retentionUI(t)
	_, body, _ := get(t, h, "/retention?by=tier&period=2025-Q3")
	cells := regexp.MustCompile(`<td class="num"><a href="([^"]+)" title="([^"]+)">`).FindAllStringSubmatch(body, -1)
	if len(cells) != 3*7 { // Enterprise, SMB and the whole book
		t.Fatalf("%d linked amounts, want 21", len(cells))
	}
	total := regexp.MustCompile(`<strong>([^<]+)</strong>`)
	for _, c := range cells {
		link, want := html.UnescapeString(c[1]), html.UnescapeString(c[2])
		code, page, _ := get(t, h, link)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d", link, code)
		}
		m := total.FindStringSubmatch(page)
		if m == nil || html.UnescapeString(m[1]) != want {
			t.Errorf("GET %s: total %v, want %s", link, m, want)
		}
	}
}

// TestRetentionCohortDrill checks every revenue cohort cell against the
// accounts its link lists.
func TestRetentionCohortDrill(t *testing.T) {
	t.Parallel()
	h := retentionUI(t)
	_, body, _ := get(t, h, "/retention?period=2025-Q3")
	cells := regexp.MustCompile(`<td class="num heat-[a-z0-9]+"><a href="([^"]+)" title="[^:"]+: ([^ ]+) MRR of`).FindAllStringSubmatch(body, -1)
	if len(cells) < 12 {
		t.Fatalf("%d cohort cells", len(cells))
	}
	total := regexp.MustCompile(`<strong>([^<]+)</strong>`)
	for _, c := range cells {
		link, want := html.UnescapeString(c[1]), html.UnescapeString(c[2])
		_, page, _ := get(t, h, link)
		got := "$0.00"
		if m := total.FindStringSubmatch(page); m != nil {
			got = html.UnescapeString(m[1])
		}
		if got != want {
			t.Errorf("GET %s: total %s, want %s", link, got, want)
		}
	}
}

func TestRetentionCSV(t *testing.T) {
	t.Parallel()
	h := retentionUI(t)
	code, body, hdr := get(t, h, "/retention.csv?by=tier&period=2025-Q3")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(hdr.Get("Content-Disposition"), "attachment") {
		t.Fatalf("status %d, headers %v", code, hdr)
	}
	want := "period,from,last,dimension,slice,currency,start,new,expansion,contraction,churn,reactivation,end,customers_start,customers_end,grr,nrr,product_grr,product_nrr,logo_churn,gdrr,quick_ratio,arpa,increased\n" +
		"2025-Q3,2025-07-01,2025-09-30,tier,Enterprise,USD,1000.00,0.00,500.00,0.00,0.00,0.00,1500.00,1,1,1.0000,1.5000,1.0000,1.5000,0.0000,,,1500.00,1.0000\n" +
		"2025-Q3,2025-07-01,2025-09-30,tier,SMB,USD,2000.00,300.00,0.00,0.00,2000.00,0.00,300.00,1,1,0.0000,0.0000,0.0000,0.0000,1.0000,0.0000,0.1500,300.00,0.0000\n" +
		"2025-Q3,2025-07-01,2025-09-30,all,all,USD,3000.00,300.00,500.00,0.00,2000.00,0.00,1800.00,2,2,0.3333,0.5000,0.3333,0.5000,0.5000,0.0000,0.4000,900.00,0.5000\n"
	if got := strings.ReplaceAll(body, "\r\n", "\n"); got != want {
		t.Errorf("CSV\n got %s\nwant %s", got, want)
	}
	code, body, _ = get(t, h, "/retention/accounts.csv?by=tier&slice=SMB&c=start&period=2025-Q3")
	if code != 200 || !strings.Contains(body, "account_id,account,external_id,amount,currency,count") || !strings.Contains(body, ",Bolt,bolt,2000.00,USD,1") {
		t.Errorf("drill CSV %d:\n%s", code, body)
	}
}

func TestRetentionNeedsSignIn(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	s := newServer(st, nil)
	for _, p := range []string{"/retention", "/retention.csv", "/retention/accounts?c=new", "/retention/accounts.csv?c=new"} {
		code, _, hdr := get(t, s.routes(), p)
		if code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/signin") {
			t.Errorf("GET %s: %d to %q, want a redirect to sign in", p, code, hdr.Get("Location"))
		}
	}
}

func TestRetentionEmpty(t *testing.T) {
	t.Parallel()
	s := newServer(sqlitetest.Open(t), nil)
	h := withPrincipal(s.routes(), principalOf(customer.User{ID: 1, Email: "a@b.test", Role: "leader"}))
	code, body, _ := get(t, h, "/retention")
	if code != 200 || !strings.Contains(body, "No subscription history yet") || !strings.Contains(body, "How these numbers are computed") {
		t.Errorf("empty book: %d\n%s", code, body)
	}
}

// TestChurnReasonForm records why Bolt left: refused to those who may not
// write for the account, 422 beside the field on a bad reason, and once
// recorded the dashboard breaks churn down by it instead of the empty state.
func TestChurnReasonForm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, st := retentionUIAs(t, "leader")
	bolt, err := st.Accounts().GetByExternalID(ctx, "bolt")
	if err != nil {
		t.Fatal(err)
	}
	path := "/accounts/" + itoa64(bolt.ID) + "/churn"
	ro, _ := retentionUIAs(t, "read_only")
	csm, _ := retentionUIAs(t, "csm")
	for _, tc := range []struct {
		name   string
		h      http.Handler
		form   url.Values
		status int
		want   string
	}{
		{"read-only may not", ro, url.Values{"reason": {"price"}, "churned_on": {"2025-08-20"}}, 403, "You can&#39;t do that"},
		{"a CSM outside their book may not", csm, url.Values{"reason": {"price"}, "churned_on": {"2025-08-20"}}, 403, "You can&#39;t do that"},
		{"unknown reason", h, url.Values{"reason": {"aliens"}, "churned_on": {"2025-08-20"}}, 422, `id="churn-reason-error"`},
		{"bad date", h, url.Values{"reason": {"price"}, "churned_on": {"yesterday"}}, 422, `id="churn-date-error"`},
		{"recorded", h, url.Values{"reason": {"competitor"}, "churned_on": {"2025-08-20"}, "note": {"Moved to Globex"},
			"return": {"/retention?period=2025-Q3"}}, 303, ""},
	} {
		code, body, hdr := post(t, tc.h, path, tc.form)
		if code != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: status %d, want %d with %q\n%s", tc.name, code, tc.status, tc.want, body)
		}
		if code == 303 && hdr.Get("Location") != "/retention?period=2025-Q3" {
			t.Errorf("%s: redirected to %q", tc.name, hdr.Get("Location"))
		}
	}
	recs, err := st.ChurnRecords().List(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.Items) != 1 || recs.Items[0].Reason != "competitor" || recs.Items[0].Controllable != "yes" || recs.Items[0].RecordedBy != "pat@tend.test" {
		t.Fatalf("stored %+v", recs.Items)
	}
	_, body, _ := get(t, h, "/retention?period=2025-Q3")
	if strings.Contains(body, "No churn reasons recorded yet") || !strings.Contains(body, ">Competitor</a>") || !strings.Contains(body, "Controllable: 100.0% of the MRR") {
		t.Errorf("dashboard does not show the recorded reason")
	}
	// The unknown churn listed with a link to the form goes away.
	_, body, _ = get(t, h, "/retention/accounts?c=churn_events&period=2025-Q3")
	if !strings.Contains(body, "Competitor") || strings.Contains(body, "Record reason") {
		t.Errorf("churn list after recording:\n%s", body)
	}
}

// TestForecastForm sets and changes the call on Acme's renewal due on
// 2026-01-01 and checks the pipeline and the quarter's forecast follow it.
func TestForecastForm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, st := retentionUIAs(t, "admin")
	acme, err := st.Accounts().GetByExternalID(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	path := "/accounts/" + itoa64(acme.ID) + "/forecast"
	_, body, _ := get(t, h, "/retention/accounts?c=renewals&period=2026-01")
	if !strings.Contains(body, html.EscapeString(path+"?due_on=2026-01-01")) {
		t.Fatalf("renewals list has no link to the forecast form:\n%s", body)
	}
	if code, body, _ := post(t, h, path, url.Values{"forecast": {"perhaps"}, "due_on": {"2026-01-01"}}); code != 422 || !strings.Contains(body, `id="fc-forecast-error"`) {
		t.Errorf("bad forecast: %d", code)
	}
	if code, body, _ := post(t, h, path, url.Values{"forecast": {"churn"}, "due_on": {"2026-01-01"}, "expected": {"12.345"}}); code != 422 || !strings.Contains(body, `id="fc-expected-error"`) {
		t.Errorf("bad amount: %d", code)
	}
	if code, _, _ := post(t, h, path, url.Values{"forecast": {"churn"}, "due_on": {"2026-01-01"}}); code != 303 {
		t.Fatalf("forecast churn: %d", code)
	}
	if code, _, _ := post(t, h, path, url.Values{"forecast": {"at_risk"}, "due_on": {"2026-01-01"}, "expected": {"1,200.00"}}); code != 303 {
		t.Fatalf("forecast at risk: %d", code)
	}
	calls, err := st.RenewalCalls().List(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls.Items) != 1 || calls.Items[0].Forecast != "at_risk" || calls.Items[0].Expected != 120000 {
		t.Fatalf("one call per renewal, changed: %+v", calls.Items)
	}
	_, body, _ = get(t, h, "/retention/accounts?c=renewals&period=2026-01")
	if !strings.Contains(body, "At risk") || !strings.Contains(body, "$1,200.00") || strings.Contains(body, "(from the data)") {
		t.Errorf("renewals list does not show the call")
	}
	_, body, _ = get(t, h, "/retention?period=2025-Q3")
	if !strings.Contains(body, `<td class="num tone-mid">$1.5K</td>`) {
		t.Errorf("pipeline does not count Jan 2026 as at risk")
	}
	code, body, _ := get(t, h, path+"?due_on=2026-01-01")
	if code != 200 || !strings.Contains(body, `value="1200.00"`) || !strings.Contains(body, `<option value="at_risk" selected>`) {
		t.Errorf("form does not show the call made: %d", code)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// TestAccountPageLinksToChurnForm: the account page offers the churn form
// to those who may write for the account, and only to them.
func TestAccountPageLinksToChurnForm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, st := retentionUIAs(t, "leader")
	ro, _ := retentionUIAs(t, "read_only")
	bolt, err := st.Accounts().GetByExternalID(ctx, "bolt")
	if err != nil {
		t.Fatal(err)
	}
	path := "/accounts/" + itoa64(bolt.ID)
	if _, body, _ := get(t, h, path); !strings.Contains(body, `href="`+path+`/churn"`) {
		t.Error("leader sees no churn form link")
	}
	if _, body, _ := get(t, ro, path); strings.Contains(body, path+"/churn") {
		t.Error("read-only user is offered the churn form")
	}
	if code, _, _ := get(t, ro, path+"/churn"); code != http.StatusForbidden {
		t.Errorf("read-only GET churn form: %d", code)
	}
}

// TestRetentionByCSM names CSM slices after their users, and the accounts
// nobody owns "No CSM".
func TestRetentionByCSM(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h, st := retentionUIAs(t, "leader")
	ada := customer.User{Email: "ada@tend.test", Name: "Ada Lovelace", Role: "csm"}
	if err := st.Users().Create(ctx, &ada); err != nil {
		t.Fatal(err)
	}
	acme, err := st.Accounts().GetByExternalID(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	acme.CSMEmail, acme.CSMID = "ada@tend.test", 0
	if err := st.Accounts().Update(ctx, &acme); err != nil {
		t.Fatal(err)
	}
	_, body, _ := get(t, h, "/retention?by=csm&period=2025-Q3")
	for _, w := range []string{">Ada Lovelace</a></th>", ">No CSM</a></th>", `<option value="ada@tend.test">Ada Lovelace</option>`,
		"TTM-2025-12"} { // the trend's points open their periods
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func TestHeatClass(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		num, den int64
		want     string
	}{
		{0, 0, "heat-none"}, {0, 10, "heat-0"}, {5, 10, "heat-5"}, {1000, 1000, "heat-10"},
		{1002, 1000, "heat-10"}, // reads "100%": coloured as 100%
		{1006, 1000, "heat-up"}, // reads "101%"
		{94, 100, "heat-9"},
	} {
		if got := heatClass(revenue.Ratio{Num: tc.num, Den: tc.den}); got != tc.want {
			t.Errorf("%d/%d: %s, want %s", tc.num, tc.den, got, tc.want)
		}
	}
}

// TestRetentionSkippedNote: the page says which subscription rows its
// figures leave out.
func TestRetentionSkippedNote(t *testing.T) {
	t.Parallel()
	h, st := retentionUIAs(t, "read_only")
	d := civil.Date{Year: 2025, Month: 3, Day: 1}
	s := customer.Subscription{ExternalID: "cove-0", AccountExternalID: "cove", Product: "Addon", MRR: 4000, Currency: "USD",
		StartOn: d, EndOn: d, Status: customer.SubEnded}
	if err := st.Subscriptions().Create(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	status, body, _ := get(t, h, "/retention?period=2025-Q3")
	if status != 200 || !strings.Contains(body, "Subscriptions left out of every figure: 1 ending on the day they start.") {
		t.Errorf("status %d; the page does not name the row left out", status)
	}
}

// TestChurnDrillDown: the accounts behind churn say when each churned, why
// and whose account it was, with no per-row count that always reads 1.
func TestChurnDrillDown(t *testing.T) {
	t.Parallel()
	h := retentionUI(t)
	for _, c := range []string{"churn", "retention_churn", "product_churn"} {
		status, body, _ := get(t, h, "/retention/accounts?period=2025-Q3&c="+c)
		if status != 200 {
			t.Fatalf("%s: status %d", c, status)
		}
		for _, want := range []string{">Bolt</a>", "<td>2025-09-01</td>", "<td>No reason recorded</td>", `<th scope="col">CSM</th>`, "in 1 "} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: page lacks %q", c, want)
			}
		}
		if strings.Contains(body, `<td class="num">1</td>`) {
			t.Errorf("%s: a count column that reads 1 on every row", c)
		}
	}
}

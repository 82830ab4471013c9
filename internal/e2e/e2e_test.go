package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tendhq/tend/internal/money"
)

// TestAccountJourney is a CS leader's path through Tend: sign in, find an
// account in the book by searching for its name, open it, read its 360 and
// timeline, log a note (a mistake first) and see it at the top of the
// timeline, read its health and set the CSM pulse, export the search as
// CSV, and sign out.
func TestAccountJourney(t *testing.T) {
	t.Parallel()
	startChromium(t) // skip before loading the demo when there is no browser
	a := startTend(t)
	scoreAll(t, a)
	if a.hasSignIn {
		tb := openTab(t, a.URL)
		tb.open("/signin")
		tb.screenshot("signin")
	}
	tb := a.visit(t)
	acc, timeline := a.showcase(t)

	// The book of business.
	tb.open("/accounts")
	if h := tb.text("main h1"); h != "Accounts" {
		t.Fatalf("the accounts page is headed %q", h)
	}
	customers, _ := a.customers(t)
	if got, want := tb.text(".page-head .subtle"), fmt.Sprintf("%s accounts: %s customers, %s churned or prospects",
		thousands(len(a.co.Accounts)), thousands(customers), thousands(len(a.co.Accounts)-customers)); !strings.HasPrefix(got, want) {
		t.Errorf("the accounts page says %q, want it to start with %q", got, want)
	}
	if n := tb.count("table.table tbody tr"); n != 50 {
		t.Errorf("the first page lists %d accounts, want 50", n)
	}
	tb.screenshot("accounts")

	// Search for the account by name, through the search form.
	tb.do("type the account's name into the search", chromedp.SendKeys(chromedp.CSS("#q"), acc.Name))
	tb.follow("search", chromedp.Click(chromedp.CSS(`form[role=search] button[type=submit]`)))
	if p := tb.path(); !strings.Contains(p, "q=") {
		t.Fatalf("searching led to %s, which has no q= in it", p)
	}
	n := a.matching(acc.Name)
	want := fmt.Sprintf("%s accounts match", thousands(n))
	if n == 1 {
		want = "1 account matches"
	}
	if got := tb.text(".page-head .subtle"); !strings.HasPrefix(got, want) {
		t.Errorf("after searching for %q the page says %q, want it to start with %q", acc.Name, got, want)
	}
	names := tb.texts("table.table tbody th.name > a")
	if len(names) != min(n, 50) {
		t.Errorf("searching for %q lists %d accounts %q, want %d", acc.Name, len(names), names, min(n, 50))
	}
	row := slices.Index(names, acc.Name)
	if row < 0 {
		t.Fatalf("searching for %q does not list it; it lists %q", acc.Name, names)
	}

	// Open it: its 360.
	tb.follow("open "+acc.Name, chromedp.Click(chromedp.CSS(fmt.Sprintf("table.table tbody tr:nth-child(%d) th.name > a", row+1))))
	if p := tb.path(); !regexp.MustCompile(`^/accounts/\d+$`).MatchString(p) {
		t.Fatalf("opening %q led to %s", acc.Name, p)
	}
	checkAccountHead(t, tb, acc.Name, acc.Tier, money.Display(acc.MRR, acc.Currency))

	// Its timeline, latest first.
	events := tb.count("#timeline ol.timeline > li.event")
	if want := min(len(timeline), 50); events != want {
		t.Errorf("the timeline shows %d entries, want %d", events, want)
	}
	first := tb.text("#timeline li.event:first-child .event-subject")
	var latest []string
	for _, act := range timeline {
		if act.OccurredAt.Equal(timeline[0].OccurredAt) {
			latest = append(latest, act.Subject)
		}
	}
	if !slices.Contains(latest, first) {
		t.Errorf("the timeline starts with %q, want the latest entry, %q", first, latest)
	}
	tb.screenshot("account")

	// Log a note: first without saying anything, which is refused beside
	// the field, then properly.
	accountPath := tb.path()
	tb.do("open the log form", chromedp.Click(chromedp.CSS("#log > summary")))
	tb.followStatus("submit an empty note", 422, chromedp.Click(chromedp.CSS(`#log .log-form button[type=submit]`)))
	if msg := tb.text("#log .log-form .field-error"); !strings.Contains(strings.ToLower(msg), "say what happened") {
		t.Errorf("an empty note was answered with %q, want a message beside the field", msg)
	}
	subject := "E2E check-in " + strconv.Itoa(len(timeline))
	tb.do("write the note",
		chromedp.SetValue(chromedp.CSS("#log-subject"), subject),
		chromedp.SendKeys(chromedp.CSS("#log-body"), "Walked through the renewal plan with the champion."),
	)
	tb.follow("add the note to the timeline", chromedp.Click(chromedp.CSS(`#log .log-form button[type=submit]`)))
	if p := tb.path(); p != accountPath {
		t.Errorf("after logging a note the browser is at %s, want %s", p, accountPath)
	}
	if first := tb.text("#timeline li.event:first-child .event-subject"); first != subject {
		t.Errorf("the timeline starts with %q, want the note just logged, %q", first, subject)
	}
	if got := tb.count("#timeline ol.timeline > li.event"); got != min(len(timeline)+1, 50) {
		t.Errorf("after logging a note the timeline shows %d entries, want %d", got, min(len(timeline)+1, 50))
	}

	// Its health: the score explained, and the CSM pulse set.
	checkHealth(t, tb)

	// Export the search as CSV: exactly the accounts the list shows.
	tb.open("/accounts?q=" + url.QueryEscape(acc.Name))
	name, body := tb.download("export the search as CSV", chromedp.Click(chromedp.CSS(`a[href^="/accounts.csv"]`)))
	if !strings.HasSuffix(name, ".csv") {
		t.Errorf("the export is named %q", name)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v\n%s", err, body)
	}
	if len(rows) != n+1 || rows[0][1] != "name" {
		t.Fatalf("the export has %d rows with header %q, want %d accounts and a header", len(rows)-1, rows[0], n)
	}
	var exported []string
	for _, r := range rows[1:] {
		exported = append(exported, r[1])
	}
	if !slices.Contains(exported, acc.Name) {
		t.Errorf("the export lacks %q: %q", acc.Name, exported)
	}

	if a.hasSignIn {
		tb.signOut()
	}
}

// checkAccountHead checks the top of an account's 360: its name in the
// heading and the breadcrumbs, its tier, and its MRR.
func checkAccountHead(t *testing.T, tb *tab, name, tier, mrr string) {
	t.Helper()
	if h := tb.text("header.account-head h1"); h != name {
		t.Errorf("the account page is headed %q, want %q", h, name)
	}
	if c := tb.text(`.crumbs [aria-current="page"]`); c != name {
		t.Errorf("the breadcrumbs end in %q, want %q", c, name)
	}
	if tags := tb.text("header.account-head .tags"); tier != "" && !strings.Contains(tags, tier) {
		t.Errorf("the account's tags are %q, want its tier %q among them", tags, tier)
	}
	if got := tb.text(".stats .stat:first-child dt"); got != "MRR" {
		t.Errorf("the first figure is %q, want MRR", got)
	}
	if got := tb.text(".stats .stat:first-child .stat-value"); got != mrr {
		t.Errorf("the account's MRR reads %q, want %q", got, mrr)
	}
}

// TestDashboard is a CS leader's first look: the headline figures, the
// Pareto chart of MRR and the CSMs' books.
func TestDashboard(t *testing.T) {
	t.Parallel()
	startChromium(t)
	a := startTend(t)
	scoreAll(t, a)
	tb := a.visit(t)

	tb.open("/dashboard")
	if h := tb.text("main h1"); h != "Dashboard" {
		t.Fatalf("the dashboard is headed %q", h)
	}
	// Scored, the health card shows the customers by colour, in words.
	if h := tb.text("#health"); !strings.Contains(h, "Red") || !strings.Contains(h, "Green") || strings.Contains(h, "No customer has a health score yet") {
		t.Errorf("the dashboard's health card after scoring reads %q", h)
	}
	customers, byCSM := a.customers(t)
	if label, value := tb.text(".kpis > li:first-child .kpi-label"), tb.text(".kpis > li:first-child .kpi-value"); label != "Customers" || value != thousands(customers) {
		t.Errorf("the first headline figure is %s %s, want Customers %s", label, value, thousands(customers))
	}

	// The Pareto chart is an inline SVG drawn on the server: a curve, the
	// equal-shares diagonal, and an accessible title and description.
	if !tb.visible("#pareto-wide") {
		t.Fatal("the wide Pareto chart is not shown at laptop size")
	}
	if tb.visible("#pareto-narrow") {
		t.Error("the phone-sized Pareto chart is shown at laptop size too")
	}
	for _, sel := range []string{"#pareto-wide path.chart-curve", "#pareto-wide path.chart-area", "#pareto-wide line.chart-ref"} {
		if n := tb.count(sel); n != 1 {
			t.Errorf("the Pareto chart has %d %s, want 1", n, sel)
		}
	}
	d := run(tb, "read the Pareto curve", chromedp.AttributeValue(chromedp.CSS("#pareto-wide path.chart-curve"), "d"))
	if points := strings.Count(d.Value, "L"); points < 10 {
		t.Errorf("the Pareto curve has %d segments (d=%.80q), want a curve", points, d.Value)
	}
	if title := tb.texts("#pareto-wide > title"); len(title) != 1 || title[0] == "" {
		t.Errorf("the Pareto chart's title is %q", title)
	}
	if lead := tb.text("#concentration .lead"); !strings.HasPrefix(lead, "The top 10% of accounts") {
		t.Errorf("the concentration summary reads %q", lead)
	}

	// Every book belongs to one of the demo company's people.
	names := a.userNames()
	books := tb.texts("#books tbody th.name a")
	if len(books) == 0 {
		t.Error("the dashboard shows no CSM books")
	}
	counts := tb.texts("#books tbody td:nth-child(2)")
	for i, b := range books {
		email, ok := names[b]
		if !ok {
			t.Errorf("the dashboard shows a book for %q, who is not one of the demo company's users", b)
			continue
		}
		if i < len(counts) && counts[i] != thousands(byCSM[email]) {
			t.Errorf("the dashboard counts %s customers in %s's book, want %s", counts[i], b, thousands(byCSM[email]))
		}
	}
	tb.screenshot("dashboard")
}

// TestPhone checks the narrow layout a CSM sees on a phone: an account's
// 360 and the dashboard fit the screen without sideways scrolling, and
// the dashboard draws its phone-sized chart.
func TestPhone(t *testing.T) {
	t.Parallel()
	startChromium(t)
	a := startTend(t)
	scoreAll(t, a)
	tb := a.visit(t)
	tb.resize(phoneWidth, phoneHeight, true)
	acc, _ := a.showcase(t)
	stored, err := a.st.Accounts().GetByExternalID(context.Background(), acc.ExternalID)
	if err != nil {
		t.Fatal(err)
	}

	tb.open("/accounts/" + strconv.FormatInt(stored.ID, 10))
	checkAccountHead(t, tb, acc.Name, acc.Tier, money.Display(acc.MRR, acc.Currency))
	if tb.visible("#subscriptions th.hide-sm") {
		t.Error("columns meant for wide screens are shown on a phone")
	}
	checkFits(t, tb)
	tb.screenshot("account-phone")

	tb.open("/dashboard")
	if !tb.visible("#pareto-narrow") || tb.visible("#pareto-wide") {
		t.Error("the dashboard does not swap to its phone-sized Pareto chart on a phone")
	}
	checkFits(t, tb)
}

// checkFits fails when the page is wider than the screen, so that reading
// it needs sideways scrolling (wide tables scroll inside their own box).
func checkFits(t *testing.T, tb *tab) {
	t.Helper()
	w := run(tb, "measure the page", chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if w[0] > w[1] {
		t.Errorf("%s is %d px wide on a %d px screen", tb.path(), w[0], w[1])
	}
}

// thousands writes n with commas, as the pages do: 1,708.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tendhq/tend/internal/customer"
)

// TestPortfolio: a CSM signs in and sees their own book, no one else's,
// and no Admin link.
func TestPortfolio(t *testing.T) {
	t.Parallel()
	startChromium(t)
	a := startTend(t)
	scoreAll(t, a)
	email, _ := a.busiestCSM()
	tb := openTab(t, a.URL)
	tb.signIn(email, a.password(t, email))
	if p := tb.path(); p != "/cockpit" {
		t.Errorf("a CSM lands on %s after signing in, want /cockpit (their work)", p)
	}
	tb.open("/portfolio")
	// Scored, every row of the book shows its health in words.
	if h := tb.text("main table tbody"); strings.Contains(h, "Not scored yet") || !strings.Contains(h, "Green") {
		t.Errorf("the portfolio after scoring: %.300q", h)
		tb.open("/portfolio")
	}
	if h := tb.text("main h1"); h != "My portfolio" {
		t.Fatalf("the portfolio is headed %q", h)
	}
	_, byCSM := a.customers(t)
	if got, want := tb.text(".kpis > li:first-child .kpi-value"), thousands(byCSM[email]); got != want {
		t.Errorf("the portfolio counts %s customers, want %s (as the dashboard counts them)", got, want)
	}
	mine := 0
	for _, acc := range a.co.Accounts {
		if acc.CSMEmail == email {
			mine++
		}
	}
	rows := tb.count("table.table tbody tr")
	if rows == 0 || rows != min(mine, 50) {
		t.Errorf("the portfolio lists %d accounts, want %d (the CSM has %d)", rows, min(mine, 50), mine)
	}
	if tb.count(`a[href="/admin/users"]`) != 0 {
		t.Error("a CSM sees the Admin link")
	}
	tb.screenshot("portfolio")
	tb.signOut()
}

// TestTeamPortfolio: a CS leader, who owns no account, lands on the
// dashboard and finds their team's books on the portfolio page — each
// CSM's customers as the dashboard counts them — and opens one.
func TestTeamPortfolio(t *testing.T) {
	t.Parallel()
	startChromium(t)
	a := startTend(t)
	email, password := a.addUser(t, customer.RoleLeader)
	tb := openTab(t, a.URL)
	tb.signIn(email, password)
	if p := tb.path(); p != "/dashboard" {
		t.Errorf("a leader lands on %s after signing in, want /dashboard", p)
	}
	tb.open("/portfolio")
	if h := tb.text("main h1"); h != "Your team's portfolio" {
		t.Fatalf("a leader's portfolio is headed %q", h)
	}
	customers, byCSM := a.customers(t)
	names := a.userNames()
	books := tb.texts("table.team-books tbody th.name > a")
	counts := tb.texts("table.team-books tbody td:nth-child(2)")
	if len(books) == 0 || len(books) != len(counts) {
		t.Fatalf("the team portfolio lists %d books and %d counts", len(books), len(counts))
	}
	for i, b := range books {
		if got, want := counts[i], thousands(byCSM[names[b]]); got != want {
			t.Errorf("the team portfolio counts %s customers for %s, want %s", got, b, want)
		}
	}
	if got := tb.text("table.team-books tfoot tr:last-child td:nth-child(2)"); got != thousands(customers) {
		t.Errorf("the team's total is %s customers, want %s", got, thousands(customers))
	}
	tb.screenshot("portfolio-team")
	tb.resize(phoneWidth, phoneHeight, true)
	tb.open("/portfolio")
	checkFits(t, tb)
	tb.screenshot("portfolio-team-phone")
	tb.resize(laptopWidth, laptopHeight, false)

	tb.follow("open the first CSM's book", chromedp.Click(chromedp.CSS("table.team-books tbody th.name > a")))
	if p := tb.path(); !strings.HasPrefix(p, "/accounts?csm=") {
		t.Fatalf("the CSM's link leads to %s", p)
	}
	if got, want := tb.text(".page-head .subtle"), thousands(byCSM[names[books[0]]])+" customers"; !strings.Contains(got, want) {
		t.Errorf("%s's book says %q, want it to count %q", books[0], got, want)
	}
	tb.signOut()
}

// TestAdminTokens: an administrator creates an API token in the browser,
// it works against the API at once, and once revoked it stops at once.
func TestAdminTokens(t *testing.T) {
	t.Parallel()
	startChromium(t)
	a := startTend(t)
	email, password := a.addUser(t, "admin")
	tb := openTab(t, a.URL)
	tb.signIn(email, password)
	tb.open("/admin/users")
	if n := tb.count("table.table tbody tr"); n != len(a.co.Users)+1 {
		t.Errorf("the users page lists %d users, want %d", n, len(a.co.Users)+1)
	}
	tb.screenshot("admin")

	tb.open("/admin/tokens")
	tb.do("name a token", chromedp.SendKeys(chromedp.CSS("#name"), "CRM sync"))
	tb.follow("create it", chromedp.Click(chromedp.CSS(`form[action="/admin/tokens"] button[type=submit]`)))
	secret := tb.text(".secret")
	if !strings.HasPrefix(secret, "tend_") {
		t.Fatalf("no token shown: %q", secret)
	}
	api := func() int {
		req, _ := http.NewRequest("GET", a.URL+"/api/v1/accounts?limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := api(); code != 200 {
		t.Fatalf("the new token gets %d from the API", code)
	}
	tb.open("/admin/tokens")
	if strings.Contains(tb.text("main"), secret) {
		t.Error("the token list shows the secret again")
	}
	tb.follow("revoke it", chromedp.Click(chromedp.CSS(`form[action$="/revoke"] button`)))
	if code := api(); code != 401 {
		t.Errorf("the revoked token gets %d from the API, want 401", code)
	}
	tb.signOut()
}

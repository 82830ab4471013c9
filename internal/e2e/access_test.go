package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPortfolio: a CSM signs in and sees their own book, no one else's,
// and no Admin link.
func TestPortfolio(t *testing.T) {
	t.Parallel()
	startChromium(t)
	a := startTend(t)
	email, _ := a.busiestCSM()
	tb := openTab(t, a.URL)
	tb.signIn(email, a.password(t, email))
	tb.open("/portfolio")
	if h := tb.text("main h1"); h != "My portfolio" {
		t.Fatalf("the portfolio is headed %q", h)
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

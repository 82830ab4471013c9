package e2e

import (
	"bytes"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/health"
)

// TestScorecardsAndBacktest: an administrator finds the backtest from the
// retention page and the scorecards from there, sees a mistake in the
// YAML at its line and column, previews a valid change, saves it and
// finds it among the versions; a leader reads both pages and cannot save.
func TestScorecardsAndBacktest(t *testing.T) {
	t.Parallel()
	startChromium(t)
	a := startTend(t)
	email, password := a.addUser(t, customer.RoleAdmin)
	tb := openTab(t, a.URL)
	tb.signIn(email, password)

	tb.open("/retention")
	tb.follow("open the backtest", chromedp.Click(chromedp.CSS(`.head-actions a[href="/health/backtest"]`)))
	if h := tb.text("main h1"); h != "Health score backtest" {
		t.Fatalf("the backtest page is headed %q", h)
	}
	if !strings.Contains(tb.text("#auc-h + *"), "AUC") && !strings.Contains(tb.text("main"), "No AUC") {
		t.Errorf("the backtest shows no AUC: %q", tb.text("main"))
	}
	if !tb.visible("#churn-by-colour-wide") {
		t.Error("no churn-by-colour chart on a laptop")
	}
	checkFits(t, tb)
	tb.screenshot("health-backtest")

	tb.follow("open the scorecards", chromedp.Click(chromedp.CSS(`.head-actions a[href="/admin/scorecards"]`)))
	if n := tb.count(".sc-card"); n != len(health.Default().Scorecards) {
		t.Errorf("%d scorecards shown, want %d", n, len(health.Default().Scorecards))
	}
	checkFits(t, tb)
	tb.screenshot("admin-scorecards")

	bad := strings.Replace(string(health.DefaultYAML()), "metric: usage.seat_utilisation", "metric: usage.seats", 1)
	tb.do("type a wrong metric", chromedp.SetValue(chromedp.CSS("#yaml"), bad))
	tb.followStatus("preview it", 422, chromedp.Click(chromedp.CSS(`.sc-actions button:not([formaction])`)))
	if p := tb.text(".sc-problems"); !strings.Contains(p, "Line 17, column 21") || !strings.Contains(p, `"usage.seats"`) {
		t.Errorf("the problem is shown as %q", p)
	}
	tb.screenshot("admin-scorecards-problems")

	good := string(bytes.ReplaceAll(health.DefaultYAML(), []byte("green_from: 70"), []byte("green_from: 80")))
	tb.do("raise green's threshold", chromedp.SetValue(chromedp.CSS("#yaml"), good))
	tb.follow("preview it", chromedp.Click(chromedp.CSS(`.sc-actions button:not([formaction])`)))
	if h := tb.text(".sc-preview h3"); !strings.Contains(h, "would change colour") {
		t.Errorf("the preview says %q", h)
	}
	tb.screenshot("admin-scorecards-preview")
	tb.do("say why", chromedp.SendKeys(chromedp.CSS("#note"), "Green from 80"))
	tb.follow("save it", chromedp.Click(chromedp.CSS(`.sc-actions button[formaction="/admin/scorecards"]`)))
	if n := tb.text(".notice"); !strings.Contains(n, "Saved as version 1") {
		t.Errorf("after saving: %q", n)
	}
	if v := tb.text(".sc-versions"); !strings.Contains(v, "Version 1") || !strings.Contains(v, "Green from 80") || !strings.Contains(v, email) {
		t.Errorf("the versions read %q", v)
	}

	tb.resize(phoneWidth, phoneHeight, true)
	checkFits(t, tb)
	tb.screenshot("admin-scorecards-phone")
	tb.open("/health/backtest")
	if !tb.visible("#churn-by-colour-narrow") {
		t.Error("no phone-sized churn-by-colour chart on a phone")
	}
	checkFits(t, tb)
	tb.screenshot("health-backtest-phone")
	tb.signOut()

	email, password = a.addUser(t, customer.RoleLeader)
	tb = openTab(t, a.URL)
	tb.signIn(email, password)
	tb.open("/health/backtest")
	tb.follow("open the scorecards", chromedp.Click(chromedp.CSS(`.head-actions a[href="/admin/scorecards"]`)))
	if tb.count(`button[formaction="/admin/scorecards"]`) != 0 || tb.count(`form[action$="/restore"]`) != 0 {
		t.Error("a leader is offered to save or restore scorecards")
	}
	if !strings.Contains(tb.text(".sc-versions"), "Green from 80") {
		t.Error("a leader does not see the versions")
	}
}

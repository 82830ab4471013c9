package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/scoring"
)

// scoreAll scores every account of a's demo company as of 30 days ago and
// today, as `tend demo` does, so the health panel has a score, a trend and
// what changed.
func scoreAll(t *testing.T, a *app) {
	t.Helper()
	today := civil.Today()
	for _, d := range []civil.Date{today.AddDays(-30), today} {
		if _, err := scoring.Recompute(context.Background(), a.st, d); err != nil {
			t.Fatalf("score the demo as of %s: %v", d, err)
		}
	}
}

// checkHealth reads the health panel of the account the tab shows, then
// sets the CSM pulse and sees it counted.
func checkHealth(t *testing.T, tb *tab) {
	t.Helper()
	if tb.count("#health") != 1 {
		t.Fatal("the account page has no health panel")
	}
	if got := tb.text("#health .health-number"); got == "" {
		t.Error("the health panel shows no score")
	}
	colour := tb.text("#health .health-score .health-tag")
	if !strings.Contains("Red Yellow Green Not enough data", colour) || colour == "" {
		t.Errorf("the score's colour reads %q, want its name in words", colour)
	}
	if got := tb.text("#health .health-why"); !strings.Contains(got, "Scored by the") {
		t.Errorf("the panel does not say which scorecard applied: %q", got)
	}
	if n := tb.count("#health .health-trend > div"); n != 3 {
		t.Errorf("the panel shows %d trends, want 7, 30 and 90 days", n)
	}
	if !tb.visible("#health .health-chart svg") {
		t.Error("the panel has no history chart")
	}

	path := tb.path()
	reason := "E2E: the champion is leaving"
	tb.do("open the pulse form", chromedp.Click(chromedp.CSS("#pulse > summary")))
	tb.do("fill in the pulse",
		chromedp.SetValue(chromedp.CSS("#pulse-colour"), "red"),
		chromedp.SendKeys(chromedp.CSS("#pulse-reason"), reason),
	)
	tb.follow("save the pulse", chromedp.Click(chromedp.CSS(`#pulse button[type=submit]`)))
	if p := tb.path(); p != path+"?pulse=1" {
		t.Errorf("after saving the pulse the browser is at %s, want %s?pulse=1", p, path)
	}
	if got := tb.text("#health .health-pulse"); !strings.Contains(got, "Red") || !strings.Contains(got, reason) || !strings.Contains(got, "counts until") {
		t.Errorf("the pulse reads %q, want red, the reason and until when it counts", got)
	}
	tb.screenshot("account-health")
}

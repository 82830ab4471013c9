package e2e

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestRetention opens the retention dashboard on the demo company as a CS
// leader: the waterfall and the trend are server-drawn SVGs, the cohort
// table has rows, a bar of the waterfall opens the accounts behind it
// (each linking to its account), and the waterfall exports as CSV.
func TestRetention(t *testing.T) {
	t.Parallel()
	startChromium(t)
	a := startTend(t)
	tb := a.visit(t)

	tb.open("/retention")
	if h := tb.text("main h1"); h != "Retention" {
		t.Fatalf("the retention page is headed %q", h)
	}
	if !tb.visible("#waterfall-wide") || tb.visible("#waterfall-narrow") {
		t.Fatal("the laptop-size waterfall is not the one shown")
	}
	if n := tb.count("#waterfall-wide rect.chart-bar"); n != 7 {
		t.Errorf("the waterfall has %d bars, want 7 (start, five movements, end)", n)
	}
	if n := tb.count("#trend-wide path.chart-line"); n != 2 {
		t.Errorf("the trend has %d lines, want GRR and NRR", n)
	}
	if n := tb.count("#cohorts table.heat tbody tr"); n == 0 {
		t.Error("the cohort table is empty on the demo company")
	}
	if n := tb.count("#definitions dt"); n < 15 {
		t.Errorf("%d definitions written out", n)
	}

	name, body := tb.download("export the waterfall as CSV", chromedp.Click(chromedp.CSS(`a[href^="/retention.csv"]`)))
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || !strings.HasSuffix(name, ".csv") || len(rows) != 2 || rows[0][0] != "period" || rows[1][4] != "all" {
		t.Errorf("the waterfall export %q: %v %q", name, err, rows)
	}

	tb.follow("open the churn bar", chromedp.Click(chromedp.CSS(`#waterfall-wide a[href*="c=churn&"]`)))
	if p := tb.path(); !strings.HasPrefix(p, "/retention/accounts") {
		t.Fatalf("the churn bar led to %s", p)
	}
	if h := tb.text("main h1"); h != "Churned MRR" {
		t.Errorf("the churn drill-down is headed %q", h)
	}
	links := tb.count(`main tbody th.name a[href^="/accounts/"]`)
	if links == 0 {
		t.Error("the demo company churned nobody in the last twelve months?")
	}
	tb.screenshot("retention-churn")
	tb.open("/retention?by=tier")
	tb.screenshot("retention")
}

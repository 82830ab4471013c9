package chart

import (
	"strings"
	"testing"
)

func TestCountLines(t *testing.T) {
	c := CountLines{ID: "u", Title: "Active <users>", Desc: "d", YLabel: "Users", Labels: []string{"2026-11-01", "2026-11-02", "2026-11-03"},
		Series: []CountSeries{{Name: "MAU", Class: "chart-line-1", Values: []int64{3, 5, 8}}, {Name: "DAU", Class: "chart-line-3", Values: []int64{1, 0, 2}}}}
	for _, l := range []Layout{Wide, Narrow} {
		got := string(c.SVG(l))
		if strings.Count(got, `<path class="chart-line `) != 2 || !strings.Contains(got, "Active &lt;users&gt;") ||
			!strings.Contains(got, "MAU 8") || !strings.Contains(got, ">2026-11-01<") || !strings.Contains(got, ">2026-11-03<") {
			t.Errorf("layout %d:\n%s", l, got)
		}
	}
	// No data: axes only, no panic, no NaN.
	if got := string(CountLines{ID: "e"}.SVG(Wide)); strings.Contains(got, "NaN") || strings.Contains(got, "<path") {
		t.Errorf("empty chart:\n%s", got)
	}
}

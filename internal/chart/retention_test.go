package chart

import (
	"strconv"
	"strings"
	"testing"
)

func sampleWaterfall() Waterfall {
	f := func(v int64) string { return "$" + strconv.FormatInt(v, 10) }
	return Waterfall{
		ID: "wf", Title: "MRR bridge", Desc: `Start 1000, "A & B" <x>`, Tick: f,
		Steps: []WaterfallStep{
			{Label: "Start", Value: 1000, Total: true, ValueText: "$1000", URL: "/d?c=start&x=1"},
			{Label: "New", Value: 300, ValueText: "+$300", URL: "/d?c=new"},
			{Label: "Churn", Value: -500, ValueText: "−$500"},
			{Label: "End", Value: 800, Total: true, ValueText: "$800"},
		},
	}
}

func TestWaterfallPlacesBars(t *testing.T) {
	t.Parallel()
	wf := sampleWaterfall()
	want := []waterfallBar{{0, 1000, "chart-wf-total"}, {1000, 1300, "chart-wf-up"}, {800, 1300, "chart-wf-down"}, {0, 800, "chart-wf-total"}}
	got := wf.bars()
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("bar %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if wf.Broken() {
		t.Error("movements of half the level should keep zero on the axis")
	}
	for _, l := range []Layout{Wide, Narrow} {
		doc := string(wf.SVG(l))
		els := decode(t, doc)
		id := "wf-wide"
		if l == Narrow {
			id = "wf-narrow"
		}
		checkAccessible(t, els, id, wf.Title, wf.Desc)
		if strings.Contains(doc, "style=") {
			t.Error("inline style: the page's CSP forbids it")
		}
		if !strings.Contains(doc, `<a href="/d?c=start&amp;x=1" class="chart-link">`) || strings.Count(doc, "<a ") != 2 {
			t.Errorf("links to the accounts behind the bars missing or unescaped")
		}
		// Bars stand on the axis in proportion: Start 1000 is 1000/800 of End.
		var rects []element
		for _, e := range find(els, "rect") {
			if strings.Contains(e.attrs["class"], "chart-wf") {
				rects = append(rects, e)
			}
		}
		if len(rects) != 4 {
			t.Fatalf("%d bars", len(rects))
		}
		h := func(e element) float64 { v, _ := strconv.ParseFloat(e.attrs["height"], 64); return v }
		yy := func(e element) float64 { v, _ := strconv.ParseFloat(e.attrs["y"], 64); return v }
		if r := h(rects[0]) / h(rects[3]); r < 1.24 || r > 1.26 {
			t.Errorf("start/end heights ratio %.3f, want 1.25", r)
		}
		// New rises from Start's top; Churn falls from New's top.
		if d := yy(rects[0]) - (yy(rects[1]) + h(rects[1])); d < -0.2 || d > 0.2 {
			t.Errorf("new does not start at the start level (gap %.1f)", d)
		}
		if d := yy(rects[2]) - yy(rects[1]); d < -0.2 || d > 0.2 {
			t.Errorf("churn does not fall from the level after new (gap %.1f)", d)
		}
		if !strings.Contains(texts(els), "−$500\n") {
			t.Error("value text missing")
		}
	}
}

func TestWaterfallBreaksAxisForSmallMovements(t *testing.T) {
	t.Parallel()
	wf := Waterfall{ID: "w", Steps: []WaterfallStep{
		{Label: "Start", Value: 1_000_000, Total: true},
		{Label: "New", Value: 20_000}, {Label: "Churn", Value: -30_000},
		{Label: "End", Value: 990_000, Total: true},
	}}
	lo, hi, step, broken := wf.axis(wf.bars())
	if !broken || lo <= 0 || lo >= 990_000 || hi < 1_020_000 || step <= 0 {
		t.Fatalf("axis %d..%d step %d broken %v: want a broken axis below the lowest movement", lo, hi, step, broken)
	}
	doc := string(wf.SVG(Wide))
	if strings.Count(doc, `class="chart-break"`) != 2 {
		t.Error("both totals need a break mark when the axis does not start at zero")
	}
	decode(t, doc)
}

func TestSigned(t *testing.T) {
	t.Parallel()
	f := func(v int64) string { return "$" + strconv.FormatInt(v, 10) }
	for v, want := range map[int64]string{5: "+$5", 0: "+$0", -7: "−$7"} {
		if got := Signed(v, f); got != want {
			t.Errorf("Signed(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestLines(t *testing.T) {
	t.Parallel()
	ref := 1.0
	c := Lines{ID: "trend", Title: "GRR and NRR", Desc: "d", Labels: []string{"Jan", "Feb", "Mar", "Apr"},
		Series: []Series{
			{Name: "GRR", Class: "a", Values: []Value{{0.9, true}, {0.92, true}, {}, {0.95, true}}},
			{Name: "NRR", Class: "b", Values: []Value{{1.05, true}, {1.1, true}, {1.08, true}, {1.12, true}}},
		},
		Format: func(v float64) string { return strconv.FormatFloat(v*100, 'f', 1, 64) + "%" }, Ref: &ref}
	lo, hi, _ := c.Range()
	if lo > 0.9 || hi < 1.12 {
		t.Errorf("range %v..%v does not hold the data", lo, hi)
	}
	for _, l := range []Layout{Wide, Narrow} {
		doc := string(c.SVG(l))
		els := decode(t, doc)
		var paths []element
		for _, e := range find(els, "path") {
			if strings.HasPrefix(e.attrs["class"], "chart-line ") {
				paths = append(paths, e)
			}
		}
		if len(paths) != 2 {
			t.Fatalf("%d lines", len(paths))
		}
		// The undefined March breaks GRR's line in two; NRR is one stroke.
		if got := strings.Count(paths[0].attrs["d"], "M"); got != 2 {
			t.Errorf("GRR line has %d strokes, want 2 (a gap where it is undefined)", got)
		}
		if got := len(pathPoints(t, paths[1].attrs["d"])); got != 4 {
			t.Errorf("NRR has %d points, want 4", got)
		}
		if got := len(find(els, "circle")); got != 7 {
			t.Errorf("%d dots, want 7 (one per defined value)", got)
		}
		if !strings.Contains(texts(els), "95.0%\n") || !strings.Contains(texts(els), "112.0%\n") {
			t.Errorf("end labels missing:\n%s", texts(els))
		}
		if !strings.Contains(texts(els), "Apr\n") {
			t.Error("the latest month is always labelled")
		}
	}
	c.URLs = []string{"/p?m=1&x", "", "/p?m=3", "/p?m=4"}
	doc := string(c.SVG(Wide))
	decode(t, doc)
	// Jan and Apr for both lines, Mar for NRR only (GRR undefined there).
	if got := strings.Count(doc, `<a href="/p?m=`); got != 5 || !strings.Contains(doc, `href="/p?m=1&amp;x"`) {
		t.Errorf("%d linked points, want 5, escaped", got)
	}
}

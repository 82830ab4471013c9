package chart

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// element is a decoded SVG element: its name, attributes and text.
type element struct {
	name  string
	attrs map[string]string
	text  string
}

// decode parses doc as XML (failing the test if it is not well-formed) and
// returns its elements in document order.
func decode(t *testing.T, doc string) []element {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	var out []element
	var open []int
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			e := element{name: tk.Name.Local, attrs: map[string]string{}}
			for _, a := range tk.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
			open = append(open, len(out)-1)
		case xml.EndElement:
			open = open[:len(open)-1]
		case xml.CharData:
			if len(open) > 0 {
				out[open[len(open)-1]].text += string(tk)
			}
		}
	}
	if len(open) != 0 {
		t.Fatalf("unclosed elements")
	}
	return out
}

func find(els []element, name string) []element {
	var out []element
	for _, e := range els {
		if e.name == name {
			out = append(out, e)
		}
	}
	return out
}

func texts(els []element) string {
	var b strings.Builder
	for _, e := range find(els, "text") {
		b.WriteString(e.text + "\n")
	}
	return b.String()
}

// checkAccessible checks the root is an image labelled by its own title
// and description.
func checkAccessible(t *testing.T, els []element, id, title, desc string) {
	t.Helper()
	root := els[0]
	if root.name != "svg" || root.attrs["role"] != "img" || root.attrs["id"] != id || !strings.HasPrefix(root.attrs["viewBox"], "0 0 ") {
		t.Fatalf("root %+v", root)
	}
	if root.attrs["aria-labelledby"] != id+"-title "+id+"-desc" {
		t.Errorf("aria-labelledby %q", root.attrs["aria-labelledby"])
	}
	if _, ok := root.attrs["width"]; ok {
		t.Errorf("a fixed width stops the chart scaling to its container")
	}
	ti, de := find(els, "title"), find(els, "desc")
	if len(ti) == 0 || ti[0].attrs["id"] != id+"-title" || ti[0].text != title {
		t.Errorf("title %+v, want %q", ti, title)
	}
	if len(de) != 1 || de[0].attrs["id"] != id+"-desc" || de[0].text != desc {
		t.Errorf("desc %+v, want %q", de, desc)
	}
}

// pathPoints reads the coordinates of an M/L path.
func pathPoints(t *testing.T, d string) [][2]float64 {
	t.Helper()
	var out [][2]float64
	f := strings.Fields(strings.NewReplacer("M", " ", "L", " ", "Z", " ").Replace(d))
	if len(f)%2 != 0 {
		t.Fatalf("odd coordinates in path %q", d)
	}
	for i := 0; i < len(f); i += 2 {
		x, err1 := strconv.ParseFloat(f[i], 64)
		y, err2 := strconv.ParseFloat(f[i+1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad coordinates %q %q", f[i], f[i+1])
		}
		out = append(out, [2]float64{x, y})
	}
	return out
}

func samplePareto() Pareto {
	// The seeds' example: 10% of accounts carry 45%, 30% carry 75%.
	return Pareto{
		ID: "pareto", Title: "MRR by share of accounts", Desc: `The top 10% of accounts carry 45% of MRR; "A & B" <co>`,
		Curve: []XY{{0, 0}, {0.05, 0.3}, {0.1, 0.45}, {0.2, 0.62}, {0.3, 0.75}, {0.6, 0.93}, {1, 1}},
		Marks: []ParetoMark{
			{X: 0.1, Y: 0.45, Label: "Top 10% of accounts = 45% of MRR", Short: "Top 10% = 45%", Detail: "floor $5,012"},
			{X: 0.3, Y: 0.75, Label: "Top 30% of accounts = 75% of MRR", Short: "Top 30% = 75%", Detail: "floor $1,700"},
		},
		XLabel: "Share of accounts, largest first", YLabel: "Cumulative share of MRR",
	}
}

func TestPareto(t *testing.T) {
	t.Parallel()
	p := samplePareto()
	for _, tc := range []struct {
		layout Layout
		id     string
		want   []string
		not    []string
	}{
		{Wide, "pareto-wide", []string{"Top 10% of accounts = 45% of MRR", "floor $5,012", "Top 30% of accounts = 75% of MRR", "floor $1,700",
			"0%", "25%", "50%", "75%", "100%", "Share of accounts, largest first", "Cumulative share of MRR"}, []string{"Top 10% = 45%"}},
		{Narrow, "pareto-narrow", []string{"Top 10% = 45%", "floor $5,012", "Top 30% = 75%", "floor $1,700"}, []string{"Top 10% of accounts"}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			t.Parallel()
			doc := string(p.SVG(tc.layout))
			els := decode(t, doc)
			checkAccessible(t, els, tc.id, p.Title, p.Desc)
			got := texts(els)
			for _, w := range tc.want {
				if !strings.Contains(got, w+"\n") {
					t.Errorf("no text %q in\n%s", w, got)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("text %q in this layout", w)
				}
			}
			if strings.Contains(doc, "<co>") || !strings.Contains(doc, "&#34;A &amp; B&#34; &lt;co&gt;") {
				t.Errorf("description not escaped")
			}
			if strings.Contains(doc, "style=") {
				t.Errorf("inline style: the page's CSP forbids it")
			}
			var curve []element
			for _, e := range find(els, "path") {
				if e.attrs["class"] == "chart-curve" {
					curve = append(curve, e)
				}
			}
			if len(curve) != 1 {
				t.Fatalf("%d curves", len(curve))
			}
			pts := pathPoints(t, curve[0].attrs["d"])
			if len(pts) != len(p.Curve) {
				t.Fatalf("%d points drawn, want %d", len(pts), len(p.Curve))
			}
			// Monotonic: right along the bottom, up the side (SVG y grows down).
			for i := 1; i < len(pts); i++ {
				if pts[i][0] <= pts[i-1][0] || pts[i][1] > pts[i-1][1] {
					t.Errorf("curve not monotonic at %d: %v then %v", i, pts[i-1], pts[i])
				}
			}
			if dots := find(els, "circle"); len(dots) != 2 {
				t.Errorf("%d mark dots, want 2", len(dots))
			}
		})
	}
}

func TestParetoThinsLongCurves(t *testing.T) {
	t.Parallel()
	// 100,000 accounts paying the same: a straight line of 100,001 points.
	var c []XY
	for i := 0; i <= 100_000; i++ {
		c = append(c, XY{float64(i) / 100_000, float64(i) / 100_000})
	}
	doc := string(Pareto{ID: "p", Curve: c}.SVG(Wide))
	els := decode(t, doc)
	for _, e := range find(els, "path") {
		if e.attrs["class"] != "chart-curve" {
			continue
		}
		pts := pathPoints(t, e.attrs["d"])
		if len(pts) > 1000 || len(pts) < 100 {
			t.Errorf("%d points drawn for 100,001", len(pts))
		}
		last := pts[len(pts)-1]
		if last[0] != 684 || last[1] != 30 { // the top-right corner of the plot
			t.Errorf("curve ends at %v", last)
		}
	}
	if len(doc) > 40_000 {
		t.Errorf("chart is %d bytes", len(doc))
	}
}

func TestParetoEmpty(t *testing.T) {
	t.Parallel()
	els := decode(t, string(Pareto{ID: "e", Title: "No revenue"}.SVG(Wide)))
	for _, e := range find(els, "path") {
		if e.attrs["class"] == "chart-curve" {
			t.Errorf("a curve with no points")
		}
	}
}

func TestBars(t *testing.T) {
	t.Parallel()
	b := Bars{
		ID: "books", Title: "Book size per CSM", Desc: "ARR per CSM",
		Bars: []Bar{
			{Label: "Ada Lovelace", Value: 420, ValueText: "$4.2M", Note: "41 accounts", Marker: 440, MarkerText: "Capacity $4.4M"},
			{Label: "Grace Brewster Murray Hopper, Rear Admiral", Value: 180, ValueText: "$1.8M", Note: "1 account"},
			{Label: "No CSM", Value: 30, ValueText: "$0.3M", Note: "900 accounts", Muted: true},
		},
		Band: &Band{Lo: 120, Mid: 230, Hi: 450, Label: "Benchmark 25th–75th percentile"},
		Tick: func(v int64) string { return fmt.Sprintf("$%dM", v/100) },
	}
	for _, l := range []Layout{Wide, Narrow} {
		doc := string(b.SVG(l))
		els := decode(t, doc)
		id := "books-wide"
		if l == Narrow {
			id = "books-narrow"
		}
		checkAccessible(t, els, id, b.Title, b.Desc)
		got := texts(els)
		for _, w := range []string{"Ada Lovelace", "$4.2M · 41 accounts", "$1.8M · 1 account", "No CSM", "Benchmark 25th–75th percentile", "$0M", "$5M"} {
			if !strings.Contains(got, w+"\n") {
				t.Errorf("layout %d: no text %q in\n%s", l, w, got)
			}
		}
		if !strings.Contains(got, "Grace Brewster Murray") || strings.Contains(got, "Rear Admiral") {
			t.Errorf("layout %d: long label not clipped:\n%s", l, got)
		}
		var widths []float64
		for _, r := range find(els, "rect") {
			if strings.HasPrefix(r.attrs["class"], "chart-bar") {
				w, _ := strconv.ParseFloat(r.attrs["width"], 64)
				widths = append(widths, w)
			}
		}
		if len(widths) != 3 || !(widths[0] > widths[1] && widths[1] > widths[2] && widths[2] > 0) {
			t.Errorf("layout %d: bar widths %v do not follow the values", l, widths)
		}
		if !strings.Contains(doc, `class="chart-bar chart-bar-muted"`) || !strings.Contains(doc, "<title>Capacity $4.4M</title>") {
			t.Errorf("layout %d: muted bar or marker missing", l)
		}
	}
}

func TestNiceStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		top  int64
		n    int
		want int64
	}{
		{0, 5, 1}, {5, 5, 1}, {10, 5, 2}, {11, 5, 5}, {100, 5, 20}, {440, 5, 100}, {1000, 4, 250}, {450_000_000, 5, 100_000_000},
	} {
		if got := niceStep(tc.top, tc.n); got != tc.want {
			t.Errorf("niceStep(%d, %d) = %d, want %d", tc.top, tc.n, got, tc.want)
		}
	}
}

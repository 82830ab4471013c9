package chart

import (
	"html/template"
	"math"
)

// XY is a point of a curve in shares: X and Y from 0 to 1.
type XY struct{ X, Y float64 }

// ParetoMark is a labelled point on the Pareto curve, such as the top 10%
// of accounts: the curve at X is Y. Label and Detail are its two lines of
// text in the Wide layout ("Top 10% of accounts = 45% of MRR", "floor
// $5,012"); Short replaces Label in the Narrow one ("Top 10% = 45%").
type ParetoMark struct {
	X, Y                 float64
	Label, Short, Detail string
}

// Pareto is a Pareto chart: the share of accounts, largest first, along
// the bottom, and the share of revenue they carry up the side.
type Pareto struct {
	// ID names the chart's element (and, suffixed, its title and
	// description); it must be unique in the page.
	ID string
	// Title and Desc are what a screen reader announces.
	Title, Desc string
	// Curve runs from (0, 0) to (1, 1) with X ascending.
	Curve []XY
	Marks []ParetoMark
	// XLabel and YLabel name the axes.
	XLabel, YLabel string
}

// paretoGeometry is the size of the drawing and of its plot area.
type paretoGeometry struct {
	w, h                     float64
	left, right, top, bottom float64 // margins
	font                     float64
}

func (g paretoGeometry) px(x float64) float64 { return g.left + x*(g.w-g.left-g.right) }
func (g paretoGeometry) py(y float64) float64 { return g.h - g.bottom - y*(g.h-g.top-g.bottom) }

// SVG draws the chart in the given layout.
func (p Pareto) SVG(l Layout) template.HTML {
	g := paretoGeometry{w: 700, h: 350, left: 44, right: 16, top: 30, bottom: 46, font: 12}
	id := p.ID + "-wide"
	if l == Narrow {
		g = paretoGeometry{w: 330, h: 290, left: 38, right: 10, top: 30, bottom: 44, font: 12}
		id = p.ID + "-narrow"
	}
	var s svg
	s.open(id, "chart-pareto", g.w, g.h, p.Title, p.Desc)

	// Gridlines and axes: every 25% both ways (every 50% across on phones
	// would leave too few; 25% stays readable at 360 wide).
	for i := 0; i <= 4; i++ {
		v := float64(i) / 4
		cls := "chart-grid"
		if i == 0 {
			cls = "chart-axis"
		}
		s.line(cls, g.px(0), g.py(v), g.px(1), g.py(v))
		s.line(cls, g.px(v), g.py(0), g.px(v), g.py(1))
		s.text("chart-tick", g.px(0)-6, g.py(v)+4, "end", pct(v))
		anchor := "middle"
		if i == 4 {
			anchor = "end"
		}
		s.text("chart-tick", g.px(v), g.py(0)+16, anchor, pct(v))
	}
	s.text("chart-label", g.px(0.5), g.h-8, "middle", p.XLabel)
	s.text("chart-label", g.px(0)-g.left+4, g.top-14, "start", p.YLabel)

	// Equal shares, for reference: the curve if every account paid the same.
	s.line("chart-ref", g.px(0), g.py(0), g.px(1), g.py(1))

	pts := thin(p.Curve, g)
	if len(pts) > 1 {
		var area, line []byte
		area = append(area, "M"+num(g.px(pts[0].X))+" "+num(g.py(0))...)
		for i, pt := range pts {
			cmd := " L"
			if i == 0 {
				line = append(line, 'M')
				cmd = ""
			}
			line = append(line, cmd+num(g.px(pt.X))+" "+num(g.py(pt.Y))...)
			area = append(area, " L"+num(g.px(pt.X))+" "+num(g.py(pt.Y))...)
		}
		area = append(area, " L"+num(g.px(pts[len(pts)-1].X))+" "+num(g.py(0))+" Z"...)
		s.raw(`<path class="chart-area" d="` + string(area) + `"/>`)
		s.raw(`<path class="chart-curve" d="` + string(line) + `"/>`)
	}

	for _, m := range p.Marks {
		x, y := g.px(clamp01(m.X)), g.py(clamp01(m.Y))
		s.line("chart-guide", x, g.py(0), x, y)
		s.line("chart-guide", g.px(0), y, x, y)
		s.circle("chart-dot", x, y, 4.5)
		label := m.Label
		if l == Narrow && m.Short != "" {
			label = m.Short
		}
		// Below and to the right of the point, inside the area under the
		// curve; flipped left when it would run off the plot.
		width := g.font * 0.56 * float64(max(len([]rune(label)), len([]rune(m.Detail))))
		tx, anchor := x+8, "start"
		if tx+width > g.w-g.right {
			tx, anchor = x-8, "end"
		}
		ty := y + 18
		s.text("chart-mark", tx, ty, anchor, label)
		if m.Detail != "" {
			s.text("chart-mark-detail", tx, ty+g.font+3, anchor, m.Detail)
		}
	}
	s.close()
	return s.html()
}

// thin drops points closer than one unit to the last one kept, so a
// curve of 100,000 accounts draws as a few hundred segments. The first and
// last points are always kept.
func thin(pts []XY, g paretoGeometry) []XY {
	if len(pts) <= 2 {
		return pts
	}
	out := []XY{pts[0]}
	for i := 1; i < len(pts)-1; i++ {
		last := out[len(out)-1]
		if math.Abs(g.px(pts[i].X)-g.px(last.X)) >= 1 || math.Abs(g.py(pts[i].Y)-g.py(last.Y)) >= 1 {
			out = append(out, pts[i])
		}
	}
	return append(out, pts[len(pts)-1])
}

// pct writes a share as a whole percentage: 0.25 → "25%".
func pct(v float64) string { return num(math.Round(v*100)) + "%" }

func clamp01(v float64) float64 { return max(0, min(1, v)) }

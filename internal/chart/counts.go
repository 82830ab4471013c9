package chart

import (
	"html/template"
	"strconv"
)

// CountSeries is one line of a CountLines chart: a value per X position.
type CountSeries struct {
	Name   string
	Class  string // chart-line-1, chart-line-2 … (colours from the stylesheet)
	Values []int64
}

// CountLines is a line chart of counts over evenly spaced positions (days):
// active users over time. Labels name the first, middle and last positions.
type CountLines struct {
	ID, Title, Desc string
	Labels          []string // one per position
	YLabel          string
	Series          []CountSeries
}

// SVG draws the chart in the given layout.
func (c CountLines) SVG(l Layout) template.HTML {
	g := paretoGeometry{w: 700, h: 260, left: 44, right: 16, top: 30, bottom: 40, font: 12}
	id := c.ID + "-wide"
	if l == Narrow {
		g = paretoGeometry{w: 330, h: 220, left: 36, right: 10, top: 30, bottom: 40, font: 12}
		id = c.ID + "-narrow"
	}
	var s svg
	s.open(id, "chart-lines", g.w, g.h, c.Title, c.Desc)
	n := len(c.Labels)
	var top int64
	for _, se := range c.Series {
		for _, v := range se.Values {
			top = max(top, v)
		}
	}
	step := niceStep(max(top, 1), 4)
	ceil := ((max(top, 1) + step - 1) / step) * step
	for v := int64(0); v <= ceil; v += step {
		y := float64(v) / float64(ceil)
		cls := "chart-grid"
		if v == 0 {
			cls = "chart-axis"
		}
		s.line(cls, g.px(0), g.py(y), g.px(1), g.py(y))
		s.text("chart-tick", g.px(0)-6, g.py(y)+4, "end", strconv.FormatInt(v, 10))
	}
	s.text("chart-label", g.px(0)-g.left+4, g.top-14, "start", c.YLabel)
	x := func(i int) float64 {
		if n <= 1 {
			return 0.5
		}
		return float64(i) / float64(n-1)
	}
	for _, i := range []int{0, n / 2, n - 1} {
		if i < 0 || i >= n {
			continue
		}
		anchor := "middle"
		if i == 0 {
			anchor = "start"
		} else if i == n-1 {
			anchor = "end"
		}
		s.text("chart-tick", g.px(x(i)), g.py(0)+16, anchor, c.Labels[i])
	}
	lx := g.px(1)
	for k := len(c.Series) - 1; k >= 0; k-- {
		se := c.Series[k]
		if len(se.Values) == 0 {
			continue
		}
		d := make([]byte, 0, 16*len(se.Values))
		for i, v := range se.Values {
			if i == 0 {
				d = append(d, 'M')
			} else {
				d = append(d, " L"...)
			}
			d = append(d, num(g.px(x(i)))+" "+num(g.py(float64(v)/float64(ceil)))...)
		}
		s.raw(`<path class="chart-line ` + esc(se.Class) + `" d="` + string(d) + `"><title>` + esc(se.Name) + `</title></path>`)
		last := se.Values[len(se.Values)-1]
		s.text("chart-mark-detail", lx-4, g.py(float64(last)/float64(ceil))-6, "end", se.Name+" "+strconv.FormatInt(last, 10))
	}
	s.close()
	return s.html()
}

package chart

import (
	"html/template"
	"math"
	"strconv"
)

// Value is one point of a series: V when OK, a gap when not (a ratio with
// nothing to divide by is not zero).
type Value struct {
	V  float64
	OK bool
}

// Series is one line of a line chart, one value per label.
type Series struct {
	Name string
	// Class picks the line's colour in the stylesheet: chart-line-<Class>.
	Class  string
	Values []Value
}

// Lines is a line chart of ratios over time: one label per point along
// the bottom (months), one line per series, the last value of each line
// written at its end.
type Lines struct {
	// ID names the chart's element; it must be unique in the page.
	ID          string
	Title, Desc string
	Labels      []string
	Series      []Series
	// Format writes a value ("97.3%"); Ref, when set, draws a dashed
	// reference line (100%).
	Format func(float64) string
	Ref    *float64
	// URLs, when set, make each point a link (one per label; "" for none).
	URLs []string
}

// Range is the value range the axis covers: the data and the reference
// line, widened to round steps.
func (c Lines) Range() (lo, hi, step float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v.OK {
				lo, hi = min(lo, v.V), max(hi, v.V)
			}
		}
	}
	if c.Ref != nil {
		lo, hi = min(lo, *c.Ref), max(hi, *c.Ref)
	}
	if math.IsInf(lo, 1) {
		return 0, 1, 0.25
	}
	span := hi - lo
	if span <= 0 {
		span = math.Max(math.Abs(hi)*0.1, 0.01)
	}
	step = niceFloat(span / 4)
	lo = math.Floor(lo/step) * step
	hi = math.Ceil(hi/step) * step
	if hi == lo {
		hi = lo + step
	}
	return lo, hi, step
}

// niceFloat is a round step (1, 2, 2.5 or 5 times a power of ten) not
// smaller than x.
func niceFloat(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= x*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// SVG draws the chart in the given layout; Narrow labels fewer months.
func (c Lines) SVG(l Layout) template.HTML {
	format := c.Format
	if format == nil {
		format = func(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }
	}
	var (
		w, h, left, right, top, bottom float64
		every                          int
		id                             string
	)
	if l == Narrow {
		w, h, left, right, top, bottom, id = 340, 250, 46, 52, 16, 30, c.ID+"-narrow"
		every = max(1, (len(c.Labels)+3)/4)
	} else {
		w, h, left, right, top, bottom, id = 700, 280, 52, 64, 16, 30, c.ID+"-wide"
		every = max(1, (len(c.Labels)+7)/8)
	}
	lo, hi, step := c.Range()
	n := len(c.Labels)
	x := func(i int) float64 {
		if n <= 1 {
			return left + (w-left-right)/2
		}
		return left + float64(i)/float64(n-1)*(w-left-right)
	}
	y := func(v float64) float64 { return h - bottom - (v-lo)/(hi-lo)*(h-top-bottom) }

	var s svg
	s.open(id, "chart-lines", w, h, c.Title, c.Desc)
	for k := 0; ; k++ {
		v := lo + float64(k)*step
		if v > hi+step/1e6 {
			break
		}
		cls := "chart-grid"
		if k == 0 {
			cls = "chart-axis"
		}
		s.line(cls, left, y(v), w-right, y(v))
		s.text("chart-tick", left-6, y(v)+4, "end", format(v))
	}
	if c.Ref != nil {
		s.line("chart-ref", left, y(*c.Ref), w-right, y(*c.Ref))
	}
	for i, lab := range c.Labels {
		if (n-1-i)%every != 0 { // always label the latest point
			continue
		}
		anchor := "middle"
		if i == 0 && n > 1 {
			anchor = "start"
		}
		s.text("chart-tick", x(i), h-bottom+18, anchor, lab)
	}
	// End labels, nudged apart when two lines end close together.
	type endLabel struct {
		y    float64
		text string
		cls  string
	}
	var ends []endLabel
	for _, se := range c.Series {
		cls := "chart-line chart-line-" + se.Class
		var d []byte
		pen := false
		last := -1
		for i, v := range se.Values {
			if i >= n {
				break
			}
			if !v.OK {
				pen = false
				continue
			}
			cmd := " L"
			if !pen {
				cmd = " M"
			}
			d = append(d, cmd+num(x(i))+" "+num(y(v.V))...)
			pen = true
			last = i
		}
		if len(d) > 0 {
			s.raw(`<path class="` + esc(cls) + `" d="` + string(d[1:]) + `"/>`)
		}
		for i, v := range se.Values {
			if i < n && v.OK {
				link := i < len(c.URLs) && c.URLs[i] != ""
				if link {
					s.raw(`<a href="` + esc(c.URLs[i]) + `" class="chart-link">`)
				}
				s.raw(`<circle class="chart-line-dot chart-line-` + esc(se.Class) + `" cx="` + num(x(i)) + `" cy="` + num(y(v.V)) +
					`" r="2.5"><title>` + esc(se.Name+" "+c.Labels[i]+": "+format(v.V)) + `</title></circle>`)
				if link {
					s.raw(`</a>`)
				}
			}
		}
		if last >= 0 {
			ends = append(ends, endLabel{y: y(se.Values[last].V) + 4, text: se.Name + " " + format(se.Values[last].V), cls: "chart-end chart-end-" + se.Class})
		}
	}
	for i := 1; i < len(ends); i++ {
		for j := range i {
			if d := ends[i].y - ends[j].y; math.Abs(d) < 14 {
				if d >= 0 {
					ends[i].y = ends[j].y + 14
				} else {
					ends[i].y = ends[j].y - 14
				}
			}
		}
	}
	for _, e := range ends {
		text := e.text
		if l == Narrow { // the name is in the legend; keep the value
			if k := len(text) - 1; k >= 0 {
				for k > 0 && text[k-1] != ' ' {
					k--
				}
				text = text[k:]
			}
		}
		s.text(e.cls, w-right+6, e.y, "start", text)
	}
	s.close()
	return s.html()
}

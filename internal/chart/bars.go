package chart

import "html/template"

// Bar is one row of a horizontal bar chart.
type Bar struct {
	Label string
	Value int64
	// ValueText is the value as people read it ("$4.1M"); Note follows it
	// ("41 accounts").
	ValueText, Note string
	// Marker, when positive, is drawn as a tick across the bar (a CSM's
	// capacity); MarkerText is its tooltip.
	Marker     int64
	MarkerText string
	// Muted draws the bar in grey (the accounts nobody owns).
	Muted bool
}

// Band is a range of values shaded behind the bars, with a line at Mid:
// the benchmark's 25th to 75th percentile around its median.
type Band struct {
	Lo, Mid, Hi int64
	Label       string
}

// Bars is a horizontal bar chart, one bar per row, largest values
// usually first.
type Bars struct {
	// ID names the chart's element; it must be unique in the page.
	ID          string
	Title, Desc string
	Bars        []Bar
	Band        *Band
	// Tick writes an axis value ("$2M").
	Tick func(int64) string
}

// SVG draws the chart in the given layout: Wide puts labels in a column
// left of the bars, Narrow puts each label above its bar.
func (b Bars) SVG(l Layout) template.HTML {
	tick := b.Tick
	if tick == nil {
		tick = func(v int64) string { return num(float64(v)) }
	}
	top := int64(0)
	for _, r := range b.Bars {
		top = max(top, r.Value, r.Marker)
	}
	if b.Band != nil {
		top = max(top, b.Band.Hi)
	}
	step := niceStep(top, 5)
	axisMax := max(step, (top+step-1)/step*step)

	var (
		w, rowH, plotL, plotR, head float64
		id                          string
	)
	if l == Narrow {
		w, rowH, plotL, plotR, head, id = 330, 46, 4, 326, 34, b.ID+"-narrow"
	} else {
		w, rowH, plotL, plotR, head, id = 580, 30, 150, 446, 34, b.ID+"-wide"
	}
	const foot = 30
	rows := float64(len(b.Bars))
	h := head + rows*rowH + foot
	x := func(v int64) float64 { return plotL + float64(v)/float64(axisMax)*(plotR-plotL) }
	bottom := head + rows*rowH

	var s svg
	s.open(id, "chart-bars", w, h, b.Title, b.Desc)
	if b.Band != nil {
		s.rect("chart-band", x(b.Band.Lo), head-6, x(b.Band.Hi)-x(b.Band.Lo), bottom-head+6, b.Band.Label)
		s.line("chart-band-mid", x(b.Band.Mid), head-6, x(b.Band.Mid), bottom)
		anchor, lx := "middle", (x(b.Band.Lo)+x(b.Band.Hi))/2
		if lx > w-70 {
			anchor, lx = "end", x(b.Band.Hi)
		}
		s.text("chart-band-label", lx, head-12, anchor, b.Band.Label)
	}
	for v := int64(0); v <= axisMax; v += step {
		cls := "chart-grid"
		if v == 0 {
			cls = "chart-axis"
		}
		s.line(cls, x(v), head-6, x(v), bottom)
		anchor := "middle"
		if v == 0 && l == Narrow {
			anchor = "start"
		} else if v == axisMax && l == Narrow {
			anchor = "end"
		}
		s.text("chart-tick", x(v), bottom+18, anchor, tick(v))
	}
	for i, r := range b.Bars {
		y := head + float64(i)*rowH
		cls := "chart-bar"
		if r.Muted {
			cls = "chart-bar chart-bar-muted"
		}
		value := r.ValueText
		if r.Note != "" {
			value += " · " + r.Note
		}
		var barY, barH float64
		if l == Narrow {
			s.text("chart-row-label", plotL, y+14, "start", clip(r.Label, 28))
			s.text("chart-value", plotR, y+14, "end", value)
			barY, barH = y+21, 14
		} else {
			s.text("chart-row-label", plotL-10, y+rowH/2+4, "end", clip(r.Label, 22))
			barY, barH = y+(rowH-14)/2, 14
		}
		s.rect(cls, plotL, barY, x(r.Value)-plotL, barH, r.Label+": "+value)
		if l == Wide { // after the bar, or after its marker when that is further
			s.text("chart-value", max(x(r.Value), x(r.Marker))+6, y+rowH/2+4, "start", value)
		}
		if r.Marker > 0 {
			s.raw(`<g class="chart-marker">`)
			s.line("chart-marker-line", x(r.Marker), barY-3, x(r.Marker), barY+barH+3)
			if r.MarkerText != "" {
				s.raw(`<title>` + esc(r.MarkerText) + `</title>`)
			}
			s.raw(`</g>`)
		}
	}
	s.close()
	return s.html()
}

package chart

import (
	"html/template"
	"strings"
)

// WaterfallStep is one bar of a waterfall chart.
type WaterfallStep struct {
	Label string
	// Value is the level for a total (drawn from the axis) and the change
	// for a movement (drawn floating from the running level: up when
	// positive, down when negative).
	Value int64
	Total bool
	// ValueText is the value as people read it ("+$41K"); URL, when set,
	// makes the bar a link (to the accounts behind it).
	ValueText, URL string
}

// Waterfall is a waterfall chart: a starting level, the movements that
// raise and lower it one after another, and the level they end at — the
// MRR bridge from the start of a period to its end.
type Waterfall struct {
	// ID names the chart's element; it must be unique in the page.
	ID          string
	Title, Desc string
	Steps       []WaterfallStep
	// Tick writes an axis value ("$2M").
	Tick func(int64) string
}

// waterfallBar is a step placed on the value axis: from lo to hi.
type waterfallBar struct {
	lo, hi int64
	class  string
}

// bars places the steps: totals from zero to their level, movements
// between the running level before and after them.
func (wf Waterfall) bars() []waterfallBar {
	out := make([]waterfallBar, len(wf.Steps))
	var level int64
	for i, s := range wf.Steps {
		switch {
		case s.Total:
			level = s.Value
			out[i] = waterfallBar{lo: min(0, s.Value), hi: max(0, s.Value), class: "chart-wf-total"}
		case s.Value >= 0:
			out[i] = waterfallBar{lo: level, hi: level + s.Value, class: "chart-wf-up"}
			level += s.Value
		default:
			out[i] = waterfallBar{lo: level + s.Value, hi: level, class: "chart-wf-down"}
			level += s.Value
		}
	}
	return out
}

// axis is the value range drawn: from zero when the movements are large
// against the levels, otherwise from a round value below the lowest
// movement so that movements of a few percent stay visible (totals then
// carry a break mark, and Broken reports it).
func (wf Waterfall) axis(bars []waterfallBar) (lo, hi, step int64, broken bool) {
	if len(bars) == 0 {
		return 0, 1, 1, false
	}
	minMove, maxAll := int64(1<<62), int64(0)
	hasMove := false
	for i, b := range bars {
		maxAll = max(maxAll, b.hi)
		if !wf.Steps[i].Total {
			minMove = min(minMove, b.lo)
			hasMove = true
		}
	}
	if !hasMove || minMove <= 0 || maxAll <= 0 {
		step = niceStep(max(maxAll, 1), 5)
		return 0, max(step, (maxAll+step-1)/step*step), step, false
	}
	span := maxAll - minMove
	// Zero stays the baseline when the movements span at least a third of
	// the top: they read well enough at that scale.
	if span*3 >= maxAll {
		step = niceStep(maxAll, 5)
		return 0, max(step, (maxAll+step-1)/step*step), step, false
	}
	step = niceStep(max(span, 1), 4)
	lo = (minMove - step/2) / step * step // a little room below the lowest movement
	if lo < 0 {
		lo = 0
	}
	hi = max(lo+step, (maxAll+step-1)/step*step)
	return lo, hi, step, lo > 0
}

// Broken reports whether the value axis does not start at zero (the
// movements are small against the levels), so a caption can say so.
func (wf Waterfall) Broken() bool {
	_, _, _, broken := wf.axis(wf.bars())
	return broken
}

// SVG draws the chart in the given layout: Wide labels each bar below it
// with its value above; Narrow draws the same bars on a phone-width canvas
// with shorter labels.
func (wf Waterfall) SVG(l Layout) template.HTML {
	tick := wf.Tick
	if tick == nil {
		tick = func(v int64) string { return num(float64(v)) }
	}
	bars := wf.bars()
	lo, hi, step, broken := wf.axis(bars)
	// Coarser steps until no two ticks read the same ("$3.3M" twice when
	// the format rounds 3.25M).
	for distinct := false; !distinct; {
		distinct = true
		for v := lo; v+step <= hi; v += step {
			if tick(v) == tick(v+step) {
				distinct = false
				step *= 2
				lo = lo / step * step
				hi = max(lo+step, (hi+step-1)/step*step)
				break
			}
		}
	}
	var (
		w, h, left, right, top, bottom float64
		labelLen                       int
		id                             string
	)
	if l == Narrow {
		w, h, left, right, top, bottom, labelLen, id = 340, 270, 44, 6, 26, 40, 7, wf.ID+"-narrow"
	} else {
		w, h, left, right, top, bottom, labelLen, id = 700, 320, 56, 10, 28, 40, 14, wf.ID+"-wide"
	}
	y := func(v int64) float64 {
		return h - bottom - float64(v-lo)/float64(hi-lo)*(h-top-bottom)
	}
	var s svg
	s.open(id, "chart-waterfall", w, h, wf.Title, wf.Desc)
	for v := lo; v <= hi; v += step {
		cls := "chart-grid"
		if v == lo {
			cls = "chart-axis"
		}
		s.line(cls, left, y(v), w-right, y(v))
		s.text("chart-tick", left-6, y(v)+4, "end", tick(v))
	}
	n := float64(max(len(bars), 1))
	slot := (w - left - right) / n
	barW := slot * 0.62
	for i, b := range bars {
		st := wf.Steps[i]
		x := left + float64(i)*slot + (slot-barW)/2
		blo, bhi := max(b.lo, lo), min(b.hi, hi)
		top, bot := y(bhi), y(blo)
		if bot-top < 1 && b.hi != b.lo { // a movement too small to see still shows
			top = bot - 1
		}
		tip := st.Label + ": " + st.ValueText
		if st.URL != "" {
			s.raw(`<a href="` + esc(st.URL) + `" class="chart-link">`)
		}
		s.rect("chart-bar "+b.class, x, top, barW, bot-top, tip)
		if st.URL != "" {
			s.raw(`</a>`)
		}
		if st.Total && broken && b.lo < lo {
			// Two slanted strokes across the bar: its base is cut off.
			yb := y(lo) - 8
			s.raw(`<path class="chart-break" d="M` + num(x-2) + ` ` + num(yb+3) + ` L` + num(x+barW+2) + ` ` + num(yb-3) +
				` M` + num(x-2) + ` ` + num(yb+8) + ` L` + num(x+barW+2) + ` ` + num(yb+2) + `"/>`)
		}
		// Connector from this bar's level to the next bar.
		if i+1 < len(bars) {
			level := b.hi
			if !st.Total && st.Value < 0 {
				level = b.lo
			}
			if level >= lo && level <= hi {
				s.line("chart-wf-connector", x+barW, y(level), x+slot, y(level))
			}
		}
		valueClass := "chart-value"
		if l == Narrow {
			valueClass = "chart-value chart-value-sm"
		}
		s.text(valueClass, x+barW/2, top-6, "middle", st.ValueText)
		label := st.Label
		if l == Narrow {
			label = clip(label, labelLen)
		}
		s.text("chart-tick", x+barW/2, h-bottom+16, "middle", label)
	}
	s.close()
	return s.html()
}

// Signed writes an amount with an explicit sign (a true minus sign for
// losses) using format for its magnitude: "+$41K", "−$12K".
func Signed(v int64, format func(int64) string) string {
	if v < 0 {
		return "−" + strings.TrimPrefix(format(-v), "-")
	}
	return "+" + format(v)
}

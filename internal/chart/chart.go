// Package chart draws Tend's charts as SVG on the server: no JavaScript, no
// fonts or images to fetch. Each chart is accessible (role="img" with a
// title and a description a screen reader reads), scales to the width of
// its container through its viewBox, and is drawn in one of two layouts:
// Wide for laptops and Narrow for phones, where text stays legible.
//
// Colours, fonts and line styles come from classes (chart-*) in the page's
// stylesheet, so a chart follows the page and needs no inline styles.
// Every piece of text is escaped; the result is safe to put in a page.
package chart

import (
	"html"
	"html/template"
	"strconv"
	"strings"
)

// Layout is the shape a chart is drawn in.
type Layout int

// The layouts: Wide for a laptop-width card, Narrow for a phone.
const (
	Wide Layout = iota
	Narrow
)

// svg builds one SVG document. Numbers are written with one decimal
// place; text is escaped as it is added.
type svg struct {
	b strings.Builder
}

// open starts the document: a viewBox of w × h user units, as an image
// labelled by its title and description.
func (s *svg) open(id, class string, w, h float64, title, desc string) {
	s.raw(`<svg xmlns="http://www.w3.org/2000/svg" class="chart ` + esc(class) + `" viewBox="0 0 ` + num(w) + ` ` + num(h) +
		`" preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="` + esc(id) + `-title ` + esc(id) + `-desc" id="` + esc(id) + `">`)
	s.raw(`<title id="` + esc(id) + `-title">` + esc(title) + `</title>`)
	s.raw(`<desc id="` + esc(id) + `-desc">` + esc(desc) + `</desc>`)
}

func (s *svg) close() { s.raw(`</svg>`) }

func (s *svg) raw(v string) { s.b.WriteString(v) }

// line draws a line from (x1, y1) to (x2, y2).
func (s *svg) line(class string, x1, y1, x2, y2 float64) {
	s.raw(`<line class="` + class + `" x1="` + num(x1) + `" y1="` + num(y1) + `" x2="` + num(x2) + `" y2="` + num(y2) + `"/>`)
}

// rect draws a rectangle; a title, when given, shows as a tooltip.
func (s *svg) rect(class string, x, y, w, h float64, title string) {
	s.raw(`<rect class="` + class + `" x="` + num(x) + `" y="` + num(y) + `" width="` + num(max(w, 0)) + `" height="` + num(max(h, 0)) + `"`)
	if title == "" {
		s.raw(`/>`)
		return
	}
	s.raw(`><title>` + esc(title) + `</title></rect>`)
}

// circle draws a dot of radius r at (x, y).
func (s *svg) circle(class string, x, y, r float64) {
	s.raw(`<circle class="` + class + `" cx="` + num(x) + `" cy="` + num(y) + `" r="` + num(r) + `"/>`)
}

// text writes one line of text anchored at (x, y): anchor is start,
// middle or end.
func (s *svg) text(class string, x, y float64, anchor, t string) {
	s.raw(`<text class="` + class + `" x="` + num(x) + `" y="` + num(y) + `"`)
	if anchor != "" && anchor != "start" {
		s.raw(` text-anchor="` + anchor + `"`)
	}
	s.raw(`>` + esc(t) + `</text>`)
}

// html is the finished document, safe to put in a page: everything in
// it was either written here or escaped.
func (s *svg) html() template.HTML { return template.HTML(s.b.String()) }

// num writes a coordinate with at most one decimal place.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		return "0"
	}
	return s
}

// esc escapes text for an SVG text node or attribute value.
func esc(s string) string { return html.EscapeString(s) }

// clip shortens a label to at most n characters, ending it with "…".
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// niceStep is a round step (1, 2, 2.5 or 5 times a power of ten) that cuts
// 0…top into at most n intervals.
func niceStep(top int64, n int) int64 {
	if top <= 0 || n <= 0 {
		return 1
	}
	for scale := int64(1); ; scale *= 10 {
		for _, m := range []int64{10, 20, 25, 50} {
			step := m * scale / 10
			if step > 0 && (top+step-1)/step <= int64(n) {
				return step
			}
		}
	}
}

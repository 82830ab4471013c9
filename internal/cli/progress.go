package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tendhq/tend/internal/store"
)

// progress shows a recompute's progress: a bar redrawn in place on a
// terminal, otherwise a plain line whenever the counts change.
type progress struct {
	w    io.Writer
	tty  bool
	last string
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// show draws r.
func (p *progress) show(r store.Recompute) {
	line := fmt.Sprintf("scored %s of %s, written %s", thousandsOf(r.Scored), thousandsOf(r.Total), thousandsOf(r.Written))
	if line == p.last {
		return
	}
	p.last = line
	if !p.tty {
		fmt.Fprintln(p.w, "recompute: "+line)
		return
	}
	// Scoring is most of the work, writing the rest: weigh them 3 to 1.
	frac := 0.0
	if r.Total > 0 {
		frac = (0.75*float64(r.Scored) + 0.25*float64(r.Written)) / float64(r.Total)
	}
	const width = 30
	n := int(frac * width)
	n = max(0, min(n, width))
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %s ", strings.Repeat("#", n), strings.Repeat(".", width-n), 100*frac, line)
}

// done ends the bar's line.
func (p *progress) done() {
	if p.tty && p.last != "" {
		fmt.Fprintln(p.w)
	}
}

// thousandsOf writes n with thousands separators.
func thousandsOf(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

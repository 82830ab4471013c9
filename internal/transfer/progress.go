package transfer

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Bar draws an import's progress on one terminal line: a bar of the
// share of the file read, rows so far and rows per second. It redraws at
// most ten times a second.
type Bar struct {
	w     io.Writer
	width int
	last  time.Time
	drawn bool
}

// NewBar returns a bar that draws on w, which should be a terminal.
func NewBar(w io.Writer) *Bar { return &Bar{w: w, width: 30} }

// Update redraws the bar for p, unless it was drawn very recently.
func (b *Bar) Update(p Progress) {
	now := time.Now()
	if b.drawn && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last, b.drawn = now, true
	fmt.Fprint(b.w, "\r"+b.line(p)+"\x1b[K")
}

// Done clears the bar's line, leaving the cursor at its start.
func (b *Bar) Done() {
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
		b.drawn = false
	}
}

// line renders p, e.g. "[#######-------]  45%  123456 rows  52000 rows/s".
func (b *Bar) line(p Progress) string {
	rate := 0.0
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = float64(p.Rows) / s
	}
	tail := fmt.Sprintf("%d rows  %.0f rows/s", p.Rows, rate)
	if p.Size <= 0 {
		return tail
	}
	frac := min(float64(p.Bytes)/float64(p.Size), 1)
	done := int(frac * float64(b.width))
	return fmt.Sprintf("[%s%s] %3.0f%%  %s", strings.Repeat("#", done), strings.Repeat("-", b.width-done), frac*100, tail)
}

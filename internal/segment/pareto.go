// Package segment is the arithmetic of customer segmentation: the Pareto
// curve of MRR (how concentrated revenue is in the largest accounts), the
// tier marks on it, and CSM book sizes set against the staffing benchmark.
//
// It is plain Go over plain values — no SQL, no HTTP — so the storage layer
// measures and this package decides what the measurements mean.
package segment

import (
	"cmp"
	"fmt"
	"slices"
)

// Point is a point of the Pareto curve: the Accounts best-paying accounts
// together pay MRR. Floor, when known (non-zero), is the MRR of the least
// of them — the tier floor at that point.
type Point struct {
	Accounts int
	MRR      int64
	Floor    int64
}

// Band is a group of accounts adjacent in MRR order (for example all those
// paying between $2,000 and $2,500 a month): how many, and what they pay
// together. Bands are how a database too large to send every account's MRR
// describes the curve.
type Band struct {
	Accounts int
	MRR      int64
}

// Curve is the Pareto curve of MRR in one currency: paying accounts sorted
// by MRR, largest first, against the running total. It holds the points
// known exactly and interpolates linearly between them.
type Curve struct {
	// Accounts is how many accounts pay anything; MRR is what they pay.
	Accounts int
	MRR      int64
	points   []Point // ascending by Accounts; first {0, 0}, last {Accounts, MRR}
}

// FromMRRs is the exact curve of a list of account MRRs, in any order.
// Accounts paying nothing (zero or less) are left out: the curve is about
// who pays.
func FromMRRs(mrrs []int64) Curve {
	paying := make([]int64, 0, len(mrrs))
	for _, m := range mrrs {
		if m > 0 {
			paying = append(paying, m)
		}
	}
	slices.SortFunc(paying, func(a, b int64) int { return cmp.Compare(b, a) })
	pts := make([]Point, 0, len(paying)+1)
	pts = append(pts, Point{})
	var sum int64
	for i, m := range paying {
		sum += m
		pts = append(pts, Point{Accounts: i + 1, MRR: sum, Floor: m})
	}
	return Curve{Accounts: len(paying), MRR: sum, points: pts}
}

// Cumulate turns bands, largest-paying first, into the curve points at
// their lower edges. Empty bands add nothing.
func Cumulate(bands []Band) []Point {
	pts := make([]Point, 0, len(bands))
	var p Point
	for _, b := range bands {
		if b.Accounts <= 0 {
			continue
		}
		p.Accounts += b.Accounts
		p.MRR += b.MRR
		pts = append(pts, Point{Accounts: p.Accounts, MRR: p.MRR})
	}
	return pts
}

// Locate finds the band, among bands ordered largest-paying first, that
// holds the k-th best-paying account (k from 1): its index, and the point
// of the curve just before it — the accounts of every band above and what
// they pay. ok is false when no band holds rank k. With it a database that
// counted bands can measure an exact point by reading only the first
// k − above.Accounts accounts of one band.
func Locate(bands []Band, k int) (i int, above Point, ok bool) {
	if k <= 0 {
		return 0, Point{}, false
	}
	for i, b := range bands {
		if b.Accounts <= 0 {
			continue
		}
		if k <= above.Accounts+b.Accounts {
			return i, above, true
		}
		above.Accounts += b.Accounts
		above.MRR += b.MRR
	}
	return 0, Point{}, false
}

// FromPoints builds a curve from points measured exactly, in any order;
// the one with the most accounts is the whole curve's total. Points at the
// same account count must agree (a known Floor wins over an unknown one).
// It refuses points that cannot lie on one Pareto curve: negative values,
// MRR falling as accounts are added, or a larger MRR for fewer accounts.
func FromPoints(pts []Point) (Curve, error) {
	ps := slices.Clone(pts)
	slices.SortFunc(ps, func(a, b Point) int { return cmp.Compare(a.Accounts, b.Accounts) })
	out := []Point{{}}
	for _, p := range ps {
		if p.Accounts < 0 || p.MRR < 0 || p.Floor < 0 {
			return Curve{}, fmt.Errorf("segment: negative point %+v", p)
		}
		last := &out[len(out)-1]
		if p.Accounts == last.Accounts {
			if p.MRR != last.MRR {
				return Curve{}, fmt.Errorf("segment: two totals for the top %d accounts: %d and %d", p.Accounts, last.MRR, p.MRR)
			}
			if last.Floor == 0 {
				last.Floor = p.Floor
			}
			continue
		}
		if p.MRR < last.MRR {
			return Curve{}, fmt.Errorf("segment: MRR falls from %d to %d between the top %d and top %d accounts", last.MRR, p.MRR, last.Accounts, p.Accounts)
		}
		if p.Accounts > 0 && last.Accounts == 0 && p.MRR == 0 {
			return Curve{}, fmt.Errorf("segment: the top %d accounts pay nothing", p.Accounts)
		}
		out = append(out, p)
	}
	end := out[len(out)-1]
	return Curve{Accounts: end.Accounts, MRR: end.MRR, points: out}, nil
}

// Points are the curve's known points, from {0, 0} to the total, in order.
func (c Curve) Points() []Point { return slices.Clone(c.points) }

// Empty reports a curve with no paying account.
func (c Curve) Empty() bool { return c.Accounts == 0 }

// TopCount is how many accounts make up the top percent of n: the
// percentage rounded up, so that the top 10% of 15 accounts is 2 and of
// any non-empty book at least 1. Integer arithmetic: no 0.1 × 2000 =
// 200.00000000000003 surprises.
func TopCount(n, percent int) int {
	if n <= 0 || percent <= 0 {
		return 0
	}
	if percent >= 100 {
		return n
	}
	return (n*percent + 99) / 100
}

// At is the point of the curve for the top k accounts (k clamped to the
// curve), and whether it is known exactly rather than interpolated between
// the known points around it. Interpolated points have no Floor.
func (c Curve) At(k int) (Point, bool) {
	if len(c.points) == 0 {
		return Point{}, true
	}
	k = max(0, min(k, c.Accounts))
	i, found := slices.BinarySearchFunc(c.points, k, func(p Point, k int) int { return cmp.Compare(p.Accounts, k) })
	if found {
		return c.points[i], true
	}
	lo, hi := c.points[i-1], c.points[i]
	// Linear between the known neighbours, rounded to the nearest minor
	// unit; the products fit: MRR totals are far below 2^63 / accounts.
	span := int64(hi.Accounts - lo.Accounts)
	mrr := lo.MRR + ((hi.MRR-lo.MRR)*int64(k-lo.Accounts)+span/2)/span
	return Point{Accounts: k, MRR: mrr}, false
}

// Share is a fraction of a whole, kept as the two integers so that nothing
// is rounded until it is shown.
type Share struct {
	Part, Whole int64
}

// Float is the share as a number from 0 to 1 (0 of an empty whole).
func (s Share) Float() float64 {
	if s.Whole == 0 {
		return 0
	}
	return float64(s.Part) / float64(s.Whole)
}

// Percent is the share in whole percent, rounded half up: 0.455 → 46.
func (s Share) Percent() int {
	if s.Whole == 0 {
		return 0
	}
	return int((200*s.Part + s.Whole) / (2 * s.Whole))
}

// Mark is the top Percent of paying accounts: how many they are, what they
// pay, their share of all MRR, and the floor — the least any of them pays.
type Mark struct {
	Percent  int
	Accounts int
	MRR      int64
	Share    Share
	// Floor is 0 when unknown (the point was interpolated).
	Floor int64
	// Exact is false when the figures are read between known points.
	Exact bool
}

// Top is the mark for the top percent of accounts.
func (c Curve) Top(percent int) Mark {
	k := TopCount(c.Accounts, percent)
	p, exact := c.At(k)
	return Mark{Percent: percent, Accounts: p.Accounts, MRR: p.MRR, Share: Share{p.MRR, c.MRR}, Floor: p.Floor, Exact: exact}
}

// Tier is the accounts between two marks: from the top FromPercent to the
// top ToPercent (the seeds' high-touch tier is 0–10, low touch 10–30,
// tech touch 30–100).
type Tier struct {
	FromPercent, ToPercent int
	Accounts               int
	MRR                    int64
	Share                  Share
	// Floor is the least a tier account pays (0 when unknown).
	Floor int64
	Exact bool
}

// Tiers cuts the curve at the given percentages of accounts, ascending,
// and returns the tiers between them; the last tier runs to 100%.
func (c Curve) Tiers(cuts ...int) []Tier {
	var out []Tier
	prev := c.Top(0)
	for _, pct := range append(slices.Clone(cuts), 100) {
		if pct <= prev.Percent {
			continue
		}
		m := c.Top(pct)
		out = append(out, Tier{
			FromPercent: prev.Percent, ToPercent: pct,
			Accounts: m.Accounts - prev.Accounts, MRR: m.MRR - prev.MRR,
			Share: Share{m.MRR - prev.MRR, c.MRR}, Floor: m.Floor, Exact: m.Exact && prev.Exact,
		})
		prev = m
	}
	return out
}

// bandSteps are the nice multipliers within one power of ten used for band
// edges: about 26% apart, ten to a decade.
var bandSteps = []int64{100, 125, 160, 200, 250, 320, 400, 500, 630, 800}

// BandFloors returns the lower edges of the MRR bands a database should
// count to draw the curve of accounts paying at most top (minor units):
// ten bands to a power of ten, from the nice edge at or below top down
// through decades decades, descending. Accounts paying less than the last
// floor belong in one last band. The edges are round amounts (1, 1.25,
// 1.6, 2, 2.5, 3.2, 4, 5, 6.3 and 8 times a power of ten) so that they
// read well when shown.
func BandFloors(top int64, decades int) []int64 {
	if top <= 0 || decades <= 0 {
		return nil
	}
	// Find the largest nice edge at or below top.
	scale := int64(1)
	for scale <= top/10 {
		scale *= 10
	}
	// scale ≤ top < 10·scale; edges are bandSteps[i]·scale/100.
	i := len(bandSteps) - 1
	for i > 0 && edge(bandSteps[i], scale) > top {
		i--
	}
	var out []int64
	for n := 0; n < decades*len(bandSteps); n++ {
		f := edge(bandSteps[i], scale)
		if f < 1 {
			break
		}
		if len(out) == 0 || f < out[len(out)-1] {
			out = append(out, f)
		}
		if i--; i < 0 {
			i, scale = len(bandSteps)-1, scale/10
			if scale == 0 {
				break
			}
		}
	}
	return out
}

// edge is step/100 of scale, exact for scales of 100 and up and rounded
// down below (where edges of a few minor units matter little).
func edge(step, scale int64) int64 { return step * scale / 100 }

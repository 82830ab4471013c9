package revenue

import (
	"runtime"
	"slices"
	"sync"
)

// This file is the metrics engine. It is built for one pass over the book
// whatever the number of periods and dimensions:
//
//   - Levels (MRR and customers at each period's start and end, for the
//     account and the product wallet) come from a sweep over every step:
//     each step adds its change to the first period boundary after it, and
//     a prefix sum over the boundaries gives the level at each of them.
//   - Flows (movements, per-customer retention, renewals) are computed only
//     for the (account, period) pairs in which the account, one of its
//     lines or one of its renewals moved; the other pairs contribute
//     nothing but their level.
//
// Dimensions whose slices change over time (KeyAt) cannot share levels
// between periods and are measured per (account, period) instead.
//
// Book.Contributors computes the same numbers the slow, obvious way, one
// account at a time; the tests hold the two to each other.

// retFlow is what the customers present at a period's start did by its end.
type retFlow struct {
	exp, con, churn            int64
	expanded, contracted, lost int32
}

func (r *retFlow) add(s, e int64) {
	if s == 0 {
		return
	}
	switch {
	case e == 0:
		r.churn += s
		r.lost++
	case e > s:
		r.exp += e - s
		r.expanded++
	case e < s:
		r.con += s - e
		r.contracted++
	}
}

func (r *retFlow) merge(o *retFlow) {
	r.exp += o.exp
	r.con += o.con
	r.churn += o.churn
	r.expanded += o.expanded
	r.contracted += o.contracted
	r.lost += o.lost
}

// flow is what happened during a period: movements by kind, per-customer
// retention of both wallets, renewals due.
type flow struct {
	mv                 [6]int64
	n                  [6]int32
	ret, pret          retFlow
	due, renewed       int64
	dueN, keptN, flatN int32
}

func (f *flow) merge(o *flow) {
	for k := 1; k < len(f.mv); k++ {
		f.mv[k] += o.mv[k]
		f.n[k] += o.n[k]
	}
	f.ret.merge(&o.ret)
	f.pret.merge(&o.pret)
	f.due += o.due
	f.renewed += o.renewed
	f.dueN += o.dueN
	f.keptN += o.keptN
	f.flatN += o.flatN
}

func (f *flow) addDue(elig, renewed int64) {
	f.due += elig
	f.renewed += renewed
	f.dueN++
	if renewed > 0 {
		f.keptN++
	}
	if renewed == elig {
		f.flatN++
	}
}

// tally is one slice of one period.
type tally struct {
	start, end int64
	custStart  int32
	custEnd    int32
	pstart     int64 // product wallet at the start
	pcust      int32 // product lines paying at the start
	f          flow
}

func (t *tally) empty() bool {
	return t.start == 0 && t.end == 0 && t.f.mv == [6]int64{} && t.f.due == 0
}

func (t *tally) metrics(p Period, dim, slice string, product bool) Metrics {
	m := Metrics{Period: p, Dimension: dim, Slice: slice,
		Start: t.start, End: t.end,
		New: t.f.mv[New], Expansion: t.f.mv[Expansion], Contraction: t.f.mv[Contraction], Churn: t.f.mv[Churn], Reactivation: t.f.mv[Reactivation],
		CustomersStart: int(t.custStart), CustomersEnd: int(t.custEnd),
		Retention: retention(t.start, t.custStart, &t.f.ret), ProductRetention: retention(t.pstart, t.pcust, &t.f.pret),
		Renewals: Renewals{Due: t.f.due, Renewed: t.f.renewed, Count: int(t.f.dueN), Kept: int(t.f.keptN), Flat: int(t.f.flatN)},
	}
	if product {
		m.Retention = m.ProductRetention
	}
	n := &t.f.n
	m.Movements = MovementCounts{New: int(n[New]), Expansion: int(n[Expansion]), Contraction: int(n[Contraction]), Churn: int(n[Churn]), Reactivation: int(n[Reactivation])}
	return m
}

func retention(start int64, cust int32, r *retFlow) Retention {
	return Retention{Start: start, Customers: int(cust), Expansion: r.exp, Contraction: r.con, Churn: r.churn,
		Expanded: int(r.expanded), Contracted: int(r.contracted), Lost: int(r.lost)}
}

// levels accumulates, per slice, changes of MRR and of paying customers at
// period boundaries; laid out slice by slice, boundaries inside.
type levels struct {
	nb   int
	mrr  []int64 // [slice*nb + boundary]
	cust []int32
}

func newLevels(nb, nk int) levels {
	return levels{nb, make([]int64, nb*nk), make([]int32, nb*nk)}
}

// add records a step from prev to m at boundary index j for slice k.
func (l *levels) add(j int, k int32, prev, m int64) {
	i := int(k)*l.nb + j
	l.mrr[i] += m - prev
	switch {
	case prev == 0 && m != 0:
		l.cust[i]++
	case prev != 0 && m == 0:
		l.cust[i]--
	}
}

// prefix turns boundary changes into levels at each boundary.
func (l *levels) prefix() {
	for i := range l.mrr {
		if i%l.nb != 0 {
			l.mrr[i] += l.mrr[i-1]
			l.cust[i] += l.cust[i-1]
		}
	}
}

// at is the level of slice k at boundary j.
func (l *levels) at(k, j int) (int64, int32) {
	return l.mrr[k*l.nb+j], l.cust[k*l.nb+j]
}

// grid maps days to period boundaries and to the periods containing them.
type grid struct {
	lo, hi day     // first and last boundary
	bounds []day   // distinct period starts and ends, ascending
	after  []int32 // after[d−lo]: index of the first boundary after day d
	perDay []int32 // periods containing day d: perDay[dayAt[d−lo]:dayAt[d−lo+1]]
	dayAt  []int32
	fromB  []int32 // boundary index of each period's start
	toB    []int32
}

func newGrid(sp []span) *grid {
	g := &grid{}
	for _, s := range sp {
		g.bounds = append(g.bounds, s.from, s.to)
	}
	slices.Sort(g.bounds)
	g.bounds = slices.Compact(g.bounds)
	g.lo, g.hi = g.bounds[0], g.bounds[len(g.bounds)-1]
	w := int(g.hi - g.lo)
	g.after = make([]int32, w)
	j := int32(0)
	for i := range w {
		for g.bounds[j] <= g.lo+day(i) {
			j++
		}
		g.after[i] = j
	}
	g.dayAt = make([]int32, w+1)
	for _, s := range sp {
		for d := s.from; d < s.to; d++ {
			g.dayAt[d-g.lo+1]++
		}
	}
	for i := 1; i <= w; i++ {
		g.dayAt[i] += g.dayAt[i-1]
	}
	g.perDay = make([]int32, g.dayAt[w])
	fill := slices.Clone(g.dayAt)
	for q, s := range sp {
		for d := s.from; d < s.to; d++ {
			g.perDay[fill[d-g.lo]] = int32(q)
			fill[d-g.lo]++
		}
	}
	for _, s := range sp {
		f, _ := slices.BinarySearch(g.bounds, s.from)
		t, _ := slices.BinarySearch(g.bounds, s.to)
		g.fromB, g.toB = append(g.fromB, int32(f)), append(g.toB, int32(t))
	}
	return g
}

// boundary is the index of the first boundary after day d, or −1 when d is
// on or after the last one (a change there is in no period).
func (g *grid) boundary(d day) int {
	switch {
	case d < g.lo:
		return 0
	case d >= g.hi:
		return -1
	}
	return int(g.after[d-g.lo])
}

// periods lists the (sorted) periods that contain day d.
func (g *grid) periods(d day) []int32 {
	if d < g.lo || d >= g.hi {
		return nil
	}
	i := d - g.lo
	return g.perDay[g.dayAt[i]:g.dayAt[i+1]]
}

// accumulate measures every account in every period and adds it to its
// slice of every dimension. Tallies are laid out slice by slice, periods
// inside, so all of one account's cells of a dimension are close together.
// Large books are split by account across the available cores; each part
// sums into its own tallies, which are added up at the end (integer sums:
// the result does not depend on the split).
func (b *Book) accumulate(sp []span, rs []*resolved, tallies [][]tally) {
	if len(sp) == 0 {
		return
	}
	g := newGrid(sp)
	e := &engine{b: b, sp: sp, rs: rs, g: g, nQ: len(sp), nB: len(g.bounds)}
	for i, r := range rs {
		switch {
		case r.product:
			e.prodDims = append(e.prodDims, i)
		case r.static != nil:
			e.staticDims = append(e.staticDims, i)
		default:
			e.dynDims = append(e.dynDims, i)
		}
	}
	nA := len(b.ids)
	parts := min(runtime.GOMAXPROCS(0), 4, max(1, nA/20000))
	results := make([]*part, parts)
	var wg sync.WaitGroup
	for w := range parts {
		p := e.newPart(tallies, w == 0)
		results[w] = p
		lo, hi := nA*w/parts, nA*(w+1)/parts
		wg.Go(func() { p.run(lo, hi) })
	}
	wg.Wait()
	main := results[0]
	for _, p := range results[1:] {
		main.merge(p)
	}
	main.finishLevels()
}

// engine is what every part shares.
type engine struct {
	b                             *Book
	sp                            []span
	rs                            []*resolved
	g                             *grid
	nQ, nB                        int
	staticDims, dynDims, prodDims []int
}

// part accumulates a range of accounts into its own tallies and levels.
type part struct {
	*engine
	tallies [][]tally
	acct    []levels // per account dimension: accounts' MRR and customers at boundaries
	prod    []levels // product wallet of an account dimension, or the product dimension's level
	cells   [][]tally
}

func (e *engine) newPart(tallies [][]tally, first bool) *part {
	p := &part{engine: e, tallies: tallies, acct: make([]levels, len(e.rs)), prod: make([]levels, len(e.rs)), cells: make([][]tally, len(e.rs))}
	if !first {
		p.tallies = make([][]tally, len(tallies))
		for i := range tallies {
			p.tallies[i] = make([]tally, len(tallies[i]))
		}
	}
	for i, r := range e.rs {
		nk := len(r.keys)
		switch {
		case r.product:
			p.prod[i] = newLevels(e.nB, nk)
		case r.static != nil:
			p.acct[i], p.prod[i] = newLevels(e.nB, nk), newLevels(e.nB, nk)
		}
	}
	return p
}

// merge adds o's sums into p's.
func (p *part) merge(o *part) {
	for i := range p.tallies {
		for c := range p.tallies[i] {
			t, u := &p.tallies[i][c], &o.tallies[i][c]
			t.start += u.start
			t.end += u.end
			t.custStart += u.custStart
			t.custEnd += u.custEnd
			t.pstart += u.pstart
			t.pcust += u.pcust
			t.f.merge(&u.f)
		}
		for _, lv := range [][2]*levels{{&p.acct[i], &o.acct[i]}, {&p.prod[i], &o.prod[i]}} {
			for j := range lv[0].mrr {
				lv[0].mrr[j] += lv[1].mrr[j]
				lv[0].cust[j] += lv[1].cust[j]
			}
		}
	}
}

// cell is the tally of account a's slice of account dimension i in period q.
func (p *part) cell(i int, q int32, a int) *tally {
	if c := p.cells[i]; c != nil {
		return &c[q]
	}
	return &p.tallies[i][int(p.rs[i].slice(int(q), a, len(p.b.ids)))*p.nQ+int(q)]
}

// run accumulates accounts [lo, hi).
func (p *part) run(lo, hi int) {
	b, g, nQ := p.b, p.g, p.nQ
	acctDims := append(slices.Clone(p.staticDims), p.dynDims...)
	mark := make([]int32, nQ)
	for q := range mark {
		mark[q] = -1
	}
	var active []int32
	nL := 0
	for a := lo; a < hi; a++ {
		nL = max(nL, int(b.acctLines[a+1]-b.acctLines[a]))
	}
	lineCur := make([]int32, nL)
	for ai := lo; ai < hi; ai++ {
		a := int32(ai)
		aLo, aHi := b.acctSteps[a], b.acctSteps[a+1]
		l0, l1 := b.acctLines[a], b.acctLines[a+1]
		active = active[:0]
		for _, i := range p.staticDims {
			k := int(p.rs[i].static[a]) * nQ
			p.cells[i] = p.tallies[i][k : k+nQ]
		}

		// Account view: levels, movements, and the periods it moved in.
		var prev int64
		for k := aLo; k < aHi; k++ {
			d, m := b.as.day[k], b.as.mrr[k]
			if j := g.boundary(d); j >= 0 {
				for _, i := range p.staticDims {
					p.acct[i].add(j, p.rs[i].static[a], prev, m)
				}
				amt, kind := abs(m-prev), b.as.kind[k]
				for _, q := range g.periods(d) {
					if mark[q] != a {
						mark[q] = a
						active = append(active, q)
					}
					for _, i := range acctDims {
						f := &p.cell(i, q, ai).f
						f.mv[kind] += amt
						f.n[kind]++
					}
				}
			}
			prev = m
		}
		// Product view: the product wallet's levels, the product
		// dimension's levels and movements, renewals due.
		for l := l0; l < l1; l++ {
			pr := b.lines[l].prod
			prev = 0
			for k := b.lineSteps[l]; k < b.lineSteps[l+1]; k++ {
				d, m := b.ls.day[k], b.ls.mrr[k]
				if j := g.boundary(d); j >= 0 {
					for _, i := range p.staticDims {
						p.prod[i].add(j, p.rs[i].static[a], prev, m)
					}
					amt, kind := abs(m-prev), b.ls.kind[k]
					for _, i := range p.prodDims {
						p.prod[i].add(j, pr, prev, m)
					}
					for _, q := range g.periods(d) {
						if mark[q] != a {
							mark[q] = a
							active = append(active, q)
						}
						for _, i := range p.prodDims {
							f := &p.tallies[i][int(pr)*nQ+int(q)].f
							f.mv[kind] += amt
							f.n[kind]++
						}
					}
				}
				prev = m
			}
			for k := b.lineDues[l]; k < b.lineDues[l+1]; k++ {
				elig, renewed := b.dd[k].elig, b.dd[k].renewed
				for _, q := range g.periods(b.dd[k].day) {
					for _, i := range acctDims {
						p.cell(i, q, ai).f.addDue(elig, renewed)
					}
					for _, i := range p.prodDims {
						p.tallies[i][int(pr)*nQ+int(q)].f.addDue(elig, renewed)
					}
				}
			}
		}
		if len(p.dynDims) > 0 {
			b.dynamicLevels(a, p.sp, p.rs, p.dynDims, p.tallies)
		}
		if len(active) == 0 {
			continue
		}
		for i := 1; i < len(active); i++ {
			for j := i; j > 0 && active[j] < active[j-1]; j-- {
				active[j], active[j-1] = active[j-1], active[j]
			}
		}

		// Retention of the customers present at the start of the periods
		// the account moved in: only a net change counts.
		cur := aLo
		for l := l0; l < l1; l++ {
			lineCur[l-l0] = b.lineSteps[l]
		}
		for _, q := range active {
			s := p.sp[q]
			for cur < aHi && b.as.day[cur] < s.from {
				cur++
			}
			if st, en := ends(&b.as, aLo, cur, aHi, s.to); st != 0 && st != en {
				for _, i := range acctDims {
					p.cell(i, q, ai).f.ret.add(st, en)
				}
			}
			for l := l0; l < l1; l++ {
				lc := &lineCur[l-l0]
				lHi := b.lineSteps[l+1]
				for *lc < lHi && b.ls.day[*lc] < s.from {
					*lc++
				}
				st, en := ends(&b.ls, b.lineSteps[l], *lc, lHi, s.to)
				if st == 0 || st == en {
					continue
				}
				for _, i := range acctDims {
					p.cell(i, q, ai).f.pret.add(st, en)
				}
				for _, i := range p.prodDims {
					p.tallies[i][int(b.lines[l].prod)*nQ+int(q)].f.pret.add(st, en)
				}
			}
		}
	}
}

// finishLevels turns the boundary changes into each period's levels.
func (p *part) finishLevels() {
	for i, r := range p.rs {
		nk := len(r.keys)
		if r.static == nil && !r.product {
			continue
		}
		lv := p.acct[i]
		if r.product {
			lv = p.prod[i]
		} else {
			lv.prefix()
		}
		p.prod[i].prefix()
		for q := range p.sp {
			fb, tb := int(p.g.fromB[q]), int(p.g.toB[q])
			for k := range nk {
				t := &p.tallies[i][k*p.nQ+q]
				t.start, t.custStart = lv.at(k, fb)
				t.end, t.custEnd = lv.at(k, tb)
				t.pstart, t.pcust = p.prod[i].at(k, fb)
			}
		}
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// ends reads the step function s[lo:hi] for a period: the MRR before cur
// (the first step on or after the period's start) and the MRR at the end
// of the day before to.
func ends(s *steps, lo, cur, hi int32, to day) (start, end int64) {
	if cur > lo {
		start = s.mrr[cur-1]
	}
	end = start
	for k := cur; k < hi && s.day[k] < to; k++ {
		end = s.mrr[k]
	}
	return start, end
}

// dynamicLevels adds account a's levels to the dimensions whose slices
// change over time, period by period.
func (b *Book) dynamicLevels(a int32, sp []span, rs []*resolved, dims []int, tallies [][]tally) {
	aLo, aHi := b.acctSteps[a], b.acctSteps[a+1]
	l0, l1 := b.acctLines[a], b.acctLines[a+1]
	for q, s := range sp {
		st := at(&b.as, aLo, aHi, s.from-1)
		en := at(&b.as, aLo, aHi, s.to-1)
		var ps int64
		var pc int32
		for l := l0; l < l1; l++ {
			if m := at(&b.ls, b.lineSteps[l], b.lineSteps[l+1], s.from-1); m != 0 {
				ps += m
				pc++
			}
		}
		if st == 0 && en == 0 && ps == 0 {
			continue
		}
		for _, i := range dims {
			r := rs[i]
			t := &tallies[i][int(r.slice(q, int(a), len(b.ids)))*len(sp)+q]
			t.start += st
			t.end += en
			t.pstart += ps
			t.pcust += pc
			if st != 0 {
				t.custStart++
			}
			if en != 0 {
				t.custEnd++
			}
		}
	}
}

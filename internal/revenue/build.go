package revenue

import (
	"cmp"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/money"
)

// Defaults for Options.
const (
	// DefaultRenewalGrace is how many days after a term's end a new term of
	// the same line may start and still be a renewal (late paperwork, a
	// signature after the expiry date) rather than a churn and a comeback.
	DefaultRenewalGrace = 30
	// DefaultReactivationWindow is how many days after a churn a returning
	// customer counts as a reactivation; later returns count as new
	// business.
	DefaultReactivationWindow = 365
	// DefaultCurrency is the reporting currency when none is configured.
	DefaultCurrency = "USD"
)

// Options say how to read subscription history into a Book.
type Options struct {
	// AsOf is the day the books are closed on (usually today). Nothing
	// later is recognised: a term that ends after AsOf has not churned (its
	// end is a renewal still due, see Pipeline), and a term that starts
	// after AsOf has not begun. Required: the core never reads the clock.
	AsOf civil.Date
	// Currency is the reporting currency; "" means DefaultCurrency.
	Currency string
	// Rates converts every other currency into Currency: Rates["EUR"] is
	// what one euro is worth in the reporting currency.
	Rates map[string]Rate
	// RenewalGrace in days; 0 means DefaultRenewalGrace, negative means no
	// grace (only a term starting on the previous one's end day renews it).
	RenewalGrace int
	// ReactivationWindow in days; 0 means DefaultReactivationWindow,
	// negative means every return is new business.
	ReactivationWindow int
}

// Skipped counts the subscription rows that carry no recurring revenue and
// so are left out of the ledger, by reason, so totals can be reconciled
// with the billing system.
type Skipped struct {
	Trials     int `json:"trials"`      // Trial is set: not paying yet
	ZeroMRR    int `json:"zero_mrr"`    // MRR is zero (free plans, zero-priced trials)
	ZeroLength int `json:"zero_length"` // ends on or before the day it starts
	NoStart    int `json:"no_start"`    // no start date
	NotStarted int `json:"not_started"` // starts after AsOf: only in the renewal pipeline
	// EndedUndated: status ended with no end date and no change date, so
	// no day it ended is known.
	EndedUndated int `json:"ended_undated"`
}

// row is one subscription row reduced to what the ledger needs.
type row struct {
	acct       int64
	mrr        int64 // reporting currency
	start, end day   // end is noEnd when open-ended
	prod       int32
	src        int32 // index in the input slice
	disc       float32
	canceled   bool
}

// term is a row still running after AsOf, kept for the renewal pipeline.
type term struct {
	mrr        int64
	start, end day
	prod       int32
	canceled   bool
}

// steps is a set of step functions stored flat: entry i says that from
// day[i] the MRR is mrr[i], by a movement of kind[i]. In the account view
// prod[i] is the product line that moved (−1 for several); the product
// view has no prod, its line says it.
type steps struct {
	day  []day
	mrr  []int64
	kind []Kind
	prod []int32
}

func (s *steps) add(d day, m int64, k Kind, p int32) {
	s.day, s.mrr, s.kind = append(s.day, d), append(s.mrr, m), append(s.kind, k)
	if s.prod != nil {
		s.prod = append(s.prod, p)
	}
}

// due is a renewal of a product line that fell due on or before AsOf: on
// day the line's terms worth elig came to their end, and renewed of it was
// renewed by terms of the same line starting within the renewal grace
// (capped at elig).
type due struct {
	day     day
	elig    int64
	renewed int64
}

// line is one product line of one account.
type line struct {
	acct int32 // dense account index
	prod int32
}

// firstRenewal is the discount of a line's terms before and after its
// first renewal (MRR-weighted when several terms end or start).
type firstRenewal struct {
	line          int32
	day           day
	before, after float32
}

// Book is the MRR history of a set of accounts, derived once from their
// subscription rows: the step function of MRR per account and per product
// line, the movement ledger in both views, and the renewals that fell due.
// Metrics, cohorts, details and the pipeline all read from it. A Book is
// immutable and safe for concurrent use.
type Book struct {
	asOf     day
	currency string
	grace    day
	window   day
	products []string
	skipped  Skipped

	ids       []int64 // account ids, ascending; a dense account index points here
	acctLines []int32 // lines of account a: lines[acctLines[a]:acctLines[a+1]]
	acctSteps []int32 // account view steps of account a
	acctTerms []int32 // terms of account a

	lines     []line
	lineSteps []int32 // product view steps of line l
	lineDues  []int32 // dues of line l

	as     steps  // account view
	ls     steps  // product view
	dd     []due  // by line, then day
	terms  []term // by account, product, start
	firsts []firstRenewal
}

// Build derives a Book from subscription rows. Any order is accepted;
// rows ordered by account (as the store returns them) are read in one pass
// without sorting. Rows are read as described in docs/revenue.md: trials
// and zero-MRR rows are skipped, amounts are converted into the reporting
// currency, a line's overlapping rows add up, a gap of at most the renewal
// grace between terms is a renewal, changes on one day are netted, and
// churn is recognised on the end date.
func Build(subs []customer.Subscription, opt Options) (*Book, error) {
	if opt.AsOf.IsZero() {
		return nil, fmt.Errorf("revenue: Options.AsOf is required")
	}
	b := &Book{asOf: dayOf(opt.AsOf), currency: cmp.Or(strings.ToUpper(opt.Currency), DefaultCurrency)}
	b.grace = day(resolveDays(opt.RenewalGrace, DefaultRenewalGrace))
	b.window = day(resolveDays(opt.ReactivationWindow, DefaultReactivationWindow))
	if !money.ValidCurrency(b.currency) {
		return nil, fmt.Errorf("revenue: %q is not a currency code", b.currency)
	}
	// Rows ordered by account (the usual case) are read as they come; when
	// they are not, start again in account order.
	nw := max(1, min(runtime.GOMAXPROCS(0), 4, len(subs)/partRows))
	whole, parts, sorted, err := b.readParts(subs, nil, opt.Rates, nw)
	if err == nil && !sorted {
		whole, parts, _, err = b.readParts(subs, accountOrder(subs), opt.Rates, nw)
	}
	if err != nil {
		return nil, err
	}
	b.join(whole, parts)
	return b, nil
}

// partRows is how many rows make it worth reading a book in parallel parts.
const partRows = 200_000

// readParts derives the book from subs, taken in the given order (nil: as
// they are), in nw parts of whole accounts read concurrently into regions
// of one set of arrays. Without an order it reports false when the rows are
// not grouped by account in ascending order.
func (b *Book) readParts(subs []customer.Subscription, order []int32, rates map[string]Rate, nw int) (whole *Book, parts []*Book, sorted bool, err error) {
	n := len(subs)
	id := func(i int) int64 {
		if order != nil {
			return subs[order[i]].AccountID
		}
		return subs[i].AccountID
	}
	cuts := []int{0}
	for w := 1; w < nw; w++ {
		c := max(n*w/nw, cuts[w-1])
		for c > 0 && c < n && id(c) == id(c-1) {
			c++
		}
		cuts = append(cuts, c)
	}
	cuts = append(cuts, n)
	whole = &Book{}
	whole.alloc(n)
	parts = make([]*Book, nw)
	errs := make([]error, nw)
	ok := make([]bool, nw)
	var wg sync.WaitGroup
	for w := range nw {
		p := &Book{asOf: b.asOf, currency: b.currency, grace: b.grace, window: b.window}
		p.carve(whole, w, nw)
		parts[w] = p
		wg.Go(func() {
			rd := &reader{b: p, rates: rates, convs: map[string]converter{}, prodIdx: map[string]int32{}, lastCur: "\x00", lastProd: "\x00"}
			ok[w], errs[w] = p.read(subs, order, cuts[w], cuts[w+1], rd)
		})
	}
	wg.Wait()
	sorted = true
	for w, p := range parts {
		if errs[w] != nil {
			return nil, nil, false, errs[w]
		}
		sorted = sorted && ok[w]
		if w > 0 && len(p.ids) > 0 {
			for v := w - 1; v >= 0; v-- {
				if q := parts[v]; len(q.ids) > 0 {
					sorted = sorted && q.ids[len(q.ids)-1] < p.ids[0]
					break
				}
			}
		}
	}
	return whole, parts, sorted, nil
}

// read derives the book from subs[lo:hi] taken in the given order (nil: as
// they are). Without an order it stops, reporting false, at the first
// account that comes after a larger one.
func (b *Book) read(subs []customer.Subscription, order []int32, lo, hi int, rd *reader) (bool, error) {
	var grp []row
	var sc scratch
	for i := lo; i < hi; {
		k := i
		if order != nil {
			k = int(order[i])
		}
		id := subs[k].AccountID
		if len(b.ids) > 0 && id < b.ids[len(b.ids)-1] && order == nil {
			return false, nil
		}
		grp = grp[:0]
		for ; i < hi; i++ {
			k := i
			if order != nil {
				k = int(order[i])
			}
			s := &subs[k]
			if s.AccountID != id {
				break
			}
			r, ok, err := rd.read(s, k)
			if err != nil {
				return false, err
			}
			if ok {
				grp = append(grp, r)
			}
		}
		if len(grp) > 0 {
			if len(b.ids) > 0 && id == b.ids[len(b.ids)-1] {
				return false, nil // the same account again, further down
			}
			b.addAccount(grp, &sc, rd.rank)
		}
	}
	return true, nil
}

func resolveDays(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// accountOrder is the order that groups subs by account, ascending,
// keeping rows of one account in their relative order.
func accountOrder(subs []customer.Subscription) []int32 {
	type key struct {
		id int64
		i  int32
	}
	keys := make([]key, len(subs))
	for i := range subs {
		keys[i] = key{subs[i].AccountID, int32(i)}
	}
	slices.SortFunc(keys, func(x, y key) int {
		if x.id != y.id {
			return cmp.Compare(x.id, y.id)
		}
		return cmp.Compare(x.i, y.i)
	})
	order := make([]int32, len(subs))
	for i, k := range keys {
		order[i] = k.i
	}
	return order
}

// alloc sizes the book's arrays for n rows. Many renewals change nothing
// and most lines have several terms, so a line has well under one step and
// about one due per row; the per-account and per-line arrays start small
// and grow.
func (b *Book) alloc(n int) {
	c := n*5/8 + 16
	b.ls = steps{make([]day, 0, c), make([]int64, 0, c), make([]Kind, 0, c), nil}
	b.as = steps{make([]day, 0, c), make([]int64, 0, c), make([]Kind, 0, c), make([]int32, 0, c)}
	b.dd = make([]due, 0, n)
	na := n/8 + 16
	b.ids = make([]int64, 0, na)
	b.acctLines = make([]int32, 0, na+1)
	b.acctSteps = make([]int32, 0, na+1)
	b.acctTerms = make([]int32, 0, na+1)
	b.lines = make([]line, 0, 2*na)
	b.lineSteps = make([]int32, 0, 2*na+1)
	b.lineDues = make([]int32, 0, 2*na+1)
	b.terms = make([]term, 0, 2*na)
	b.firsts = make([]firstRenewal, 0, 2*na)
}

// reader turns subscriptions into rows.
type reader struct {
	b        *Book
	rates    map[string]Rate
	convs    map[string]converter
	prodIdx  map[string]int32
	lastCur  string
	conv     converter
	lastProd string
	prod     int32
	rank     []int32 // of each product (by index) in name order
}

// read converts subscription s (index i of the input) into a row, or
// reports that it carries no recurring revenue.
func (rd *reader) read(s *customer.Subscription, i int) (row, bool, error) {
	b := rd.b
	switch {
	case s.Trial:
		b.skipped.Trials++
		return row{}, false, nil
	case s.MRR == 0:
		b.skipped.ZeroMRR++
		return row{}, false, nil
	case s.StartOn.IsZero():
		b.skipped.NoStart++
		return row{}, false, nil
	}
	if s.Currency != rd.lastCur {
		cur := cmp.Or(s.Currency, DefaultCurrency)
		c, ok := rd.convs[cur]
		if !ok {
			var err error
			if c, err = newConverter(cur, b.currency, rd.rates[cur]); err != nil {
				return row{}, false, fmt.Errorf("revenue: subscription %s: %w", subName(s), err)
			}
			rd.convs[cur] = c
		}
		rd.lastCur, rd.conv = s.Currency, c
	}
	mrr, err := rd.conv.convert(s.MRR)
	if err != nil {
		return row{}, false, fmt.Errorf("revenue: subscription %s: %w", subName(s), err)
	}
	start, end := dayOf(s.StartOn), noEnd
	if !s.EndOn.IsZero() {
		end = dayOf(s.EndOn)
	}
	if s.Status == customer.SubEnded && s.EndOn.IsZero() {
		// Over, with no end date (input refuses this now; older rows may
		// hold it): the only dated evidence is the day the record was
		// last changed. With none, the row is left out. The status is
		// never read otherwise: what holds on a day follows from the
		// dates, whatever the record said on the day it was written.
		if s.UpdatedAt.IsZero() {
			b.skipped.EndedUndated++
			return row{}, false, nil
		}
		end = dayOf(civil.Of(s.UpdatedAt))
	}
	if end <= start {
		b.skipped.ZeroLength++
		return row{}, false, nil
	}
	if start > b.asOf {
		b.skipped.NotStarted++ // kept: the pipeline reads it
	}
	if s.Product != rd.lastProd {
		p, ok := rd.prodIdx[s.Product]
		if !ok {
			p = int32(len(b.products))
			rd.prodIdx[s.Product] = p
			b.products = append(b.products, s.Product)
			// Rank the products by name, so an account's lines come in
			// name order whatever order the products were met in.
			sorted := slices.Sorted(slices.Values(b.products))
			rd.rank = rd.rank[:0]
			for _, n := range b.products {
				rd.rank = append(rd.rank, int32(sort.SearchStrings(sorted, n)))
			}
		}
		rd.lastProd, rd.prod = s.Product, p
	}
	return row{acct: s.AccountID, mrr: mrr, start: start, end: end, prod: rd.prod,
		src: int32(i), disc: float32(s.DiscountPercent), canceled: s.Status == customer.SubCanceled}, true, nil
}

func subName(s *customer.Subscription) string {
	if s.ExternalID != "" {
		return s.ExternalID
	}
	return fmt.Sprint(s.ID)
}

// rawStep is a change point before the renewal grace is applied.
type rawStep struct {
	d    day
	m    int64
	prod int32
}

// event is a change of a line's MRR on a day.
type event struct {
	d     day
	delta int64
	prod  int32
}

// scratch is reused from account to account.
type scratch struct {
	ev   []event
	raw  []rawStep
	ends []event
}

// addAccount derives one account's lines, step functions, movements and
// dues from its rows, and keeps the rows still running after AsOf for the
// renewal pipeline.
func (b *Book) addAccount(grp []row, sc *scratch, rank []int32) {
	// By product (in name order), then start.
	for i := 1; i < len(grp); i++ {
		if x, y := &grp[i-1], &grp[i]; rank[x.prod] > rank[y.prod] || x.prod == y.prod && x.start > y.start {
			slices.SortFunc(grp, func(x, y row) int {
				switch {
				case x.prod != y.prod:
					return cmp.Compare(rank[x.prod], rank[y.prod])
				case x.start != y.start:
					return cmp.Compare(x.start, y.start)
				}
				return cmp.Compare(x.src, y.src)
			})
			break
		}
	}
	a := int32(len(b.ids))
	b.ids = append(b.ids, grp[0].acct)
	b.acctLines = append(b.acctLines, int32(len(b.lines)))
	b.acctSteps = append(b.acctSteps, int32(len(b.as.day)))
	b.acctTerms = append(b.acctTerms, int32(len(b.terms)))
	firstLine := len(b.lines)
	for l0 := 0; l0 < len(grp); {
		l1 := l0 + 1
		for l1 < len(grp) && grp[l1].prod == grp[l0].prod {
			l1++
		}
		rs := grp[l0:l1]
		li := int32(len(b.lines))
		b.lines = append(b.lines, line{acct: a, prod: rs[0].prod})
		b.lineSteps = append(b.lineSteps, int32(len(b.ls.day)))
		b.lineDues = append(b.lineDues, int32(len(b.dd)))
		sc.ev, sc.raw = b.lineRaw(rs, sc.ev[:0], sc.raw[:0])
		b.finish(&b.ls, sc.raw)
		sc.ends = b.addDues(li, rs, sc.ends[:0])
		for i := range rs {
			if r := &rs[i]; r.end > b.asOf {
				b.terms = append(b.terms, term{mrr: r.mrr, start: r.start, end: r.end, prod: r.prod, canceled: r.canceled})
			}
		}
		l0 = l1
	}
	// The account view: all its lines' changes, netted per day. With one
	// line it is that line's view (same grace, same window).
	if len(b.lines) == firstLine+1 {
		p := b.lines[firstLine].prod
		lo := b.lineSteps[firstLine]
		b.as.day = append(b.as.day, b.ls.day[lo:]...)
		b.as.mrr = append(b.as.mrr, b.ls.mrr[lo:]...)
		b.as.kind = append(b.as.kind, b.ls.kind[lo:]...)
		for range len(b.ls.day) - int(lo) {
			b.as.prod = append(b.as.prod, p)
		}
		return
	}
	sc.ev = sc.ev[:0]
	for l := firstLine; l < len(b.lines); l++ {
		prev := int64(0)
		end := int32(len(b.ls.day))
		if l+1 < len(b.lines) {
			end = b.lineSteps[l+1]
		}
		for k := b.lineSteps[l]; k < end; k++ {
			sc.ev = append(sc.ev, event{b.ls.day[k], b.ls.mrr[k] - prev, b.lines[l].prod})
			prev = b.ls.mrr[k]
		}
	}
	sc.raw = sweep(sc.ev, sc.raw[:0])
	b.finish(&b.as, sc.raw)
}

// carve gives part w of nw its region of whole's arrays: appends fill the
// region in place, and a part that outgrows its region is moved to arrays
// of its own by append.
func (b *Book) carve(whole *Book, w, nw int) {
	b.ids = region(whole.ids, w, nw)
	b.acctLines = region(whole.acctLines, w, nw)
	b.acctSteps = region(whole.acctSteps, w, nw)
	b.acctTerms = region(whole.acctTerms, w, nw)
	b.lines = region(whole.lines, w, nw)
	b.lineSteps = region(whole.lineSteps, w, nw)
	b.lineDues = region(whole.lineDues, w, nw)
	b.as = steps{region(whole.as.day, w, nw), region(whole.as.mrr, w, nw), region(whole.as.kind, w, nw), region(whole.as.prod, w, nw)}
	b.ls = steps{region(whole.ls.day, w, nw), region(whole.ls.mrr, w, nw), region(whole.ls.kind, w, nw), nil}
	b.dd = region(whole.dd, w, nw)
	b.terms = region(whole.terms, w, nw)
	b.firsts = region(whole.firsts, w, nw)
}

// region is part w of nw of the capacity of all, empty.
func region[T any](all []T, w, nw int) []T {
	lo, hi := cap(all)*w/nw, cap(all)*(w+1)/nw
	return all[lo:lo:hi]
}

// gather puts the parts' slices one after the other: in place in all when
// every part stayed in its region (regions are in order, so moving a part
// down never overwrites one not yet moved), else in new memory.
func gather[T any](all []T, parts ...[]T) []T {
	inPlace := true
	for w, p := range parts {
		r := region(all, w, len(parts))
		inPlace = inPlace && (len(p) == 0 || cap(r) > 0 && cap(p) == cap(r) && &p[:1][0] == &r[:1][0])
	}
	if inPlace {
		out := all[:len(parts[0])] // part 0 is in place already
		for _, p := range parts[1:] {
			out = append(out, p...)
		}
		return out
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]T, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// collect applies get to every part.
func collect[T any](parts []*Book, get func(*Book) []T) [][]T {
	out := make([][]T, len(parts))
	for i, p := range parts {
		out[i] = get(p)
	}
	return out
}

// join puts the parts carved from whole together into b: products
// numbered in name order, indices shifted, arrays gathered, end offsets
// appended.
func (b *Book) join(w *Book, parts []*Book) {
	names := map[string]bool{}
	for _, p := range parts {
		for _, n := range p.products {
			names[n] = true
		}
		b.skipped.Trials += p.skipped.Trials
		b.skipped.ZeroMRR += p.skipped.ZeroMRR
		b.skipped.ZeroLength += p.skipped.ZeroLength
		b.skipped.NoStart += p.skipped.NoStart
		b.skipped.NotStarted += p.skipped.NotStarted
		b.skipped.EndedUndated += p.skipped.EndedUndated
	}
	b.products = slices.Sorted(maps.Keys(names))
	var nA, nL, nAS, nLS, nDD, nT int32
	for _, p := range parts {
		remap := make([]int32, len(p.products))
		for i, n := range p.products {
			remap[i] = int32(sort.SearchStrings(b.products, n))
		}
		for i := range p.lines {
			p.lines[i].prod = remap[p.lines[i].prod]
			p.lines[i].acct += nA
		}
		for i := range p.terms {
			p.terms[i].prod = remap[p.terms[i].prod]
		}
		for i, pr := range p.as.prod {
			if pr >= 0 {
				p.as.prod[i] = remap[pr]
			}
		}
		for i := range p.acctLines {
			p.acctLines[i] += nL
			p.acctSteps[i] += nAS
			p.acctTerms[i] += nT
		}
		for i := range p.lineSteps {
			p.lineSteps[i] += nLS
			p.lineDues[i] += nDD
		}
		for i := range p.firsts {
			p.firsts[i].line += nL
		}
		nA += int32(len(p.ids))
		nL += int32(len(p.lines))
		nAS += int32(len(p.as.day))
		nLS += int32(len(p.ls.day))
		nDD += int32(len(p.dd))
		nT += int32(len(p.terms))
	}
	b.ids = gather(w.ids, collect(parts, func(p *Book) []int64 { return p.ids })...)
	b.acctLines = append(gather(w.acctLines, collect(parts, func(p *Book) []int32 { return p.acctLines })...), nL)
	b.acctSteps = append(gather(w.acctSteps, collect(parts, func(p *Book) []int32 { return p.acctSteps })...), nAS)
	b.acctTerms = append(gather(w.acctTerms, collect(parts, func(p *Book) []int32 { return p.acctTerms })...), nT)
	b.lines = gather(w.lines, collect(parts, func(p *Book) []line { return p.lines })...)
	b.lineSteps = append(gather(w.lineSteps, collect(parts, func(p *Book) []int32 { return p.lineSteps })...), nLS)
	b.lineDues = append(gather(w.lineDues, collect(parts, func(p *Book) []int32 { return p.lineDues })...), nDD)
	b.as = steps{
		gather(w.as.day, collect(parts, func(p *Book) []day { return p.as.day })...),
		gather(w.as.mrr, collect(parts, func(p *Book) []int64 { return p.as.mrr })...),
		gather(w.as.kind, collect(parts, func(p *Book) []Kind { return p.as.kind })...),
		gather(w.as.prod, collect(parts, func(p *Book) []int32 { return p.as.prod })...),
	}
	b.ls = steps{
		gather(w.ls.day, collect(parts, func(p *Book) []day { return p.ls.day })...),
		gather(w.ls.mrr, collect(parts, func(p *Book) []int64 { return p.ls.mrr })...),
		gather(w.ls.kind, collect(parts, func(p *Book) []Kind { return p.ls.kind })...),
		nil,
	}
	b.dd = gather(w.dd, collect(parts, func(p *Book) []due { return p.dd })...)
	b.terms = gather(w.terms, collect(parts, func(p *Book) []term { return p.terms })...)
	b.firsts = gather(w.firsts, collect(parts, func(p *Book) []firstRenewal { return p.firsts })...)
}

// lineRaw turns one line's rows into raw change points: each row adds its
// MRR from its start and removes it from its end (when that is on or
// before AsOf); rows starting after AsOf are not yet recognised.
func (b *Book) lineRaw(rs []row, ev []event, raw []rawStep) ([]event, []rawStep) {
	// Most lines are a chain of terms, each starting on or after the
	// previous one's end: walk them without sorting.
	simple := true
	for i := 1; i < len(rs) && simple; i++ {
		simple = rs[i].start >= rs[i-1].end
	}
	if simple {
		var cur int64
		last := -1
		for i := range rs {
			r := &rs[i]
			if r.start > b.asOf {
				break
			}
			if i > 0 && rs[i-1].end < r.start && cur != 0 { // a gap: zero from the previous end
				raw = append(raw, rawStep{rs[i-1].end, 0, r.prod})
				cur = 0
			}
			if r.mrr != cur {
				raw = append(raw, rawStep{r.start, r.mrr, r.prod})
				cur = r.mrr
			}
			last = i
		}
		if last >= 0 && rs[last].end <= b.asOf {
			raw = append(raw, rawStep{rs[last].end, 0, rs[last].prod})
		}
		return ev, raw
	}
	for i := range rs {
		r := &rs[i]
		if r.start > b.asOf {
			continue
		}
		ev = append(ev, event{r.start, r.mrr, r.prod})
		if r.end <= b.asOf {
			ev = append(ev, event{r.end, -r.mrr, r.prod})
		}
	}
	return ev, sweep(ev, raw)
}

// sweep sorts events by day and nets each day's changes into one raw step
// (none when they cancel out). A step's product is the one line that
// changed that day, or −1 when several did.
func sweep(ev []event, raw []rawStep) []rawStep {
	if len(ev) < 24 {
		for i := 1; i < len(ev); i++ { // insertion sort: short and nearly sorted
			for j := i; j > 0 && ev[j].d < ev[j-1].d; j-- {
				ev[j], ev[j-1] = ev[j-1], ev[j]
			}
		}
	} else {
		slices.SortStableFunc(ev, func(x, y event) int { return cmp.Compare(x.d, y.d) })
	}
	var cur int64
	for i := 0; i < len(ev); {
		d, p := ev[i].d, ev[i].prod
		prev := cur
		for ; i < len(ev) && ev[i].d == d; i++ {
			cur += ev[i].delta
			if ev[i].prod != p {
				p = -1
			}
		}
		if cur != prev {
			raw = append(raw, rawStep{d, cur, p})
		}
	}
	return raw
}

// finish applies the renewal grace to raw change points, classifies each
// remaining change and appends it to s.
//
// A drop to zero followed by a new start at most grace days later is not a
// churn: the old MRR is carried over the gap and the new term's start is
// an expansion, contraction or nothing. A start from zero is new business
// the first time, a reactivation when it comes at most window days after
// the last churn, and new business again after that.
func (b *Book) finish(s *steps, raw []rawStep) {
	var (
		prev     int64
		paid     bool
		lastZero day
		mixed    bool // the next step also closes a carried gap of another line
	)
	for i, st := range raw {
		if st.m == 0 && i+1 < len(raw) && raw[i+1].d-st.d <= b.grace {
			mixed = raw[i+1].prod != st.prod
			continue
		}
		if st.m == prev {
			mixed = false
			continue
		}
		p := st.prod
		if mixed {
			p, mixed = -1, false
		}
		var k Kind
		switch {
		case prev == 0 && !paid:
			k = New
		case prev == 0 && st.d-lastZero <= b.window:
			k = Reactivation
		case prev == 0:
			k = New
		case st.m == 0:
			k, lastZero = Churn, st.d
		case st.m > prev:
			k = Expansion
		default:
			k = Contraction
		}
		paid = true
		s.add(st.d, st.m, k, p)
		prev = st.m
	}
}

// addDues records, for every day on or before AsOf on which some of the
// line's terms ended, how much fell due and how much of it was renewed by
// terms of the line starting on that day or within the renewal grace
// after it (and on or before AsOf). It also notes the discount before and
// after the line's first renewal. rs is sorted by start.
func (b *Book) addDues(li int32, rs []row, ends []event) []event {
	// The line's term ends on or before AsOf with their MRR, by day (rows
	// are sorted by start, so ends are usually sorted already).
	for i := range rs {
		if r := &rs[i]; r.end <= b.asOf {
			ends = append(ends, event{d: r.end, delta: r.mrr})
		}
	}
	for i := 1; i < len(ends); i++ {
		for j := i; j > 0 && ends[j].d < ends[j-1].d; j-- {
			ends[j], ends[j-1] = ends[j-1], ends[j]
		}
	}
	n := 0
	for i := range ends {
		if n > 0 && ends[n-1].d == ends[i].d {
			ends[n-1].delta += ends[i].delta
			continue
		}
		ends[n] = ends[i]
		n++
	}
	ends = ends[:n]
	first := true
	s0 := 0 // first row starting on or after the due day
	for _, en := range ends {
		e, elig := en.d, en.delta
		for s0 < len(rs) && rs[s0].start < e {
			s0++
		}
		var succ int64
		s1 := s0
		for ; s1 < len(rs) && rs[s1].start <= e+b.grace && rs[s1].start <= b.asOf; s1++ {
			succ += rs[s1].mrr
		}
		b.dd = append(b.dd, due{e, elig, min(elig, succ)})
		if first && succ > 0 {
			first = false
			var before, after float64
			for i := range rs {
				if r := &rs[i]; r.end == e {
					before += float64(r.disc) * float64(r.mrr)
				}
			}
			for i := s0; i < s1; i++ {
				after += float64(rs[i].disc) * float64(rs[i].mrr)
			}
			b.firsts = append(b.firsts, firstRenewal{line: li, day: e,
				before: float32(before / float64(elig)), after: float32(after / float64(succ))})
		}
	}
	return ends
}

package revenue

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// benchAsOf is the day the synthetic book is closed on.
var benchAsOf = civil.Date{Year: 2026, Month: time.March, Day: 15}

// synthetic is a made-up subscription history at benchmark scale: accounts
// with one to three product lines renewed every six or twelve months over
// three years, with expansion, contraction, churn, comebacks, trials and
// a tenth of the rows in euros or pounds; rows ordered by account, product
// and start as the store returns them.
type synthetic struct {
	subs              []customer.Subscription
	tier, region, csm []string // by account id − 1
	rates             map[string]Rate
	accounts          int
}

var (
	synthOnce  sync.Once
	synthCache *synthetic
)

func syntheticBook(tb testing.TB) *synthetic {
	synthOnce.Do(func() { synthCache = makeSynthetic(100_000, 1_000_000) })
	return synthCache
}

func makeSynthetic(accounts, rows int) *synthetic {
	r := rand.New(rand.NewPCG(7, 11))
	s := &synthetic{accounts: accounts, rates: map[string]Rate{"EUR": {108, 100}, "GBP": {127, 100}},
		subs: make([]customer.Subscription, 0, rows+rows/10)}
	tiers := []string{"Enterprise", "Mid-Market", "SMB", "Self-serve"}
	regions := []string{"North America", "EMEA", "APAC", "LATAM", "ANZ"}
	csms := make([]string, 60)
	for i := range csms {
		csms[i] = fmt.Sprintf("csm%02d@lumora.example", i)
	}
	products := []string{"Automate", "Insights", "Platform"}
	h0 := benchAsOf.AddMonths(-36)
	for a := 1; a <= accounts; a++ {
		s.tier = append(s.tier, tiers[r.IntN(len(tiers))])
		s.region = append(s.region, regions[r.IntN(len(regions))])
		s.csm = append(s.csm, csms[r.IntN(len(csms))])
		cur := "USD"
		if r.IntN(10) == 0 {
			cur = []string{"EUR", "GBP"}[r.IntN(2)]
		}
		since := h0.AddDays(r.IntN(2 * 365))
		term := []int{3, 6, 12}[r.IntN(3)]
		for _, p := range products {
			if p != "Platform" && r.Float64() > 0.67 {
				continue
			}
			start := since
			if p != "Platform" {
				start = since.AddDays(r.IntN(200))
			}
			mrr := int64(5000 + r.IntN(200_000))
			if r.IntN(12) == 0 { // a trial first
				s.subs = append(s.subs, customer.Subscription{AccountID: int64(a), Product: p, Currency: cur, StartOn: start.AddDays(-14), EndOn: start, Trial: true, Status: customer.SubEnded})
			}
			for n := 0; n < 12 && start.Before(benchAsOf); n++ {
				end := start.AddMonths(term)
				status := customer.SubActive
				if !end.After(benchAsOf) {
					status = customer.SubEnded
				}
				s.subs = append(s.subs, customer.Subscription{AccountID: int64(a), Product: p, Plan: "Standard", Quantity: 1,
					MRR: mrr, Currency: cur, BillingPeriod: "annual", StartOn: start, EndOn: end, Status: status,
					DiscountPercent: float64(5 * r.IntN(4))})
				switch u := r.Float64(); {
				case u < 0.05: // churn, one in four comes back
					if r.IntN(4) != 0 {
						n = 1 << 30
					}
					start = end.AddDays(60 + r.IntN(300))
				case u < 0.35:
					mrr = mrr * int64(105+r.IntN(50)) / 100
					start = end
				case u < 0.45:
					mrr = mrr * int64(60+r.IntN(35)) / 100
					start = end
				default:
					start = end
				}
			}
		}
	}
	s.subs = s.subs[:min(rows, len(s.subs))]
	return s
}

func (s *synthetic) dims() []Dimension {
	key := func(vals []string) func(int64) string {
		return func(id int64) string { return vals[id-1] }
	}
	return []Dimension{ByAccount("tier", key(s.tier)), ByAccount("region", key(s.region)),
		ByAccount("csm", key(s.csm)), ByCohort(nil), ByProduct()}
}

var benchSink Ratios

// BenchmarkRetention measures every retention metric — waterfall, GRR,
// NRR, product wallet, logo churn, GDRR, quick ratio, ARPA — for 24 months
// by 5 dimensions, from 1M subscription rows of 100k accounts: the book is
// built inside the loop.
func BenchmarkRetention(b *testing.B) {
	s := syntheticBook(b)
	months := Months(benchAsOf.AddMonths(-23), 24)
	dims := s.dims()
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for b.Loop() {
		book, err := Build(s.subs, Options{AsOf: benchAsOf, Rates: s.rates})
		if err != nil {
			b.Fatal(err)
		}
		ms := book.Metrics(months, dims...)
		if len(ms) == 0 {
			b.Fatal("no metrics")
		}
		for i := range ms {
			benchSink = ms[i].Ratios()
		}
	}
	reportCPU(b, c0)
	b.ReportMetric(float64(len(s.subs)), "rows")
}

// BenchmarkMetrics is BenchmarkRetention's metrics alone, from a book
// built once (as a server keeps it between changes to subscriptions).
func BenchmarkMetrics(b *testing.B) {
	s := syntheticBook(b)
	book, err := Build(s.subs, Options{AsOf: benchAsOf, Rates: s.rates})
	if err != nil {
		b.Fatal(err)
	}
	months := Months(benchAsOf.AddMonths(-23), 24)
	dims := s.dims()
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for b.Loop() {
		ms := book.Metrics(months, dims...)
		for i := range ms {
			benchSink = ms[i].Ratios()
		}
	}
	reportCPU(b, c0)
}

// BenchmarkGroupByPass is the yardstick for BenchmarkRetention: one plain
// pass over the same rows summing MRR in force at each month start by
// (month, slice) for the same 5 dimensions — what a single SQL GROUP BY
// over the rows would do.
func BenchmarkGroupByPass(b *testing.B) {
	s := syntheticBook(b)
	months := Months(benchAsOf.AddMonths(-23), 24)
	dims := s.dims()
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for b.Loop() {
		if sums := groupByPass(s.subs, months, dims, s.rates); len(sums) == 0 {
			b.Fatal("no sums")
		}
	}
	reportCPU(b, c0)
	b.ReportMetric(float64(len(s.subs)), "rows")
}

// reportCPU reports the CPU time per operation since c0 (all threads, so
// more than the wall time when work runs in parallel): a figure that
// other programs on a shared machine disturb much less than ns/op.
func reportCPU(b *testing.B, c0 time.Duration) {
	if c := cpuTime(); c > 0 {
		b.ReportMetric(float64(c-c0)/float64(b.N), "cpu-ns/op")
	}
}

// groupByPass sums, for every month, the MRR in force on its first day by
// slice of each dimension. It resolves slices the way a GROUP BY joined to
// the accounts table would: once per account. It is written to be fast:
// converters cached, only the months a row covers visited.
func groupByPass(subs []customer.Subscription, months []Period, dims []Dimension, rates map[string]Rate) [][]int64 {
	nm := len(months)
	starts := make([]day, nm)
	for i, m := range months {
		starts[i] = dayOf(m.From)
	}
	nd := len(dims)
	ins := make([]*interner, nd)
	sums := make([][]int64, nd)
	isProduct := make([]bool, nd)
	for i, d := range dims {
		ins[i] = newInterner()
		isProduct[i] = d.kind == dimProduct
	}
	convs := map[string]converter{}
	lastCur, conv := "\x00", converter{}
	keys := make([]int32, nd)
	grow := func(i int, k int32) {
		for int(k) >= len(sums[i])/nm {
			sums[i] = append(sums[i], make([]int64, nm)...)
		}
	}
	for lo := 0; lo < len(subs); {
		// One account's rows: its slices first.
		acct := subs[lo].AccountID
		hi := lo
		var since day = noEnd
		for ; hi < len(subs) && subs[hi].AccountID == acct; hi++ {
			if !subs[hi].Trial && subs[hi].MRR > 0 {
				since = min(since, dayOf(subs[hi].StartOn))
			}
		}
		for i, d := range dims {
			var k string
			switch d.kind {
			case dimCohort:
				if since != noEnd {
					c := dateOf(since)
					k = fmt.Sprintf("%04d-%02d", c.Year, int(c.Month))
				}
			case dimProduct:
				continue
			default:
				k = d.Key(acct)
			}
			keys[i] = ins[i].id(k)
			grow(i, keys[i])
		}
		for i := lo; i < hi; i++ {
			sub := &subs[i]
			if sub.Trial || sub.MRR == 0 {
				continue
			}
			if sub.Currency != lastCur {
				c, ok := convs[sub.Currency]
				if !ok {
					c, _ = newConverter(sub.Currency, "USD", rates[sub.Currency])
					convs[sub.Currency] = c
				}
				lastCur, conv = sub.Currency, c
			}
			mrr, _ := conv.convert(sub.MRR)
			start, end := dayOf(sub.StartOn), noEnd
			if !sub.EndOn.IsZero() {
				end = dayOf(sub.EndOn)
			}
			m, _ := slices.BinarySearch(starts, start)
			for ; m < nm && starts[m] < end; m++ {
				for di := range dims {
					k := keys[di]
					if isProduct[di] {
						k = ins[di].id(sub.Product)
						grow(di, k)
					}
					sums[di][int(k)*nm+m] += mrr
				}
			}
		}
		lo = hi
	}
	return sums
}

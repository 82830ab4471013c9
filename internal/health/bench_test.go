package health

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
)

// benchValues are varied accounts for the default scorecard.
func benchValues(n int) []Values {
	rng := rand.New(rand.NewPCG(7, 8))
	vs := make([]Values, n)
	for i := range vs {
		vs[i] = randomValues(rng)
	}
	return vs
}

// BenchmarkScore scores accounts with the default (fallback) scorecard,
// reusing one Result as a full recompute does.
func BenchmarkScore(b *testing.B) {
	s := Default()
	sc := s.Scorecards[len(s.Scorecards)-1]
	vs := benchValues(1024)
	var r Result
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		sc.ScoreInto(&vs[i&1023], &r)
	}
	report(b, cpu)
}

// BenchmarkScoreFresh is Score with a new Result per account (three
// allocations), as a caller keeping every Result pays.
func BenchmarkScoreFresh(b *testing.B) {
	s := Default()
	sc := s.Scorecards[len(s.Scorecards)-1]
	vs := benchValues(1024)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		r := sc.Score(&vs[i&1023])
		_ = r
	}
	report(b, cpu)
}

// BenchmarkSetScore adds choosing the scorecard by its condition.
func BenchmarkSetScore(b *testing.B) {
	s := Default()
	vs := benchValues(1024)
	ps := []Profile{{TouchModel: "high"}, {TouchModel: "low"}, {TouchModel: "tech"}}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	var r Result
	for i := range b.N {
		s.ScoreInto(&ps[i%3], &vs[i&1023], &r)
	}
	report(b, cpu)
}

// benchFacts is a busy account: two years of surveys, tickets, invoices,
// contacts, touches and pulses, and a usage snapshot for asOf.
func benchFacts(rng *rand.Rand, asOf civil.Date) *Facts {
	f := sampleFacts()
	day := func() civil.Date { return asOf.AddDays(-rng.IntN(730)) }
	for range 8 {
		f.Surveys = append(f.Surveys, Survey{On: day(), Kind: []string{"nps", "csat", "ces", "would_renew"}[rng.IntN(4)], Score: rng.IntN(6)})
	}
	for range 40 {
		o := day()
		f.Tickets = append(f.Tickets, Ticket{Opened: o, Closed: o.AddDays(rng.IntN(20)), Escalated: rng.IntN(10) == 0})
	}
	for range 24 {
		d := day()
		f.Invoices = append(f.Invoices, Invoice{Issued: d, Due: d.AddDays(30), Paid: d.AddDays(25)})
	}
	for range 10 {
		f.Contacts = append(f.Contacts, Contact{Roles: []string{"user"}, Since: day()})
	}
	for range 60 {
		f.Touches = append(f.Touches, Touch{On: day(), Kind: "email", ByCSM: true})
	}
	f.Usage = append(f.Usage, UsageSnapshot{AsOf: asOf, Values: map[string]float64{
		"usage.dau": 10, "usage.wau": 20, "usage.mau": 40, "usage.events_30d": 900, "usage.features_used_30d": 7,
		"usage.high_value_users": 12, "usage.stickiness": 0.2, "usage.seat_utilisation": 0.8, "usage.breadth": 0.5,
		"usage.depth": 0.3, "usage.trend": -0.1}})
	return f
}

// BenchmarkMetrics computes every metric of a busy account (about 150
// dated records).
func BenchmarkMetrics(b *testing.B) {
	asOf := date("2026-12-01")
	rng := rand.New(rand.NewPCG(9, 10))
	fs := make([]*Facts, 64)
	for i := range fs {
		fs[i] = benchFacts(rng, asOf)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		v := Metrics(fs[i&63], asOf)
		_ = v
	}
	report(b, cpu)
}

// report adds accounts per second of wall time and CPU time per account.
func report(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "accounts/s")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkScoreParallel is BenchmarkScore on every core (GOMAXPROCS), one
// Result per goroutine: the rate a full recompute's scoring can reach.
func BenchmarkScoreParallel(b *testing.B) {
	s := Default()
	sc := s.Scorecards[len(s.Scorecards)-1]
	vs := benchValues(1024)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		var r Result
		i := 0
		for pb.Next() {
			sc.ScoreInto(&vs[i&1023], &r)
			i++
		}
	})
	report(b, cpu)
}

// BenchmarkFormula compares the closure of the default set's formula with
// expr's VM running the same program.
func BenchmarkFormula(b *testing.B) {
	f, err := compileFormula("support.open_tickets + 2 * support.escalations_90d")
	if err != nil {
		b.Fatal(err)
	}
	v := vals("support.open_tickets", 3.0, "support.escalations_90d", 1.0)
	vm := *f
	vm.fn = nil
	for name, f := range map[string]*formula{"closure": f, "vm": &vm} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if x, ok := f.eval(v); !ok || x != 5 {
					b.Fatal(x, ok)
				}
			}
		})
	}
}

package automation_test

import (
	"testing"
	"time"

	"github.com/tendhq/tend/internal/automation"
	"github.com/tendhq/tend/internal/rules"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
	"github.com/tendhq/tend/internal/store/storetest"
)

// BenchmarkDryRun/Full is a full evaluation of the default rules without
// applying: reading every account (facts, adoption, current and previous
// scores) and evaluating, over 100k accounts seeded by
// storetest.SeedHealth and scored yesterday and today, after a night's
// evaluation yesterday (10k accounts with -short). It reports the read
// and evaluation time per run and the process's CPU.
func BenchmarkDryRun(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	st := sqlitetest.Open(b)
	storetest.SeedHealth(b, st, n)
	for _, d := range []int{-1, 0} {
		if _, err := scoring.Recompute(ctx, st, today.AddDays(d)); err != nil {
			b.Fatal(err)
		}
	}
	// A night's run before: Before is the score as of yesterday.
	if err := st.PutRuleRun(ctx, &store.RuleRun{Day: today.AddDays(-1)}); err != nil {
		b.Fatal(err)
	}
	set := rules.Default()
	b.ResetTimer()
	b.Run("Full", func(b *testing.B) {
		var read, eval time.Duration
		c0 := cpuTime()
		for b.Loop() {
			rep, err := automation.DryRun(ctx, st, set, 0, today)
			if err != nil {
				b.Fatal(err)
			}
			read, eval = rep.Read, rep.Evaluate
		}
		if c := cpuTime() - c0; c > 0 {
			b.ReportMetric(float64(c.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
		b.ReportMetric(read.Seconds(), "read-s")
		b.ReportMetric(eval.Seconds(), "evaluate-s")
	})
	// A rescored batch of 100 accounts evaluated in real time, applied to
	// a sink that keeps nothing: what follows a score.
	b.Run("Batch100", func(b *testing.B) {
		ids := make([]int64, 100)
		round := 0
		c0 := cpuTime()
		for b.Loop() {
			for i := range ids {
				ids[i] = int64(1 + (round*100+i*37)%n)
			}
			round++
			if _, err := automation.EvaluateAccounts(ctx, st, automation.NopSink{}, ids, today, &rules.Change{}); err != nil {
				b.Fatal(err)
			}
		}
		if c := cpuTime() - c0; c > 0 {
			b.ReportMetric(float64(c.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	})
}

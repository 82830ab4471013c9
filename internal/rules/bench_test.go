package rules

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/health"
)

// benchSet is 50 rules: the 14 Tend ships and 36 more with conditions
// over fields, metrics and health, of every trigger a full evaluation
// fires.
func benchSet(tb testing.TB) *Set {
	var b strings.Builder
	b.Write(DefaultYAML())
	triggers := []string{
		"{on: schedule}",
		"{on: health_changed, to: red}",
		"{on: metric_crossed, metric: support.open_tickets, direction: above, threshold: 5}",
		"{on: date, date: renewal_on, days_before: 30}",
		"{on: health_changed, drop: 15}",
	}
	conds := []string{
		`tier == "enterprise" and nps.average < 7 and usage.stickiness < 0.2`,
		`touch_model in ["high", "low"] and support.escalations_90d >= 2`,
		`mrr > 5000 and health.score < 50 and days_to_renewal < 180`,
		`region == "EMEA" or (usage.breadth < 0.3 and engagement.days_since_csm_touch > 60)`,
		`health.colour == "yellow" and health.previous_colour == "green"`,
		`not (lifecycle == "churned") and billing.days_overdue > 10`,
		`usage.mau / (usage.dau + 1) > 5 and tenure_days > 365`,
	}
	for i := range 36 {
		fmt.Fprintf(&b, "  - name: extra-%d\n    trigger: %s\n    when: '%s'\n    actions:\n      - open_cta: {type: risk, reason: \"{{account.name}}: {{health.score}}\", priority: 3}\n",
			i, triggers[i%len(triggers)], conds[i%len(conds)])
	}
	s, err := Parse([]byte(b.String()))
	if err != nil {
		tb.Fatal(err)
	}
	if len(s.Rules) != 50 {
		tb.Fatalf("%d rules", len(s.Rules))
	}
	return s
}

// benchInputs are n accounts with varied fields, metrics and health,
// before and after: a tenth changed since the previous evaluation.
func benchInputs(n int) []Input {
	r := rand.New(rand.NewPCG(1, 2))
	tiers := []string{"enterprise", "mid", "smb"}
	touch := []string{"high", "low", "tech"}
	regions := []string{"EMEA", "NA", "APAC"}
	colours := []string{"red", "yellow", "green"}
	out := make([]Input, n)
	for i := range out {
		st := func() State {
			var v health.Values
			for id := range health.Catalogue() {
				if r.IntN(10) > 0 {
					v.Set(health.MetricID(id), r.Float64()*20-5)
				}
			}
			s := r.Float64() * 100
			return State{Metrics: v, Score: s, HasScore: true, Colour: colours[int(s)/34]}
		}
		after := st()
		before := after
		if i%10 == 0 { // a tenth of the accounts changed since the last evaluation
			before = st()
		}
		out[i] = Input{
			Account: Account{ID: int64(i + 1), Name: fmt.Sprintf("Account %d", i), Tier: tiers[i%3], TouchModel: touch[i%3],
				Lifecycle: "mature", Region: regions[i%3], Currency: "USD", MRR: int64(r.IntN(1_000_000)),
				RenewalOn: today.AddDays(r.IntN(365)), CustomerSince: today.AddDays(-r.IntN(2000))},
			Before: &before, After: after, Today: today,
		}
	}
	return out
}

// BenchmarkEvaluate is a full evaluation's compute: 50 rules over 100k
// accounts. It reports ns per account and the firings.
func BenchmarkEvaluate(b *testing.B) {
	s := benchSet(b)
	ins := benchInputs(100_000)
	b.ResetTimer()
	cpu := cpuTime()
	fired := 0
	for b.Loop() {
		fired = 0
		for i := range ins {
			fired += len(s.Evaluate(&ins[i]))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(ins)), "ns/account")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/float64(len(ins)), "cpu-ns/account")
	b.ReportMetric(float64(fired), "firings")
}

// TestEvaluateSpeed keeps the figure honest without timing CI: it only
// logs what 50 rules over 100k accounts took.
func TestEvaluateSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 100k accounts")
	}
	t.Parallel()
	s := benchSet(t)
	ins := benchInputs(100_000)
	t0 := time.Now()
	n := 0
	for i := range ins {
		n += len(s.Evaluate(&ins[i]))
	}
	t.Logf("50 rules × %d accounts: %s (%d firings)", len(ins), time.Since(t0), n)
}

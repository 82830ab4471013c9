package storetest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
)

// HealthAccounts is how many accounts the health benchmarks seed: n, or
// TEND_BENCH_HEALTH_ACCOUNTS when set (1000000 for the million-account
// run, which takes minutes to seed).
func HealthAccounts(tb testing.TB, n int) int {
	if v := os.Getenv("TEND_BENCH_HEALTH_ACCOUNTS"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m <= 0 {
			tb.Fatalf("TEND_BENCH_HEALTH_ACCOUNTS=%q is not a positive number", v)
		}
		return m
	}
	return n
}

// SeedHealth fills st with n accounts as health scoring sees them: a CSM
// each (of 50), two subscription terms, and per account 3 survey answers,
// 2 tickets, 4 invoices, 3 contacts, 4 activities and a pulse on one in
// ten — about 20 rows per account. Loaded through Import in batches.
func SeedHealth(tb testing.TB, st store.Store, n int) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var users []customer.User
	for i := range 50 {
		users = append(users, customer.User{Email: fmt.Sprintf("csm%d@example.com", i), Name: fmt.Sprintf("CSM %d", i), Role: customer.RoleCSM})
	}
	seed(tb, st.Users(), users)
	base := d("2024-01-01")
	at := func(day civil.Date) time.Time { return day.Time().Add(time.Duration(rng.IntN(86400)) * time.Second) }
	const batch = 1000
	for lo := 0; lo < n; lo += batch {
		hi := min(n, lo+batch)
		var (
			accts    []customer.Account
			subs     []customer.Subscription
			surveys  []customer.SurveyResponse
			tickets  []customer.Ticket
			invoices []customer.Invoice
			contacts []customer.Contact
			acts     []customer.Activity
		)
		for i := lo; i < hi; i++ {
			ext := fmt.Sprintf("H-%07d", i)
			csm := fmt.Sprintf("csm%d@example.com", i%50)
			accts = append(accts, customer.Account{ExternalID: ext, Name: fmt.Sprintf("Company %d", i), Tier: []string{"smb", "mid", "enterprise"}[i%3],
				TouchModel: "tech", Region: "EMEA", Industry: "Software", CSMEmail: csm, CustomerSince: base})
			mrr := int64(10000 + rng.IntN(90000))
			subs = append(subs,
				customer.Subscription{AccountExternalID: ext, Product: "Core", MRR: mrr, StartOn: base, EndOn: base.AddMonths(12), Status: customer.SubEnded},
				customer.Subscription{AccountExternalID: ext, Product: "Core", MRR: mrr + int64(rng.IntN(20000)) - 10000, StartOn: base.AddMonths(12), EndOn: base.AddMonths(36)})
			for range 3 {
				surveys = append(surveys, customer.SurveyResponse{AccountExternalID: ext, Kind: "nps", Score: rng.IntN(11), RespondedAt: at(base.AddDays(rng.IntN(900)))})
			}
			for k := range 2 {
				open := at(base.AddDays(rng.IntN(900)))
				tk := customer.Ticket{AccountExternalID: ext, Subject: "Help", Priority: "medium", Status: "open", OpenedAt: open}
				if k == 0 {
					tk.Status, tk.ClosedAt = "closed", open.Add(30*time.Hour)
				}
				tickets = append(tickets, tk)
			}
			for k := range 4 {
				issued := base.AddMonths(20 + k)
				inv := customer.Invoice{AccountExternalID: ext, Amount: mrr, IssuedOn: issued, DueOn: issued.AddDays(30)}
				if k < 3 {
					inv.PaidOn = issued.AddDays(rng.IntN(40))
				}
				invoices = append(invoices, inv)
			}
			for k := range 3 {
				c := customer.Contact{AccountExternalID: ext, Name: fmt.Sprintf("Person %d-%d", i, k), Roles: [][]string{{"champion"}, {"economic_buyer"}, {"user"}}[k]}
				if k == 2 && i%7 == 0 {
					c.LeftOn = base.AddDays(500)
				}
				contacts = append(contacts, c)
			}
			for range 4 {
				acts = append(acts, customer.Activity{AccountExternalID: ext, Kind: []string{"email", "call", "meeting", "qbr"}[rng.IntN(4)],
					OccurredAt: at(base.AddDays(rng.IntN(900))), AuthorEmail: csm, Subject: "Touch"})
			}
		}
		seed(tb, st.Accounts(), accts)
		seed(tb, st.Subscriptions(), subs)
		seed(tb, st.Surveys(), surveys)
		seed(tb, st.Tickets(), tickets)
		seed(tb, st.Invoices(), invoices)
		seed(tb, st.Contacts(), contacts)
		seed(tb, st.Activities(), acts)
	}
	// A pulse on one account in ten.
	for id := int64(1); id <= int64(n); id += 10 {
		must(tb, st.SetPulse(ctx, &store.Pulse{AccountID: id, Colour: "yellow", Reason: "Quiet", ExpiresOn: civil.Today().AddDays(30)}))
	}
	must(tb, st.Analyze(ctx))
}

func seed[T any](tb testing.TB, c store.Collection[T], rows []T) {
	tb.Helper()
	must(tb, store.ImportAll(ctx, c, rows))
}

// BenchHealth measures what a full health recompute asks of the store on
// n accounts seeded by SeedHealth: reading every account's Facts
// (ReadAll), one account's (ReadOne), and writing n scores with a detail
// of about 600 bytes each (WriteAll: current rows and history points).
func BenchHealth(b *testing.B, st store.Store, n int) {
	asOf := civil.Today()
	b.Run("ReadAll", func(b *testing.B) {
		var rows int
		c0 := cpuTime()
		for b.Loop() {
			rows = 0
			must(b, st.EachHealthFacts(ctx, asOf, func(f *health.Facts) error {
				rows += 1 + len(f.MRRChanges) + len(f.Surveys) + len(f.Tickets) + len(f.Invoices) + len(f.Contacts) + len(f.Touches) + len(f.Pulses)
				return nil
			}))
		}
		reportCPU(b, c0)
		perOp := b.Elapsed().Seconds() / float64(b.N)
		b.ReportMetric(float64(n)/perOp, "accounts/s")
		b.ReportMetric(float64(rows), "records")
	})
	// ReadOne is per account read (b.N may be small with -benchtime Nx
	// for the others; run it alone with more).
	b.Run("ReadOne", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(3, 4))
		c0 := cpuTime()
		for b.Loop() {
			if _, err := st.HealthFacts(ctx, int64(1+rng.IntN(n)), asOf); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, c0)
	})
	detail := []byte(`{"groups":[` + strings.Repeat(`{"name":"usage","score":61.5,"weight":0.3,"measures":[{"metric":"usage.dau_mau","value":0.42,"points":55}]},`, 4) + `{"name":"x"}]}`)
	b.Run("WriteAll", func(b *testing.B) {
		scores := make([]store.HealthScore, n)
		round := 0
		c0 := cpuTime()
		for b.Loop() {
			round++
			now := time.Now()
			for i := range scores {
				s := float64((i*7+round*13)%100) + 0.5
				colour := store.ColourGreen
				switch {
				case s < 40:
					colour = store.ColourRed
				case s < 70:
					colour = store.ColourYellow
				}
				scores[i] = store.HealthScore{AccountID: int64(i + 1), ScoredAt: now, Scorecard: "default", Version: 1, Score: &s, Colour: colour, Detail: detail}
			}
			must(b, st.PutHealthScores(ctx, scores))
		}
		reportCPU(b, c0)
		perOp := b.Elapsed().Seconds() / float64(b.N)
		b.ReportMetric(float64(n)/perOp, "scores/s")
	})
	// After WriteAll: every account has a score.
	b.Run("Distribution", func(b *testing.B) {
		c0 := cpuTime()
		for b.Loop() {
			if _, err := st.HealthDistribution(ctx); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, c0)
	})
	// Recompute is the full recompute end to end (read every account's
	// inputs, score, write each score and its history point) as the daily
	// job runs it: each iteration scores a new day, so every account gets
	// a new point. RecomputeAgain repeats the last day (a second run on
	// one day: same results).
	day := asOf
	recompute := func(b *testing.B, next func()) {
		c0 := cpuTime()
		var sum scoring.Summary
		for b.Loop() {
			next()
			var err error
			if sum, err = scoring.Recompute(ctx, st, day); err != nil {
				b.Fatal(err)
			}
			if sum.Accounts != n {
				b.Fatalf("recompute scored %d accounts, want %d", sum.Accounts, n)
			}
		}
		reportCPU(b, c0)
		perOp := b.Elapsed().Seconds() / float64(b.N)
		b.ReportMetric(float64(n)/perOp, "accounts/s")
		b.ReportMetric(sum.Read.Seconds(), "read-s")
		b.ReportMetric(sum.Score.Seconds(), "score-s")
		b.ReportMetric(sum.Write.Seconds(), "write-s")
	}
	// Rescore is one account rescored from the store and its score
	// written, as a change to its inputs sets off (run it alone with more
	// iterations for a steady figure).
	b.Run("Rescore", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(5, 6))
		c0 := cpuTime()
		for b.Loop() {
			if _, _, err := scoring.Rescore(ctx, st, int64(1+rng.IntN(n)), asOf); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, c0)
	})
	b.Run("Recompute", func(b *testing.B) { recompute(b, func() { day = day.AddDays(1) }) })
	b.Run("RecomputeAgain", func(b *testing.B) { recompute(b, func() {}) })
}

// reportCPU reports the process's CPU time per operation since c0 — the
// figure that holds on a machine shared with other work, where wall time
// does not.
func reportCPU(b *testing.B, c0 time.Duration) {
	if c := cpuTime() - c0; c > 0 {
		b.ReportMetric(float64(c.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

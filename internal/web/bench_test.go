package web

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// benchAccounts is how many accounts the page benchmarks run over.
const benchAccounts = 100_000

// benchEnv is a seeded SQLite store and the web UI over it, made once per
// test process (seeding takes a while) and removed by TestMain.
var benchEnv struct {
	sync.Once
	h       http.Handler
	st      store.Store
	today   civil.Date
	csm     string
	err     error
	cleanup func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchEnv.cleanup != nil {
		benchEnv.cleanup()
	}
	os.Exit(code)
}

// benchHandler returns the web UI over 100,000 seeded accounts.
func benchHandler(b *testing.B) http.Handler {
	benchEnv.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "tend-web-bench-")
		if err != nil {
			benchEnv.err = err
			return
		}
		st, err := sqlite.Open(ctx, filepath.Join(dir, "tend.db"))
		if err != nil {
			os.RemoveAll(dir)
			benchEnv.err = err
			return
		}
		benchEnv.cleanup = func() { st.Close(); os.RemoveAll(dir) }
		benchEnv.st = st
		benchEnv.today = civil.Today()
		start := time.Now()
		if err := st.Migrate(ctx); err != nil {
			benchEnv.err = err
			return
		}
		if benchEnv.csm, err = seedBench(ctx, st, benchAccounts, benchEnv.today); err != nil {
			benchEnv.err = err
			return
		}
		if err := st.Analyze(ctx); err != nil { // as tend import does after a bulk load
			benchEnv.err = err
			return
		}
		b.Logf("seeded %d accounts, subscriptions and invoices in %s", benchAccounts, time.Since(start).Round(time.Millisecond))
		s := newServer(st, nil)
		s.today = func() civil.Date { return benchEnv.today }
		benchEnv.h = as(testLeader, s.routes())
	})
	if benchEnv.err != nil {
		b.Fatal(benchEnv.err)
	}
	return benchEnv.h
}

// seedBench imports n accounts in batches of 1,000 — fifty CSMs own two
// thirds of them, the rest are tech touch — each with one subscription of
// long-tailed MRR renewing within two years and one invoice, 4% of them
// unpaid and overdue. It returns one CSM's email.
func seedBench(ctx context.Context, st store.Store, n int, today civil.Date) (string, error) {
	rng := rand.New(rand.NewPCG(3, 4))
	const csms = 50
	users := make([]customer.User, csms)
	for i := range users {
		users[i] = customer.User{Email: fmt.Sprintf("csm%02d@bench.test", i), Name: fmt.Sprintf("Bench CSM %02d", i),
			Role: customer.RoleCSM, CapacityARR: 400_000_000}
	}
	if err := store.ImportAll(ctx, st.Users(), users); err != nil {
		return "", err
	}
	const batch = 1000
	accounts := make([]customer.Account, 0, batch)
	subs := make([]customer.Subscription, 0, batch)
	invoices := make([]customer.Invoice, 0, batch)
	for i := 0; i < n; i += batch {
		accounts, subs, invoices = accounts[:0], subs[:0], invoices[:0]
		for j := i; j < min(i+batch, n); j++ {
			ext := fmt.Sprintf("bench-%06d", j)
			a := customer.Account{ExternalID: ext, Name: fmt.Sprintf("Bench Company %06d", j),
				Lifecycle: customer.Stages[rng.IntN(len(customer.Stages))], TouchModel: customer.TouchTech}
			if j%3 != 0 {
				a.CSMEmail, a.TouchModel = users[rng.IntN(csms)].Email, customer.TouchLow
			}
			accounts = append(accounts, a)
			// Pareto-distributed MRR from $50 a month up.
			mrr := int64(5000 / math.Pow(1-rng.Float64(), 1/1.2))
			subs = append(subs, customer.Subscription{ExternalID: ext + "-core", AccountExternalID: ext, Product: "Core",
				Quantity: 1 + rng.IntN(500), MRR: mrr, Status: customer.SubActive,
				StartOn: today.AddDays(-rng.IntN(700)), EndOn: today.AddDays(1 + rng.IntN(730))})
			inv := customer.Invoice{ExternalID: ext + "-inv", AccountExternalID: ext, Amount: 12 * mrr, DueOn: today.AddDays(-rng.IntN(60))}
			if rng.IntN(100) >= 4 {
				inv.PaidOn = inv.DueOn
			}
			invoices = append(invoices, inv)
		}
		if err := store.ImportAll(ctx, st.Accounts(), accounts); err != nil {
			return "", err
		}
		if err := store.ImportAll(ctx, st.Subscriptions(), subs); err != nil {
			return "", err
		}
		if err := store.ImportAll(ctx, st.Invoices(), invoices); err != nil {
			return "", err
		}
	}
	return users[7].Email, nil
}

// BenchmarkDashboard measures GET /dashboard over 100,000 accounts on
// SQLite, server-side (routing, the store's figures, the charts, the
// template), and the accounts list pages it drills down to. Besides ns/op
// it reports p50 and p99 in milliseconds; issue 3's target is p99 ≤ 50 ms.
func BenchmarkDashboard(b *testing.B) {
	h := benchHandler(b)
	today := benchEnv.today
	b.Run("dashboard", func(b *testing.B) { benchPage(b, h, "/dashboard") })
	b.Run("renewing-90-days", func(b *testing.B) {
		benchPage(b, h, "/accounts?"+url.Values{"renewal_from": {today.String()}, "renewal_to": {today.AddDays(90).String()}, "sort": {"renewal"}}.Encode())
	})
	b.Run("csm-book", func(b *testing.B) { benchPage(b, h, "/accounts?csm="+url.QueryEscape(benchEnv.csm)) })
	b.Run("no-csm", func(b *testing.B) { benchPage(b, h, "/accounts?csm=none") })
	b.Run("at-risk", func(b *testing.B) { benchPage(b, h, "/accounts?lifecycle=at_risk") })
}

// BenchmarkRetentionPage measures GET /retention (the whole dashboard: the
// waterfall by tier, 24 months of trailing GRR/NRR, 24 cohorts, churn,
// pipeline and details) over the same 100,000 accounts: "cached" with the
// book kept between requests (retention.Cache, nothing changed), and
// "rebuilt" with the cache emptied before each request, so each reads every
// subscription and account and builds the book again.
func BenchmarkRetentionPage(b *testing.B) {
	benchHandler(b)
	srv := newServer(benchEnv.st, nil)
	srv.today = func() civil.Date { return benchEnv.today }
	h := as(testLeader, srv.routes())
	path := "/retention?by=tier"
	b.Run("cached", func(b *testing.B) { benchPage(b, h, path) })
	b.Run("rebuilt", func(b *testing.B) {
		benchPage(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			srv.books = retention.Cache{}
			h.ServeHTTP(w, r)
		}), path)
	})
}

// benchPage times GET path and reports latency percentiles.
func benchPage(b *testing.B, h http.Handler, path string) {
	durations := make([]time.Duration, 0, 1024)
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		durations = append(durations, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
	}
	slices.Sort(durations)
	pct := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(durations)))) - 1
		return float64(durations[max(i, 0)]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

package api

import (
	"context"
	"encoding/json"
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

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// benchAccounts is how many accounts the list benchmark runs over.
const benchAccounts = 100_000

// benchEnv is a seeded store and the API over it. Seeding 100,000
// accounts takes a while, so each engine is seeded once per test process
// and closed by TestMain.
type benchEnv struct {
	st      store.Store
	h       http.Handler
	cleanup func()
	// deepCursor continues sort=-mrr half way down the list.
	deepCursor string
}

var benchEnvs = struct {
	sync.Mutex
	m map[string]*benchEnv
}{m: map[string]*benchEnv{}}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, e := range benchEnvs.m {
		e.cleanup()
	}
	os.Exit(code)
}

// benchStore opens the engine's store seeded with benchAccounts accounts
// (and one subscription each, so MRR varies), once per process.
func benchStore(b *testing.B, engine string) *benchEnv {
	benchEnvs.Lock()
	defer benchEnvs.Unlock()
	if e, ok := benchEnvs.m[engine]; ok {
		return e
	}
	ctx := context.Background()
	e := &benchEnv{}
	switch engine {
	case "sqlite":
		dir, err := os.MkdirTemp("", "tend-api-bench-")
		if err != nil {
			b.Fatal(err)
		}
		db, err := sqlite.Open(ctx, filepath.Join(dir, "tend.db"))
		if err != nil {
			os.RemoveAll(dir)
			b.Fatal(err)
		}
		e.st, e.cleanup = db, func() { db.Close(); os.RemoveAll(dir) }
	case "postgres":
		db, err := postgres.Open(ctx, os.Getenv("TEND_TEST_DATABASE_URL"))
		if err != nil {
			b.Fatal(err)
		}
		e.st, e.cleanup = db, func() { db.Close() }
	}
	if err := e.st.Migrate(ctx); err != nil {
		e.cleanup()
		b.Fatal(err)
	}
	start := time.Now()
	seeded, err := seedAccounts(ctx, e.st, benchAccounts)
	if err != nil {
		e.cleanup()
		b.Fatal(err)
	}
	if err := e.st.Analyze(ctx); err != nil { // as tend import does after a bulk load
		e.cleanup()
		b.Fatal(err)
	}
	if seeded {
		b.Logf("%s: seeded %d accounts and subscriptions in %s", engine, benchAccounts, time.Since(start).Round(time.Millisecond))
	}
	e.h = asAdmin(New(e.st, nil))

	// Walk half way down the MRR order for a deep cursor.
	cursor := ""
	for range benchAccounts / 2 / maxLimit {
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/accounts?sort=-mrr&limit=1000&cursor="+url.QueryEscape(cursor), nil))
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &page) != nil || page.NextCursor == "" {
			e.cleanup()
			b.Fatalf("walking the list: %d %s", rec.Code, rec.Body.String()[:min(rec.Body.Len(), 300)])
		}
		cursor = page.NextCursor
	}
	e.deepCursor = cursor
	benchEnvs.m[engine] = e
	return e
}

// seedAccounts imports n accounts with long-tailed MRR, in batches of
// 1000. Re-running is harmless (Import upserts by external id), and a
// database that already holds them (a reused PostgreSQL) is left as is.
func seedAccounts(ctx context.Context, st store.Store, n int) (bool, error) {
	have, err := st.Accounts().Count(ctx, store.Query{Filters: []store.Filter{
		{Field: "external_id", Op: store.Gte, Value: "bench-"},
		{Field: "external_id", Op: store.Lt, Value: "bench."},
	}})
	if err != nil {
		return false, err
	}
	if have >= n {
		return false, nil
	}
	rng := rand.New(rand.NewPCG(1, 2))
	industries := []string{"Software", "Retail", "Health", "Finance", "Manufacturing", "Education", "Media"}
	regions := []string{"NA", "EMEA", "APAC", "LATAM"}
	const batch = 1000
	accounts := make([]customer.Account, 0, batch)
	subs := make([]customer.Subscription, 0, batch)
	for i := 0; i < n; i += batch {
		accounts, subs = accounts[:0], subs[:0]
		for j := i; j < min(i+batch, n); j++ {
			ext := fmt.Sprintf("bench-%06d", j)
			accounts = append(accounts, customer.Account{
				ExternalID: ext,
				Name:       fmt.Sprintf("Bench Company %06d", j),
				Industry:   industries[rng.IntN(len(industries))],
				Region:     regions[rng.IntN(len(regions))],
				Employees:  10 + rng.IntN(5000),
				Lifecycle:  customer.Stages[rng.IntN(len(customer.Stages))],
			})
			// Pareto-distributed MRR from $50 a month up: a long tail.
			mrr := int64(5000 / math.Pow(1-rng.Float64(), 1/1.2))
			subs = append(subs, customer.Subscription{
				ExternalID:        ext + "-core",
				AccountExternalID: ext,
				Product:           "Core",
				Quantity:          1 + rng.IntN(500),
				MRR:               mrr,
				StartOn:           civil.Date{Year: 2024, Month: 1, Day: 1},
				EndOn:             civil.Date{Year: 2027, Month: time.Month(1 + rng.IntN(12)), Day: 1},
				Status:            customer.SubActive,
			})
		}
		if err := store.ImportAll(ctx, st.Accounts(), accounts); err != nil {
			return false, err
		}
		if err := store.ImportAll(ctx, st.Subscriptions(), subs); err != nil {
			return false, err
		}
	}
	return true, nil
}

// BenchmarkListAccounts measures GET /api/v1/accounts over 100,000
// accounts: the first page by MRR, a filtered page, and a page half way
// down the list. Besides ns/op it reports per-request p50 and p99 in
// milliseconds. PostgreSQL runs too when TEND_TEST_DATABASE_URL is set.
func BenchmarkListAccounts(b *testing.B) {
	engines := []string{"sqlite"}
	if os.Getenv("TEND_TEST_DATABASE_URL") != "" {
		engines = append(engines, "postgres")
	} else {
		b.Log("TEND_TEST_DATABASE_URL is not set: PostgreSQL skipped")
	}
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) {
			e := benchStore(b, engine)
			cases := []struct{ name, query string }{
				{"sort=-mrr", "sort=-mrr&limit=50"},
				{"filter", "lifecycle=at_risk&region=EMEA&sort=-mrr&limit=50"},
				{"deep-cursor", "sort=-mrr&limit=50&cursor=" + url.QueryEscape(e.deepCursor)},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					benchList(b, e.h, "/api/v1/accounts?"+c.query)
				})
			}
		})
	}
}

// benchList times GET path and reports latency percentiles.
func benchList(b *testing.B, h http.Handler, path string) {
	durations := make([]time.Duration, 0, 1024)
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		durations = append(durations, time.Since(start))
		if rec.Code != 200 {
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

// asAdmin serves h as the test administrator.
func asAdmin(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), testAdmin)))
	})
}

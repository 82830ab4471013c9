package transfer

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres/pgtest"
)

// benchAccounts is a CSV of n accounts A-0…, as a CRM exports them.
func benchAccounts(n int) []byte {
	var b bytes.Buffer
	b.WriteString("Id,Name,Industry,NumberOfEmployees,BillingCountry,Plan\r\n")
	for i := range n {
		fmt.Fprintf(&b, "A-%d,\"Company %d, Inc.\",FinTech,%d,US,Pro\r\n", i, i, i%5000)
	}
	return b.Bytes()
}

// benchSubscriptions is a CSV of n subscriptions spread over accounts
// A-0 … A-(accounts-1).
func benchSubscriptions(n, accounts int) []byte {
	var b bytes.Buffer
	b.WriteString("subscription_id,account_id,start_date,end_date,plan_tier,seats,mrr_amount,is_trial,billing_frequency\r\n")
	for i := range n {
		fmt.Fprintf(&b, "S-%d,A-%d,2024-%02d-01,,Pro,%d,%d.%02d,FALSE,monthly\r\n", i, i%accounts, 1+i%12, 1+i%90, i%9999, i%100)
	}
	return b.Bytes()
}

// BenchmarkImport reports rows/s of whole file imports — reading,
// mapping, converting, checking and writing — of 100,000 accounts and then
// 1,000,000 subscription rows, on SQLite and on PostgreSQL (when
// TEND_TEST_DATABASE_URL is set), and of a dry run without the store. With
// -short it imports 10,000 and 20,000. Run it with -benchtime 1x.
func BenchmarkImport(b *testing.B) {
	accounts, subs := 100_000, 1_000_000
	if testing.Short() {
		accounts, subs = 10_000, 20_000
	}
	acc := benchAccounts(accounts)
	sub := benchSubscriptions(subs, accounts)
	ctx := context.Background()
	accOpts := Options{Format: CSV, Map: []string{"Plan=attributes.plan"}}
	subOpts := Options{Format: CSV, Map: []string{"account_id=account_external_id"}, Set: []string{"product=Core"}}
	ao, _ := Lookup("accounts")
	so, _ := Lookup("subscriptions")

	b.Run("dry-run/subscriptions", func(b *testing.B) {
		opts := subOpts
		opts.DryRun = true
		for b.Loop() {
			if _, err := so.Import(ctx, nil, bytes.NewReader(sub), opts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(subs*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	engines := []struct {
		name string
		open func(testing.TB) store.Store
	}{
		{"sqlite", openSQLite},
		{"postgres", func(t testing.TB) store.Store { return pgtest.Open(t) }},
	}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			var accTime, subTime time.Duration
			for range b.N {
				st := e.open(b)
				start := time.Now()
				if _, err := ao.Import(ctx, st, bytes.NewReader(acc), accOpts); err != nil {
					b.Fatal(err)
				}
				accTime += time.Since(start)
				start = time.Now()
				if _, err := so.Import(ctx, st, bytes.NewReader(sub), subOpts); err != nil {
					b.Fatal(err)
				}
				subTime += time.Since(start)
			}
			b.ReportMetric(float64(accounts*b.N)/accTime.Seconds(), "accounts/s")
			b.ReportMetric(float64(subs*b.N)/subTime.Seconds(), "subscriptions/s")
		})
	}
}

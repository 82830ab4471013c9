package transfer

import (
	"bytes"
	"context"
	"fmt"
	"testing"
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

// BenchmarkImport reports rows/s of whole imports into a fresh SQLite
// database, and of a dry run (reading, mapping, converting and checking,
// without the store).
func BenchmarkImport(b *testing.B) {
	const accounts, subs = 10000, 20000
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
	b.Run("sqlite/accounts", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			st := openSQLite(b)
			b.StartTimer()
			if _, err := ao.Import(ctx, st, bytes.NewReader(acc), accOpts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(accounts*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("sqlite/subscriptions", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			st := openSQLite(b)
			if _, err := ao.Import(ctx, st, bytes.NewReader(acc), accOpts); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := so.Import(ctx, st, bytes.NewReader(sub), subOpts); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(subs*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

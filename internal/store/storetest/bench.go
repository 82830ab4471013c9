package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// BenchImport measures Collection.Import: 100,000 accounts, then 1,000,000
// subscription rows spread over them, in batches of 1,000 as the importer
// sends them. It reports rows per second for each.
func BenchImport(b *testing.B, open func(b *testing.B) store.Store, accounts, subsPerAccount int) {
	for range b.N {
		b.StopTimer()
		st := open(b)
		b.StartTimer()
		const batch = 1000
		start := time.Now()
		rows := make([]customer.Account, 0, batch)
		for i := range accounts {
			rows = append(rows, customer.Account{ExternalID: fmt.Sprintf("A-%07d", i), Name: fmt.Sprintf("Company %d", i),
				Industry: "Software", Region: "EMEA", Employees: 50 + i%5000, Tier: "smb", TouchModel: "tech"})
			if len(rows) == batch || i == accounts-1 {
				importAll(b, st.Accounts(), rows)
				rows = rows[:0]
			}
		}
		acctRate := float64(accounts) / time.Since(start).Seconds()

		start = time.Now()
		total := accounts * subsPerAccount
		subs := make([]customer.Subscription, 0, batch)
		day := d("2023-01-01")
		for i := range total {
			a := i % accounts
			term := i / accounts
			subs = append(subs, customer.Subscription{ExternalID: fmt.Sprintf("S-%08d", i), AccountExternalID: fmt.Sprintf("A-%07d", a),
				Product: "Core", Quantity: 10, MRR: int64(10000 + a%90000), StartOn: day.AddMonths(term), EndOn: day.AddMonths(term + 1)})
			if len(subs) == batch || i == total-1 {
				importAll(b, st.Subscriptions(), subs)
				subs = subs[:0]
			}
		}
		subRate := float64(total) / time.Since(start).Seconds()
		b.ReportMetric(acctRate, "accounts/s")
		b.ReportMetric(subRate, "subscriptions/s")
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
}

func importAll[T any](b *testing.B, c store.Collection[T], rows []T) {
	if err := store.ImportAll(ctx, c, rows); err != nil {
		b.Fatal(err)
	}
}

package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/cta"
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

// BenchApplyIntents measures Work.ApplyIntents as a full rule evaluation
// uses it: one intent per account of n (each opening a CTA with a
// four-task playbook), then the same intents again (nothing changes),
// each batch in one call. It reports intents per second for each.
func BenchApplyIntents(b *testing.B, open func(b *testing.B) store.Store, n int) {
	for range b.N {
		b.StopTimer()
		st := open(b)
		rows := make([]customer.Account, 0, n)
		for i := range n {
			rows = append(rows, customer.Account{ExternalID: fmt.Sprintf("A-%07d", i), Name: fmt.Sprintf("Company %d", i), TouchModel: "high"})
		}
		importAll(b, st.Accounts(), rows)
		page, err := st.Accounts().List(ctx, store.Query{Limit: 1000})
		if err != nil {
			b.Fatal(err)
		}
		var ins []cta.Intent
		for cur := page; ; {
			for _, a := range cur.Items {
				ins = append(ins, cta.Intent{Action: cta.OpenAction, AccountID: a.ID, Rule: "red-health", Type: cta.Risk,
					Reason: "Health is red", Priority: cta.High, DueInDays: 7, Playbook: "detractor"})
			}
			if cur.NextCursor == "" {
				break
			}
			if cur, err = st.Accounts().List(ctx, store.Query{Limit: 1000, Cursor: cur.NextCursor}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		for _, round := range []string{"first", "again"} {
			// Planner statistics as autovacuum would have them by then.
			b.StopTimer()
			if err := st.Analyze(ctx); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			res, err := st.ApplyIntents(ctx, ctaToday, "", ins)
			if err != nil {
				b.Fatal(err)
			}
			if round == "first" && res.Created != n || round == "again" && res.Unchanged != n {
				b.Fatalf("%s: %+v", round, res)
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "intents/s-"+round)
		}
		// The cockpit's first page over all of them (a leader's), and the
		// tenth page by cursor.
		start := time.Now()
		f := store.CTAFilter{Today: ctaToday}
		for range 10 {
			page, err := st.ListCTAs(ctx, f)
			if err != nil || len(page.Items) != 50 {
				b.Fatalf("list: %v", err)
			}
			f.Cursor = page.NextCursor
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds())/10, "ms/list-page")
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
}

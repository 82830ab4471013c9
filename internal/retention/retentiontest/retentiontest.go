// Package retentiontest writes a small company with known retention answers
// into a store, for the tests of the retention surfaces (API, CLI).
package retentiontest

import (
	"context"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// AsOf is the day the books of the fixture are closed on.
var AsOf = civil.Date{Year: 2025, Month: 12, Day: 31}

// Seed writes three accounts and their subscriptions (amounts in cents):
//
//   - acme (Enterprise): $1,000 from 2025-01-01 for a year, plus $500 of
//     extra seats from 2025-08-01 — an expansion in 2025-Q3;
//   - bolt (SMB): $2,000 from 2024-09-01 to 2025-09-01, not renewed — churn
//     recognised on 2025-09-01;
//   - cove (SMB): $300 from 2025-08-15 — new in 2025-Q3.
//
// So 2025-Q3 is start 300,000, new 30,000, expansion 50,000, churn 200,000,
// end 180,000; GRR 1/3, NRR 1/2, logo churn 1/2, GDRR 0 (bolt's 200,000 due,
// nothing renewed), quick ratio 0.4, ARPA 90,000. By tier: Enterprise GRR 1,
// NRR 1.5; SMB GRR 0, NRR 0.
func Seed(t testing.TB, st store.Store) {
	t.Helper()
	ctx := context.Background()
	day := func(y, m, d int) civil.Date { return civil.Date{Year: y, Month: time.Month(m), Day: d} }
	accounts := []customer.Account{
		{ExternalID: "acme", Name: "Acme", Tier: "Enterprise", Region: "EMEA"},
		{ExternalID: "bolt", Name: "Bolt", Tier: "SMB", Region: "NA"},
		{ExternalID: "cove", Name: "Cove", Tier: "SMB", Region: "NA"},
	}
	for i := range accounts {
		if err := st.Accounts().Create(ctx, &accounts[i]); err != nil {
			t.Fatalf("account %s: %v", accounts[i].ExternalID, err)
		}
	}
	subs := []customer.Subscription{
		{ExternalID: "acme-1", AccountExternalID: "acme", Product: "Platform", MRR: 100000, Currency: "USD",
			StartOn: day(2025, 1, 1), EndOn: day(2026, 1, 1), Status: customer.SubActive},
		{ExternalID: "acme-2", AccountExternalID: "acme", Product: "Platform", MRR: 50000, Currency: "USD",
			StartOn: day(2025, 8, 1), EndOn: day(2026, 1, 1), Status: customer.SubActive},
		{ExternalID: "bolt-1", AccountExternalID: "bolt", Product: "Platform", MRR: 200000, Currency: "USD",
			StartOn: day(2024, 9, 1), EndOn: day(2025, 9, 1), Status: customer.SubEnded},
		{ExternalID: "cove-1", AccountExternalID: "cove", Product: "Insights", MRR: 30000, Currency: "USD",
			StartOn: day(2025, 8, 15), EndOn: day(2026, 8, 15), Status: customer.SubActive},
	}
	for i := range subs {
		if err := st.Subscriptions().Create(ctx, &subs[i]); err != nil {
			t.Fatalf("subscription %s: %v", subs[i].ExternalID, err)
		}
	}
}

// AddEuro writes a subscription in EUR, which the book cannot convert.
func AddEuro(t testing.TB, st store.Store) {
	t.Helper()
	s := customer.Subscription{ExternalID: "cove-eur", AccountExternalID: "cove", Product: "Addon", MRR: 9900,
		Currency: "EUR", StartOn: civil.Date{Year: 2025, Month: 9, Day: 1}, EndOn: civil.Date{Year: 2026, Month: 9, Day: 1},
		Status: customer.SubActive}
	if err := st.Subscriptions().Create(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
}

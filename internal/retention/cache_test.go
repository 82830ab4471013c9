package retention_test

import (
	"context"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/retention/retentiontest"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// TestCacheRebuildsOnWrites: the cached book is reused while nothing
// changes, and rebuilt after any write to what it is built from.
func TestCacheRebuildsOnWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	retentiontest.Seed(t, st)
	var c retention.Cache
	asOf := retentiontest.AsOf
	load := func(day civil.Date) int64 {
		t.Helper()
		b, _, err := c.Load(ctx, st, day)
		if err != nil {
			t.Fatal(err)
		}
		return b.TotalMRR(day)
	}
	expect := func(step string, builds int, mrr, got int64) {
		t.Helper()
		if c.Builds() != builds || got != mrr {
			t.Fatalf("%s: %d builds, MRR %d; want %d builds, MRR %d", step, c.Builds(), got, builds, mrr)
		}
	}
	expect("first read builds", 1, 180000, load(asOf))
	expect("second read reuses", 1, 180000, load(asOf))

	s := customer.Subscription{ExternalID: "dune-1", AccountExternalID: "cove", Product: "Platform", MRR: 7000, Currency: "USD",
		StartOn: civil.Date{Year: 2025, Month: 10, Day: 1}, EndOn: civil.Date{Year: 2026, Month: 10, Day: 1}, Status: customer.SubActive}
	if err := st.Subscriptions().Create(ctx, &s); err != nil {
		t.Fatal(err)
	}
	expect("a new subscription", 2, 187000, load(asOf))
	s.MRR = 9000
	if err := st.Subscriptions().Update(ctx, &s); err != nil {
		t.Fatal(err)
	}
	expect("a changed subscription", 3, 189000, load(asOf))
	if err := st.Subscriptions().Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	expect("a deleted subscription", 4, 180000, load(asOf))
	expect("unchanged again", 4, 180000, load(asOf))

	a, err := st.Accounts().GetByExternalID(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	a.Tier = "Strategic"
	if err := st.Accounts().Update(ctx, &a); err != nil {
		t.Fatal(err)
	}
	_, list, err := c.Load(ctx, st, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if c.Builds() != 5 || tierOf(list, a.ID) != "Strategic" {
		t.Fatalf("an account's new tier: %d builds, tier %q", c.Builds(), tierOf(list, a.ID))
	}
	if err := st.PutExchangeRate(ctx, &store.ExchangeRate{Currency: "EUR", Rate: "1.1"}); err != nil {
		t.Fatal(err)
	}
	expect("a new exchange rate", 6, 180000, load(asOf))
	expect("another day", 7, 150000+30000, load(asOf.AddDays(-1)))
}

func tierOf(list []customer.Account, id int64) string {
	for _, a := range list {
		if a.ID == id {
			return a.Tier
		}
	}
	return ""
}

// TestCacheBuildsOnceForConcurrentReaders: readers arriving together
// share one build.
func TestCacheBuildsOnceForConcurrentReaders(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	retentiontest.Seed(t, st)
	var c retention.Cache
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, _, err := c.Load(context.Background(), st, retentiontest.AsOf)
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if c.Builds() != 1 {
		t.Errorf("%d builds for 8 readers of an unchanged store, want 1", c.Builds())
	}
}

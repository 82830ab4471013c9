package demo

import (
	"context"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres/pgtest"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	return sqlitetest.Open(t)
}

// engines opens a fresh store of each kind; PostgreSQL only when
// TEND_TEST_DATABASE_URL names a server (pgtest skips loudly otherwise).
var engines = []struct {
	name string
	open func(*testing.T) store.Store
}{
	{"sqlite", openSQLite},
	{"postgres", func(t *testing.T) store.Store { return pgtest.Open(t) }},
}

// TestLoad loads a small company into each engine and checks that
// everything arrived, references resolved, and account MRR rolled up from
// the live subscriptions.
func TestLoad(t *testing.T) {
	t.Parallel()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			testLoad(t, e.open(t))
		})
	}
}

func testLoad(t *testing.T, st store.Store) {
	ctx := context.Background()
	c := Build(Options{Seed: 7, Accounts: 200, Today: asOf})
	sum, err := Load(ctx, st, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %+v", sum)

	counts := []struct {
		name string
		got  func() (int, error)
		want int
	}{
		{"users", func() (int, error) { return st.Users().Count(ctx, store.Query{}) }, len(c.Users)},
		{"accounts", func() (int, error) { return st.Accounts().Count(ctx, store.Query{}) }, len(c.Accounts)},
		{"contacts", func() (int, error) { return st.Contacts().Count(ctx, store.Query{}) }, len(c.Contacts)},
		{"subscriptions", func() (int, error) { return st.Subscriptions().Count(ctx, store.Query{}) }, len(c.Subscriptions)},
		{"invoices", func() (int, error) { return st.Invoices().Count(ctx, store.Query{}) }, len(c.Invoices)},
		{"tickets", func() (int, error) { return st.Tickets().Count(ctx, store.Query{}) }, len(c.Tickets)},
		{"surveys", func() (int, error) { return st.Surveys().Count(ctx, store.Query{}) }, len(c.Surveys)},
		{"activities", func() (int, error) { return st.Activities().Count(ctx, store.Query{}) }, len(c.Activities)},
	}
	for _, tc := range counts {
		got, err := tc.got()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: store has %d, company has %d", tc.name, got, tc.want)
		}
	}

	var total int64
	for _, want := range c.Accounts {
		got, err := st.Accounts().GetByExternalID(ctx, want.ExternalID)
		if err != nil {
			t.Fatalf("account %s: %v", want.ExternalID, err)
		}
		total += got.MRR
		if got.MRR != want.MRR || got.RenewalOn != want.RenewalOn {
			t.Errorf("%s (%s): store rolled up MRR %d renewal %s, want %d %s", want.Name, want.ExternalID, got.MRR, got.RenewalOn, want.MRR, want.RenewalOn)
		}
		if want.CSMEmail != "" && got.CSMID == 0 {
			t.Errorf("%s: csm %s not resolved", want.Name, want.CSMEmail)
		}
		if want.ParentExternalID != "" && got.ParentID == 0 {
			t.Errorf("%s: parent %s not resolved", want.Name, want.ParentExternalID)
		}
		if got.Lifecycle != want.Lifecycle || got.TouchModel != want.TouchModel {
			t.Errorf("%s: lifecycle/touch %s/%s, want %s/%s", want.Name, got.Lifecycle, got.TouchModel, want.Lifecycle, want.TouchModel)
		}
	}
	if total != sum.MRR || total == 0 {
		t.Errorf("store's total MRR %d, summary says %d", total, sum.MRR)
	}

	// Loading the same company again updates in place.
	if _, err := Load(ctx, st, c); err != nil {
		t.Fatalf("second load: %v", err)
	}
	if n, _ := st.Accounts().Count(ctx, store.Query{}); n != len(c.Accounts) {
		t.Errorf("after a second load the store has %d accounts, want %d", n, len(c.Accounts))
	}
	if n, _ := st.Activities().Count(ctx, store.Query{}); n != len(c.Activities) {
		t.Errorf("after a second load the store has %d activities, want %d", n, len(c.Activities))
	}
	// Load leaves the company as it was.
	if again := Build(Options{Seed: 7, Accounts: 200, Today: asOf}); !equalCompanies(c, again) {
		t.Error("Load modified the company it was given")
	}
}

// TestLoadFull times Build and Load of the full 2,000-account company.
func TestLoadFull(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 2,000 accounts")
	}
	t.Parallel()
	ctx := context.Background()
	st := openSQLite(t)
	start := time.Now()
	c := Build(Options{Seed: 1, Today: asOf})
	built := time.Since(start)
	sum, err := Load(ctx, st, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("build %v, load %v: %d accounts, %d subscriptions, %d invoices, %d tickets, %d surveys, %d activities",
		built.Round(time.Millisecond), sum.Took.Round(time.Millisecond), sum.Accounts, sum.Subscriptions, sum.Invoices, sum.Tickets, sum.Surveys, sum.Activities)
	live, err := st.Accounts().Count(ctx, store.Query{Filters: []store.Filter{{Field: "lifecycle", Op: store.Ne, Value: customer.StageChurned}}})
	if err != nil {
		t.Fatal(err)
	}
	if live != sum.LiveAccounts {
		t.Errorf("store has %d accounts not churned, summary says %d live", live, sum.LiveAccounts)
	}
}

package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
	"github.com/tendhq/tend/internal/validate"
)

// testMoneyBounds: an account's subscriptions cannot add up to more than
// money.MaxAmount (the write is refused naming mrr); and amounts stored
// before amounts were bounded, which add up past what a 64-bit integer
// holds, make every figure that sums them fail with a *store.OverflowError
// naming what was summed, never wrap or fail as an unnamed database error.
func testMoneyBounds(t *testing.T, st store.Store) {
	a := customer.Account{Name: "Big"}
	must(t, st.Accounts().Create(ctx, &a))
	must(t, st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: a.ID, Product: "Core", MRR: money.MaxAmount,
		StartOn: d("2026-01-01"), EndOn: d("2030-01-10")}))
	err := st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: a.ID, Product: "Extra", MRR: money.MaxAmount,
		StartOn: d("2026-01-01"), EndOn: d("2030-01-10")})
	if errs, ok := validate.As(err); !ok || errs[0].Field != "mrr" || !strings.Contains(errs[0].Message, "add up") {
		t.Errorf("two subscriptions at the largest amount on one account: %v, want a validation error on mrr", err)
	}

	b := customer.Account{Name: "Bigger"}
	must(t, st.Accounts().Create(ctx, &b))
	must(t, st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: b.ID, Product: "Core", MRR: 1,
		StartOn: d("2026-01-01"), EndOn: d("2030-01-10")}))
	// As written before amounts were bounded: 2 × 2^62 is past 2^63 − 1.
	db := st.(*sqlstore.DB)
	if _, err := db.W.ExecContext(ctx, "UPDATE accounts SET mrr = 4611686018427387904"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, "UPDATE subscriptions SET mrr = 4611686018427387904"); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func() error{
		"AccountGroups": func() error { _, err := st.AccountGroups(ctx); return err },
		"AccountTotals": func() error { _, err := st.AccountTotals(ctx, store.Query{}); return err },
		"MRRBands":      func() error { _, err := st.MRRBands(ctx, "USD", []int64{1}); return err },
		"TopMRR":        func() error { _, err := st.TopMRR(ctx, "USD", 1<<62+1, 2); return err },
		"RenewalsDue": func() error {
			_, err := st.RenewalsDue(ctx, "USD", d("2030-01-01"), []civil.Date{d("2030-02-01")})
			return err
		},
		"RenewalsByCSM":      func() error { _, err := st.RenewalsByCSM(ctx, d("2030-01-01"), d("2030-02-01")); return err },
		"HealthDistribution": func() error { _, err := st.HealthDistribution(ctx); return err },
	} {
		err := f()
		var oe *store.OverflowError
		if !errors.As(err, &oe) || !strings.Contains(oe.Error(), "MRR") {
			t.Errorf("%s over amounts that overflow: %v, want a *store.OverflowError naming MRR", name, err)
		}
	}
	// The account rollup meets the same sum when a subscription changes.
	subs, err := store.All(ctx, st.Subscriptions(), store.Query{Limit: 10})
	must(t, err)
	err = st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: b.ID, Product: "More", MRR: 5,
		StartOn: d("2026-01-01"), EndOn: d("2030-01-10")})
	if errs, ok := validate.As(err); !ok || errs[0].Field != "mrr" {
		t.Errorf("a subscription whose account's subscriptions overflow: %v (of %d), want a validation error on mrr", err, len(subs))
	}
}

package storetest

import (
	"fmt"
	"testing"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// testCustomers: the store counts customers as customer.IsCustomer does,
// in its figures (AccountGroups) and its totals (AccountTotals), over
// every lifecycle stage with and without MRR — a churned account still
// paying and a prospect paying nothing yet among them.
func testCustomers(t *testing.T, st store.Store) {
	cy := customer.User{Email: "cy@example.com", Name: "Cy", Role: customer.RoleCSM}
	must(t, st.Users().Create(ctx, &cy))
	for i, stage := range customer.Stages {
		for j, mrr := range []int64{0, 1, 12345} {
			a := customer.Account{Name: fmt.Sprintf("%s %d", stage, mrr), Lifecycle: stage}
			if (i+j)%2 == 0 {
				a.CSMEmail = cy.Email
			}
			must(t, st.Accounts().Create(ctx, &a))
			if mrr > 0 {
				must(t, st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: a.ID, Product: "Core", MRR: mrr,
					Currency: "USD", StartOn: d("2025-01-01"), EndOn: d("2099-01-01")}))
			}
		}
	}
	accounts, err := store.All(ctx, st.Accounts(), store.Query{Limit: 100})
	must(t, err)
	want := map[int64]int{} // customers by CSM id
	total := 0
	for _, a := range accounts {
		if customer.IsCustomer(a.Lifecycle, a.MRR) {
			want[a.CSMID]++
			total++
		}
	}
	if total != 2*(len(customer.Stages)-1) {
		t.Fatalf("%d customers among %d accounts: the fixture is not what this test expects", total, len(accounts))
	}
	groups, err := st.AccountGroups(ctx)
	must(t, err)
	got := map[int64]int{}
	for _, g := range groups {
		got[g.CSMID] += g.Customers
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("AccountGroups counts customers by CSM %v, customer.IsCustomer %v", got, want)
	}
	totals, err := st.AccountTotals(ctx, store.Query{})
	must(t, err)
	if len(totals) != 1 || totals[0].Customers != total || totals[0].Accounts != len(accounts) {
		t.Errorf("AccountTotals = %+v, want %d customers among %d accounts", totals, total, len(accounts))
	}
}

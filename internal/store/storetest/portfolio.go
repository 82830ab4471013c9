package storetest

import (
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// testPortfolio: totals per currency over a filtered query (owner filters
// joined, search, attributes), the latest activity per account and open
// tickets per account — the same on both engines.
func testPortfolio(t *testing.T, st store.Store) {
	ada := customer.User{Email: "ada@example.com", Name: "Ada", Role: customer.RoleCSM}
	bob := customer.User{Email: "bob@example.com", Name: "Bob", Role: customer.RoleCSM}
	must(t, st.Users().Create(ctx, &ada))
	must(t, st.Users().Create(ctx, &bob))
	must(t, st.PutAttribute(ctx, &customer.AttributeDef{Key: "region_code", Type: "text"}))
	type acct struct {
		name, csm, currency, tier string
		mrr                       int64
	}
	ids := map[string]int64{}
	for _, x := range []acct{
		{"Alpha", "ada@example.com", "USD", "Gold", 100000},
		{"Beta", "ada@example.com", "USD", "Silver", 25050},
		{"Gamma", "ada@example.com", "EUR", "Gold", 70000},
		{"Delta", "bob@example.com", "USD", "Gold", 99900},
		{"Epsilon", "ada@example.com", "", "Gold", 0}, // no subscription
	} {
		a := customer.Account{Name: x.name, CSMEmail: x.csm, Tier: x.tier, Attributes: map[string]any{"region_code": x.tier + "-1"}}
		must(t, st.Accounts().Create(ctx, &a))
		ids[x.name] = a.ID
		if x.mrr > 0 {
			must(t, st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: a.ID, Product: "Core", MRR: x.mrr,
				Currency: x.currency, StartOn: d("2025-01-01"), EndOn: d("2099-01-01")}))
		}
	}
	byCSM := store.Filter{Field: "csm_id", Op: store.Eq, Value: strconv.FormatInt(ada.ID, 10)}
	for _, tc := range []struct {
		name string
		q    store.Query
		want []store.Total
	}{
		{"all", store.Query{}, []store.Total{{Currency: "EUR", Accounts: 1, Customers: 1, MRR: 70000}, {Currency: "USD", Accounts: 4, Customers: 3, MRR: 224950}}},
		{"one CSM", store.Query{Filters: []store.Filter{byCSM}}, []store.Total{{Currency: "EUR", Accounts: 1, Customers: 1, MRR: 70000}, {Currency: "USD", Accounts: 3, Customers: 2, MRR: 125050}}},
		{"CSM by email (a join)", store.Query{Filters: []store.Filter{{Field: "csm_email", Op: store.Eq, Value: "bob@example.com"}}},
			[]store.Total{{Currency: "USD", Accounts: 1, Customers: 1, MRR: 99900}}},
		{"filter, search; sort, cursor and limit ignored", store.Query{Filters: []store.Filter{byCSM, {Field: "tier", Op: store.Eq, Value: "Gold"}},
			Search: "A", Sort: "-mrr", Limit: 1}, []store.Total{{Currency: "EUR", Accounts: 1, Customers: 1, MRR: 70000}, {Currency: "USD", Accounts: 1, Customers: 1, MRR: 100000}}},
		{"attribute", store.Query{Filters: []store.Filter{{Field: "attributes.region_code", Op: store.Eq, Value: "Silver-1"}}},
			[]store.Total{{Currency: "USD", Accounts: 1, Customers: 1, MRR: 25050}}},
		{"nothing matches", store.Query{Search: "zzz"}, nil},
	} {
		got, err := st.AccountTotals(ctx, tc.q)
		must(t, err)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("AccountTotals %s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if _, err := st.AccountTotals(ctx, store.Query{Filters: []store.Filter{{Field: "password", Value: "x"}}}); err == nil {
		t.Error("AccountTotals on an unknown field: no error")
	} else {
		fieldErr(t, err, "filter.password")
	}

	// The latest activity wins whatever the order of writing.
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		must(t, err)
		return v
	}
	for _, a := range []customer.Activity{
		{AccountID: ids["Alpha"], Kind: "call", Subject: "Kick-off", OccurredAt: at("2026-02-01T09:00:00Z")},
		{AccountID: ids["Alpha"], Kind: "note", Subject: "Latest", OccurredAt: at("2026-03-04T15:30:00.123456Z")},
		{AccountID: ids["Alpha"], Kind: "note", Subject: "Earlier, written last", OccurredAt: at("2026-01-10T08:00:00Z")},
		{AccountID: ids["Delta"], Kind: "meeting", Subject: "QBR", OccurredAt: at("2025-12-24T23:59:59Z")},
	} {
		must(t, st.Activities().Create(ctx, &a))
	}
	touches, err := st.LastTouches(ctx, []int64{ids["Alpha"], ids["Beta"], ids["Delta"], ids["Alpha"], 999999})
	must(t, err)
	want := map[int64]time.Time{ids["Alpha"]: at("2026-03-04T15:30:00.123456Z"), ids["Delta"]: at("2025-12-24T23:59:59Z")}
	if len(touches) != len(want) {
		t.Errorf("LastTouches: got %v, want %v", touches, want)
	}
	for id, w := range want {
		if g := touches[id]; !g.Equal(w) {
			t.Errorf("LastTouches[%d] = %v, want %v", id, g, w)
		}
	}
	if got, err := st.LastTouches(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("LastTouches(nil) = %v, %v", got, err)
	}

	opened := at("2026-01-01T00:00:00Z")
	for _, tk := range []customer.Ticket{
		{AccountID: ids["Alpha"], Subject: "a", Status: "open", OpenedAt: opened},
		{AccountID: ids["Alpha"], Subject: "b", Status: "pending", OpenedAt: opened},
		{AccountID: ids["Alpha"], Subject: "c", Status: "solved", OpenedAt: opened},
		{AccountID: ids["Beta"], Subject: "d", Status: "closed", OpenedAt: opened, ClosedAt: opened.Add(time.Hour)},
		{AccountID: ids["Gamma"], Subject: "e", Status: "open", OpenedAt: opened},
		{AccountID: ids["Delta"], Subject: "f", Status: "open", OpenedAt: opened},
	} {
		must(t, st.Tickets().Create(ctx, &tk))
	}
	open, err := st.OpenTickets(ctx, []int64{ids["Alpha"], ids["Beta"], ids["Gamma"]})
	must(t, err)
	if wantOpen := map[int64]int{ids["Alpha"]: 2, ids["Gamma"]: 1}; !reflect.DeepEqual(open, wantOpen) {
		t.Errorf("OpenTickets: got %v, want %v", open, wantOpen)
	}
}

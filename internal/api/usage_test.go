package api

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// TestUsageScenario: an account's adoption from stored usage, and the
// ingestion log for administrators only.
func TestUsageScenario(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	ctx := context.Background()
	a := &customer.Account{ExternalID: "acme", ProductID: "g1", Name: "Acme"}
	if err := st.Accounts().Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: a.ID, Product: "p", Quantity: 4, MRR: 100, Currency: "USD",
		StartOn: civil.Date{Year: 2026, Month: 1, Day: 1}, EndOn: civil.Date{Year: 2027, Month: 1, Day: 1}, Status: customer.SubActive}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetUsageSetting(ctx, adoption.FeaturesSetting, `{"features":[{"key":"reports","events":["Report *"],"high_value":true},{"key":"search","events":["Search"]}]}`, time.Now()); err != nil {
		t.Fatal(err)
	}
	cat, err := adoption.LoadCatalog(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	b, err := usage.DecodeBatch([]byte(`{"batch":[
		{"type":"track","messageId":"1","userId":"u1","event":"Report Created","context":{"groupId":"g1"},"timestamp":"2026-11-20T09:00:00Z"},
		{"type":"track","messageId":"2","userId":"u1","event":"Report Created","context":{"groupId":"g1"},"timestamp":"2026-11-20T09:01:00Z"},
		{"type":"track","messageId":"3","userId":"u2","event":"Other","context":{"groupId":"g1"},"timestamp":"2026-11-19T09:00:00Z"}]}`),
		usage.DecodeOptions{ReceivedAt: day})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := usage.NewLinker(usage.LinkConfig{})
	l.AccountCreated("g1", adoption.AccountKey(a.ID), day)
	c := &store.UsageCommit{Now: day, Catalog: cat, Sources: []store.UsageSource{{WriteKeyID: 1, Messages: b.Messages, Routing: l.Route("1", b.Messages, cat)}},
		Log: []store.LogEntry{{At: day, MessageID: "bad", Type: "track", Reason: "missing_event", Detail: "a track needs \"event\""}}}
	if err := st.CommitUsage(ctx, c); err != nil {
		t.Fatal(err)
	}
	ts := newTestServerOn(t, st)
	id := strconv.FormatInt(a.ID, 10)
	csm := auth.Principal{UserID: 2, Email: "csm@tend.test", Role: customer.RoleCSM}
	ts.run(t, []step{
		{name: "adoption", method: "GET", path: "/api/v1/accounts/" + id + "/usage?as_of=2026-11-20&days=7", status: 200,
			json: []string{"mau=2", "dau=1", "seats=4", "seat_utilisation=0.5", "breadth=0.5", "depth=0.5", "events=3", "trend=null",
				"activity.#=7", "activity.6.day=2026-11-20", "activity.6.dau=1", "activity.6.wau=2", "features.0.key=reports", "features.0.users=1",
			}, has: []string{`"usage.mau":2`, `"usage.seat_utilisation":0.5`}},
		{name: "unknown account", method: "GET", path: "/api/v1/accounts/999/usage", status: 404},
		{name: "bad days", method: "GET", path: "/api/v1/accounts/" + id + "/usage?days=9999", status: 400,
			json: []string{"error.fields.0.field=days"}},
		{name: "log for admins", method: "GET", path: "/api/v1/ingestion/log", status: 200,
			json: []string{"items.#=1", "items.0.reason=missing_event", "items.0.message_id=bad", "next_before=0"}},
		{name: "log refused to a CSM", method: "GET", path: "/api/v1/ingestion/log", status: 403, as: &csm},
		{name: "log bad limit", method: "GET", path: "/api/v1/ingestion/log?limit=0", status: 400, json: []string{"error.fields.0.field=limit"}},
	})
}

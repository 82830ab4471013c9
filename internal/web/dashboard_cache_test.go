package web

import (
	"context"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// TestDashboardShowsWrites: the store caches the dashboard's figures, and
// a write through the store shows on the very next load of the page. The
// cache is told to read the database's change counter only hourly, so
// only the store's own invalidation can make the page move.
func TestDashboardShowsWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.st.(*sqlstore.DB).SetFiguresCache(time.Hour, time.Hour)
	h := f.handler(0)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	page := func() string {
		t.Helper()
		code, body, _ := get(t, h, "/dashboard")
		if code != http.StatusOK {
			t.Fatalf("status %d\n%s", code, body)
		}
		return html.UnescapeString(body)
	}
	step := func(what string, write func(), want ...string) {
		t.Helper()
		page()
		page() // from the cache
		write()
		body := page()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("after %s the dashboard lacks %q", what, w)
			}
		}
	}
	// The fixture: 5 accounts, 1 at risk, $214K ARR, 1 overdue invoice.
	if body := page(); !strings.Contains(body, `<span class="kpi-value">5</span>`) || !strings.Contains(body, "$214K") {
		t.Fatalf("the fixture's dashboard is not as expected:\n%s", body)
	}
	a := customer.Account{Name: "Newco", ExternalID: "crm-newco", Lifecycle: "adopting", CSMEmail: "grace@tend.test"}
	step("creating an account", func() { must(f.st.Accounts().Create(ctx, &a)) }, "1 churned or a prospect not counted")
	sub := customer.Subscription{AccountID: a.ID, Product: "Core", MRR: 10_000_000, StartOn: f.today.AddDays(-5), EndOn: f.today.AddDays(20)}
	step("creating a subscription", func() { must(f.st.Subscriptions().Create(ctx, &sub)) },
		`<span class="kpi-value">6</span>`, // a customer now it pays
		"$1.4M ARR",                        // 214,200 + 1,200,000
		`<span class="kpi-label">Renewing in 30 days</span>
    <span class="kpi-value">2</span>`)
	step("marking the account at risk", func() { a.Lifecycle = "at_risk"; must(f.st.Accounts().Update(ctx, &a)) },
		`<span class="kpi-label">At risk</span>
    <span class="kpi-value">2</span>`)
	step("importing an overdue invoice", func() {
		_, err := f.st.Invoices().Import(ctx, []customer.Invoice{{AccountExternalID: "crm-newco", Amount: 5000, DueOn: f.today.AddDays(-3)}})
		must(err)
	}, `<span class="kpi-label">Overdue invoices</span>
    <span class="kpi-value">2</span>`)
	step("deleting the account", func() { must(f.st.Accounts().Delete(ctx, a.ID)) },
		`<span class="kpi-value">5</span>`, "$214K")
}

package storetest

import (
	"errors"
	"strconv"
	"testing"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/retention/retentiontest"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store"
)

// testChurnRecords: churn reasons are checked, normalised, referenced by
// external id, imported row by row, listed and deleted with their account.
func testChurnRecords(t *testing.T, st store.Store) {
	a := seedAccount(t, st, "crm-1", "Initech")
	rec := customer.ChurnRecord{AccountExternalID: "crm-1", Product: " Insights ", ChurnedOn: d("2025-03-01"),
		Reason: "M&A", Note: "Acquired by Globex", RecordedBy: "ada@example.com"}
	must(t, st.ChurnRecords().Create(ctx, &rec))
	got, err := st.ChurnRecords().Get(ctx, rec.ID)
	must(t, err)
	if got.AccountID != a.ID || got.Reason != "m_and_a" || got.Controllable != "no" || got.Product != "Insights" ||
		got.ChurnedOn != d("2025-03-01") || got.Note != "Acquired by Globex" || got.RecordedBy != "ada@example.com" {
		t.Fatalf("round trip: %+v", got)
	}
	// A team may judge a hard-to-affect case controllable; a price churn
	// is controllable unless said otherwise.
	price := customer.ChurnRecord{AccountID: a.ID, ChurnedOn: d("2025-04-01"), Reason: "pricing"}
	must(t, st.ChurnRecords().Create(ctx, &price))
	if price.Reason != "price" || price.Controllable != "yes" {
		t.Fatalf("defaults: %+v", price)
	}
	got.Controllable = "yes"
	must(t, st.ChurnRecords().Update(ctx, &got))
	if again, _ := st.ChurnRecords().Get(ctx, got.ID); again.Controllable != "yes" || again.Reason != "m_and_a" {
		t.Fatalf("update: %+v", again)
	}

	fieldErr(t, st.ChurnRecords().Create(ctx, &customer.ChurnRecord{AccountID: a.ID, ChurnedOn: d("2025-01-01"), Reason: "aliens"}), "reason")
	fieldErr(t, st.ChurnRecords().Create(ctx, &customer.ChurnRecord{AccountID: a.ID, Reason: "price"}), "churned_on")
	fieldErr(t, st.ChurnRecords().Create(ctx, &customer.ChurnRecord{AccountID: a.ID, ChurnedOn: d("2025-01-01"), Reason: "price", Controllable: "maybe"}), "controllable")
	fieldErr(t, st.ChurnRecords().Create(ctx, &customer.ChurnRecord{AccountExternalID: "nobody", ChurnedOn: d("2025-01-01"), Reason: "price"}), "account_external_id")

	res, err := st.ChurnRecords().Import(ctx, []customer.ChurnRecord{
		{ExternalID: "ch-1", AccountExternalID: "crm-1", ChurnedOn: d("2025-05-01"), Reason: "competitor"},
		{ExternalID: "ch-2", AccountExternalID: "nobody", ChurnedOn: d("2025-05-01"), Reason: "budget"},
		{ExternalID: "ch-3", AccountExternalID: "crm-1", ChurnedOn: d("2025-05-02"), Reason: "nonsense"},
	})
	must(t, err)
	if len(res) != 3 || res[0].Err != nil || res[1].Err == nil || res[2].Err == nil {
		t.Fatalf("import results %+v", res)
	}
	page, err := st.ChurnRecords().List(ctx, store.Query{Filters: []store.Filter{{Field: "account_id", Op: "eq", Value: strconv.FormatInt(a.ID, 10)}}, Sort: "churned_on"})
	must(t, err)
	if len(page.Items) != 3 || page.Items[0].Reason != "m_and_a" || page.Items[2].ExternalID != "ch-1" {
		t.Fatalf("list %+v", page.Items)
	}
	must(t, st.Accounts().Delete(ctx, a.ID))
	if _, err := st.ChurnRecords().Get(ctx, rec.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("churn record of a deleted account: %v", err)
	}
}

// testRenewalCalls: a CSM's forecast is checked, kept and updated.
func testRenewalCalls(t *testing.T, st store.Store) {
	a := seedAccount(t, st, "crm-2", "Hooli")
	c := customer.RenewalCall{AccountID: a.ID, DueOn: d("2026-01-01"), Forecast: "At Risk", Note: "champion left", SetBy: "ada@example.com"}
	must(t, st.RenewalCalls().Create(ctx, &c))
	got, err := st.RenewalCalls().Get(ctx, c.ID)
	must(t, err)
	if got.Forecast != "at_risk" || got.DueOn != d("2026-01-01") || got.Expected != 0 || got.Note != "champion left" {
		t.Fatalf("round trip %+v", got)
	}
	got.Forecast, got.Expected = "expand", 123456
	must(t, st.RenewalCalls().Update(ctx, &got))
	if again, _ := st.RenewalCalls().Get(ctx, c.ID); again.Forecast != "expand" || again.Expected != 123456 {
		t.Fatalf("update %+v", again)
	}
	fieldErr(t, st.RenewalCalls().Create(ctx, &customer.RenewalCall{AccountID: a.ID, DueOn: d("2026-01-01"), Forecast: "maybe"}), "forecast")
	fieldErr(t, st.RenewalCalls().Create(ctx, &customer.RenewalCall{AccountID: a.ID, DueOn: d("2026-01-01"), Forecast: "renew", Expected: -1}), "expected")
	fieldErr(t, st.RenewalCalls().Create(ctx, &customer.RenewalCall{AccountID: a.ID, Forecast: "renew"}), "due_on")
}

// testRetentionBook: the book loaded from this engine gives the fixture's
// known answers to the cent, so both engines give identical results.
func testRetentionBook(t *testing.T, st store.Store) {
	retentiontest.Seed(t, st)
	book, accounts, err := retention.Load(ctx, st, retentiontest.AsOf)
	must(t, err)
	rep, err := retention.Measure(book, accounts, revenue.Quarter(2025, 3), "tier")
	must(t, err)
	want := map[string][7]int64{ // start, new, expansion, contraction, churn, reactivation, end
		"Enterprise": {100000, 0, 50000, 0, 0, 0, 150000},
		"SMB":        {200000, 30000, 0, 0, 200000, 0, 30000},
	}
	if len(rep.Slices) != 2 {
		t.Fatalf("slices %+v", rep.Slices)
	}
	for _, s := range rep.Slices {
		got := [7]int64{s.Start, s.New, s.Expansion, s.Contraction, s.Churn, s.Reactivation, s.End}
		if got != want[s.Slice] {
			t.Errorf("%s: %v, want %v", s.Slice, got, want[s.Slice])
		}
	}

	// The stamp a cached book is keyed by holds still without writes and
	// moves with each write to a subscription.
	stamp := func() string {
		t.Helper()
		s, err := st.RetentionStamp(ctx)
		must(t, err)
		return s
	}
	s0 := stamp()
	if s0 != stamp() {
		t.Fatal("stamp moved without a write")
	}
	sub, err := st.Subscriptions().GetByExternalID(ctx, "cove-1")
	must(t, err)
	sub.MRR++
	must(t, st.Subscriptions().Update(ctx, &sub))
	s1 := stamp()
	must(t, st.Subscriptions().Delete(ctx, sub.ID))
	s2 := stamp()
	if s1 == s0 || s2 == s1 || s2 == s0 {
		t.Errorf("stamps %q, %q, %q: want each write to move it", s0, s1, s2)
	}
}

// testExchangeRates: rates are checked, kept exactly as typed, replaced,
// listed by currency and deleted.
func testExchangeRates(t *testing.T, st store.Store) {
	must(t, st.PutExchangeRate(ctx, &store.ExchangeRate{Currency: " gbp ", Rate: "1.27"}))
	must(t, st.PutExchangeRate(ctx, &store.ExchangeRate{Currency: "EUR", Rate: "1.08"}))
	must(t, st.PutExchangeRate(ctx, &store.ExchangeRate{Currency: "EUR", Rate: "1.084512345678"}))
	fieldErr(t, st.PutExchangeRate(ctx, &store.ExchangeRate{Currency: "EURO", Rate: "1"}), "currency")
	fieldErr(t, st.PutExchangeRate(ctx, &store.ExchangeRate{Currency: "JPY", Rate: "-0.0067"}), "rate")
	fieldErr(t, st.PutExchangeRate(ctx, &store.ExchangeRate{Currency: "JPY", Rate: "0.0067000000001"}), "rate")
	rs, err := st.ExchangeRates(ctx)
	must(t, err)
	if len(rs) != 2 || rs[0].Currency != "EUR" || rs[0].Rate != "1.084512345678" || rs[1].Currency != "GBP" || rs[1].Rate != "1.27" || rs[0].UpdatedAt.IsZero() {
		t.Fatalf("rates %+v", rs)
	}
	must(t, st.DeleteExchangeRate(ctx, "gbp"))
	if err := st.DeleteExchangeRate(ctx, "GBP"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting a missing rate: %v", err)
	}
	if rs, _ := st.ExchangeRates(ctx); len(rs) != 1 {
		t.Fatalf("after delete %+v", rs)
	}
}

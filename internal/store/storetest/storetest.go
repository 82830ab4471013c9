// Package storetest is the conformance suite every storage engine passes:
// the same behaviour, to the value, on SQLite and PostgreSQL.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// Opener returns a fresh, migrated, empty store for one test.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite against the engine open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st store.Store)
	}{
		{"Migrations", testMigrations},
		{"Users", testUsers},
		{"AccountReferences", testAccountReferences},
		{"SubscriptionRollup", testSubscriptionRollup},
		{"ImportRowByRow", testImport},
		{"ImportParentInSameBatch", testImportParent},
		{"ListFilterSortPage", testList},
		{"Attributes", testAttributes},
		{"RoundTripValues", testRoundTrip},
		{"NotFound", testNotFound},
		{"DeleteCascades", testDeleteCascades},
		{"ParentCycle", testParentCycle},
		{"ConflictingReference", testConflictingReference},
		{"Distinct", testDistinct},
		{"Figures", testFigures},
		{"FiguresEmpty", testFiguresEmpty},
		{"Customers", testCustomers},
		{"Access", testAccess},
		{"Portfolio", testPortfolio},
		{"ChurnRecords", testChurnRecords},
		{"RenewalCalls", testRenewalCalls},
		{"RetentionBook", testRetentionBook},
		{"ExchangeRates", testExchangeRates},
		{"Usage", testUsage},
		{"HealthFacts", testHealthFacts},
		{"HealthFactsDemo", testHealthFactsDemo},
		{"HealthScores", testHealthScores},
		{"ListByHealth", testListByHealth},
		{"Pulses", testPulses},
		{"Scorecards", testScorecards},
		{"CTAApply", testCTAApply},
		{"CTAList", testCTAList},
		{"CTAEdit", testCTAEdit},
		{"CTATasks", testCTATasks},
		{"CTAReport", testCTAReport},
		{"Playbooks", testPlaybooks},
		{"RuleFirings", testRuleFirings},
		{"RuleRuns", testRuleRuns},
		{"Dirty", testDirty},
		{"CTARace", testCTARace},
		{"Recomputes", testRecomputes},
		{"MoneyBounds", testMoneyBounds},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

var ctx = context.Background()

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func fieldErr(t *testing.T, err error, field string) {
	t.Helper()
	errs, ok := validate.As(err)
	if !ok {
		t.Fatalf("want a validation error on %s, got %v", field, err)
	}
	for _, e := range errs {
		if e.Field == field {
			return
		}
	}
	t.Fatalf("want a validation error on %s, got %v", field, errs)
}

func d(s string) civil.Date {
	v, err := civil.Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

func seedAccount(t *testing.T, st store.Store, ext, name string) customer.Account {
	t.Helper()
	a := customer.Account{ExternalID: ext, Name: name}
	must(t, st.Accounts().Create(ctx, &a))
	return a
}

func testMigrations(t *testing.T, st store.Store) {
	must(t, st.Migrate(ctx)) // idempotent
	must(t, st.Analyze(ctx))
	have, want, err := st.SchemaVersion(ctx)
	must(t, err)
	if have != want || want < 1 {
		t.Fatalf("schema version %d of %d", have, want)
	}
}

func testUsers(t *testing.T, st store.Store) {
	u := customer.User{Email: "Ana.Lopez@Example.com", Name: "Ana López", Role: "csm"}
	must(t, st.Users().Create(ctx, &u))
	if u.ID == 0 || u.Email != "ana.lopez@example.com" || u.CreatedAt.IsZero() {
		t.Fatalf("created user %+v", u)
	}
	got, err := st.Users().GetByExternalID(ctx, "ANA.LOPEZ@example.com")
	must(t, err)
	if got.ID != u.ID || got.Name != "Ana López" {
		t.Fatalf("by email: %+v", got)
	}
	dup := customer.User{Email: "ana.lopez@example.com"}
	var ce *store.ConflictError
	if err := st.Users().Create(ctx, &dup); !errors.As(err, &ce) || ce.Field != "email" {
		t.Fatalf("duplicate email: want conflict on email, got %v", err)
	}
	bad := customer.User{Email: "not an email", Role: "boss"}
	err = st.Users().Create(ctx, &bad)
	fieldErr(t, err, "email")
	fieldErr(t, err, "role")
}

func testAccountReferences(t *testing.T, st store.Store) {
	csm := customer.User{Email: "csm@example.com", Role: "csm"}
	must(t, st.Users().Create(ctx, &csm))
	parent := seedAccount(t, st, "P-1", "Globex Holdings")
	a := customer.Account{ExternalID: "A-1", Name: "Globex Europe", ParentExternalID: "P-1", CSMEmail: "CSM@example.com",
		Tier: "Enterprise", TouchModel: "High", Lifecycle: "At Risk", Employees: 420, CustomerSince: d("2023-02-01")}
	must(t, st.Accounts().Create(ctx, &a))
	if a.ParentID != parent.ID || a.CSMID != csm.ID || a.CSMEmail != "csm@example.com" || a.ParentExternalID != "P-1" {
		t.Fatalf("references not resolved: %+v", a)
	}
	if a.Lifecycle != "at_risk" || a.TouchModel != "high" {
		t.Fatalf("enumerations not normalised: %q %q", a.Lifecycle, a.TouchModel)
	}
	bad := customer.Account{Name: "Nobody's", CSMEmail: "ghost@example.com", ParentExternalID: "nope"}
	err := st.Accounts().Create(ctx, &bad)
	fieldErr(t, err, "csm_email")
	c := customer.Contact{AccountExternalID: "missing", Name: "X"}
	fieldErr(t, st.Contacts().Create(ctx, &c), "account_external_id")
	c = customer.Contact{AccountID: 999999, Name: "X"}
	fieldErr(t, st.Contacts().Create(ctx, &c), "account_id")

	a.Name = "Globex EU"
	a.CSMEmail, a.CSMID = "", 0
	must(t, st.Accounts().Update(ctx, &a))
	got, err := st.Accounts().Get(ctx, a.ID)
	must(t, err)
	if got.Name != "Globex EU" || got.CSMID != 0 || got.ParentID != parent.ID || !got.UpdatedAt.After(got.CreatedAt.Add(-time.Nanosecond)) {
		t.Fatalf("after update: %+v", got)
	}
	dup := customer.Account{ExternalID: "A-1", Name: "Again"}
	var ce *store.ConflictError
	if err := st.Accounts().Create(ctx, &dup); !errors.As(err, &ce) || ce.Field != "external_id" {
		t.Fatalf("create with taken external id: want conflict, got %v", err)
	}
}

func testSubscriptionRollup(t *testing.T, st store.Store) {
	a := seedAccount(t, st, "A-1", "Initech")
	subs := []customer.Subscription{
		{ExternalID: "S-1", AccountExternalID: "A-1", Product: "Core", MRR: 120000, StartOn: d("2025-01-01"), EndOn: d("2099-01-01")},
		{ExternalID: "S-2", AccountExternalID: "A-1", Product: "Analytics", MRR: 30050, StartOn: d("2025-03-01"), EndOn: d("2098-03-01")},
		{ExternalID: "S-3", AccountExternalID: "A-1", Product: "Core", MRR: 99900, StartOn: d("2023-01-01"), EndOn: d("2024-01-01")}, // ended
		{ExternalID: "S-4", AccountExternalID: "A-1", Product: "Trial", MRR: 5000, StartOn: d("2025-01-01"), Trial: true},
	}
	for i := range subs {
		must(t, st.Subscriptions().Create(ctx, &subs[i]))
	}
	if subs[2].Status != "ended" || subs[0].Status != "active" {
		t.Fatalf("derived statuses: %q %q", subs[2].Status, subs[0].Status)
	}
	got, err := st.Accounts().Get(ctx, a.ID)
	must(t, err)
	if got.MRR != 150050 || got.RenewalOn != d("2098-03-01") || got.Currency != "USD" {
		t.Fatalf("rollup: mrr %d renewal %s currency %s", got.MRR, got.RenewalOn, got.Currency)
	}
	subs[1].MRR = 40000
	must(t, st.Subscriptions().Update(ctx, &subs[1]))
	must(t, st.Subscriptions().Delete(ctx, subs[0].ID))
	got, err = st.Accounts().Get(ctx, a.ID)
	must(t, err)
	if got.MRR != 40000 || got.RenewalOn != d("2098-03-01") {
		t.Fatalf("rollup after update and delete: %d %s", got.MRR, got.RenewalOn)
	}
	// Import with a retry: nothing counted twice.
	for range 2 {
		res, err := st.Subscriptions().Import(ctx, []customer.Subscription{{ExternalID: "S-9", AccountExternalID: "A-1", Product: "Seats", MRR: 1000, StartOn: d("2025-05-01")}})
		must(t, err)
		must(t, res[0].Err)
	}
	got, err = st.Accounts().Get(ctx, a.ID)
	must(t, err)
	if got.MRR != 41000 {
		t.Fatalf("rollup after import twice: %d", got.MRR)
	}
}

func testImport(t *testing.T, st store.Store) {
	seedAccount(t, st, "A-1", "Umbrella")
	rows := []customer.Account{
		{ExternalID: "A-2", Name: "Hooli", BillingID: "B-2"},
		{ExternalID: "A-3", Name: ""},                             // missing name
		{ExternalID: "A-4", Name: "Pied Piper", BillingID: "B-2"}, // billing id taken by A-2
		{ExternalID: "A-1", Name: "Umbrella Corp"},                // update
		{Name: "No Key Ltd"},                                      // created, no key
		{ExternalID: "A-5", Name: "Vandelay", CSMEmail: "nobody@example.com"},
		{ExternalID: "A-6", Name: "Wayne Enterprises", Lifecycle: "zombie"},
	}
	res, err := st.Accounts().Import(ctx, rows)
	must(t, err)
	want := []string{"", "name", "billing_id", "", "", "csm_email", "lifecycle"}
	for i, w := range want {
		if w == "" {
			if res[i].Err != nil {
				t.Errorf("row %d: unexpected %v", i, res[i].Err)
			}
			continue
		}
		var ce *store.ConflictError
		if errors.As(res[i].Err, &ce) {
			if ce.Field != w {
				t.Errorf("row %d: conflict on %s, want %s", i, ce.Field, w)
			}
			continue
		}
		errs, ok := validate.As(res[i].Err)
		if !ok || errs[0].Field != w {
			t.Errorf("row %d: want error on %s, got %v", i, w, res[i].Err)
		}
	}
	if !res[0].Created || res[3].Created || !res[4].Created || res[0].ID == 0 || res[4].ID == 0 {
		t.Errorf("created flags/ids: %+v", res)
	}
	n, err := st.Accounts().Count(ctx, store.Query{})
	must(t, err)
	if n != 3 {
		t.Fatalf("accounts after import: %d, want 3", n)
	}
	got, err := st.Accounts().Get(ctx, res[4].ID)
	must(t, err)
	if got.Name != "No Key Ltd" {
		t.Fatalf("keyless row got id of %q", got.Name)
	}
	// The same batch again: every key row updates, nothing duplicates.
	res2, err := st.Accounts().Import(ctx, rows[:1])
	must(t, err)
	if res2[0].Created || res2[0].ID != res[0].ID {
		t.Fatalf("re-import: %+v", res2[0])
	}
	// A key twice in one batch: the later row wins.
	res3, err := st.Accounts().Import(ctx, []customer.Account{{ExternalID: "A-7", Name: "First"}, {ExternalID: "A-7", Name: "Second"}})
	must(t, err)
	must(t, res3[1].Err)
	got, err = st.Accounts().GetByExternalID(ctx, "A-7")
	must(t, err)
	if got.Name != "Second" || !res3[0].Created || res3[1].Created {
		t.Fatalf("duplicate key in batch: %q %+v", got.Name, res3)
	}
}

func testImportParent(t *testing.T, st store.Store) {
	res, err := st.Accounts().Import(ctx, []customer.Account{
		{ExternalID: "C-1", Name: "Child", ParentExternalID: "P-1"},
		{ExternalID: "P-1", Name: "Parent"},
	})
	must(t, err)
	for _, r := range res {
		must(t, r.Err)
	}
	child, err := st.Accounts().GetByExternalID(ctx, "C-1")
	must(t, err)
	if child.ParentID != res[1].ID || child.ParentExternalID != "P-1" {
		t.Fatalf("parent in same batch not linked: %+v", child)
	}
}

func testList(t *testing.T, st store.Store) {
	var rows []customer.Account
	for i := range 25 {
		rows = append(rows, customer.Account{ExternalID: fmt.Sprintf("A-%02d", i), Name: fmt.Sprintf("%c-company %02d", "aBcD"[i%4], i),
			Industry: []string{"FinTech", "Health"}[i%2], Employees: i * 10})
	}
	res, err := st.Accounts().Import(ctx, rows)
	must(t, err)
	var subs []customer.Subscription
	for i := range 25 {
		must(t, res[i].Err)
		if i%5 == 4 {
			continue // no subscription: MRR 0 and no renewal date
		}
		subs = append(subs, customer.Subscription{AccountID: res[i].ID, Product: "Core", MRR: int64(1000 * (i % 7)), StartOn: d("2025-01-01"), EndOn: d("2099-01-01").AddDays(-i)})
	}
	sr, err := st.Subscriptions().Import(ctx, subs)
	must(t, err)
	for _, r := range sr {
		must(t, r.Err)
	}
	// Page through by MRR descending: every account once, in order.
	var all []customer.Account
	q := store.Query{Sort: "-mrr", Limit: 4}
	for {
		p, err := st.Accounts().List(ctx, q)
		must(t, err)
		all = append(all, p.Items...)
		if p.NextCursor == "" {
			break
		}
		q.Cursor = p.NextCursor
	}
	if len(all) != 25 {
		t.Fatalf("paged %d accounts, want 25", len(all))
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.MRR < b.MRR || (a.MRR == b.MRR && a.ID < b.ID) {
			t.Fatalf("order broken at %d: %d/%d then %d/%d", i, a.MRR, a.ID, b.MRR, b.ID)
		}
	}
	// Renewal ascending: missing dates last, paging across them.
	var ren []customer.Account
	q = store.Query{Sort: "renewal_on", Limit: 7}
	for {
		p, err := st.Accounts().List(ctx, q)
		must(t, err)
		ren = append(ren, p.Items...)
		if p.NextCursor == "" {
			break
		}
		q.Cursor = p.NextCursor
	}
	if len(ren) != 25 || ren[0].RenewalOn != d("2099-01-01").AddDays(-23) || !ren[24].RenewalOn.IsZero() || ren[19].RenewalOn.IsZero() {
		t.Fatalf("renewal order: first %s, 20th %s, last %s (n=%d)", ren[0].RenewalOn, ren[19].RenewalOn, ren[24].RenewalOn, len(ren))
	}
	// Name sorts case-insensitively the same on every engine.
	p, err := st.Accounts().List(ctx, store.Query{Sort: "name", Limit: 3})
	must(t, err)
	if p.Items[0].Name != "a-company 00" || p.Items[1].Name != "a-company 04" {
		t.Fatalf("name order: %q, %q", p.Items[0].Name, p.Items[1].Name)
	}
	// Filters and search.
	n, err := st.Accounts().Count(ctx, store.Query{Filters: []store.Filter{{Field: "industry", Op: store.Eq, Value: "FinTech"}, {Field: "employees", Op: store.Gte, Value: "100"}}})
	must(t, err)
	if n != 8 { // even i in 10..24
		t.Fatalf("filtered count %d, want 8", n)
	}
	n, err = st.Accounts().Count(ctx, store.Query{Search: "B-COMP"})
	must(t, err)
	if n != 6 {
		t.Fatalf("search count %d, want 6", n)
	}
	n, err = st.Accounts().Count(ctx, store.Query{Search: "%"})
	must(t, err)
	if n != 0 {
		t.Fatalf("search for %% matched %d: wildcards must be literal", n)
	}
	n, err = st.Accounts().Count(ctx, store.Query{Filters: []store.Filter{{Field: "renewal_on", Op: store.Eq, Value: ""}}})
	must(t, err)
	if n != 5 {
		t.Fatalf("accounts with no renewal: %d, want 5", n)
	}
	_, err = st.Accounts().List(ctx, store.Query{Filters: []store.Filter{{Field: "password", Value: "x"}}})
	fieldErr(t, err, "filter.password")
	_, err = st.Accounts().List(ctx, store.Query{Filters: []store.Filter{{Field: "employees", Value: "many"}}})
	fieldErr(t, err, "filter.employees")
	_, err = st.Accounts().List(ctx, store.Query{Sort: "attributes"})
	fieldErr(t, err, "sort")
	_, err = st.Accounts().List(ctx, store.Query{Cursor: "garbage"})
	fieldErr(t, err, "cursor")
	// Sub-objects filtered by account.
	c := customer.Contact{AccountID: res[0].ID, Name: "Dana", Roles: []string{"Champion", "power user"}}
	must(t, st.Contacts().Create(ctx, &c))
	cp, err := st.Contacts().List(ctx, store.Query{Filters: []store.Filter{{Field: "roles", Value: "power_user"}, {Field: "account_external_id", Value: "A-00"}}})
	must(t, err)
	if len(cp.Items) != 1 || cp.Items[0].AccountExternalID != "A-00" || len(cp.Items[0].Roles) != 2 {
		t.Fatalf("contacts by role: %+v", cp.Items)
	}
}

func testAttributes(t *testing.T, st store.Store) {
	must(t, st.PutAttribute(ctx, &customer.AttributeDef{Key: "seats_purchased", Type: "number"}))
	must(t, st.PutAttribute(ctx, &customer.AttributeDef{Key: "strategic", Type: "boolean"}))
	must(t, st.PutAttribute(ctx, &customer.AttributeDef{Key: "plan", Label: "Plan"}))
	a := customer.Account{Name: "Acme", Attributes: map[string]any{"seats_purchased": "1,200", "strategic": "yes", "plan": "Pro"}}
	must(t, st.Accounts().Create(ctx, &a))
	if a.Attributes["seats_purchased"] != 1200.0 || a.Attributes["strategic"] != true || a.Attributes["plan"] != "Pro" {
		t.Fatalf("attributes not typed: %#v", a.Attributes)
	}
	b := customer.Account{Name: "Beta", Attributes: map[string]any{"seats_purchased": 50, "strategic": false}}
	must(t, st.Accounts().Create(ctx, &b))
	for _, tc := range []struct {
		f    store.Filter
		want int
	}{
		{store.Filter{Field: "attributes.seats_purchased", Op: store.Gt, Value: "100"}, 1},
		{store.Filter{Field: "attributes.strategic", Op: store.Eq, Value: "true"}, 1},
		{store.Filter{Field: "attributes.plan", Op: store.Eq, Value: "Pro"}, 1},
	} {
		n, err := st.Accounts().Count(ctx, store.Query{Filters: []store.Filter{tc.f}})
		must(t, err)
		if n != tc.want {
			t.Errorf("%+v: %d, want %d", tc.f, n, tc.want)
		}
	}
	bad := customer.Account{Name: "Gamma", Attributes: map[string]any{"seats_purchased": "lots", "colour": "red"}}
	err := st.Accounts().Create(ctx, &bad)
	fieldErr(t, err, "attributes.seats_purchased")
	fieldErr(t, err, "attributes.colour")
	var ce *store.ConflictError
	if err := st.PutAttribute(ctx, &customer.AttributeDef{Key: "plan", Type: "number"}); !errors.As(err, &ce) {
		t.Fatalf("retyping a used attribute: want conflict, got %v", err)
	}
	defs, err := st.Attributes(ctx)
	must(t, err)
	if len(defs) != 3 || defs[0].Key != "plan" || defs[0].Label != "Plan" {
		t.Fatalf("definitions: %+v", defs)
	}
	if err := st.DeleteAttribute(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete unknown attribute: %v", err)
	}
}

func testRoundTrip(t *testing.T, st store.Store) {
	a := seedAccount(t, st, "A-1", "Soylent")
	at := time.Date(2024, 7, 28, 3, 0, 0, 123456000, time.UTC)
	csat := 4
	tk := customer.Ticket{AccountID: a.ID, Subject: "Login broken — “SSO”", Priority: "Urgent", OpenedAt: at, ClosedAt: at.Add(27 * time.Hour), CSAT: &csat, Escalated: true}
	must(t, st.Tickets().Create(ctx, &tk))
	got, err := st.Tickets().Get(ctx, tk.ID)
	must(t, err)
	if !got.OpenedAt.Equal(at) || !got.ClosedAt.Equal(at.Add(27*time.Hour)) || *got.CSAT != 4 || !got.Escalated || got.Status != "closed" || got.Priority != "urgent" || got.FirstResponseMinutes != nil {
		t.Fatalf("ticket round trip: %+v", got)
	}
	inv := customer.Invoice{AccountID: a.ID, Amount: 1234567, Currency: "EUR", DueOn: d("2024-02-29")}
	must(t, st.Invoices().Create(ctx, &inv))
	gi, err := st.Invoices().Get(ctx, inv.ID)
	must(t, err)
	if gi.Amount != 1234567 || gi.Currency != "EUR" || gi.DueOn != d("2024-02-29") || !gi.PaidOn.IsZero() || gi.IssuedOn != d("2024-02-29") {
		t.Fatalf("invoice round trip: %+v", gi)
	}
	act := customer.Activity{AccountID: a.ID, Kind: "QBR", OccurredAt: at, Subject: "Q3 review", Attendees: []string{"Ana, CFO", "Bo"}}
	must(t, st.Activities().Create(ctx, &act))
	ga, err := st.Activities().Get(ctx, act.ID)
	must(t, err)
	if ga.Kind != "qbr" || len(ga.Attendees) != 2 || ga.Attendees[0] != "Ana, CFO" {
		t.Fatalf("activity round trip: %+v", ga)
	}
	sr := customer.SurveyResponse{AccountID: a.ID, Kind: "nps", Score: 11, RespondedAt: at}
	fieldErr(t, st.Surveys().Create(ctx, &sr), "score")
	sr.Score = 3
	must(t, st.Surveys().Create(ctx, &sr))
	// Time filters compare as times on every engine.
	n, err := st.Tickets().Count(ctx, store.Query{Filters: []store.Filter{{Field: "opened_at", Op: store.Gte, Value: "2024-07-28T03:00:00.1Z"}}})
	must(t, err)
	if n != 1 {
		t.Fatalf("time filter: %d", n)
	}
	n, err = st.Tickets().Count(ctx, store.Query{Filters: []store.Filter{{Field: "opened_at", Op: store.Gt, Value: "2024-07-28T03:00:00.2Z"}}})
	must(t, err)
	if n != 0 {
		t.Fatalf("time filter after: %d", n)
	}
}

func testNotFound(t *testing.T, st store.Store) {
	if _, err := st.Accounts().Get(ctx, 424242); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get: %v", err)
	}
	if _, err := st.Contacts().GetByExternalID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get by external id: %v", err)
	}
	a := customer.Account{ID: 424242, Name: "Ghost"}
	if err := st.Accounts().Update(ctx, &a); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update: %v", err)
	}
	if err := st.Tickets().Delete(ctx, 424242); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete: %v", err)
	}
}

func testDeleteCascades(t *testing.T, st store.Store) {
	u := customer.User{Email: "csm@example.com"}
	must(t, st.Users().Create(ctx, &u))
	a := customer.Account{Name: "Massive Dynamic", CSMID: u.ID}
	must(t, st.Accounts().Create(ctx, &a))
	c := customer.Contact{AccountID: a.ID, Email: "walter@massive.example"}
	must(t, st.Contacts().Create(ctx, &c))
	must(t, st.Users().Delete(ctx, u.ID))
	got, err := st.Accounts().Get(ctx, a.ID)
	must(t, err)
	if got.CSMID != 0 {
		t.Fatalf("deleted CSM still on account")
	}
	must(t, st.Accounts().Delete(ctx, a.ID))
	if _, err := st.Contacts().Get(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("contact of deleted account: %v", err)
	}
}

func testParentCycle(t *testing.T, st store.Store) {
	p := seedAccount(t, st, "P", "Parent")
	c := customer.Account{ExternalID: "C", Name: "Child", ParentID: p.ID}
	must(t, st.Accounts().Create(ctx, &c))
	p.ParentID, p.ParentExternalID = c.ID, ""
	fieldErr(t, st.Accounts().Update(ctx, &p), "parent_id")
	got, err := st.Accounts().Get(ctx, p.ID)
	must(t, err)
	if got.ParentID != 0 {
		t.Fatalf("cycle was written")
	}
}

func testConflictingReference(t *testing.T, st store.Store) {
	a := seedAccount(t, st, "A", "Alpha")
	seedAccount(t, st, "B", "Beta")
	c := customer.Contact{AccountID: a.ID, AccountExternalID: "B", Name: "Kim"}
	fieldErr(t, st.Contacts().Create(ctx, &c), "account_external_id")
	c = customer.Contact{AccountID: a.ID, AccountExternalID: "A", Name: "Kim"}
	must(t, st.Contacts().Create(ctx, &c))
}

func testDistinct(t *testing.T, st store.Store) {
	for i, tier := range []string{"gamma", "Beta", "alpha", "Delta", "", "Beta", "zeta"} {
		a := customer.Account{Name: fmt.Sprintf("Account %d", i), Tier: tier}
		must(t, st.Accounts().Create(ctx, &a))
	}
	got, err := st.Accounts().Distinct(ctx, "tier", 0)
	must(t, err)
	if fmt.Sprint(got) != "[alpha Beta Delta gamma zeta]" {
		t.Fatalf("distinct tiers: %q", got)
	}
	got, err = st.Accounts().Distinct(ctx, "tier", 2)
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("limit: %q", got)
	}
	_, err = st.Accounts().Distinct(ctx, "employees", 0)
	fieldErr(t, err, "field")
}

func testFigures(t *testing.T, st store.Store) {
	ana := customer.User{Email: "ana@example.com", Name: "Ana", Role: "csm"}
	must(t, st.Users().Create(ctx, &ana))
	bo := customer.User{Email: "bo@example.com", Name: "Bo", Role: "csm"}
	must(t, st.Users().Create(ctx, &bo))
	from := d("2030-01-01")
	ids := map[string]int64{}
	for _, x := range []struct {
		ext, csm, stage, cur string
		mrr                  int64
		end                  string // "" for no subscription
	}{
		{"A1", "ana@example.com", "mature", "USD", 50000, "2030-01-10"},
		{"A2", "ana@example.com", "at_risk", "USD", 20000, "2030-03-01"},
		{"A3", "bo@example.com", "mature", "USD", 30000, "2030-06-29"},
		{"A4", "bo@example.com", "at_risk", "EUR", 7000, "2030-01-01"},  // renews on the first day
		{"A5", "", "onboarding", "USD", 1000, "2031-01-01"},             // beyond every window
		{"A6", "", "churned", "", 0, ""},                                // no subscription: MRR 0, USD, no renewal
		{"A7", "ana@example.com", "mature", "USD", 50000, "2029-12-31"}, // renewal date before the window
		{"A8", "", "mature", "USD", 500, "2030-01-31"},                  // on the 30-day boundary
	} {
		a := customer.Account{ExternalID: x.ext, Name: "Account " + x.ext, CSMEmail: x.csm, Lifecycle: x.stage}
		must(t, st.Accounts().Create(ctx, &a))
		ids[x.ext] = a.ID
		if x.end != "" {
			must(t, st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: a.ID, Product: "Core", MRR: x.mrr,
				Currency: x.cur, StartOn: d("2029-01-01"), EndOn: d(x.end)}))
		}
	}

	curs, err := st.Currencies(ctx)
	must(t, err)
	if fmt.Sprint(curs) != "[EUR USD]" {
		t.Errorf("currencies %q, want [EUR USD]", curs)
	}

	groups, err := st.AccountGroups(ctx)
	must(t, err)
	want := []store.AccountGroup{
		{CSMID: 0, CSMEmail: "", Currency: "USD", Lifecycle: "churned", Accounts: 1, Customers: 0, MRR: 0},
		{CSMID: 0, CSMEmail: "", Currency: "USD", Lifecycle: "mature", Accounts: 1, Customers: 1, MRR: 500},
		{CSMID: 0, CSMEmail: "", Currency: "USD", Lifecycle: "onboarding", Accounts: 1, Customers: 1, MRR: 1000},
		{CSMID: ana.ID, CSMEmail: "ana@example.com", Currency: "USD", Lifecycle: "at_risk", Accounts: 1, Customers: 1, MRR: 20000},
		{CSMID: ana.ID, CSMEmail: "ana@example.com", Currency: "USD", Lifecycle: "mature", Accounts: 2, Customers: 2, MRR: 100000},
		{CSMID: bo.ID, CSMEmail: "bo@example.com", Currency: "EUR", Lifecycle: "at_risk", Accounts: 1, Customers: 1, MRR: 7000},
		{CSMID: bo.ID, CSMEmail: "bo@example.com", Currency: "USD", Lifecycle: "mature", Accounts: 1, Customers: 1, MRR: 30000},
	}
	if fmt.Sprint(groups) != fmt.Sprint(want) {
		t.Errorf("account groups\n got %v\nwant %v", groups, want)
	}

	bands, err := st.MRRBands(ctx, "USD", []int64{40000, 10000, 1000, 1})
	must(t, err)
	wantBands := []store.MRRBand{
		{Floor: 40000, Accounts: 2, MRR: 100000},
		{Floor: 10000, Ceiling: 40000, Accounts: 2, MRR: 50000},
		{Floor: 1000, Ceiling: 10000, Accounts: 1, MRR: 1000},
		{Floor: 1, Ceiling: 1000, Accounts: 1, MRR: 500}, // A6 pays nothing: in no band
	}
	if fmt.Sprint(bands) != fmt.Sprint(wantBands) {
		t.Errorf("USD bands\n got %v\nwant %v", bands, wantBands)
	}
	bands, err = st.MRRBands(ctx, "EUR", []int64{100000, 5000})
	must(t, err)
	if fmt.Sprint(bands) != fmt.Sprint([]store.MRRBand{{Floor: 100000}, {Floor: 5000, Ceiling: 100000, Accounts: 1, MRR: 7000}}) {
		t.Errorf("EUR bands %v", bands)
	}
	bands, err = st.MRRBands(ctx, "USD", nil)
	if err != nil || len(bands) != 0 {
		t.Errorf("no floors: %v, %v", bands, err)
	}
	_, err = st.MRRBands(ctx, "USD", []int64{1000, 1000})
	fieldErr(t, err, "floors")
	_, err = st.MRRBands(ctx, "USD", []int64{0})
	fieldErr(t, err, "floors")
	_, err = st.MRRBands(ctx, "USD", make([]int64, store.MaxBands+1))
	fieldErr(t, err, "floors")

	for _, tc := range []struct {
		cur   string
		below int64
		n     int
		want  store.TopMRR
	}{
		{"USD", 0, 1, store.TopMRR{Accounts: 1, MRR: 50000, Floor: 50000}},
		{"USD", 0, 2, store.TopMRR{Accounts: 2, MRR: 100000, Floor: 50000}}, // a tie at the top
		{"USD", 0, 3, store.TopMRR{Accounts: 3, MRR: 130000, Floor: 30000}},
		{"USD", 0, 100, store.TopMRR{Accounts: 6, MRR: 151500, Floor: 500}}, // only the paying ones
		{"USD", 0, 0, store.TopMRR{}},
		{"USD", 40000, 2, store.TopMRR{Accounts: 2, MRR: 50000, Floor: 20000}}, // within the second band
		{"USD", 50000, 1, store.TopMRR{Accounts: 1, MRR: 30000, Floor: 30000}}, // the bound is excluded
		{"USD", 1000, 5, store.TopMRR{Accounts: 1, MRR: 500, Floor: 500}},
		{"USD", 1, 5, store.TopMRR{}},
		{"EUR", 0, 2, store.TopMRR{Accounts: 1, MRR: 7000, Floor: 7000}},
		{"JPY", 0, 5, store.TopMRR{}},
	} {
		got, err := st.TopMRR(ctx, tc.cur, tc.below, tc.n)
		must(t, err)
		if got != tc.want {
			t.Errorf("TopMRR(%s, below %d, %d) = %+v, want %+v", tc.cur, tc.below, tc.n, got, tc.want)
		}
	}

	until := []civil.Date{from.AddDays(30), from.AddDays(90), from.AddDays(180)}
	ren, err := st.RenewalsDue(ctx, "USD", from, until)
	must(t, err)
	wantRen := []store.Renewals{
		{Until: until[0], Accounts: 2, MRR: 50500},  // A1, A8 (on the boundary)
		{Until: until[1], Accounts: 3, MRR: 70500},  // and A2
		{Until: until[2], Accounts: 4, MRR: 100500}, // and A3
	}
	if fmt.Sprint(ren) != fmt.Sprint(wantRen) {
		t.Errorf("USD renewals\n got %v\nwant %v", ren, wantRen)
	}
	ren, err = st.RenewalsDue(ctx, "EUR", from, until[:1])
	must(t, err)
	if len(ren) != 1 || ren[0].Accounts != 1 || ren[0].MRR != 7000 {
		t.Errorf("EUR renewals %v (the first day is included)", ren)
	}
	_, err = st.RenewalsDue(ctx, "USD", from, []civil.Date{from.AddDays(90), from.AddDays(30)})
	fieldErr(t, err, "until")
	_, err = st.RenewalsDue(ctx, "USD", from, []civil.Date{from.AddDays(-1)})
	fieldErr(t, err, "until")

	byCSM, err := st.RenewalsByCSM(ctx, from, until[1])
	must(t, err)
	wantByCSM := []store.CSMRenewals{
		{CSMID: 0, Currency: "USD", Accounts: 1, MRR: 500},        // A8
		{CSMID: ana.ID, Currency: "USD", Accounts: 2, MRR: 70000}, // A1, A2
		{CSMID: bo.ID, Currency: "EUR", Accounts: 1, MRR: 7000},   // A4, on the first day
	}
	if fmt.Sprint(byCSM) != fmt.Sprint(wantByCSM) {
		t.Errorf("renewals by CSM\n got %v\nwant %v", byCSM, wantByCSM)
	}
	_, err = st.RenewalsByCSM(ctx, from, from.AddDays(-1))
	fieldErr(t, err, "until")

	for _, inv := range []customer.Invoice{
		{AccountID: ids["A1"], Amount: 1000, Currency: "USD", DueOn: d("2030-01-15")},
		{AccountID: ids["A1"], Amount: 2000, Currency: "USD", DueOn: d("2030-01-20")},
		{AccountID: ids["A2"], Amount: 4000, Currency: "USD", DueOn: d("2030-01-31")},
		{AccountID: ids["A3"], Amount: 8000, Currency: "USD", DueOn: d("2030-02-01")}, // due on the day: not yet overdue
		{AccountID: ids["A4"], Amount: 500, Currency: "EUR", DueOn: d("2030-01-02")},
		{AccountID: ids["A5"], Amount: 9999, Currency: "USD", DueOn: d("2030-01-01"), PaidOn: d("2030-01-05")},
	} {
		must(t, st.Invoices().Create(ctx, &inv))
	}
	over, err := st.OverdueInvoices(ctx, d("2030-02-01"))
	must(t, err)
	wantOver := []store.Overdue{{Currency: "EUR", Invoices: 1, Amount: 500, Accounts: 1}, {Currency: "USD", Invoices: 3, Amount: 7000, Accounts: 2}}
	if fmt.Sprint(over) != fmt.Sprint(wantOver) {
		t.Errorf("overdue invoices %v, want %v", over, wantOver)
	}
	_, err = st.OverdueInvoices(ctx, civil.Date{})
	fieldErr(t, err, "day")
}

func testFiguresEmpty(t *testing.T, st store.Store) {
	curs, err := st.Currencies(ctx)
	must(t, err)
	groups, err := st.AccountGroups(ctx)
	must(t, err)
	top, err := st.TopMRR(ctx, "USD", 0, 10)
	must(t, err)
	bands, err := st.MRRBands(ctx, "USD", []int64{100, 1})
	must(t, err)
	ren, err := st.RenewalsDue(ctx, "USD", d("2030-01-01"), []civil.Date{d("2030-02-01")})
	must(t, err)
	over, err := st.OverdueInvoices(ctx, d("2030-01-01"))
	must(t, err)
	byCSM, err := st.RenewalsByCSM(ctx, d("2030-01-01"), d("2030-02-01"))
	must(t, err)
	if len(curs) != 0 || len(groups) != 0 || top != (store.TopMRR{}) || len(over) != 0 || len(byCSM) != 0 ||
		fmt.Sprint(bands) != "[{100 0 0 0} {1 100 0 0}]" || fmt.Sprint(ren) != "[{2030-02-01 0 0}]" {
		t.Errorf("empty store: %v %v %v %v %v %v", curs, groups, top, bands, ren, over)
	}
}

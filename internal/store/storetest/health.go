package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/demo"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/store"
)

var healthAsOf = d("2026-06-30")

// testHealthFacts: one account's records come back as health.Facts, to the
// value, from the one-account reader and the bulk reader alike.
func testHealthFacts(t *testing.T, st store.Store) {
	csm := customer.User{Email: "csm@example.com", Name: "Cora", Role: customer.RoleCSM}
	must(t, st.Users().Create(ctx, &csm))
	other := customer.User{Email: "ae@example.com", Name: "Abe", Role: customer.RoleCSM}
	must(t, st.Users().Create(ctx, &other))
	must(t, st.PutAttribute(ctx, &customer.AttributeDef{Key: "plan_family", Label: "Plan family", Type: "text"}))
	parent := seedAccount(t, st, "p-1", "Parent Co")
	a := customer.Account{ExternalID: "a-1", Name: "Acme", ParentID: parent.ID, Tier: "enterprise", TouchModel: "high",
		Lifecycle: "adopting", Industry: "Retail", Region: "EMEA", CSMEmail: "csm@example.com", CustomerSince: d("2024-01-15"),
		Attributes: map[string]any{"plan_family": "pro"}}
	must(t, st.Accounts().Create(ctx, &a))
	empty := seedAccount(t, st, "a-2", "Quiet Ltd")
	eur := seedAccount(t, st, "a-3", "Euro GmbH")
	must(t, st.PutExchangeRate(ctx, &store.ExchangeRate{Currency: "GBP", Rate: "1.25"}))

	load(t, st.Subscriptions(), []customer.Subscription{
		{ExternalID: "s-1", AccountID: a.ID, Product: "Core", MRR: 100000, StartOn: d("2025-01-01"), EndOn: d("2026-01-01"), Status: "ended"},
		{ExternalID: "s-2", AccountID: a.ID, Product: "Core", MRR: 120000, StartOn: d("2026-01-01"), EndOn: d("2027-01-01")},
		{ExternalID: "s-3", AccountID: a.ID, Product: "Add-on", MRR: 8000, Currency: "GBP", StartOn: d("2026-03-01"), EndOn: d("2027-03-01")},
		{ExternalID: "s-4", AccountID: a.ID, Product: "Core", MRR: 5000, Trial: true, StartOn: d("2024-12-01"), EndOn: d("2025-01-01"), Status: "ended"},
		// No EUR rate: Euro GmbH gets no MRR history rather than a wrong one.
		{ExternalID: "s-5", AccountID: eur.ID, Product: "Core", MRR: 9000, Currency: "EUR", StartOn: d("2026-01-01"), EndOn: d("2027-01-01")},
	})
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		must(t, err)
		return v
	}
	load(t, st.Surveys(), []customer.SurveyResponse{
		{AccountID: a.ID, Kind: "nps", Score: 9, RespondedAt: at("2026-02-03T10:00:00Z")},
		{AccountID: a.ID, Kind: "would_renew", Score: 0, RespondedAt: at("2026-05-03T23:30:00Z")},
	})
	csat := 4
	load(t, st.Tickets(), []customer.Ticket{
		{AccountID: a.ID, Subject: "Broken", Priority: "high", Status: "closed", OpenedAt: at("2026-04-01T09:00:00Z"), ClosedAt: at("2026-04-03T09:00:00Z"), Escalated: true, CSAT: &csat},
		{AccountID: a.ID, Subject: "Slow", Priority: "low", Status: "open", OpenedAt: at("2026-06-01T09:00:00Z")},
	})
	load(t, st.Invoices(), []customer.Invoice{
		{AccountID: a.ID, Amount: 120000, IssuedOn: d("2026-05-01"), DueOn: d("2026-05-31")},
		{AccountID: a.ID, Amount: 120000, IssuedOn: d("2026-04-01"), DueOn: d("2026-04-30"), PaidOn: d("2026-05-02")},
	})
	load(t, st.Contacts(), []customer.Contact{
		{AccountID: a.ID, Name: "Chip", Email: "chip@acme.example", Roles: []string{"champion", "power_user"}},
		{AccountID: a.ID, Name: "Eve", Email: "eve@acme.example", Roles: []string{"economic_buyer"}, LeftOn: d("2026-05-20")},
	})
	load(t, st.Activities(), []customer.Activity{
		{AccountID: a.ID, Kind: "qbr", OccurredAt: at("2026-04-10T15:00:00Z"), AuthorEmail: "csm@example.com", Subject: "Q2"},
		{AccountID: a.ID, Kind: "email", OccurredAt: at("2026-06-10T15:00:00Z"), AuthorEmail: "ae@example.com", Subject: "Hi"},
		{AccountID: a.ID, Kind: "note", OccurredAt: at("2026-06-11T15:00:00Z"), Subject: "No author"},
	})
	pulse := store.Pulse{AccountID: a.ID, Colour: "Yellow", Reason: "Champion quiet", SetBy: csm.ID, ExpiresOn: civil.Today().AddDays(30)}
	must(t, st.SetPulse(ctx, &pulse))
	today := civil.Today()

	f, err := st.HealthFacts(ctx, a.ID, healthAsOf)
	must(t, err)
	sortFacts(f)
	contacts, err := store.All(ctx, st.Contacts(), store.Query{Sort: "id"})
	must(t, err)
	want := &health.Facts{
		AccountID: a.ID, ExternalID: "a-1", Name: "Acme", ParentID: parent.ID,
		Tier: "enterprise", TouchModel: "high", Lifecycle: "adopting", Industry: "Retail", Region: "EMEA",
		CSMID: csm.ID, CustomerSince: d("2024-01-15"), RenewalOn: d("2027-01-01"), MRR: 120000, Currency: "USD", // the GBP line is not in the USD rollup
		Attributes: map[string]any{"plan_family": "pro"},
		MRRChanges: []health.MRRPoint{{From: d("2025-01-01"), MRR: 100000}, {From: d("2026-01-01"), MRR: 120000}, {From: d("2026-03-01"), MRR: 130000}},
		Surveys:    []health.Survey{{On: d("2026-02-03"), Kind: "nps", Score: 9}, {On: d("2026-05-03"), Kind: "would_renew", Score: 0}},
		Tickets: []health.Ticket{{Opened: d("2026-04-01"), Closed: d("2026-04-03"), Priority: "high", Escalated: true, CSAT: 4},
			{Opened: d("2026-06-01"), Priority: "low"}},
		Invoices: []health.Invoice{{Issued: d("2026-04-01"), Due: d("2026-04-30"), Paid: d("2026-05-02"), Amount: 120000},
			{Issued: d("2026-05-01"), Due: d("2026-05-31"), Amount: 120000}},
		Contacts: []health.Contact{{Roles: []string{"champion", "power_user"}, Since: civil.Of(contacts[0].CreatedAt)},
			{Roles: []string{"economic_buyer"}, Since: civil.Of(contacts[1].CreatedAt), Left: d("2026-05-20")}},
		Touches: []health.Touch{{On: d("2026-04-10"), Kind: "qbr", ByCSM: true}, {On: d("2026-06-10"), Kind: "email"}, {On: d("2026-06-11"), Kind: "note"}},
		Pulses:  []health.Pulse{{Set: today, Expires: today.AddDays(30), Colour: "yellow", Reason: "Champion quiet", By: "csm@example.com"}},
	}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("facts:\n got %+v\nwant %+v", f, want)
	}

	fe, err := st.HealthFacts(ctx, empty.ID, healthAsOf)
	must(t, err)
	if !reflect.DeepEqual(fe, &health.Facts{AccountID: empty.ID, ExternalID: "a-2", Name: "Quiet Ltd", Lifecycle: "onboarding", Currency: "USD"}) {
		t.Fatalf("facts of an account with no records: %+v", fe)
	}
	fx, err := st.HealthFacts(ctx, eur.ID, healthAsOf)
	must(t, err)
	if fx.MRRChanges != nil || fx.MRR != 9000 || fx.Currency != "EUR" {
		t.Fatalf("facts of an account without an exchange rate: %+v", fx)
	}
	if _, err := st.HealthFacts(ctx, 999999, healthAsOf); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("facts of no account: %v", err)
	}

	// The bulk reader gives the same, in id order.
	var ids []int64
	must(t, st.EachHealthFacts(ctx, healthAsOf, func(g *health.Facts) error {
		ids = append(ids, g.AccountID)
		one, err := st.HealthFacts(ctx, g.AccountID, healthAsOf)
		if err != nil {
			return err
		}
		sortFacts(g)
		sortFacts(one)
		if !reflect.DeepEqual(g, one) {
			t.Errorf("account %d: bulk and one-account readers differ:\n%+v\n%+v", g.AccountID, g, one)
		}
		return nil
	}))
	if !slices.Equal(ids, []int64{parent.ID, a.ID, empty.ID, eur.ID}) {
		t.Fatalf("bulk order %v", ids)
	}
	// each's error ends the read and is returned as is.
	stop := errors.New("stop")
	if err := st.EachHealthFacts(ctx, healthAsOf, func(*health.Facts) error { return stop }); err != stop {
		t.Fatalf("each's error: %v", err)
	}
}

// sortFacts puts a Facts' records in one order, for comparing.
func sortFacts(f *health.Facts) {
	byText(f.Surveys)
	byText(f.Tickets)
	byText(f.Invoices)
	byText(f.Contacts)
	byText(f.Touches)
}

func byText[T any](s []T) {
	slices.SortStableFunc(s, func(a, b T) int { return strings.Compare(fmt.Sprintf("%+v", a), fmt.Sprintf("%+v", b)) })
}

// testHealthFactsDemo: on a demo company, the bulk reader and the
// one-account reader agree on every account, and the bulk reader sees
// every record.
func testHealthFactsDemo(t *testing.T, st store.Store) {
	if testing.Short() {
		t.Skip("loads a demo company")
	}
	_, err := demo.Generate(ctx, st, demo.Options{Seed: 7, Accounts: 150, Today: healthAsOf})
	must(t, err)
	var n, surveys, tickets, touches int
	must(t, st.EachHealthFacts(ctx, healthAsOf, func(f *health.Facts) error {
		n++
		surveys += len(f.Surveys)
		tickets += len(f.Tickets)
		touches += len(f.Touches)
		return nil
	}))
	// The one-account reader, account by account, outside the scan.
	var all []*health.Facts
	must(t, st.EachHealthFacts(ctx, healthAsOf, func(f *health.Facts) error {
		all = append(all, f)
		return nil
	}))
	for _, f := range all {
		one, err := st.HealthFacts(ctx, f.AccountID, healthAsOf)
		must(t, err)
		sortFacts(f)
		sortFacts(one)
		if !reflect.DeepEqual(f, one) {
			t.Fatalf("account %d: bulk and one-account readers differ:\n%+v\n%+v", f.AccountID, f, one)
		}
	}
	wantN, err := st.Accounts().Count(ctx, store.Query{})
	must(t, err)
	wantS, err := st.Surveys().Count(ctx, store.Query{})
	must(t, err)
	wantT, err := st.Tickets().Count(ctx, store.Query{})
	must(t, err)
	wantA, err := st.Activities().Count(ctx, store.Query{})
	must(t, err)
	if n != wantN || surveys != wantS || tickets != wantT || touches != wantA || wantS == 0 || wantT == 0 || wantA == 0 {
		t.Fatalf("bulk read %d accounts, %d surveys, %d tickets, %d activities; stored %d, %d, %d, %d", n, surveys, tickets, touches, wantN, wantS, wantT, wantA)
	}
	var withMRR int
	for _, f := range all {
		if len(f.MRRChanges) > 0 {
			withMRR++
		}
	}
	if withMRR < n/2 {
		t.Fatalf("only %d of %d accounts have an MRR history", withMRR, n)
	}
}

func ptr(v float64) *float64 { return &v }

// testHealthScores: current scores, history points (one a day, one more
// on every change), reads by account, page, day and colour.
func testHealthScores(t *testing.T, st store.Store) {
	a := seedAccount(t, st, "h-1", "Acme")
	b := seedAccount(t, st, "h-2", "Brio")
	c := seedAccount(t, st, "h-3", "Cleo")
	gone := customer.Account{ExternalID: "h-4", Name: "Gone", Lifecycle: customer.StageChurned} // pays, but not a customer
	must(t, st.Accounts().Create(ctx, &gone))
	load(t, st.Subscriptions(), []customer.Subscription{
		{AccountID: gone.ID, Product: "Core", MRR: 500, StartOn: d("2026-01-01"), EndOn: d("2099-01-01")},
		{AccountID: a.ID, Product: "Core", MRR: 1000, StartOn: d("2026-01-01"), EndOn: d("2099-01-01")},
		{AccountID: b.ID, Product: "Core", MRR: 2000, Currency: "EUR", StartOn: d("2026-01-01"), EndOn: d("2099-01-01")},
	})
	t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	put := func(id int64, at time.Time, score *float64, colour string) {
		t.Helper()
		must(t, st.PutHealthScores(ctx, []store.HealthScore{{AccountID: id, ScoredAt: at, Scorecard: "default", Version: 1, Score: score, Colour: colour, Detail: []byte(`{"why":"` + colour + `"}`)}}))
	}
	put(a.ID, t0, ptr(72.5), "green")
	put(a.ID, t0.Add(time.Hour), ptr(72.5), "green")    // same day, same score: the day's point stands
	put(a.ID, t0.Add(2*time.Hour), ptr(40), "yellow")   // a change: a new point
	put(a.ID, t0.Add(3*time.Hour), ptr(40), "yellow")   // a repeat of the change: no point
	put(a.ID, t0.Add(24*time.Hour), ptr(40), "yellow")  // next day: a new point
	put(a.ID, t0.Add(90*time.Minute), ptr(99), "green") // older than the current: history only
	put(b.ID, t0, nil, "")
	// A score of an earlier day computed afterwards (a backfill) goes to
	// history only: the current score is the latest day's.
	must(t, st.PutHealthScores(ctx, []store.HealthScore{{AccountID: a.ID, ScoredAt: t0.Add(30 * time.Hour), Day: d("2026-05-01"),
		Scorecard: "default", Version: 1, Score: ptr(10), Colour: "red", Detail: []byte(`{"why":"backfill"}`)}}))

	cur, err := st.HealthScore(ctx, a.ID)
	must(t, err)
	if !cur.ScoredAt.Equal(t0.Add(24*time.Hour)) || cur.Day != d("2026-06-02") || *cur.Score != 40 || cur.Colour != "yellow" ||
		cur.Scorecard != "default" || cur.Version != 1 || string(cur.Detail) != `{"why":"yellow"}` {
		t.Fatalf("current %+v", cur)
	}
	hist, err := st.HealthHistory(ctx, a.ID, d("2026-06-01"), d("2026-06-02"))
	must(t, err)
	var got []string
	for _, h := range hist {
		got = append(got, h.ScoredAt.Format("02T15:04")+" "+h.Colour)
	}
	if want := []string{"01T08:00 green", "01T09:30 green", "01T10:00 yellow", "02T08:00 yellow"}; !slices.Equal(got, want) {
		t.Fatalf("history %v, want %v", got, want)
	}
	if h, _ := st.HealthHistory(ctx, a.ID, d("2026-06-02"), civil.Date{}); len(h) != 1 {
		t.Fatalf("history from a day on: %+v", h)
	}
	if _, err := st.HealthScore(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("score of an unscored account: %v", err)
	}
	page, err := st.HealthScores(ctx, []int64{a.ID, b.ID, c.ID})
	must(t, err)
	if len(page) != 2 || page[b.ID].Score != nil || page[b.ID].Colour != "" || *page[a.ID].Score != 40 {
		t.Fatalf("page %+v", page)
	}
	on, err := st.HealthScoresOn(ctx, d("2026-06-01"))
	must(t, err)
	if len(on) != 2 || on[0].AccountID != a.ID || on[0].Colour != "yellow" || on[1].AccountID != b.ID {
		t.Fatalf("on a day %+v", on)
	}

	asOf, err := st.HealthScoresAsOf(ctx, []int64{a.ID, b.ID, c.ID}, d("2026-06-01"))
	must(t, err)
	if len(asOf) != 2 || asOf[a.ID].Colour != "yellow" || !asOf[a.ID].ScoredAt.Equal(t0.Add(2*time.Hour)) || asOf[b.ID].Score != nil {
		t.Fatalf("as of a day %+v", asOf)
	}
	if asOf, _ := st.HealthScoresAsOf(ctx, []int64{a.ID}, d("2026-07-01")); *asOf[a.ID].Score != 40 || asOf[a.ID].Day != d("2026-06-02") {
		t.Fatalf("as of a later day %+v", asOf)
	}
	if asOf, _ := st.HealthScoresAsOf(ctx, []int64{a.ID}, d("2026-05-31")); asOf[a.ID].Colour != "red" || asOf[a.ID].Day != d("2026-05-01") {
		t.Fatalf("as of a day with only a backfilled point before it %+v", asOf)
	}
	if asOf, _ := st.HealthScoresAsOf(ctx, []int64{a.ID}, d("2026-04-30")); len(asOf) != 0 {
		t.Fatalf("as of a day before any point %+v", asOf)
	}

	dist, err := st.HealthDistribution(ctx)
	must(t, err)
	want := []store.HealthBucket{{Colour: "", Currency: "EUR", Accounts: 1, MRR: 2000, Customers: 1, CustomerMRR: 2000},
		{Colour: store.Unscored, Currency: "USD", Accounts: 2, MRR: 500}, {Colour: "yellow", Currency: "USD", Accounts: 1, MRR: 1000, Customers: 1, CustomerMRR: 1000}}
	if !reflect.DeepEqual(dist, want) {
		t.Fatalf("distribution %+v", dist)
	}

	// Many at once, with the last of an account winning.
	var batch []store.HealthScore
	for i := range 1200 {
		id := []int64{a.ID, b.ID, c.ID}[i%3]
		batch = append(batch, store.HealthScore{AccountID: id, ScoredAt: t0.Add(48 * time.Hour).Add(time.Duration(i) * time.Second), Scorecard: "default", Version: 2, Score: ptr(float64(i % 100)), Colour: "red"})
	}
	must(t, st.PutHealthScores(ctx, batch))
	page, err = st.HealthScores(ctx, []int64{a.ID, b.ID, c.ID})
	must(t, err)
	if len(page) != 3 || *page[c.ID].Score != 99 || page[c.ID].Version != 2 || string(page[c.ID].Detail) != "{}" {
		t.Fatalf("bulk %+v", page[c.ID])
	}

	// Bad scores are refused, naming the field; nothing is written.
	fieldErr(t, st.PutHealthScores(ctx, []store.HealthScore{{AccountID: a.ID, ScoredAt: t0, Scorecard: "x", Score: ptr(101), Colour: "green"}}), "scores[0].score")
	fieldErr(t, st.PutHealthScores(ctx, []store.HealthScore{{AccountID: a.ID, ScoredAt: t0, Scorecard: "x", Score: ptr(50), Colour: "blue"}}), "scores[0].colour")
	fieldErr(t, st.PutHealthScores(ctx, []store.HealthScore{{AccountID: a.ID, ScoredAt: t0, Scorecard: "x", Colour: "red"}}), "scores[0].colour")
	fieldErr(t, st.PutHealthScores(ctx, []store.HealthScore{{AccountID: a.ID, ScoredAt: t0, Scorecard: "x", Detail: []byte("{")}}), "scores[0].detail")
	fieldErr(t, st.PutHealthScores(ctx, []store.HealthScore{{AccountID: a.ID, Scorecard: "x"}}), "scores[0].scored_at")
	late := t0.Add(100 * time.Hour)
	err = st.PutHealthScores(ctx, []store.HealthScore{{AccountID: a.ID, ScoredAt: late, Scorecard: "x"}, {AccountID: 987654, ScoredAt: late, Scorecard: "x"}})
	fieldErr(t, err, "account_id")
	if cur, _ := st.HealthScore(ctx, a.ID); cur.ScoredAt.Equal(late) {
		t.Fatal("a failed batch wrote a score")
	}

	// Scores and history go with their account.
	must(t, st.Accounts().Delete(ctx, a.ID))
	if h, _ := st.HealthHistory(ctx, a.ID, civil.Date{}, civil.Date{}); len(h) != 0 {
		t.Fatalf("history of a deleted account: %d points", len(h))
	}
}

// testPulses: pulses are checked, kept newest first with who set them, and
// go with their account.
func testPulses(t *testing.T, st store.Store) {
	a := seedAccount(t, st, "pl-1", "Acme")
	u := customer.User{Email: "csm@example.com", Role: customer.RoleCSM}
	must(t, st.Users().Create(ctx, &u))
	exp := civil.Today().AddDays(14)
	p1 := store.Pulse{AccountID: a.ID, Colour: "red", Reason: "Exec sponsor left", SetBy: u.ID, ExpiresOn: exp}
	must(t, st.SetPulse(ctx, &p1))
	p2 := store.Pulse{AccountID: a.ID, Colour: " GREEN ", Reason: " Back on track ", ExpiresOn: exp.AddDays(1)}
	must(t, st.SetPulse(ctx, &p2))
	ps, err := st.Pulses(ctx, a.ID)
	must(t, err)
	if len(ps) != 2 || ps[0].ID != p2.ID || ps[0].Colour != "green" || ps[0].Reason != "Back on track" || ps[0].SetBy != 0 ||
		ps[1].SetByEmail != "csm@example.com" || ps[1].ExpiresOn != exp || !ps[1].SetAt.Equal(p1.SetAt) || ps[1].SetAt.IsZero() {
		t.Fatalf("pulses %+v", ps)
	}
	fieldErr(t, st.SetPulse(ctx, &store.Pulse{AccountID: a.ID, Colour: "blue", ExpiresOn: exp}), "colour")
	fieldErr(t, st.SetPulse(ctx, &store.Pulse{AccountID: a.ID, Colour: "red"}), "expires_on")
	fieldErr(t, st.SetPulse(ctx, &store.Pulse{AccountID: a.ID, Colour: "red", ExpiresOn: civil.Today()}), "expires_on")
	fieldErr(t, st.SetPulse(ctx, &store.Pulse{AccountID: 987654, Colour: "red", ExpiresOn: exp}), "account_id")
	must(t, st.Accounts().Delete(ctx, a.ID))
	if ps, _ := st.Pulses(ctx, a.ID); len(ps) != 0 {
		t.Fatalf("pulses of a deleted account: %+v", ps)
	}
}

// testScorecards: every save is a new version that becomes the active one.
func testScorecards(t *testing.T, st store.Store) {
	u := customer.User{Email: "admin@example.com", Role: customer.RoleAdmin}
	must(t, st.Users().Create(ctx, &u))
	v1 := store.Scorecard{Name: "default", YAML: "name: default\n", Note: "first", CreatedBy: u.ID}
	must(t, st.SaveScorecard(ctx, &v1))
	v2 := store.Scorecard{Name: "default", YAML: "name: default\nweights: 2\n", Note: "heavier"}
	must(t, st.SaveScorecard(ctx, &v2))
	ent := store.Scorecard{Name: "enterprise", YAML: "name: enterprise\n"}
	must(t, st.SaveScorecard(ctx, &ent))
	if v1.Version != 1 || v2.Version != 2 || ent.Version != 1 || !v2.Active || v2.CreatedAt.IsZero() {
		t.Fatalf("versions %+v %+v %+v", v1, v2, ent)
	}
	act, err := st.ActiveScorecards(ctx)
	must(t, err)
	if len(act) != 2 || act[0].ID != v2.ID || act[0].YAML != v2.YAML || act[1].Name != "enterprise" {
		t.Fatalf("active %+v", act)
	}
	vs, err := st.ScorecardVersions(ctx, "default")
	must(t, err)
	if len(vs) != 2 || vs[0].Version != 2 || vs[0].Note != "heavier" || vs[1].Active || vs[1].ByEmail != "admin@example.com" ||
		!vs[1].CreatedAt.Equal(v1.CreatedAt) {
		t.Fatalf("versions %+v", vs)
	}
	must(t, st.RetireScorecard(ctx, "enterprise"))
	if err := st.RetireScorecard(ctx, "enterprise"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("retire twice: %v", err)
	}
	if act, _ := st.ActiveScorecards(ctx); len(act) != 1 {
		t.Fatalf("active after retiring %+v", act)
	}
	if vs, _ := st.ScorecardVersions(ctx, "nope"); vs == nil || len(vs) != 0 {
		t.Fatalf("versions of none %+v", vs)
	}
	fieldErr(t, st.SaveScorecard(ctx, &store.Scorecard{Name: " ", YAML: "x: 1"}), "name")
	fieldErr(t, st.SaveScorecard(ctx, &store.Scorecard{Name: "x", YAML: "  "}), "yaml")
}

func load[T any](t *testing.T, c store.Collection[T], rows []T) {
	t.Helper()
	must(t, store.ImportAll(ctx, c, rows))
}

// testListByHealth: the accounts list filters by current health (a colour,
// not enough data, never scored) and sorts by score with the missing last
// in either direction (ties by id, in the sort's direction), paging by cursor without a gap or a repeat; the
// totals count over the same filter.
func testListByHealth(t *testing.T, st store.Store) {
	at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	scores := []struct {
		score  *float64
		colour string
	}{{ptr(80), "green"}, {ptr(20), "red"}, {nil, ""}, {ptr(55), "yellow"}, {ptr(20), "red"}, {ptr(90), "green"}}
	var put []store.HealthScore
	names := map[int64]string{}
	for i := range 8 { // the last two are never scored
		a := seedAccount(t, st, fmt.Sprintf("lh-%d", i), fmt.Sprintf("Acct %d", i))
		names[a.ID] = a.ExternalID
		if i < len(scores) {
			put = append(put, store.HealthScore{AccountID: a.ID, ScoredAt: at, Scorecard: "default", Version: 1, Score: scores[i].score, Colour: scores[i].colour})
		}
	}
	must(t, st.PutHealthScores(ctx, put))
	list := func(q store.Query) []string {
		t.Helper()
		var out []string
		for {
			page, err := st.Accounts().List(ctx, q)
			must(t, err)
			for _, a := range page.Items {
				out = append(out, a.ExternalID)
			}
			if page.NextCursor == "" {
				return out
			}
			q.Cursor = page.NextCursor
		}
	}
	for _, tc := range []struct {
		q    store.Query
		want string
	}{
		{store.Query{Sort: "-health_score", Limit: 2}, "lh-5 lh-0 lh-3 lh-4 lh-1 lh-7 lh-6 lh-2"},
		{store.Query{Sort: "health_score", Limit: 3}, "lh-1 lh-4 lh-3 lh-0 lh-5 lh-2 lh-6 lh-7"},
		{store.Query{Filters: []store.Filter{{Field: "health", Op: store.Eq, Value: "red"}}}, "lh-1 lh-4"},
		{store.Query{Filters: []store.Filter{{Field: "health", Value: store.NotEnoughData}}}, "lh-2"},
		{store.Query{Filters: []store.Filter{{Field: "health", Value: store.Unscored}}}, "lh-6 lh-7"},
		{store.Query{Filters: []store.Filter{{Field: "health", Op: store.Ne, Value: "green"}}}, "lh-1 lh-2 lh-3 lh-4 lh-6 lh-7"},
		{store.Query{Filters: []store.Filter{{Field: "health", Op: store.Ne, Value: store.Unscored}}, Sort: "-health_score", Limit: 1}, "lh-5 lh-0 lh-3 lh-4 lh-1 lh-2"},
		{store.Query{Filters: []store.Filter{{Field: "health_score", Op: store.Lt, Value: "60"}}}, "lh-1 lh-3 lh-4"},
		{store.Query{Filters: []store.Filter{{Field: "health", Value: "yellow"}, {Field: "name", Value: "Acct 3"}}, Sort: "health_score"}, "lh-3"},
	} {
		if got := strings.Join(list(tc.q), " "); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.q, got, tc.want)
		}
	}
	totals, err := st.AccountTotals(ctx, store.Query{Filters: []store.Filter{{Field: "health", Value: "red"}}})
	must(t, err)
	if len(totals) != 1 || totals[0].Accounts != 2 {
		t.Errorf("totals of the red: %+v", totals)
	}
	n, err := st.Accounts().Count(ctx, store.Query{Filters: []store.Filter{{Field: "health", Value: store.Unscored}}})
	must(t, err)
	if n != 2 {
		t.Errorf("count of the unscored: %d", n)
	}
	_, err = st.Accounts().List(ctx, store.Query{Filters: []store.Filter{{Field: "health", Value: "blue"}}})
	fieldErr(t, err, "filter.health")
	_, err = st.Accounts().List(ctx, store.Query{Sort: "health"})
	fieldErr(t, err, "sort")
}

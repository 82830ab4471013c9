package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/publicdata"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres/pgtest"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// The RavenStack mappings, exactly as docs/import.md gives them.
var (
	ravenAccounts = Options{Format: CSV, Map: []string{
		"referral_source=attributes.referral_source",
		"seats=attributes.seats:number",
		"is_trial=attributes.is_trial:boolean",
		"churn_flag=attributes.churn_flag:boolean",
	}}
	ravenSubscriptions = Options{Format: CSV, Map: []string{"account_id=account_external_id"}, Set: []string{"product=RavenStack"}}
	ravenTickets       = Options{Format: CSV, Map: []string{"account_id=account_external_id"}}
)

// eachEngine runs test on SQLite, and on PostgreSQL when
// TEND_TEST_DATABASE_URL names a server (it says loudly when it does not).
func eachEngine(t *testing.T, test func(t *testing.T, open func(testing.TB) store.Store)) {
	t.Helper()
	engines := []struct {
		name string
		open func(testing.TB) store.Store
	}{
		{"sqlite", openSQLite},
		{"postgres", func(t testing.TB) store.Store { return pgtest.Open(t) }},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			test(t, e.open)
		})
	}
}

func openSQLite(t testing.TB) store.Store {
	t.Helper()
	return sqlitetest.Open(t)
}

// ravenFile is the path of a RavenStack file; the test skips when the data
// set is absent (see package publicdata).
func ravenFile(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(publicdata.Dir(t, "ravenstack"), "ravenstack_"+name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func importFile(t *testing.T, st store.Store, object, path string, opts Options) Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return importReader(t, st, object, f, opts)
}

func importReader(t *testing.T, st store.Store, object string, r interface{ Read([]byte) (int, error) }, opts Options) Report {
	t.Helper()
	o, err := Lookup(object)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := o.Import(context.Background(), st, r, opts)
	if err != nil {
		t.Fatalf("import %s: %v", object, err)
	}
	return rep
}

func wantCounts(t *testing.T, rep Report, created, updated, rejected int) {
	t.Helper()
	if rep.Created != created || rep.Updated != updated || rep.Rejected != rejected {
		t.Errorf("%s: created %d updated %d rejected %d, want %d %d %d; first rejects: %v",
			rep.Object, rep.Created, rep.Updated, rep.Rejected, created, updated, rejected, rep.Rejects)
	}
}

func ignoredNames(rep Report) []string {
	var out []string
	for _, ig := range rep.Ignored {
		out = append(out, ig.Column)
	}
	return out
}

func all[T any](t *testing.T, c store.Collection[T]) []T {
	t.Helper()
	var out []T
	q := store.Query{Limit: 1000}
	for {
		p, err := c.List(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out
		}
		q.Cursor = p.NextCursor
	}
}

func importRaven(t *testing.T, st store.Store) {
	t.Helper()
	wantCounts(t, importFile(t, st, "accounts", ravenFile(t, "accounts"), ravenAccounts), 500, 0, 0)
	wantCounts(t, importFile(t, st, "subscriptions", ravenFile(t, "subscriptions"), ravenSubscriptions), 5000, 0, 0)
	wantCounts(t, importFile(t, st, "tickets", ravenFile(t, "support_tickets"), ravenTickets), 2000, 0, 0)
}

// TestRavenStack imports the real RavenStack accounts, subscriptions and
// support tickets with the documented mapping, and spot-checks values.
func TestRavenStack(t *testing.T) {
	t.Parallel()
	eachEngine(t, testRavenStack)
}

func testRavenStack(t *testing.T, openStore func(testing.TB) store.Store) {
	ctx := context.Background()
	st := openStore(t)

	rep := importFile(t, st, "accounts", ravenFile(t, "accounts"), ravenAccounts)
	wantCounts(t, rep, 500, 0, 0)
	if len(rep.Ignored) != 0 {
		t.Errorf("accounts ignored %v, want none", rep.Ignored)
	}
	rep = importFile(t, st, "subscriptions", ravenFile(t, "subscriptions"), ravenSubscriptions)
	wantCounts(t, rep, 5000, 0, 0)
	if rep.Warned != 13 { // the rows that end on the day they start
		t.Errorf("subscriptions: %d rows warned about, want 13: %v", rep.Warned, rep.Warnings)
	}
	if got, want := ignoredNames(rep), []string{"upgrade_flag", "downgrade_flag", "churn_flag"}; !reflect.DeepEqual(got, want) {
		t.Errorf("subscriptions ignored %v, want %v", got, want)
	}
	rep = importFile(t, st, "tickets", ravenFile(t, "support_tickets"), ravenTickets)
	wantCounts(t, rep, 2000, 0, 0)
	if got, want := ignoredNames(rep), []string{"resolution_time_hours"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tickets ignored %v, want %v", got, want)
	}

	for name, c := range map[string]interface {
		Count(context.Context, store.Query) (int, error)
	}{"accounts": st.Accounts(), "subscriptions": st.Subscriptions(), "tickets": st.Tickets()} {
		n, err := c.Count(ctx, store.Query{})
		want := map[string]int{"accounts": 500, "subscriptions": 5000, "tickets": 2000}[name]
		if err != nil || n != want {
			t.Errorf("%s: %d stored (%v), want %d", name, n, err, want)
		}
	}

	a, err := st.Accounts().GetByExternalID(ctx, "A-2e4581")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "Company_0" || a.Industry != "EdTech" || a.Region != "US" || a.Tier != "Basic" ||
		a.CustomerSince != (civil.Date{Year: 2024, Month: 10, Day: 16}) || a.Lifecycle != customer.StageOnboarding {
		t.Errorf("account A-2e4581 = %+v", a)
	}
	wantAttrs := map[string]any{"referral_source": "partner", "seats": 9.0, "is_trial": false, "churn_flag": false}
	if !reflect.DeepEqual(a.Attributes, wantAttrs) {
		t.Errorf("attributes %#v, want %#v", a.Attributes, wantAttrs)
	}
	defs, err := st.Attributes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, d := range defs {
		types[d.Key] = d.Type
	}
	if want := map[string]string{"referral_source": "text", "seats": "number", "is_trial": "boolean", "churn_flag": "boolean"}; !reflect.DeepEqual(types, want) {
		t.Errorf("attribute definitions %v, want %v", types, want)
	}

	s, err := st.Subscriptions().GetByExternalID(ctx, "S-8cec59")
	if err != nil {
		t.Fatal(err)
	}
	if s.AccountExternalID != "A-3c1a3f" || s.Product != "RavenStack" || s.Plan != "Enterprise" || s.Quantity != 14 ||
		s.MRR != 278600 || s.Currency != "USD" || s.BillingPeriod != "monthly" || s.Trial || !s.AutoRenew ||
		s.StartOn != (civil.Date{Year: 2023, Month: 12, Day: 23}) || s.EndOn != (civil.Date{Year: 2024, Month: 4, Day: 12}) || s.Status != customer.SubEnded {
		t.Errorf("subscription S-8cec59 = %+v", s)
	}
	s, err = st.Subscriptions().GetByExternalID(ctx, "S-51c0d1")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Trial || s.MRR != 0 || s.BillingPeriod != "annual" || s.AutoRenew || !s.EndOn.IsZero() || s.Status != customer.SubActive {
		t.Errorf("subscription S-51c0d1 = %+v", s)
	}
	// The account's MRR is the sum of its live, paid subscriptions in the file.
	a, err = st.Accounts().GetByExternalID(ctx, "A-3c1a3f")
	if err != nil {
		t.Fatal(err)
	}
	if a.MRR != 1119200 {
		t.Errorf("account A-3c1a3f MRR = %d, want 1119200", a.MRR)
	}

	tk, err := st.Tickets().GetByExternalID(ctx, "T-0024de")
	if err != nil {
		t.Fatal(err)
	}
	if tk.AccountExternalID != "A-712f1c" || !tk.OpenedAt.Equal(time.Date(2023, 7, 27, 0, 0, 0, 0, time.UTC)) ||
		!tk.ClosedAt.Equal(time.Date(2023, 7, 28, 3, 0, 0, 0, time.UTC)) || tk.Priority != "high" || tk.Status != "closed" ||
		tk.FirstResponseMinutes == nil || *tk.FirstResponseMinutes != 74 || tk.CSAT != nil || tk.Escalated {
		t.Errorf("ticket T-0024de = %+v", tk)
	}
	tk, err = st.Tickets().GetByExternalID(ctx, "T-d5e12f")
	if err != nil {
		t.Fatal(err)
	}
	if tk.CSAT == nil || *tk.CSAT != 4 || !tk.ClosedAt.Equal(time.Date(2024, 10, 17, 19, 0, 0, 0, time.UTC)) || tk.Priority != "urgent" {
		t.Errorf("ticket T-d5e12f = %+v", tk)
	}
	rated, err := st.Tickets().Count(ctx, store.Query{Filters: []store.Filter{{Field: "escalated", Op: store.Eq, Value: "true"}}})
	if err != nil || rated != 95 {
		t.Errorf("escalated tickets: %d (%v), want 95", rated, err)
	}

	// Importing the same files again changes nothing and creates nothing.
	before := all(t, st.Subscriptions())
	wantCounts(t, importFile(t, st, "accounts", ravenFile(t, "accounts"), ravenAccounts), 0, 500, 0)
	wantCounts(t, importFile(t, st, "subscriptions", ravenFile(t, "subscriptions"), ravenSubscriptions), 0, 5000, 0)
	after := all(t, st.Subscriptions())
	if d := diff(before, after, "UpdatedAt"); d != "" {
		t.Errorf("re-import changed subscriptions: %s", d)
	}
}

// brokenLine is one deliberate defect in a copy of a RavenStack file.
type brokenLine struct {
	row   int // 1-based data row of the original file
	col   string
	value string
	want  string // the message, after `line N, `
}

// writeBroken copies a RavenStack file into dir with defects, plus one
// quoted value holding a line break (so physical lines and records
// differ), and returns its path, the physical line each broken row starts
// on, and the external ids of the broken rows.
func writeBroken(t *testing.T, src, dir string, defects []brokenLine) (string, []int, []string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
	header := strings.Split(lines[0], ",")
	colIdx := func(name string) int {
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("no column %s", name)
		}
		return i
	}
	// Row 1's plan spans two physical lines.
	first := strings.Split(lines[1], ",")
	first[colIdx("plan_tier")] = "\"" + first[colIdx("plan_tier")] + "\r\nPlus\""
	lines[1] = strings.Join(first, ",")
	var ids []string
	for _, d := range defects {
		f := strings.Split(lines[d.row], ",")
		f[colIdx(d.col)] = d.value
		lines[d.row] = strings.Join(f, ",")
		ids = append(ids, f[0])
	}
	var physical []int
	for _, d := range defects {
		physical = append(physical, d.row+1+1) // the header, and row 1's extra line
	}
	p := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p, physical, ids
}

// TestRavenStackBroken imports a deliberately broken copy of the
// subscriptions: one precise message per bad row with its physical line,
// no partial row left behind, every good row imported, and a rerun of the
// fixed file completes the import.
func TestRavenStackBroken(t *testing.T) {
	t.Parallel()
	eachEngine(t, testRavenStackBroken)
}

func testRavenStackBroken(t *testing.T, openStore func(testing.TB) store.Store) {
	ctx := context.Background()
	st := openStore(t)
	wantCounts(t, importFile(t, st, "accounts", ravenFile(t, "accounts"), ravenAccounts), 500, 0, 0)

	defects := []brokenLine{
		{row: 3, col: "mrr_amount", value: `"12,3x"`, want: `column "mrr_amount": "12,3x" is not an amount`},
		{row: 10, col: "start_date", value: "2024-02-30", want: `column "start_date": "2024-02-30" is not a date (want YYYY-MM-DD)`},
		{row: 250, col: "account_id", value: "A-000000", want: `column "account_id": no account with external_id "A-000000"`},
		{row: 1200, col: "is_trial", value: "maybe", want: `column "is_trial": "maybe" is not a boolean (want true/false, yes/no or 1/0)`},
		{row: 4999, col: "account_id", value: "", want: `column "account_id": is required (or give account_external_id)`},
	}
	path, lines, ids := writeBroken(t, ravenFile(t, "subscriptions"), t.TempDir(), defects)
	var seen []string
	opts := ravenSubscriptions
	opts.BatchSize = 700 // the reference error is found by the store, mid-batch
	opts.OnReject = func(r Reject) error { seen = append(seen, r.Error()); return nil }
	rep := importFile(t, st, "subscriptions", path, opts)
	wantCounts(t, rep, 4995, 0, 5)
	var want []string
	for i, d := range defects {
		want = append(want, "line "+itoa(lines[i])+", "+d.want)
	}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("rejects:\n got %s\nwant %s", strings.Join(seen, "\n     "), strings.Join(want, "\n     "))
	}
	for _, id := range ids {
		if _, err := st.Subscriptions().GetByExternalID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rejected row %s was stored (err %v)", id, err)
		}
	}
	if n, _ := st.Subscriptions().Count(ctx, store.Query{}); n != 4995 {
		t.Errorf("%d subscriptions stored, want 4995", n)
	}
	s, err := st.Subscriptions().GetByExternalID(ctx, "S-8cec59")
	if err != nil || s.Plan != "Enterprise\nPlus" {
		t.Errorf("row with a line break in a quoted cell: %+v, %v", s, err)
	}

	// A dry run of the broken file finds the same conversion and Check
	// problems and writes nothing.
	dry := opts
	dry.DryRun, dry.OnReject = true, nil
	before, _ := st.Subscriptions().Count(ctx, store.Query{})
	rep = importFile(t, st, "subscriptions", path, dry)
	if rep.Valid != 4996 || rep.Rejected != 4 || rep.Created+rep.Updated != 0 {
		t.Errorf("dry run: valid %d rejected %d (references are the store's to check), created %d", rep.Valid, rep.Rejected, rep.Created)
	}
	if after, _ := st.Subscriptions().Count(ctx, store.Query{}); after != before {
		t.Errorf("dry run wrote: %d → %d", before, after)
	}

	// The fixed file completes the import; nothing is duplicated.
	rep = importFile(t, st, "subscriptions", ravenFile(t, "subscriptions"), ravenSubscriptions)
	wantCounts(t, rep, 5, 4995, 0)
	if n, _ := st.Subscriptions().Count(ctx, store.Query{}); n != 5000 {
		t.Errorf("%d subscriptions after the rerun, want 5000", n)
	}
	s, _ = st.Subscriptions().GetByExternalID(ctx, "S-8cec59")
	if s.Plan != "Enterprise" {
		t.Errorf("rerun did not update plan: %q", s.Plan)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// diff compares two lists of objects field by field, ignoring the named
// fields, and describes the first difference.
func diff[T any](a, b []T, ignore ...string) string {
	if len(a) != len(b) {
		return "lengths " + itoa(len(a)) + " and " + itoa(len(b))
	}
	for i := range a {
		x, y := reflect.ValueOf(a[i]), reflect.ValueOf(b[i])
		for j := range x.NumField() {
			name := x.Type().Field(j).Name
			if slices.Contains(ignore, name) {
				continue
			}
			if !reflect.DeepEqual(x.Field(j).Interface(), y.Field(j).Interface()) {
				return "item " + itoa(i) + " field " + name + ": " + fmtAny(x.Field(j).Interface()) + " vs " + fmtAny(y.Field(j).Interface())
			}
		}
	}
	return ""
}

func fmtAny(v any) string { return fmt.Sprintf("%#v", v) }

// TestRoundTrip exports what was imported and imports it back: into the
// same database it changes nothing, and into an empty one it recreates
// the same objects.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	eachEngine(t, testRoundTrip)
}

func testRoundTrip(t *testing.T, openStore func(testing.TB) store.Store) {
	ctx := context.Background()
	st := openStore(t)
	importRaven(t, st)
	seedExtras(t, st)

	type snapshot struct {
		accounts []customer.Account
		subs     []customer.Subscription
		tickets  []customer.Ticket
		contacts []customer.Contact
		invoices []customer.Invoice
		surveys  []customer.SurveyResponse
		acts     []customer.Activity
		users    []customer.User
		churn    []customer.ChurnRecord
		calls    []customer.RenewalCall
	}
	snap := func(st store.Store) snapshot {
		return snapshot{all(t, st.Accounts()), all(t, st.Subscriptions()), all(t, st.Tickets()), all(t, st.Contacts()),
			all(t, st.Invoices()), all(t, st.Surveys()), all(t, st.Activities()), all(t, st.Users()),
			all(t, st.ChurnRecords()), all(t, st.RenewalCalls())}
	}
	exports := map[string][]byte{}
	for _, o := range Objects() {
		var buf bytes.Buffer
		n, err := o.Export(ctx, st, &buf, ExportOptions{})
		if err != nil {
			t.Fatalf("export %s: %v", o.Name, err)
		}
		if n == 0 {
			t.Errorf("exported no %s", o.Name)
		}
		exports[o.Name] = buf.Bytes()
	}
	if h, _, _ := strings.Cut(string(exports["accounts"]), "\n"); !strings.HasSuffix(h, ",attributes.churn_flag:boolean,attributes.founded:date,attributes.is_trial:boolean,attributes.referral_source,attributes.seats:number") {
		t.Errorf("accounts header %q", h)
	}

	before := snap(st)
	for _, o := range Objects() {
		rep := importReader(t, st, o.Name, bytes.NewReader(exports[o.Name]), Options{Format: CSV})
		if rep.Created != 0 || rep.Rejected != 0 {
			t.Errorf("re-import of %s: created %d rejected %d %v", o.Name, rep.Created, rep.Rejected, rep.Rejects)
		}
		for _, ig := range rep.Ignored {
			if ig.Reason != "read-only" {
				t.Errorf("re-import of %s ignored %q (%s)", o.Name, ig.Column, ig.Reason)
			}
		}
	}
	after := snap(st)
	for name, d := range map[string]string{
		"accounts": diff(before.accounts, after.accounts, "UpdatedAt"), "subscriptions": diff(before.subs, after.subs, "UpdatedAt"),
		"tickets": diff(before.tickets, after.tickets, "UpdatedAt"), "contacts": diff(before.contacts, after.contacts, "UpdatedAt"),
		"invoices": diff(before.invoices, after.invoices, "UpdatedAt"), "surveys": diff(before.surveys, after.surveys, "UpdatedAt"),
		"activities": diff(before.acts, after.acts, "UpdatedAt"), "users": diff(before.users, after.users, "UpdatedAt"),
		"churn records": diff(before.churn, after.churn, "UpdatedAt"), "renewal calls": diff(before.calls, after.calls, "UpdatedAt"),
	} {
		if d != "" {
			t.Errorf("%s changed by the round trip: %s", name, d)
		}
	}

	// Into an empty database: the same objects, under new ids.
	fresh := openStore(t)
	for _, o := range Objects() {
		rep := importReader(t, fresh, o.Name, bytes.NewReader(exports[o.Name]), Options{Format: CSV})
		if rep.Rejected != 0 {
			t.Errorf("import of %s into an empty database: %v", o.Name, rep.Rejects)
		}
	}
	moved := snap(fresh)
	ids := []string{"ID", "CreatedAt", "UpdatedAt", "AccountID", "ParentID", "CSMID", "AEID", "SponsorID", "ContactID", "AuthorID"}
	for name, d := range map[string]string{
		"accounts": diff(before.accounts, moved.accounts, ids...), "subscriptions": diff(before.subs, moved.subs, ids...),
		"tickets": diff(before.tickets, moved.tickets, ids...), "contacts": diff(before.contacts, moved.contacts, ids...),
		"invoices": diff(before.invoices, moved.invoices, ids...), "surveys": diff(before.surveys, moved.surveys, ids...),
		"activities": diff(before.acts, moved.acts, ids...), "users": diff(before.users, moved.users, ids...),
		"churn records": diff(before.churn, moved.churn, ids...), "renewal calls": diff(before.calls, moved.calls, ids...),
	} {
		if d != "" {
			t.Errorf("%s differ in the new database: %s", name, d)
		}
	}
}

// seedExtras adds objects of every other kind, with lists, nullable
// numbers, references by id and email, and attributes of every type.
func seedExtras(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.PutAttribute(ctx, &customer.AttributeDef{Key: "founded", Type: "date"}))
	must(st.Users().Create(ctx, &customer.User{Email: "ana@tend.example", Name: "Ana", Role: "csm", CapacityARR: 250000000}))
	must(st.Users().Create(ctx, &customer.User{Email: "lee@tend.example", Name: "Lee, Jr.", Role: "leader", Disabled: true}))
	a, err := st.Accounts().GetByExternalID(ctx, "A-2e4581")
	must(err)
	a.CSMEmail = "ana@tend.example"
	a.ParentExternalID = "A-43a9e3"
	a.Lifecycle = customer.StageAdopting
	a.TouchModel = customer.TouchHigh
	a.Attributes["founded"] = "2001-02-03"
	a.CSMID, a.ParentID = 0, 0
	must(st.Accounts().Update(ctx, &a))
	// An account with no external id: the export's id column brings it back.
	must(st.Accounts().Create(ctx, &customer.Account{Name: "No key \"quoted\", Ltd.\nSecond line", Attributes: map[string]any{"seats": 3.5}}))
	must(st.Contacts().Create(ctx, &customer.Contact{ExternalID: "C-1", AccountExternalID: "A-2e4581", Name: "Sam", Email: "sam@example.com",
		Roles: []string{"champion", "power_user"}, LeftOn: civil.Date{Year: 2024, Month: 5, Day: 1}}))
	must(st.Contacts().Create(ctx, &customer.Contact{ExternalID: "C-2", AccountExternalID: "A-2e4581", Name: "Kim", Roles: []string{}}))
	must(st.ChurnRecords().Create(ctx, &customer.ChurnRecord{ExternalID: "CH-1", AccountExternalID: "A-2e4581", Product: "Insights",
		ChurnedOn: civil.Date{Year: 2024, Month: 6, Day: 30}, Reason: "acquired", Note: "Bought by a competitor, \"Globex\"", RecordedBy: "ana@tend.example"}))
	must(st.ChurnRecords().Create(ctx, &customer.ChurnRecord{AccountExternalID: "A-43a9e3", ChurnedOn: civil.Date{Year: 2024, Month: 7, Day: 1}, Reason: "price", Controllable: "no"}))
	must(st.RenewalCalls().Create(ctx, &customer.RenewalCall{ExternalID: "RC-1", AccountExternalID: "A-2e4581", DueOn: civil.Date{Year: 2025, Month: 1, Day: 1},
		Forecast: "expand", Expected: 250000, SetBy: "ana@tend.example"}))
	must(st.Invoices().Create(ctx, &customer.Invoice{ExternalID: "I-1", AccountExternalID: "A-2e4581", Number: "2024-001", Amount: 123456, Currency: "EUR",
		IssuedOn: civil.Date{Year: 2024, Month: 1, Day: 1}, DueOn: civil.Date{Year: 2024, Month: 1, Day: 31}}))
	must(st.Invoices().Create(ctx, &customer.Invoice{ExternalID: "I-2", AccountExternalID: "A-2e4581", Amount: 5000, Currency: "JPY",
		DueOn: civil.Date{Year: 2024, Month: 2, Day: 1}, PaidOn: civil.Date{Year: 2024, Month: 2, Day: 3}}))
	must(st.Surveys().Create(ctx, &customer.SurveyResponse{ExternalID: "N-1", AccountExternalID: "A-2e4581", ContactExternalID: "C-1",
		Kind: "nps", Score: 9, Comment: "Great; fast", RespondedAt: time.Date(2024, 3, 1, 14, 30, 15, 500000000, time.UTC)}))
	must(st.Activities().Create(ctx, &customer.Activity{ExternalID: "V-1", AccountExternalID: "A-2e4581", Kind: "qbr", AuthorEmail: "ana@tend.example",
		Attendees: []string{"sam@example.com", "ana@tend.example"}, Subject: "Q1 review", Body: "Line one\nline two, with a comma",
		OccurredAt: time.Date(2024, 4, 2, 9, 0, 0, 0, time.UTC)}))
}

// TestPartialUpdate: a file with some columns changes only those on
// existing objects; a row with only a Tend id updates that object; a blank
// attribute cell clears the attribute.
func TestPartialUpdate(t *testing.T) {
	t.Parallel()
	eachEngine(t, testPartialUpdate)
}

func testPartialUpdate(t *testing.T, openStore func(testing.TB) store.Store) {
	ctx := context.Background()
	st := openStore(t)
	wantCounts(t, importFile(t, st, "accounts", ravenFile(t, "accounts"), ravenAccounts), 500, 0, 0)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.Users().Create(ctx, &customer.User{Email: "ana@tend.example", Name: "Ana"}))
	lone := customer.Account{Name: "Keyless", Industry: "Retail"}
	must(st.Accounts().Create(ctx, &lone))

	in := "external_id,CSM,tier,attributes.seats\n" +
		"A-2e4581,Ana@Tend.example,Gold,\n" +
		"A-43a9e3,,,40\n"
	wantCounts(t, importReader(t, st, "accounts", strings.NewReader(in), Options{Format: CSV}), 0, 2, 0)
	a, err := st.Accounts().GetByExternalID(ctx, "A-2e4581")
	must(err)
	if a.Name != "Company_0" || a.Industry != "EdTech" || a.Tier != "Gold" || a.CSMEmail != "ana@tend.example" || a.CSMID == 0 {
		t.Errorf("A-2e4581 after a partial update: %+v", a)
	}
	if _, ok := a.Attributes["seats"]; ok || a.Attributes["referral_source"] != "partner" {
		t.Errorf("attributes after clearing seats: %v", a.Attributes)
	}
	b, err := st.Accounts().GetByExternalID(ctx, "A-43a9e3")
	must(err)
	if b.Name != "Company_1" || b.Tier != "" || b.Attributes["seats"] != 40.0 {
		t.Errorf("A-43a9e3 after a partial update: %+v", b)
	}

	in = "id,name\n" + itoa(int(lone.ID)) + ",Renamed\n" + "999999,New one\n"
	wantCounts(t, importReader(t, st, "accounts", strings.NewReader(in), Options{Format: CSV}), 1, 1, 0)
	got, err := st.Accounts().Get(ctx, lone.ID)
	must(err)
	if got.Name != "Renamed" || got.Industry != "Retail" {
		t.Errorf("update by id: %+v", got)
	}
	if n, _ := st.Accounts().Count(ctx, store.Query{}); n != 502 {
		t.Errorf("%d accounts, want 502", n)
	}
}

// TestSalesforceAndJSON imports a Salesforce-style account export (BOM,
// CRLF, API names, a child before its parent) and JSON lines.
func TestSalesforceAndJSON(t *testing.T) {
	t.Parallel()
	eachEngine(t, testSalesforceAndJSON)
}

func testSalesforceAndJSON(t *testing.T, openStore func(testing.TB) store.Store) {
	ctx := context.Background()
	st := openStore(t)
	sf := "\xef\xbb\xbfId,Name,Industry,NumberOfEmployees,ParentId,BillingCountry,Website\r\n" +
		"001A,\"Acme, Child\",Manufacturing,\"1,200\",001B,DE,acme.de\r\n" +
		"001B,Acme Group,Manufacturing,,,US,acme.com\r\n"
	rep := importReader(t, st, "accounts", strings.NewReader(sf), Options{Format: CSV})
	wantCounts(t, rep, 2, 0, 0)
	if got := ignoredNames(rep); !reflect.DeepEqual(got, []string{"Website"}) {
		t.Errorf("ignored %v", got)
	}
	child, err := st.Accounts().GetByExternalID(ctx, "001A")
	if err != nil {
		t.Fatal(err)
	}
	if child.Name != "Acme, Child" || child.Employees != 1200 || child.Region != "DE" || child.ParentExternalID != "001B" || child.ParentID == 0 {
		t.Errorf("child = %+v", child)
	}
	contacts := "Id,AccountId,Name,Email,Title,Role\r\n" +
		"003A,001A,Sam Smith,sam@acme.example,CTO,Champion;Economic Buyer\r\n" +
		"003B,001Z,Kim,kim@acme.example,,\r\n" +
		"003C,001A,Lou,not-an-email,,wizard\r\n"
	rep = importReader(t, st, "contacts", strings.NewReader(contacts), Options{Format: CSV})
	wantCounts(t, rep, 1, 0, 2)
	want := []string{
		`line 3, column "AccountId": no account with external_id "001Z"`,
		`line 4, column "Email": "not-an-email" is not an email address; column "Role": "wizard" is not one of [economic_buyer decision_maker champion coach power_user admin technical_buyer user_buyer executive user]`,
	}
	for i, w := range want {
		if i >= len(rep.Rejects) || rep.Rejects[i].Error() != w {
			t.Errorf("reject %d:\n got %v\nwant %s", i, rep.Rejects, w)
		}
	}
	c, err := st.Contacts().GetByExternalID(ctx, "003A")
	if err != nil || !reflect.DeepEqual(c.Roles, []string{"champion", "economic_buyer"}) || c.Title != "CTO" {
		t.Errorf("contact 003A = %+v, %v", c, err)
	}

	jl := `{"external_id":"S-1","account_external_id":"001A","product":"Core","mrr":150050,"currency":"EUR","start_on":"2024-01-01","trial":false}` + "\n" +
		`{"external_id":"S-2","account_external_id":"001A","product":"Core","mrr":"99.95","start_on":"2024-01-01","plan":null}` + "\n" +
		`{"external_id":"S-3","account_external_id":"001A","product":"Core","mrr":1.5,"start_on":"2024-01-01"}` + "\n"
	rep = importReader(t, st, "subscriptions", strings.NewReader(jl), Options{Format: JSONLines})
	wantCounts(t, rep, 2, 0, 1)
	if len(rep.Rejects) == 1 && !strings.HasPrefix(rep.Rejects[0].Error(), `line 3, column "mrr": 1.5 is not a whole number of minor units`) {
		t.Errorf("reject %v", rep.Rejects[0])
	}
	s1, _ := st.Subscriptions().GetByExternalID(ctx, "S-1")
	s2, _ := st.Subscriptions().GetByExternalID(ctx, "S-2")
	if s1.MRR != 150050 || s1.Currency != "EUR" || s2.MRR != 9995 {
		t.Errorf("JSON money: %d %s, %d", s1.MRR, s1.Currency, s2.MRR)
	}

	accounts := `{"external_id":"001A","attributes":{"nps_owner":"Ana","score":7}}` + "\n"
	rep = importReader(t, st, "accounts", strings.NewReader(accounts), Options{Format: JSONLines, Map: []string{"attributes.score=attributes.score:number"}})
	wantCounts(t, rep, 0, 1, 0)
	child, _ = st.Accounts().GetByExternalID(ctx, "001A")
	if child.Name != "Acme, Child" || child.Attributes["nps_owner"] != "Ana" || child.Attributes["score"] != 7.0 {
		t.Errorf("after JSON attributes: %+v", child)
	}
}

func TestImportErrors(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	o, _ := Lookup("accounts")
	ctx := context.Background()
	if _, err := o.Import(ctx, st, strings.NewReader("name,seats\nA,3\n"), Options{Format: CSV, Map: []string{"seats=attributes.seats:number"}}); err != nil {
		t.Fatal(err)
	}
	_, err := o.Import(ctx, st, strings.NewReader("name,seats\nA,3\n"), Options{Format: CSV, Map: []string{"seats=attributes.seats:date"}})
	if err == nil || !strings.Contains(err.Error(), "attribute seats is defined as number, not date") {
		t.Errorf("type clash: %v", err)
	}
	if _, err := o.Import(ctx, nil, strings.NewReader("name\nA\n"), Options{Format: CSV}); err == nil {
		t.Error("import with no store succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := o.Import(cctx, st, strings.NewReader("name\nA\n"), Options{Format: CSV}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled import: %v", err)
	}
}

// TestImportChurnReasons: `tend import churn FILE` reads reasons in the
// spellings exports use, defaults controllable from the reason, and
// reports each bad row against its line and column.
func TestImportChurnReasons(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, open func(testing.TB) store.Store) {
		ctx := context.Background()
		st := open(t)
		for _, ext := range []string{"A-1", "A-2"} {
			if err := st.Accounts().Create(ctx, &customer.Account{ExternalID: ext, Name: ext}); err != nil {
				t.Fatal(err)
			}
		}
		file := "Account ID,Churn Date,Reason Code,Controllable,Notes\n" +
			"A-1,2024-03-31,pricing,,Too expensive\n" +
			"A-2,2024-03-15,Acquired,,\n" +
			"A-2,2024-04-01,aliens,,\n" +
			"A-9,2024-04-01,budget,,\n"
		rep := importReader(t, st, "churn", strings.NewReader(file), Options{Format: CSV,
			Map: []string{"Account ID=account_external_id", "Churn Date=churned_on", "Reason Code=reason", "Notes=note"}})
		if rep.Created != 2 || rep.Rejected != 2 {
			t.Fatalf("created %d rejected %d: %v", rep.Created, rep.Rejected, rep.Rejects)
		}
		if r := rep.Rejects[0]; r.Line != 4 || !strings.Contains(r.Error(), "reason") || !strings.Contains(r.Error(), "aliens") {
			t.Errorf("first reject: %v", r)
		}
		if r := rep.Rejects[1]; r.Line != 5 || !strings.Contains(r.Error(), "A-9") {
			t.Errorf("second reject: %v", r)
		}
		got := all(t, st.ChurnRecords())
		if len(got) != 2 || got[0].Reason != "price" || got[0].Controllable != "yes" || got[0].Note != "Too expensive" ||
			got[1].Reason != "m_and_a" || got[1].Controllable != "no" || got[1].ChurnedOn != (civil.Date{Year: 2024, Month: 3, Day: 15}) {
			t.Errorf("stored %+v", got)
		}
	})
}

package health

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
)

func date(s string) civil.Date {
	d, err := civil.Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestDayOf(t *testing.T) {
	t.Parallel()
	for d := date("1899-12-25"); d.Year < 2101; d = d.AddDays(13) {
		want := int32(d.Time().Unix() / 86400)
		if got := dayOf(d); int32(got) != want {
			t.Fatalf("dayOf(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestCatalogueNames(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i, m := range Catalogue() {
		if int(m.ID) != i || m.Name == "" || m.Unit == "" || m.Window == "" || m.Description == "" {
			t.Errorf("catalogue[%d] = %+v: incomplete or out of order", i, m)
		}
		if seen[m.Name] {
			t.Errorf("%s twice", m.Name)
		}
		seen[m.Name] = true
	}
	// Every adoption value the usage package produces is a metric.
	for _, name := range []string{"usage.dau", "usage.wau", "usage.mau", "usage.events_30d", "usage.features_used_30d", "usage.high_value_users", "usage.stickiness", "usage.seat_utilisation", "usage.breadth", "usage.depth", "usage.trend"} {
		if !seen[name] {
			t.Errorf("%s is not in the catalogue", name)
		}
	}
}

// sampleFacts is an account with a little of everything, as of 2026-06-30.
func sampleFacts() *Facts {
	return &Facts{
		AccountID: 1, ExternalID: "A1", Tier: "enterprise",
		CustomerSince: date("2024-06-30"), RenewalOn: date("2026-09-28"), MRR: 10000,
		MRRChanges: []MRRPoint{{date("2025-01-01"), 8000}, {date("2026-04-02"), 10000}},
		Surveys: []Survey{
			{On: date("2026-05-01"), Kind: "nps", Score: 6},
			{On: date("2026-06-01"), Kind: "nps", Score: 9},
			{On: date("2026-06-01"), Kind: "nps", Score: 10},
			{On: date("2025-01-01"), Kind: "nps", Score: 0}, // outside 365 days
			{On: date("2026-02-01"), Kind: "csat", Score: 4},
			{On: date("2026-03-01"), Kind: "csat", Score: 5},
			{On: date("2026-03-01"), Kind: "ces", Score: 3},
			{On: date("2026-01-01"), Kind: "would_renew", Score: 0},
			{On: date("2026-06-10"), Kind: "would_renew", Score: 1},
		},
		Tickets: []Ticket{
			{Opened: date("2026-06-20")},                                                   // open, recent
			{Opened: date("2026-06-01"), Closed: date("2026-06-11")},                       // 10 days
			{Opened: date("2026-05-01"), Closed: date("2026-05-05"), Escalated: true},      // 4 days, escalated
			{Opened: date("2026-01-01"), Closed: date("2026-01-02")},                       // closed long ago
			{Opened: date("2026-01-01"), Escalated: true, EscalatedOn: date("2026-06-29")}, // open, escalated lately
		},
		Invoices: []Invoice{
			{Issued: date("2026-05-01"), Due: date("2026-05-31"), Paid: date("2026-06-05")},
			{Issued: date("2026-06-01"), Due: date("2026-06-10")}, // 20 days overdue
		},
		Contacts: []Contact{
			{Roles: []string{"champion"}, Since: date("2025-01-01"), Left: date("2026-06-15")},
			{Roles: []string{"economic_buyer"}, Since: date("2025-01-01")},
			{Roles: []string{"user"}, Since: date("2025-01-01"), Left: date("2026-06-16")},
		},
		Touches: []Touch{
			{On: date("2026-06-02"), Kind: "call", ByCSM: true},
			{On: date("2026-06-25"), Kind: "email", ByCSM: false},
			{On: date("2026-02-01"), Kind: "qbr", ByCSM: true}, // outside 90 days
		},
		Pulses: []Pulse{
			{Set: date("2026-06-01"), Expires: date("2026-07-01"), Colour: "yellow"},
			{Set: date("2026-05-01"), Colour: "green"},
		},
		Usage: []UsageSnapshot{
			{AsOf: date("2026-06-29"), Values: map[string]float64{"usage.mau": 40}},
			{AsOf: date("2026-06-30"), Values: map[string]float64{"usage.mau": 42, "usage.seat_utilisation": 0.84}},
		},
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	v := Metrics(sampleFacts(), date("2026-06-30"))
	want := map[string]float64{
		"nps.latest":                      9.5,
		"nps.average":                     (6 + 9 + 10) / 3.0,
		"csat.average":                    4.5,
		"ces.average":                     3,
		"survey.would_renew":              1,
		"usage.mau":                       42,
		"usage.seat_utilisation":          0.84,
		"support.tickets_30d":             2,
		"support.open_tickets":            2,
		"support.escalations_90d":         2,
		"support.avg_resolution_days":     7,
		"billing.days_overdue":            20,
		"revenue.mrr_trend_90d":           0.25,
		"renewal.days_to":                 90,
		"account.tenure_days":             730,
		"people.key_contacts_left_90d":    1,
		"people.champion_present":         0,
		"people.sponsor_present":          1,
		"engagement.days_since_csm_touch": 28,
		"engagement.qbr_90d":              0,
		"pulse":                           50,
	}
	got := v.Map()
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("%s = %v (present %v), want %v", name, g, ok, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s = %v, want missing", name, got[name])
		}
	}
	// The yellow pulse expires on 2026-07-01; the green one, older and
	// without expiry, is then in force.
	later := Metrics(sampleFacts(), date("2026-07-01"))
	if p, _ := later.Get(PulseMetric); p != 100 {
		t.Errorf("pulse after expiry = %v, want 100", p)
	}
}

func TestMetricsMissing(t *testing.T) {
	t.Parallel()
	v := Metrics(&Facts{}, date("2026-06-30"))
	present := v.Map()
	// Counts of dated records are zero, not missing: there were none.
	for _, name := range []string{"support.tickets_30d", "support.open_tickets", "support.escalations_90d", "people.key_contacts_left_90d", "engagement.qbr_90d"} {
		if x, ok := present[name]; !ok || x != 0 {
			t.Errorf("%s = %v, %v; want 0, present", name, x, ok)
		}
		delete(present, name)
	}
	if len(present) != 0 {
		t.Errorf("an empty account has values %v, want them missing", present)
	}
	if _, ok := v.Get(SuccessPlan); ok {
		t.Error("engagement.success_plan is present")
	}
}

// TestMetricsIgnoreFuture adds records dated after asOf to every kind of
// record and checks that no value changes: a past score never sees the
// future.
func TestMetricsIgnoreFuture(t *testing.T) {
	t.Parallel()
	asOf := date("2026-06-30")
	base := Metrics(sampleFacts(), asOf)
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		f := sampleFacts()
		later := func() civil.Date { return asOf.AddDays(1 + rng.IntN(400)) }
		kinds := []string{"nps", "csat", "ces", "would_renew"}
		for range 1 + rng.IntN(5) {
			f.Surveys = append(f.Surveys, Survey{On: later(), Kind: kinds[rng.IntN(4)], Score: rng.IntN(11)})
			o := later()
			f.Tickets = append(f.Tickets, Ticket{Opened: o, Escalated: rng.IntN(2) == 0})
			f.Invoices = append(f.Invoices, Invoice{Issued: later(), Due: o, Paid: o.AddDays(1)})
			f.Contacts = append(f.Contacts, Contact{Roles: []string{"champion", "executive"}, Since: later()})
			f.Touches = append(f.Touches, Touch{On: later(), Kind: "qbr", ByCSM: true})
			f.Pulses = append(f.Pulses, Pulse{Set: later(), Colour: "red"})
		}
		// Things that happen later to records that existed on asOf.
		f.Tickets[0].Closed = later()
		f.Tickets[1].Escalated, f.Tickets[1].EscalatedOn = true, time2date(asOf.Time().Add(24*time.Hour))
		f.Invoices[1].Paid = later()
		f.Contacts[1].Left = later()
		f.MRRChanges = append(f.MRRChanges, MRRPoint{later(), 1})
		f.Usage = append(f.Usage, UsageSnapshot{AsOf: later(), Values: map[string]float64{"usage.mau": 1}})
		rng.Shuffle(len(f.Surveys), func(i, j int) { f.Surveys[i], f.Surveys[j] = f.Surveys[j], f.Surveys[i] })
		if got := Metrics(f, asOf); got != base {
			t.Fatalf("trial %d: future records changed the values:\n got %v\nwant %v", trial, got.Map(), base.Map())
		}
	}
}

func time2date(t time.Time) civil.Date { return civil.Of(t) }

func TestValuesJSON(t *testing.T) {
	t.Parallel()
	var v Values
	v.Set(UsageMAU, 3)
	v.Set(PulseMetric, 0)
	b, err := v.MarshalJSON()
	if err != nil || string(b) != `{"pulse":0,"usage.mau":3}` {
		t.Fatalf("MarshalJSON = %s, %v", b, err)
	}
	var w Values
	if err := w.UnmarshalJSON(b); err != nil || w != v {
		t.Fatalf("round trip = %v, %v", w.Map(), err)
	}
	if err := w.UnmarshalJSON([]byte(`{"nope":1}`)); err == nil {
		t.Error("unknown metric accepted")
	}
}

// TestValuesAppendJSON: the hand-written encoder writes what encoding/json
// writes for the map of values, for every kind of number.
func TestValuesAppendJSON(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	special := []float64{0, -0.0, 1, -1, 0.1, 1e-6, 9.99e-7, 1e-7, 1.5e-300, 1e20, 1e21, 1.234e22, -3e-9, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64}
	for i := range 2000 {
		var v Values
		for id := range numMetrics {
			switch rng.IntN(4) {
			case 0:
				v.Set(id, special[rng.IntN(len(special))])
			case 1:
				v.Set(id, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(60)-30)))
			case 2:
				v.Set(id, float64(rng.IntN(1000)))
			}
		}
		want, err := json.Marshal(v.Map())
		if err != nil {
			t.Fatal(err)
		}
		if got := v.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("case %d: AppendJSON = %s, encoding/json = %s", i, got, want)
		}
	}
}

// TestDocsListEveryMetric keeps docs/health.md's catalogue table in step
// with the code.
func TestDocsListEveryMetric(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/health.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range Catalogue() {
		row := "| `" + m.Name + "` | " + m.Unit + " | " + m.Window + " | " + m.Description + " |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/health.md lacks the row %s", row)
		}
	}
}

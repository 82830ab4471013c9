package usage

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"testing/quick"
	"time"
)

var eventNames = []NameKey{
	{TypeTrack, "Report Created"}, {TypeTrack, "Report Exported"}, {TypeTrack, "Dashboard Viewed"},
	{TypeTrack, "Integration Connected"}, {TypeTrack, "Logged In"}, {TypePage, "Dashboards"},
	{TypePage, ""}, {TypeScreen, "Integrations"}, {TypeTrack, "CSV Exported"},
}

// randomEvents is a stream over 4 accounts (one of them "" = unattributed),
// 12 users of which some anonymous, 9 names and 120 days.
func randomEvents(rng *rand.Rand, cat *Catalog, n int) []Event {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	accounts := []string{"acme", "globex", "initech", ""}
	out := make([]Event, n)
	for i := range out {
		k := eventNames[rng.IntN(len(eventNames))]
		u := rng.IntN(12)
		e := Event{
			MessageID: strconv.Itoa(i), Type: k.Type, Name: k.Name,
			User: "u" + strconv.Itoa(u), Anonymous: u >= 10,
			Account: accounts[rng.IntN(len(accounts))],
			Time:    base.Add(time.Duration(rng.Int64N(int64(120 * 24 * time.Hour)))),
		}
		e.Features = cat.Classify(e.Type, e.Name)
		out[i] = e
	}
	return out
}

func sameRollup(a, b *Rollup) bool { return reflect.DeepEqual(a.accounts, b.accounts) }

// TestIncrementalEqualsRebuild is the property the storage layer relies on:
// one by one, in shuffled chunks, or merged from partial rollups, the result
// is the rollup rebuilt from scratch.
func TestIncrementalEqualsRebuild(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t)
	prop := func(seed uint64, size uint16) bool {
		rng := rand.New(rand.NewPCG(seed, 7))
		events := randomEvents(rng, cat, int(size%2000))
		want := Rebuild(cat, events)

		one := NewRollup()
		counted := 0
		for i := range events {
			if one.Apply(&events[i]) {
				counted++
			}
		}
		attributed := 0
		for _, e := range events {
			if e.Account != "" {
				attributed++
			}
		}
		if counted != attributed || !sameRollup(one, want) {
			t.Logf("seed %d: one by one differs", seed)
			return false
		}

		shuffled := append([]Event(nil), events...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		chunked, merged, rows := NewRollup(), NewRollup(), NewRollup()
		builder := NewDeltaBuilder()
		for i := 0; i < len(shuffled); {
			j := min(len(shuffled), i+1+rng.IntN(150))
			chunked.ApplyAll(shuffled[i:j])
			part := NewRollup() // a commit's own rollup, added to the stored one
			part.ApplyAll(shuffled[i:j])
			merged.Merge(part)
			builder.AddAll(shuffled[i:j]) // a commit's rows, upserted into the stored ones
			d := builder.Take()
			if !deltaSorted(d) {
				t.Logf("seed %d: delta rows not strictly sorted", seed)
				return false
			}
			rows.AddDelta(d)
			i = j
		}
		if !sameRollup(chunked, want) || !sameRollup(merged, want) || !sameRollup(rows, want) {
			t.Logf("seed %d: chunked, merged or delta rows differ", seed)
			return false
		}
		// Rebuilding with the catalog reclassifies, with nil trusts the events.
		return sameRollup(Rebuild(nil, events), want)
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 300, Rand: nil}); err != nil {
		t.Fatal(err)
	}
}

func TestRebuildAfterFeatureChange(t *testing.T) {
	t.Parallel()
	old := mustCatalog(t, FeatureConfig{Features: []FeatureDef{{Key: "reports", Events: []string{"Report *"}}}})
	events := randomEvents(rand.New(rand.NewPCG(1, 2)), old, 500)
	newCat := mustCatalog(t, FeatureConfig{Features: []FeatureDef{
		{Key: "logins", Events: []string{"Logged In"}}, {Key: "reports", Events: []string{"Report Created"}}}})
	r := Rebuild(newCat, events)
	for _, a := range r.Accounts() {
		for _, du := range a.Days {
			logins := du.ByName[NameKey{TypeTrack, "Logged In"}]
			if du.Features[0] != logins || du.Features[1] != du.ByName[NameKey{TypeTrack, "Report Created"}] {
				t.Fatalf("features not reclassified: %+v", du)
			}
		}
	}
}

func TestRollupDetails(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t)
	at := time.Date(2026, 3, 14, 23, 59, 59, 0, time.UTC)
	events := []Event{
		{Type: TypeTrack, Name: "Report Created", User: "u1", Account: "acme", Time: at},
		{Type: TypeTrack, Name: "Report Created", User: "u1", Account: "acme", Time: at},
		{Type: TypeTrack, Name: "CSV Exported", User: "u2", Account: "acme", Time: at},
		{Type: TypePage, Name: "Report Created", User: "a1", Anonymous: true, Account: "acme", Time: at},
		{Type: TypeTrack, Name: "Report Created", User: "u1", Account: "acme", Time: at.Add(time.Second)}, // next day
		{Type: TypeTrack, Name: "Report Created", User: "u1", Time: at},                                   // unattributed
	}
	for i := range events {
		events[i].Features = cat.Classify(events[i].Type, events[i].Name)
	}
	r := NewRollup()
	if n := r.ApplyAll(events); n != 5 {
		t.Errorf("counted %d", n)
	}
	a := r.Account("acme")
	d := DayOf(at)
	if got := a.SortedDays(); !reflect.DeepEqual(got, []Day{d, d + 1}) || d.String() != "2026-03-14" {
		t.Fatalf("days %v", got)
	}
	du := a.Days[d]
	reports, _ := cat.Lookup("reports")
	export, _ := cat.Lookup("export")
	want := &DayUsage{
		Events: 4, AnonymousEvents: 1,
		ByName:   map[NameKey]int64{{TypeTrack, "Report Created"}: 2, {TypeTrack, "CSV Exported"}: 1, {TypePage, "Report Created"}: 1},
		Features: map[FeatureID]int64{reports.ID: 2, export.ID: 1},
		Users: map[string]*UserDay{
			"u1": {Events: 2, Features: cat.Classify(TypeTrack, "Report Created")},
			"u2": {Events: 1, Features: cat.Classify(TypeTrack, "CSV Exported")},
		},
	}
	if !reflect.DeepEqual(du, want) || du.ActiveUsers() != 2 {
		t.Errorf("day:\n got %+v\nwant %+v", du, want)
	}
	r.Trim(d + 1)
	if len(r.Account("acme").Days) != 1 {
		t.Error("trim")
	}
	r.Trim(d + 5)
	if r.Account("acme") != nil || len(r.Accounts()) != 0 {
		t.Error("trim did not drop the empty account")
	}
}

func TestDay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), "1970-01-01"},
		{time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), "1969-12-31"},
		{time.Date(2026, 3, 14, 23, 30, 0, 0, time.FixedZone("x", -5*3600)), "2026-03-15"}, // UTC day
	} {
		if got := DayOf(tc.t).String(); got != tc.want {
			t.Errorf("DayOf(%v) = %s, want %s", tc.t, got, tc.want)
		}
		if d, err := ParseDay(tc.want); err != nil || d.String() != tc.want {
			t.Errorf("ParseDay(%s) = %v %v", tc.want, d, err)
		}
	}
	if _, err := ParseDay("14/03/2026"); err == nil {
		t.Error("bad day parsed")
	}
}

func TestDeltaRows(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t)
	at := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	ev := func(acct, user string, anon bool, typ Type, name string, d time.Duration) Event {
		return Event{Account: acct, User: user, Anonymous: anon, Type: typ, Name: name, Time: at.Add(d), Features: cat.Classify(typ, name)}
	}
	d := DeltaOf([]Event{
		ev("b", "u1", false, TypeTrack, "Report Created", 0),
		ev("a", "u2", false, TypeTrack, "CSV Exported", 0),
		ev("b", "u1", false, TypeTrack, "Report Exported", 0),
		ev("b", "x", true, TypePage, "Dashboards", 0),
		ev("b", "u1", false, TypeTrack, "Report Created", 24*time.Hour),
		ev("", "u1", false, TypeTrack, "Report Created", 0),
	})
	day := DayOf(at)
	wantDays := []DayRow{{"a", day, 1, 0}, {"b", day, 3, 1}, {"b", day + 1, 1, 0}}
	wantNames := []NameRow{
		{"a", day, TypeTrack, "CSV Exported", 1},
		{"b", day, TypeTrack, "Report Created", 1}, {"b", day, TypeTrack, "Report Exported", 1},
		{"b", day, TypePage, "Dashboards", 1},
		{"b", day + 1, TypeTrack, "Report Created", 1},
	}
	wantFeatures := []FeatureRow{{"a", day, 3, 1}, {"b", day, 0, 2}, {"b", day, 1, 1}, {"b", day, 3, 1}, {"b", day + 1, 0, 1}}
	wantUsers := []UserRow{
		{"a", day, "u2", 1, cat.Classify(TypeTrack, "CSV Exported")},
		{"b", day, "u1", 2, cat.Classify(TypeTrack, "Report Exported")},
		{"b", day + 1, "u1", 1, cat.Classify(TypeTrack, "Report Created")},
	}
	if !reflect.DeepEqual(d.Days, wantDays) || !reflect.DeepEqual(d.Names, wantNames) ||
		!reflect.DeepEqual(d.Features, wantFeatures) || !reflect.DeepEqual(d.Users, wantUsers) || d.Len() != 16 {
		t.Errorf("delta:\n%+v\n%+v\n%+v\n%+v", d.Days, d.Names, d.Features, d.Users)
	}
}

// deltaSorted reports whether every row list is strictly increasing by key
// (sorted, and one row per key).
func deltaSorted(d Delta) bool {
	less := func(a, b []any) bool {
		for i := range a {
			switch x := a[i].(type) {
			case string:
				if y := b[i].(string); x != y {
					return x < y
				}
			case int:
				if y := b[i].(int); x != y {
					return x < y
				}
			}
		}
		return false
	}
	ok := true
	check := func(n int, key func(int) []any) {
		for i := 1; i < n; i++ {
			if !less(key(i-1), key(i)) {
				ok = false
			}
		}
	}
	check(len(d.Days), func(i int) []any { return []any{d.Days[i].Account, int(d.Days[i].Day)} })
	check(len(d.Names), func(i int) []any {
		r := d.Names[i]
		return []any{r.Account, int(r.Day), int(r.Type), r.Name}
	})
	check(len(d.Features), func(i int) []any {
		r := d.Features[i]
		return []any{r.Account, int(r.Day), int(r.Feature)}
	})
	check(len(d.Users), func(i int) []any { r := d.Users[i]; return []any{r.Account, int(r.Day), r.User} })
	return ok
}

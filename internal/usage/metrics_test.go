package usage

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

func TestAdoption(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t)
	asOf, _ := ParseDay("2026-03-14")
	var events []Event
	ev := func(user string, anon bool, d Day, typ Type, name string) {
		events = append(events, Event{Type: typ, Name: name, User: user, Anonymous: anon, Account: "acme",
			Time: d.Time().Add(9 * time.Hour), Features: cat.Classify(typ, name)})
	}
	for d := asOf - 29; d <= asOf; d++ {
		ev("u1", false, d, TypeTrack, "Report Created") // every day, high value
	}
	for _, d := range []Day{asOf, asOf - 1, asOf - 10} {
		ev("u2", false, d, TypeTrack, "Dashboard Viewed")
	}
	ev("a1", true, asOf, TypePage, "Dashboards")     // anonymous: events and features, no user
	ev("u3", false, asOf-40, TypeTrack, "Logged In") // previous window only
	ev("u1", false, asOf+1, TypeTrack, "Logged In")  // after asOf: ignored
	r := NewRollup()
	r.ApplyAll(events)

	got := r.Account("acme").Adoption(cat, asOf, 10)
	want := Adoption{
		AsOf: asOf, DAU: 2, WAU: 2, MAU: 2, MAUPrev: 1,
		Stickiness: Ratio{33, 60}, Seats: 10, SeatUtilisation: Ratio{2, 10},
		FeaturesDefined: 5, FeaturesUsed: 2, Breadth: Ratio{2, 5},
		HighValueDefined: 2, HighValueUsed: 1, HighValueEvents: 30, HighValueUsers: 1, Depth: Ratio{1, 2},
		Events: 34, EventsPrev: 1, Trend: Ratio{33, 1},
		Features: []FeatureUse{
			{ID: 0, Key: "reports", Name: "Reports", HighValue: true, Events: 30, Users: 1},
			{ID: 1, Key: "dashboards", Name: "dashboards", Events: 4, Users: 1},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
	v := got.Values()
	if v["usage.seat_utilisation"] != 0.2 || v["usage.breadth"] != 0.4 || v["usage.depth"] != 0.5 || v["usage.mau"] != 2 {
		t.Errorf("values %v", v)
	}

	users := r.Account("acme").Users(asOf)
	if len(users) != 2 || users[0].User != "u1" || users[0].DaysActive30 != 30 || users[0].DaysActive7 != 7 ||
		users[1].User != "u2" || users[1].DaysActive30 != 3 || users[1].DaysActive7 != 2 || users[1].LastSeen != asOf ||
		users[0].Events != 30 {
		t.Errorf("users %+v", users)
	}
}

func TestAdoptionWithoutUsage(t *testing.T) {
	t.Parallel()
	var a *AccountUsage
	ad := a.Adoption(testCatalog(t), 20000, 0)
	if ad.MAU != 0 || ad.FeaturesDefined != 5 {
		t.Errorf("%+v", ad)
	}
	for name, r := range map[string]Ratio{"seats": ad.SeatUtilisation, "stickiness": ad.Stickiness, "trend": ad.Trend, "depth": ad.Depth} {
		if _, ok := r.Float(); ok || r.String() != "n/a" {
			t.Errorf("%s should be undefined: %v", name, r)
		}
	}
	if b, ok := ad.Breadth.Float(); !ok || b != 0 {
		t.Errorf("breadth with features defined and none used is 0, got %v %v", b, ok)
	}
	if _, ok := ad.Values()["usage.seat_utilisation"]; ok {
		t.Error("an undefined ratio leaked into Values")
	}
	if a.Activity(1, 3)[2].MAU != 0 || a.Users(3) != nil {
		t.Error("nil activity")
	}
}

// TestActivityMatchesBruteForce checks the sliding windows against counting
// each day's windows from scratch.
func TestActivityMatchesBruteForce(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t)
	rng := rand.New(rand.NewPCG(3, 4))
	r := Rebuild(cat, randomEvents(rng, cat, 3000))
	for _, a := range r.Accounts() {
		days := a.SortedDays()
		from, to := days[0]-5, days[len(days)-1]+35
		series := a.Activity(from, to)
		if len(series) != int(to-from)+1 {
			t.Fatalf("%d points", len(series))
		}
		for _, p := range series {
			dau := 0
			if du := a.Days[p.Day]; du != nil {
				dau = len(du.Users)
			}
			want := Activity{Day: p.Day, DAU: dau, WAU: a.activeUsers(p.Day-6, p.Day), MAU: a.activeUsers(p.Day-29, p.Day)}
			if p != want {
				t.Fatalf("%s %s: got %+v want %+v", a.Account, p.Day, p, want)
			}
		}
		ad := a.Adoption(cat, days[len(days)-1], 5)
		last := series[len(series)-36]
		if ad.DAU != last.DAU || ad.WAU != last.WAU || ad.MAU != last.MAU {
			t.Errorf("adoption %+v disagrees with activity %+v", ad, last)
		}
	}
	if r.Account("acme").Activity(5, 4) != nil {
		t.Error("empty range")
	}
}

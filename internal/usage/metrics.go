package usage

import (
	"cmp"
	"slices"
	"strconv"
)

// Window is the length, in days, of the rolling windows of adoption metrics
// (MAU, breadth, depth, trend).
const Window = 30

// Ratio is an exact fraction; a zero denominator means "not defined" (no
// seats, no features defined, nothing in the previous period), which is
// not the same as zero.
type Ratio struct {
	Num, Den int64 // numerator and denominator
}

// Float is the ratio's value, and false when it is not defined.
func (r Ratio) Float() (float64, bool) {
	if r.Den == 0 {
		return 0, false
	}
	return float64(r.Num) / float64(r.Den), true
}

// String shows the ratio with three decimals, or "n/a".
func (r Ratio) String() string {
	f, ok := r.Float()
	if !ok {
		return "n/a"
	}
	return strconv.FormatFloat(f, 'f', 3, 64)
}

// Activity is the active-user counts of one day.
type Activity struct {
	Day Day // the day counted
	// DAU is users active that day; WAU in the 7 days ending that day; MAU
	// in the 30 days ending that day.
	DAU, WAU, MAU int
}

// Activity is the DAU, WAU and MAU of every day from from to to inclusive,
// for charts, computed with sliding windows in one pass over the user-days.
// A nil AccountUsage has no activity.
func (a *AccountUsage) Activity(from, to Day) []Activity {
	if to < from {
		return nil
	}
	out := make([]Activity, 0, int(to-from)+1)
	w7, w30 := map[string]int{}, map[string]int{}
	users := func(d Day) map[string]*UserDay {
		if a == nil {
			return nil
		}
		if du := a.Days[d]; du != nil {
			return du.Users
		}
		return nil
	}
	add := func(w map[string]int, d Day) {
		for u := range users(d) {
			w[u]++
		}
	}
	remove := func(w map[string]int, d Day) {
		for u := range users(d) {
			if w[u]--; w[u] == 0 {
				delete(w, u)
			}
		}
	}
	for d := from - Window + 1; d < from; d++ {
		add(w30, d)
		if d > from-7 {
			add(w7, d)
		}
	}
	for d := from; d <= to; d++ {
		add(w30, d)
		add(w7, d)
		if d > from {
			remove(w30, d-Window)
			remove(w7, d-7)
		}
		out = append(out, Activity{Day: d, DAU: len(users(d)), WAU: len(w7), MAU: len(w30)})
	}
	return out
}

// FeatureUse is one feature's use by an account over the window.
type FeatureUse struct {
	ID        FeatureID // the feature's id in the catalog
	Key       string    // its key
	Name      string    // its display name
	HighValue bool      // whether it is high value
	// Events is how many events counted toward the feature.
	Events int64
	// Users is how many identified users used it.
	Users int
}

// Adoption is an account's adoption metrics as of a day, over the Window
// days ending that day. These are the account metrics health scores read.
type Adoption struct {
	// AsOf is the last day of the window.
	AsOf Day
	// DAU, WAU and MAU are the users active on AsOf, in the 7 days and in
	// the 30 days ending AsOf.
	DAU, WAU, MAU int
	// MAUPrev is MAU as of 30 days earlier.
	MAUPrev int
	// Stickiness is the average DAU over the window divided by MAU.
	Stickiness Ratio
	// Seats is the licensed seat count given (from subscriptions).
	Seats int
	// SeatUtilisation is MAU ÷ Seats.
	SeatUtilisation Ratio
	// FeaturesDefined and FeaturesUsed count the catalog's features and
	// those used in the window; Breadth is their ratio.
	FeaturesDefined, FeaturesUsed int
	Breadth                       Ratio // FeaturesUsed ÷ FeaturesDefined
	// HighValueDefined and HighValueUsed count high-value features defined
	// and used in the window.
	HighValueDefined, HighValueUsed int
	// HighValueEvents is events toward high-value features in the window.
	HighValueEvents int64
	// HighValueUsers is active users who used a high-value feature.
	HighValueUsers int
	// Depth is HighValueUsers ÷ MAU: how much of the active base reaches
	// the features that matter.
	Depth Ratio
	// Events and EventsPrev are usage events in the window and in the
	// window before it; Trend is (Events − EventsPrev) ÷ EventsPrev.
	Events, EventsPrev int64
	Trend              Ratio // (Events − EventsPrev) ÷ EventsPrev
	// Features is each feature's use in the window, most used first
	// (features never used are left out).
	Features []FeatureUse
}

// Adoption computes an account's adoption metrics as of asOf, with the
// features of cat and the licensed seats given. A nil AccountUsage (no
// usage) gives zero counts and undefined ratios where the denominator is
// zero.
func (a *AccountUsage) Adoption(cat *Catalog, asOf Day, seats int) Adoption {
	ad := Adoption{AsOf: asOf, Seats: seats, FeaturesDefined: cat.Len(), HighValueDefined: cat.HighValue().Len()}
	from := asOf - Window + 1
	perUser := map[string]FeatureSet{}
	var sumDAU int64
	featureEvents := map[FeatureID]int64{}
	hv := cat.HighValue()
	if a != nil {
		for d := from - Window; d <= asOf; d++ {
			du := a.Days[d]
			if du == nil {
				continue
			}
			if d < from {
				ad.EventsPrev += du.Events
				continue
			}
			ad.Events += du.Events
			sumDAU += int64(len(du.Users))
			for id, n := range du.Features {
				featureEvents[id] += n
				if hv.Has(id) {
					ad.HighValueEvents += n
				}
			}
			for u, ud := range du.Users {
				perUser[u] = perUser[u].Union(ud.Features)
			}
		}
		if du := a.Days[asOf]; du != nil {
			ad.DAU = len(du.Users)
		}
		ad.WAU = a.activeUsers(asOf-6, asOf)
		ad.MAUPrev = a.activeUsers(from-Window, from-1)
	}
	ad.MAU = len(perUser)
	users := map[FeatureID]int{}
	for _, fs := range perUser {
		if !fs.Intersect(hv).Empty() {
			ad.HighValueUsers++
		}
		for id := range fs.All() {
			users[id]++
		}
	}
	for id, n := range featureEvents {
		if int(id) >= cat.Len() || n == 0 {
			continue // a feature of an older catalog: rebuild the rollup
		}
		f := cat.Feature(id)
		ad.Features = append(ad.Features, FeatureUse{ID: id, Key: f.Key, Name: f.Name,
			HighValue: f.HighValue, Events: n, Users: users[id]})
		ad.FeaturesUsed++
		if f.HighValue {
			ad.HighValueUsed++
		}
	}
	slices.SortFunc(ad.Features, func(x, y FeatureUse) int {
		if c := cmp.Compare(y.Events, x.Events); c != 0 {
			return c
		}
		return cmp.Compare(x.Key, y.Key)
	})
	ad.Stickiness = Ratio{sumDAU, int64(Window) * int64(ad.MAU)}
	ad.SeatUtilisation = Ratio{int64(ad.MAU), int64(seats)}
	ad.Breadth = Ratio{int64(ad.FeaturesUsed), int64(ad.FeaturesDefined)}
	ad.Depth = Ratio{int64(ad.HighValueUsers), int64(ad.MAU)}
	ad.Trend = Ratio{ad.Events - ad.EventsPrev, ad.EventsPrev}
	return ad
}

// activeUsers counts distinct users active from from to to inclusive.
func (a *AccountUsage) activeUsers(from, to Day) int {
	seen := map[string]struct{}{}
	for d := from; d <= to; d++ {
		if du := a.Days[d]; du != nil {
			for u := range du.Users {
				seen[u] = struct{}{}
			}
		}
	}
	return len(seen)
}

// Values are the adoption metrics as named numbers, the form health
// scorecards read. Undefined ratios are left out rather than shown as zero.
func (ad Adoption) Values() map[string]float64 {
	v := map[string]float64{
		"usage.dau":               float64(ad.DAU),
		"usage.wau":               float64(ad.WAU),
		"usage.mau":               float64(ad.MAU),
		"usage.events_30d":        float64(ad.Events),
		"usage.features_used_30d": float64(ad.FeaturesUsed),
		"usage.high_value_users":  float64(ad.HighValueUsers),
	}
	for name, r := range map[string]Ratio{
		"usage.stickiness":       ad.Stickiness,
		"usage.seat_utilisation": ad.SeatUtilisation,
		"usage.breadth":          ad.Breadth,
		"usage.depth":            ad.Depth,
		"usage.trend":            ad.Trend,
	} {
		if f, ok := r.Float(); ok {
			v[name] = f
		}
	}
	return v
}

// UserActivity is one user's activity in an account over the window.
type UserActivity struct {
	// User is the userId.
	User string
	// DaysActive7 and DaysActive30 count the days with activity in the 7
	// and 30 days ending AsOf: the user's own stickiness.
	DaysActive7, DaysActive30 int
	// Events is the user's events in the window.
	Events int64
	// LastSeen is the user's last active day in the window.
	LastSeen Day
	// Features are the features the user used in the window.
	Features FeatureSet
}

// Users lists the users active in the Window days ending asOf, most
// active days first, then most events, then by id.
func (a *AccountUsage) Users(asOf Day) []UserActivity {
	if a == nil {
		return nil
	}
	by := map[string]*UserActivity{}
	for d := asOf - Window + 1; d <= asOf; d++ {
		du := a.Days[d]
		if du == nil {
			continue
		}
		for u, ud := range du.Users {
			ua := by[u]
			if ua == nil {
				ua = &UserActivity{User: u}
				by[u] = ua
			}
			ua.DaysActive30++
			if d > asOf-7 {
				ua.DaysActive7++
			}
			ua.Events += ud.Events
			ua.LastSeen = d
			ua.Features = ua.Features.Union(ud.Features)
		}
	}
	out := make([]UserActivity, 0, len(by))
	for _, ua := range by {
		out = append(out, *ua)
	}
	slices.SortFunc(out, func(x, y UserActivity) int {
		if c := cmp.Compare(y.DaysActive30, x.DaysActive30); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Events, x.Events); c != 0 {
			return c
		}
		return cmp.Compare(x.User, y.User)
	})
	return out
}

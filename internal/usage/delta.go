package usage

import (
	"cmp"
	"slices"
	"strings"
)

// Delta is the rollup of a set of events as rows to add to the stored
// rollups: the shape of one multi-row upsert per table, in the same
// transaction as the events' insert. Every row is additive (counts add,
// feature sets are OR-ed), so applying deltas in any order, or rebuilding,
// gives the same totals. Rows are sorted by key so that concurrent
// transactions lock rows in the same order.
type Delta struct {
	Days     []DayRow     // per account-day totals
	Names    []NameRow    // per account-day event-name counts
	Features []FeatureRow // per account-day feature counts
	Users    []UserRow    // per account-day-user activity
}

// DayRow adds to one account's day.
type DayRow struct {
	Account         string // account external id
	Day             Day    // UTC day
	Events          int64  // usage events to add
	AnonymousEvents int64  // of which from anonymous visitors
}

// NameRow adds to the count of one event name on one account's day.
type NameRow struct {
	Account string // account external id
	Day     Day    // UTC day
	Type    Type   // track, page or screen
	Name    string // event, page or screen name
	Events  int64  // count to add
}

// FeatureRow adds to the events toward one feature on one account's day.
// Store the feature's key (Catalog.Feature(id).Key), not its id.
type FeatureRow struct {
	Account string    // account external id
	Day     Day       // UTC day
	Feature FeatureID // the feature, in the catalog the events were classified with
	Events  int64     // count to add
}

// UserRow adds one user's activity on one account's day: events add,
// features are OR-ed into what is stored. A new row is a new active user.
type UserRow struct {
	Account  string     // account external id
	Day      Day        // UTC day
	User     string     // userId
	Events   int64      // count to add
	Features FeatureSet // features to OR in
}

// Len is the number of rows.
func (d *Delta) Len() int { return len(d.Days) + len(d.Names) + len(d.Features) + len(d.Users) }

type dayKey struct {
	account string
	day     Day
}

type nameKey struct {
	dayKey
	typ  Type
	name string
}

type featureKey struct {
	dayKey
	id FeatureID
}

type userKey struct {
	dayKey
	user string
}

// DeltaBuilder aggregates events into a Delta. Reuse one (it keeps its
// maps' capacity between Takes): the group-commit loop adds each commit's
// newly inserted events, then Takes the rows to upsert. It is not safe for
// concurrent use.
type DeltaBuilder struct {
	days     map[dayKey]int
	names    map[nameKey]int
	features map[featureKey]int
	users    map[userKey]int
	d        Delta
	// the index in d.Days of each name, feature and user row's day
	nameDay, featureDay, userDay []int32
	rank, perm                   []int32 // scratch for Take
}

// NewDeltaBuilder makes an empty DeltaBuilder.
func NewDeltaBuilder() *DeltaBuilder {
	return &DeltaBuilder{days: map[dayKey]int{}, names: map[nameKey]int{},
		features: map[featureKey]int{}, users: map[userKey]int{}}
}

// Add adds one event; events without an Account are ignored and Add
// reports false.
func (b *DeltaBuilder) Add(e *Event) bool {
	if e.Account == "" {
		return false
	}
	dk := dayKey{e.Account, DayOf(e.Time)}
	di, ok := b.days[dk]
	if !ok {
		di = len(b.d.Days)
		b.days[dk] = di
		b.d.Days = append(b.d.Days, DayRow{Account: dk.account, Day: dk.day})
	}
	b.d.Days[di].Events++
	nk := nameKey{dk, e.Type, e.Name}
	if i, ok := b.names[nk]; ok {
		b.d.Names[i].Events++
	} else {
		b.names[nk] = len(b.d.Names)
		b.d.Names = append(b.d.Names, NameRow{Account: dk.account, Day: dk.day, Type: e.Type, Name: e.Name, Events: 1})
		b.nameDay = append(b.nameDay, int32(di))
	}
	if !e.Features.Empty() {
		for id := range e.Features.All() {
			fk := featureKey{dk, id}
			if i, ok := b.features[fk]; ok {
				b.d.Features[i].Events++
			} else {
				b.features[fk] = len(b.d.Features)
				b.d.Features = append(b.d.Features, FeatureRow{Account: dk.account, Day: dk.day, Feature: id, Events: 1})
				b.featureDay = append(b.featureDay, int32(di))
			}
		}
	}
	if e.Anonymous {
		b.d.Days[di].AnonymousEvents++
		return true
	}
	uk := userKey{dk, e.User}
	if i, ok := b.users[uk]; ok {
		u := &b.d.Users[i]
		u.Events++
		u.Features = u.Features.Union(e.Features)
	} else {
		b.users[uk] = len(b.d.Users)
		b.d.Users = append(b.d.Users, UserRow{Account: dk.account, Day: dk.day, User: e.User, Events: 1, Features: e.Features})
		b.userDay = append(b.userDay, int32(di))
	}
	return true
}

// AddAll adds every event and returns how many were counted.
func (b *DeltaBuilder) AddAll(events []Event) int {
	n := 0
	for i := range events {
		if b.Add(&events[i]) {
			n++
		}
	}
	return n
}

// Take returns the rows aggregated since the last Take, sorted by key, and
// starts afresh. Days are sorted once; other rows sort by their day's rank
// and then their own key, so long account strings are compared only once.
func (b *DeltaBuilder) Take() Delta {
	src := b.d
	// rank[i] is the sorted position of day row i.
	b.perm = b.perm[:0]
	for i := range src.Days {
		b.perm = append(b.perm, int32(i))
	}
	slices.SortFunc(b.perm, func(x, y int32) int {
		return cmpDay(src.Days[x].Account, src.Days[x].Day, src.Days[y].Account, src.Days[y].Day)
	})
	b.rank = slices.Grow(b.rank[:0], len(src.Days))[:len(src.Days)]
	out := Delta{Days: make([]DayRow, len(src.Days))}
	for pos, i := range b.perm {
		b.rank[i] = int32(pos)
		out.Days[pos] = src.Days[i]
	}
	rank := b.rank
	out.Names = sortedRows(b, src.Names, b.nameDay, func(x, y *NameRow) int {
		if c := cmp.Compare(x.Type, y.Type); c != 0 {
			return c
		}
		return strings.Compare(x.Name, y.Name)
	}, rank)
	out.Features = sortedRows(b, src.Features, b.featureDay, func(x, y *FeatureRow) int {
		return cmp.Compare(x.Feature, y.Feature)
	}, rank)
	out.Users = sortedRows(b, src.Users, b.userDay, func(x, y *UserRow) int {
		return strings.Compare(x.User, y.User)
	}, rank)

	clear(b.d.Days)
	clear(b.d.Names)
	clear(b.d.Features)
	clear(b.d.Users)
	b.d = Delta{Days: b.d.Days[:0], Names: b.d.Names[:0], Features: b.d.Features[:0], Users: b.d.Users[:0]}
	b.nameDay, b.featureDay, b.userDay = b.nameDay[:0], b.featureDay[:0], b.userDay[:0]
	clear(b.days)
	clear(b.names)
	clear(b.features)
	clear(b.users)
	return out
}

// sortedRows returns a sorted copy of rows: by the rank of each row's day,
// then by within.
func sortedRows[R any](b *DeltaBuilder, rows []R, day []int32, within func(x, y *R) int, rank []int32) []R {
	b.perm = b.perm[:0]
	for i := range rows {
		b.perm = append(b.perm, int32(i))
	}
	slices.SortFunc(b.perm, func(x, y int32) int {
		if c := cmp.Compare(rank[day[x]], rank[day[y]]); c != 0 {
			return c
		}
		return within(&rows[x], &rows[y])
	})
	out := make([]R, len(rows))
	for pos, i := range b.perm {
		out[pos] = rows[i]
	}
	return out
}

func cmpDay(a1 string, d1 Day, a2 string, d2 Day) int {
	if c := strings.Compare(a1, a2); c != 0 {
		return c
	}
	return cmp.Compare(d1, d2)
}

// DeltaOf is the Delta of a set of events, for one-off use.
func DeltaOf(events []Event) Delta {
	b := NewDeltaBuilder()
	b.AddAll(events)
	return b.Take()
}

// AddDelta adds a Delta's rows into the rollup, exactly as the store adds
// them to its tables.
func (r *Rollup) AddDelta(d Delta) {
	for _, x := range d.Days {
		du := r.day(x.Account, x.Day)
		du.Events += x.Events
		du.AnonymousEvents += x.AnonymousEvents
	}
	for _, x := range d.Names {
		du := r.day(x.Account, x.Day)
		du.ByName[NameKey{x.Type, x.Name}] += x.Events
	}
	for _, x := range d.Features {
		r.day(x.Account, x.Day).Features[x.Feature] += x.Events
	}
	for _, x := range d.Users {
		du := r.day(x.Account, x.Day)
		ud := du.Users[x.User]
		if ud == nil {
			ud = &UserDay{}
			du.Users[x.User] = ud
		}
		ud.Events += x.Events
		ud.Features = ud.Features.Union(x.Features)
	}
}

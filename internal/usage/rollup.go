package usage

import (
	"cmp"
	"slices"
)

// UserDay is one user's use of the product on one day in one account: what
// rolling DAU/WAU/MAU, stickiness and feature depth need per user.
type UserDay struct {
	// Events is how many usage events the user sent that day.
	Events int64
	// Features are the features the user used that day.
	Features FeatureSet
}

// DayUsage is one account's usage on one UTC day. Every field is a sum or a
// union over events, so rollups can be built in any order and merged.
type DayUsage struct {
	// Events is the number of usage events.
	Events int64
	// AnonymousEvents is how many of them came from anonymous visitors.
	AnonymousEvents int64
	// ByName counts events by kind and name.
	ByName map[NameKey]int64
	// Features counts events by feature.
	Features map[FeatureID]int64
	// Users holds each identified user active that day.
	Users map[string]*UserDay
}

// ActiveUsers is the number of identified users active that day.
func (d *DayUsage) ActiveUsers() int { return len(d.Users) }

// AccountUsage is one account's rollup: its days.
type AccountUsage struct {
	Account string            // the account's external id
	Days    map[Day]*DayUsage // its days with usage
}

// SortedDays lists the account's days in order.
func (a *AccountUsage) SortedDays() []Day {
	days := make([]Day, 0, len(a.Days))
	for d := range a.Days {
		days = append(days, d)
	}
	slices.Sort(days)
	return days
}

// Rollup aggregates attributed usage events per account per day. Applying
// events one at a time, in batches, in any order, or merging rollups of
// disjoint event sets all give the same result as Rebuild over the union:
// that is what lets the storage layer add each commit's rollup to the stored
// one. It does not deduplicate: give it each event once (the store's unique
// messageId decides). It is not safe for concurrent use.
type Rollup struct {
	accounts map[string]*AccountUsage
	// cache of the last account and day touched: events of a batch tend to
	// share them
	lastAcct *AccountUsage
	lastDay  Day
	lastDU   *DayUsage
}

// NewRollup makes an empty Rollup.
func NewRollup() *Rollup { return &Rollup{accounts: map[string]*AccountUsage{}} }

// Apply adds one event. Events without an Account are ignored (they wait in
// the Linker); Apply reports whether e was counted.
func (r *Rollup) Apply(e *Event) bool {
	if e.Account == "" {
		return false
	}
	du := r.day(e.Account, DayOf(e.Time))
	du.Events++
	k := NameKey{e.Type, e.Name}
	if n, ok := du.ByName[k]; ok {
		du.ByName[k] = n + 1
	} else {
		du.ByName[k] = 1
	}
	if !e.Features.Empty() {
		for id := range e.Features.All() {
			du.Features[id]++
		}
	}
	if e.Anonymous {
		du.AnonymousEvents++
		return true
	}
	ud := du.Users[e.User]
	if ud == nil {
		ud = &UserDay{}
		du.Users[e.User] = ud
	}
	ud.Events++
	ud.Features = ud.Features.Union(e.Features)
	return true
}

// ApplyAll adds every event and returns how many were counted.
func (r *Rollup) ApplyAll(events []Event) int {
	n := 0
	for i := range events {
		if r.Apply(&events[i]) {
			n++
		}
	}
	return n
}

func (r *Rollup) day(account string, d Day) *DayUsage {
	a := r.lastAcct
	if a == nil || a.Account != account {
		a = r.accounts[account]
		if a == nil {
			a = &AccountUsage{Account: account, Days: map[Day]*DayUsage{}}
			r.accounts[account] = a
		}
		r.lastAcct, r.lastDU = a, nil
	}
	if r.lastDU != nil && r.lastDay == d {
		return r.lastDU
	}
	du := a.Days[d]
	if du == nil {
		du = newDayUsage(0, 0, 0)
		a.Days[d] = du
	}
	r.lastDay, r.lastDU = d, du
	return du
}

func newDayUsage(names, features, users int) *DayUsage {
	return &DayUsage{
		ByName:   make(map[NameKey]int64, names),
		Features: make(map[FeatureID]int64, features),
		Users:    make(map[string]*UserDay, users),
	}
}

// Merge adds o into r. o is left unchanged and shares nothing with r.
func (r *Rollup) Merge(o *Rollup) {
	for name, oa := range o.accounts {
		for d, od := range oa.Days {
			du := r.day(name, d)
			du.Events += od.Events
			du.AnonymousEvents += od.AnonymousEvents
			for k, n := range od.ByName {
				du.ByName[k] += n
			}
			for f, n := range od.Features {
				du.Features[f] += n
			}
			for u, oud := range od.Users {
				ud := du.Users[u]
				if ud == nil {
					ud = &UserDay{}
					du.Users[u] = ud
				}
				ud.Events += oud.Events
				ud.Features = ud.Features.Union(oud.Features)
			}
		}
	}
}

// Account is the rollup of one account, nil if it has no usage.
func (r *Rollup) Account(account string) *AccountUsage { return r.accounts[account] }

// Accounts lists the accounts with usage, sorted by external id.
func (r *Rollup) Accounts() []*AccountUsage {
	out := make([]*AccountUsage, 0, len(r.accounts))
	for _, a := range r.accounts {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *AccountUsage) int { return cmp.Compare(a.Account, b.Account) })
	return out
}

// Trim forgets days before the given one (rollup retention).
func (r *Rollup) Trim(before Day) {
	r.lastAcct, r.lastDU = nil, nil
	for name, a := range r.accounts {
		for d := range a.Days {
			if d < before {
				delete(a.Days, d)
			}
		}
		if len(a.Days) == 0 {
			delete(r.accounts, name)
		}
	}
}

// Rebuild recomputes a rollup from scratch from stored events, classifying
// their features again with cat (after a feature definition changed); with a
// nil cat the events' own Features are used. It sorts a copy of the events
// and aggregates each (account, day) run in one pass, a different path from
// Apply that tests hold to the same result.
func Rebuild(cat *Catalog, events []Event) *Rollup {
	type ref struct {
		e   *Event
		day Day
	}
	es := make([]ref, 0, len(events))
	for i := range events {
		if e := &events[i]; e.Account != "" {
			es = append(es, ref{e, DayOf(e.Time)})
		}
	}
	slices.SortFunc(es, func(a, b ref) int {
		if c := cmp.Compare(a.e.Account, b.e.Account); c != 0 {
			return c
		}
		return cmp.Compare(a.day, b.day)
	})
	r := NewRollup()
	for i := 0; i < len(es); {
		acct, d := es[i].e.Account, es[i].day
		j := i + 1
		for j < len(es) && es[j].e.Account == acct && es[j].day == d {
			j++
		}
		a := r.accounts[acct]
		if a == nil {
			a = &AccountUsage{Account: acct, Days: map[Day]*DayUsage{}}
			r.accounts[acct] = a
		}
		du := newDayUsage((j-i)/4+1, 0, (j-i)/4+1)
		for _, x := range es[i:j] {
			e := x.e
			fs := e.Features
			if cat != nil {
				fs = cat.Classify(e.Type, e.Name)
			}
			du.Events++
			du.ByName[NameKey{e.Type, e.Name}]++
			for id := range fs.All() {
				du.Features[id]++
			}
			if e.Anonymous {
				du.AnonymousEvents++
				continue
			}
			ud := du.Users[e.User]
			if ud == nil {
				ud = &UserDay{}
				du.Users[e.User] = ud
			}
			ud.Events++
			ud.Features = ud.Features.Union(fs)
		}
		a.Days[d] = du
		i = j
	}
	return r
}

package demo

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// usageIndex is a company's product usage read back from Usage, as the
// store would have it: which users were active on which day.
type usageIndex struct {
	first civil.Date                  // first day of usage
	days  map[string]map[int][]string // account → day number → users
}

var usageIndexes sync.Map // seed → func() *usageIndex

// usageOf is seed's usage index, built once for all tests.
func usageOf(seed int64) *usageIndex {
	f, _ := usageIndexes.LoadOrStore(seed, sync.OnceValue(func() *usageIndex { return newUsageIndex(company(seed)) }))
	return f.(func() *usageIndex)()
}

func newUsageIndex(c *Company) *usageIndex {
	u := &usageIndex{first: c.Today.AddDays(1 - UsageDays), days: map[string]map[int][]string{}}
	for _, e := range Usage(c, UsageDays) {
		m := u.days[e.AccountExternalID]
		if m == nil {
			m = map[int][]string{}
			u.days[e.AccountExternalID] = m
		}
		d := day(civil.Of(e.At))
		m[d] = append(m[d], e.UserID)
	}
	return u
}

// covers reports whether the 30 days ending d all have usage data.
func (u *usageIndex) covers(d civil.Date) bool { return !d.AddDays(-29).Before(u.first) }

// mau is how many users of the account were active in the 30 days ending d.
func (u *usageIndex) mau(ext string, d civil.Date) int {
	seen := map[string]bool{}
	for n := day(d) - 29; n <= day(d); n++ {
		for _, id := range u.days[ext][n] {
			seen[id] = true
		}
	}
	return len(seen)
}

// platformSeats is the account's Platform seats on day d, from its
// subscriptions.
func (x *index) platformSeats(ext string, d civil.Date) int {
	n := 0
	for _, s := range x.subs[ext] {
		if s.Product == products[0].Name && !s.StartOn.After(d) && s.EndOn.After(d) {
			n += s.Quantity
		}
	}
	return n
}

var (
	quotedSeats = regexp.MustCompile(`(\d+) of (\d+) (?:licensed )?seats active in the last 30 days`)
	quotedFall  = regexp.MustCompile(`Active users are down from (\d+) to (\d+) of (\d+) seats`)
)

// TestNotesQuoteTheirDay: every business review and CSM note that quotes
// seats and active users quotes the account's Platform seats on its
// subscriptions that day and the users its product usage shows active in
// the 30 days before — for every account of every seed.
func TestNotesQuoteTheirDay(t *testing.T) {
	t.Parallel()
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			x := indexed(seed)
			u := usageOf(seed)
			checked, reviews := 0, 0
			for _, a := range x.c.Accounts {
				for _, act := range x.activities[a.ExternalID] {
					d := civil.Of(act.OccurredAt)
					ms := quotedSeats.FindStringSubmatch(act.Body)
					if act.Kind == "qbr" {
						reviews++
						if ms == nil {
							t.Fatalf("%s: business review of %s quotes no adoption: %q", a.Name, d, act.Body)
						}
					}
					if ms == nil {
						continue
					}
					active, seats := atoi(ms[1]), atoi(ms[2])
					if want := x.platformSeats(a.ExternalID, d); seats != want {
						t.Errorf("%s on %s: note says %d seats, subscriptions say %d: %q", a.Name, d, seats, want, act.Body)
					}
					if active > seats {
						t.Errorf("%s on %s: %d active of %d seats", a.Name, d, active, seats)
					}
					if u.covers(d) {
						checked++
						if want := u.mau(a.ExternalID, d); active != want {
							t.Errorf("%s on %s: note says %d active users, usage shows %d: %q", a.Name, d, active, want, act.Body)
						}
					}
				}
				for _, act := range x.activities[a.ExternalID] {
					d := civil.Of(act.OccurredAt)
					ms := quotedFall.FindStringSubmatch(act.Body)
					if ms == nil || !u.covers(d.AddDays(-60)) {
						continue
					}
					checked++
					before, now, seats := atoi(ms[1]), atoi(ms[2]), atoi(ms[3])
					if before != u.mau(a.ExternalID, d.AddDays(-60)) || now != u.mau(a.ExternalID, d) || seats != x.platformSeats(a.ExternalID, d) {
						t.Errorf("%s on %s: %q, but usage shows %d then %d of %d seats", a.Name, d, act.Body,
							u.mau(a.ExternalID, d.AddDays(-60)), u.mau(a.ExternalID, d), x.platformSeats(a.ExternalID, d))
					}
				}
			}
			t.Logf("%d business reviews; %d quoted figures checked against usage", reviews, checked)
			if checked < 500 {
				t.Fatalf("only %d quoted figures fell inside the usage data", checked)
			}
		})
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// TestAccountsUseTheirSeats: every large live account uses the product
// in its last 30 days unless it is at risk (or started this month); mature large accounts use most of
// their seats (50–90% typically); accounts at risk use fewer.
func TestAccountsUseTheirSeats(t *testing.T) {
	t.Parallel()
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			x := indexed(seed)
			u := usageOf(seed)
			var mature, risky []float64
			for i, a := range x.c.Accounts {
				if a.MRR == 0 {
					continue
				}
				seats := x.platformSeats(a.ExternalID, x.c.Today)
				util := float64(u.mau(a.ExternalID, x.c.Today)) / float64(seats)
				tr := x.c.Truth[i]
				started := x.c.Today.DaysSince(a.CustomerSince) < 30 || !tr.ReactivatedOn.IsZero() && x.c.Today.DaysSince(tr.ReactivatedOn) < 30
				if a.MRR >= highFloor && util < 0.15 && tr.Fate != FateAtRisk && !started {
					t.Errorf("%s (%s, MRR %d, %s): %.0f%% of %d seats active", a.Name, a.Lifecycle, a.MRR/100, tr.Fate, util*100, seats)
				}
				switch {
				case tr.Fate == FateAtRisk:
					risky = append(risky, util)
				case a.Lifecycle == customer.StageMature && a.MRR >= lowFloor && !tr.Saved:
					mature = append(mature, util)
				}
			}
			slices.Sort(mature)
			slices.Sort(risky)
			q := func(s []float64, p float64) float64 { return s[int(p*float64(len(s)-1))] }
			t.Logf("seat utilisation, mature mid-market and enterprise: p10 %.2f median %.2f p90 %.2f (%d); at risk: median %.2f (%d)",
				q(mature, 0.1), q(mature, 0.5), q(mature, 0.9), len(mature), q(risky, 0.5), len(risky))
			if q(mature, 0.1) < 0.4 || q(mature, 0.5) < 0.55 || q(mature, 0.5) > 0.85 || q(mature, 0.9) > 0.98 {
				t.Errorf("mature accounts do not look mature")
			}
			if q(risky, 0.5) > 0.8*q(mature, 0.5) {
				t.Errorf("accounts at risk use their seats as much as healthy ones")
			}
		})
	}
}

// TestSignsPredictChurnImperfectly scores every account live on a past day
// the way a simple health score would — one point per warning sign seen
// up to that day, falling usage included — and checks that red accounts
// (two or more signs) churned in the following months several times as
// often as green ones (none), but not always: the demo allows an honest
// backtest, not a perfect one.
func TestSignsPredictChurnImperfectly(t *testing.T) {
	t.Parallel()
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			x := indexed(seed)
			u := usageOf(seed)
			ref := x.c.Today.AddDays(-150)
			end := x.c.Today.AddDays(-1)
			var red, green, churnRed, churnGreen int
			for _, a := range x.c.Accounts {
				ext := a.ExternalID
				if !x.liveAt(ext, ref) || !x.liveAt(ext, ref.AddDays(-90)) {
					continue
				}
				signs := x.signs(ext, ref)
				before, now := u.mau(ext, ref.AddDays(-60)), u.mau(ext, ref)
				if before > 0 && float64(now) < 0.75*float64(before) {
					signs["usage_falling"] = true
				}
				churned := !x.liveAt(ext, end)
				switch n := len(signs); {
				case n >= 2:
					red++
					if churned {
						churnRed++
					}
				case n == 0:
					green++
					if churned {
						churnGreen++
					}
				}
			}
			rr, rg := float64(churnRed)/float64(max(1, red)), float64(churnGreen)/float64(max(1, green))
			t.Logf("as of %s, churned by %s: red %.1f%% of %d, green %.1f%% of %d (lift %.1f×)", ref, end, rr*100, red, rg*100, green, rr/max(rg, 1e-9))
			if red < 30 || green < 300 {
				t.Fatalf("too few red (%d) or green (%d) accounts to compare", red, green)
			}
			if rr < 3*rg || rr > 0.9 || churnGreen == 0 {
				t.Errorf("red accounts churned %.1f%%, green %.1f%%: want red several times green, and neither perfect", rr*100, rg*100)
			}
		})
	}
}

// TestUsageFallsBeforeChurn: in the two months before a churn, the
// churning account's active users fall by a quarter or more far more often
// than a renewing account's do over any two months.
func TestUsageFallsBeforeChurn(t *testing.T) {
	t.Parallel()
	x := indexed(1)
	u := usageOf(1)
	churned, healthy, day := x.groups()
	falling := func(ext string, d civil.Date) bool {
		before, now := u.mau(ext, d.AddDays(-60)), u.mau(ext, d)
		return before > 0 && float64(now) < 0.75*float64(before)
	}
	var inSpan []string
	for _, e := range churned {
		if u.covers(day[e].AddDays(-61)) {
			inSpan = append(inSpan, e)
		}
	}
	rc := rate(inSpan, func(e string) bool { return falling(e, day[e].AddDays(-1)) })
	rh := rate(healthy, func(e string) bool { return falling(e, x.c.Today.AddDays(-1)) })
	t.Logf("active users down by a quarter over two months: churned %.0f%% of %d, healthy %.0f%% of %d", rc*100, len(inSpan), rh*100, len(healthy))
	if len(inSpan) < 30 || rc < 4*max(rh, 0.02) || rc > 0.95 || rh == 0 {
		t.Errorf("usage before churn: churned %.0f%%, healthy %.0f%%", rc*100, rh*100)
	}
}

// BenchmarkLoadAll is what `tend serve --demo` does with the default
// company: build it, load it and its product usage into SQLite.
func BenchmarkLoadAll(b *testing.B) {
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		st := sqlitetest.Open(b)
		b.StartTimer()
		c := Build(Options{Seed: 1, Today: asOf})
		if _, err := Load(ctx, st, c); err != nil {
			b.Fatal(err)
		}
		n, err := LoadUsage(ctx, st, c, UsageDays)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), "events")
	}
}

// TestCommentsFitTheAccount: a survey comment about unused seats comes
// from an account whose usage shows them unused that day.
func TestCommentsFitTheAccount(t *testing.T) {
	t.Parallel()
	x := indexed(1)
	u := usageOf(1)
	n := 0
	for _, a := range x.c.Accounts {
		for _, s := range x.surveys[a.ExternalID] {
			d := civil.Of(s.RespondedAt)
			limit := map[string]float64{commentHalfUsed: 0.6, commentUnused: 0.45}[s.Comment]
			if limit == 0 || !u.covers(d) {
				continue
			}
			n++
			seats := x.platformSeats(a.ExternalID, d)
			if util := float64(u.mau(a.ExternalID, d)) / float64(seats); util >= limit {
				t.Errorf("%s on %s: %q with %.0f%% of %d seats active", a.Name, d, s.Comment, util*100, seats)
			}
		}
	}
	t.Logf("%d comments about unused seats checked", n)
}

package demo

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// asOf is the fixed "today" of the tests, so they do not depend on the
// calendar.
var asOf = civil.Date{Year: 2026, Month: time.March, Day: 15}

// companies builds each seed's 2,000-account company once for all tests.
var companies sync.Map // seed → func() *Company

func company(seed int64) *Company {
	f, _ := companies.LoadOrStore(seed, sync.OnceValue(func() *Company {
		return Build(Options{Seed: seed, Today: asOf})
	}))
	return f.(func() *Company)()
}

var seeds = []int64{1, 2, 3}

// index holds a company's objects by account external id.
type index struct {
	c          *Company
	byExt      map[string]int
	subs       map[string][]*customer.Subscription
	contacts   map[string][]*customer.Contact
	invoices   map[string][]*customer.Invoice
	tickets    map[string][]*customer.Ticket
	surveys    map[string][]*customer.SurveyResponse
	activities map[string][]*customer.Activity
}

var indexes sync.Map // seed → func() *index

func indexed(seed int64) *index {
	f, _ := indexes.LoadOrStore(seed, sync.OnceValue(func() *index { return newIndex(company(seed)) }))
	return f.(func() *index)()
}

func newIndex(c *Company) *index {
	x := &index{c: c, byExt: map[string]int{},
		subs: map[string][]*customer.Subscription{}, contacts: map[string][]*customer.Contact{},
		invoices: map[string][]*customer.Invoice{}, tickets: map[string][]*customer.Ticket{},
		surveys: map[string][]*customer.SurveyResponse{}, activities: map[string][]*customer.Activity{}}
	for i, a := range c.Accounts {
		x.byExt[a.ExternalID] = i
	}
	for i := range c.Subscriptions {
		v := &c.Subscriptions[i]
		x.subs[v.AccountExternalID] = append(x.subs[v.AccountExternalID], v)
	}
	for i := range c.Contacts {
		v := &c.Contacts[i]
		x.contacts[v.AccountExternalID] = append(x.contacts[v.AccountExternalID], v)
	}
	for i := range c.Invoices {
		v := &c.Invoices[i]
		x.invoices[v.AccountExternalID] = append(x.invoices[v.AccountExternalID], v)
	}
	for i := range c.Tickets {
		v := &c.Tickets[i]
		x.tickets[v.AccountExternalID] = append(x.tickets[v.AccountExternalID], v)
	}
	for i := range c.Surveys {
		v := &c.Surveys[i]
		x.surveys[v.AccountExternalID] = append(x.surveys[v.AccountExternalID], v)
	}
	for i := range c.Activities {
		v := &c.Activities[i]
		x.activities[v.AccountExternalID] = append(x.activities[v.AccountExternalID], v)
	}
	return x
}

// liveAt reports whether the account had a live subscription on day d.
func (x *index) liveAt(ext string, d civil.Date) bool {
	for _, s := range x.subs[ext] {
		if !s.StartOn.After(d) && s.EndOn.After(d) {
			return true
		}
	}
	return false
}

// logoChurn is the share of accounts live on from that are not live on to.
func (x *index) logoChurn(from, to civil.Date) (rate float64, base int) {
	lost := 0
	for _, a := range x.c.Accounts {
		if x.liveAt(a.ExternalID, from) {
			base++
			if !x.liveAt(a.ExternalID, to) {
				lost++
			}
		}
	}
	return float64(lost) / float64(base), base
}

// signs reads the warning signs an account shows in the data in the year
// (or, for tickets and silence, the months) before day ref — what a CS
// team would see, independent of the generator's Truth.
func (x *index) signs(ext string, ref civil.Date) map[string]bool {
	out := map[string]bool{}
	yearAgo := ref.AddDays(-365)
	for _, s := range x.surveys[ext] {
		if d := civil.Of(s.RespondedAt); s.Kind == "nps" && s.Score <= 6 && inRange(d, yearAgo, ref) {
			out[SignNPS] = true
		}
	}
	for _, p := range x.contacts[ext] {
		key := p.HasRole("economic_buyer") || p.HasRole("champion") || p.HasRole("executive")
		if key && p.Status == customer.ContactLeft && inRange(p.LeftOn, yearAgo, ref) {
			out[SignContactLeft] = true
		}
	}
	for _, inv := range x.invoices[ext] {
		if !inRange(inv.DueOn, yearAgo, ref) {
			continue
		}
		late := inv.DaysOverdue(ref)
		if !inv.PaidOn.IsZero() {
			late = inv.PaidOn.DaysSince(inv.DueOn)
		}
		if late > 15 {
			out[SignOverdue] = true
		}
	}
	bad := 0
	for _, t := range x.tickets[ext] {
		if d := civil.Of(t.OpenedAt); inRange(d, ref.AddDays(-180), ref) &&
			(t.Escalated || t.Priority == "urgent" || t.CSAT != nil && *t.CSAT <= 2) {
			bad++
		}
	}
	if bad >= 3 {
		out[SignTickets] = true
	}
	a := x.c.Accounts[x.byExt[ext]]
	if a.TouchModel != customer.TouchTech {
		touched := false
		for _, act := range x.activities[ext] {
			if d := civil.Of(act.OccurredAt); act.AuthorEmail == a.CSMEmail && inRange(d, ref.AddDays(-60), ref) {
				touched = true
			}
		}
		if !touched {
			out[SignSilence] = true
		}
	}
	return out
}

// groups splits accounts for the warning-sign comparison: churned in the
// last year (signs read up to the churn), and healthy live ones (signs
// read up to today).
func (x *index) groups() (churned, healthy []string, churnDay map[string]civil.Date) {
	churnDay = map[string]civil.Date{}
	yearAgo := x.c.Today.AddMonths(-12)
	for i, t := range x.c.Truth {
		ext := x.c.Accounts[i].ExternalID
		switch {
		case t.Fate == FateChurned && !t.ChurnedOn.Before(yearAgo):
			churned = append(churned, ext)
			churnDay[ext] = t.ChurnedOn
		case t.Fate == FateHealthy && !t.Saved && x.c.Accounts[i].Lifecycle != customer.StageOnboarding:
			healthy = append(healthy, ext)
		}
	}
	return churned, healthy, churnDay
}

func rate(exts []string, f func(string) bool) float64 {
	n := 0
	for _, e := range exts {
		if f(e) {
			n++
		}
	}
	return float64(n) / float64(max(1, len(exts)))
}

func pareto(mrrs []int64) (top10, top30 float64) {
	s := slices.Clone(mrrs)
	slices.SortFunc(s, func(a, b int64) int { return cmp.Compare(b, a) })
	var total, t10, t30 int64
	for i, m := range s {
		total += m
		if i < len(s)/10 {
			t10 += m
		}
		if i < len(s)*3/10 {
			t30 += m
		}
	}
	return float64(t10) / float64(total), float64(t30) / float64(total)
}

func equalCompanies(a, b *Company) bool { return reflect.DeepEqual(a, b) }

func TestDeterministic(t *testing.T) {
	t.Parallel()
	base := Options{Seed: 11, Accounts: 300, Today: asOf}
	ref := Build(base)
	cases := []struct {
		name string
		opts Options
		same bool
	}{
		{"same seed and day", base, true},
		{"other seed", Options{Seed: 12, Accounts: 300, Today: asOf}, false},
		{"other day", Options{Seed: 11, Accounts: 300, Today: asOf.AddDays(40)}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Build(tc.opts)
			if eq := equalCompanies(ref, got); eq != tc.same {
				t.Fatalf("equal = %v, want %v", eq, tc.same)
			}
		})
	}
	// Moving the day moves every date with it: the demo always looks current.
	later := Build(Options{Seed: 11, Accounts: 300, Today: asOf.AddDays(40)})
	for i := range ref.Accounts {
		if ref.Accounts[i].Name != later.Accounts[i].Name {
			t.Fatalf("account %d is %q on one day and %q on another", i, ref.Accounts[i].Name, later.Accounts[i].Name)
		}
	}
}

func TestPareto(t *testing.T) {
	t.Parallel()
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			c := company(seed)
			var mrrs []int64
			for _, a := range c.Accounts {
				if a.MRR > 0 {
					mrrs = append(mrrs, a.MRR)
				}
			}
			top10, top30 := pareto(mrrs)
			t.Logf("%d live accounts; top 10%% carry %.1f%% of MRR, top 30%% %.1f%%", len(mrrs), top10*100, top30*100)
			if top10 < 0.41 || top10 > 0.49 {
				t.Errorf("top 10%% of accounts carry %.1f%% of MRR, want about 45%%", top10*100)
			}
			if top30 < 0.71 || top30 > 0.79 {
				t.Errorf("top 30%% of accounts carry %.1f%% of MRR, want about 75%%", top30*100)
			}
		})
	}
}

func TestLogoChurn(t *testing.T) {
	t.Parallel()
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			x := indexed(seed)
			for _, year := range []struct {
				name     string
				from, to civil.Date
			}{
				{"last year", asOf.AddMonths(-12), asOf},
				{"year before", asOf.AddMonths(-24), asOf.AddMonths(-12)},
			} {
				r, base := x.logoChurn(year.from, year.to)
				t.Logf("%s: %.1f%% of %d accounts churned", year.name, r*100, base)
				if r < 0.08 || r > 0.12 {
					t.Errorf("%s: logo churn %.1f%%, want 8–12%%", year.name, r*100)
				}
			}
		})
	}
}

// TestRevenueMovements checks the history has every kind of MRR movement.
func TestRevenueMovements(t *testing.T) {
	t.Parallel()
	x := indexed(1)
	c := x.c
	h0 := asOf.AddMonths(-24)
	var newBiz, expansion, contraction, reactivated, churned, crossSell int
	for _, a := range c.Accounts {
		subs := x.subs[a.ExternalID]
		if !a.CustomerSince.Before(h0) {
			newBiz++
		}
		// Consecutive core rows: the renewal's MRR against the previous term's.
		var prev *customer.Subscription
		for _, s := range subs {
			if s.Product != "Platform" {
				if s.StartOn != subs[0].StartOn && !slices.ContainsFunc(subs, func(o *customer.Subscription) bool {
					return o.Product == "Platform" && o.StartOn == s.StartOn
				}) {
					crossSell++
				}
				continue
			}
			if prev != nil {
				switch {
				case s.StartOn != prev.EndOn:
					reactivated++
				case s.MRR > prev.MRR:
					expansion++
				case s.MRR < prev.MRR:
					contraction++
				}
			}
			prev = s
		}
		if a.Lifecycle == customer.StageChurned {
			churned++
		}
	}
	t.Logf("new %d, expansion %d, contraction %d, churned %d, reactivated %d, cross-sell rows %d", newBiz, expansion, contraction, churned, reactivated, crossSell)
	for name, n := range map[string]int{"new business": newBiz, "expansion": expansion, "contraction": contraction,
		"churn": churned, "reactivation": reactivated, "cross-sell": crossSell} {
		if n < 10 {
			t.Errorf("only %d %s movements", n, name)
		}
	}
	if expansion <= contraction {
		t.Errorf("%d expansions but %d contractions; a healthy company expands more than it contracts", expansion, contraction)
	}
	if share := float64(newBiz) / float64(len(c.Accounts)); share < 0.2 || share > 0.5 {
		t.Errorf("%.0f%% of accounts are new business in the last 24 months", share*100)
	}
}

func TestProducts(t *testing.T) {
	t.Parallel()
	x := indexed(1)
	c := x.c
	if len(c.Products) != 3 {
		t.Fatalf("%d products, want 3", len(c.Products))
	}
	onLive := map[string]int{}
	live := 0
	for _, a := range c.Accounts {
		if a.MRR == 0 {
			continue
		}
		live++
		seen := map[string]bool{}
		for _, s := range x.subs[a.ExternalID] {
			if s.Live() && !seen[s.Product] {
				seen[s.Product] = true
				onLive[s.Product]++
			}
		}
	}
	for _, p := range c.Products {
		share := float64(onLive[p.Name]) / float64(live)
		t.Logf("%s on %.0f%% of live accounts", p.Name, share*100)
		if share < 0.1 {
			t.Errorf("%s is on only %.0f%% of live accounts", p.Name, share*100)
		}
	}
	if onLive["Platform"] != live {
		t.Errorf("Platform is on %d of %d live accounts; it is the core product", onLive["Platform"], live)
	}
	if len(onLive) != 3 {
		t.Errorf("products on live accounts: %v", onLive)
	}
}

func TestTeamAndBooks(t *testing.T) {
	t.Parallel()
	c := company(1)
	roles := map[string]int{}
	users := map[string]customer.User{}
	for _, u := range c.Users {
		roles[u.Role]++
		users[u.Email] = u
		if !strings.HasSuffix(u.Email, "@"+c.Domain) {
			t.Errorf("user %s is not at %s", u.Email, c.Domain)
		}
	}
	if roles[customer.RoleCSM] < 10 || roles[customer.RoleCSM] > 14 {
		t.Errorf("%d CSMs, want about 12", roles[customer.RoleCSM])
	}
	if roles[customer.RoleLeader] < 1 || roles[customer.RoleAdmin] < 1 {
		t.Errorf("roles %v: want a CS leader and an admin", roles)
	}

	type book struct {
		touch    string
		arr      int64
		accounts int
	}
	books := map[string]*book{}
	sponsored := map[string]int{}
	for _, a := range c.Accounts {
		if a.SponsorEmail != "" {
			sponsored[a.SponsorEmail]++
		}
		if a.MRR == 0 {
			continue
		}
		if a.TouchModel == customer.TouchTech {
			if a.CSMEmail != "" && !strings.Contains(users[a.CSMEmail].Title, "pooled") {
				t.Errorf("tech-touch %s has a dedicated CSM %s", a.Name, a.CSMEmail)
			}
			continue
		}
		if a.CSMEmail == "" {
			t.Errorf("%s-touch %s has no CSM", a.TouchModel, a.Name)
			continue
		}
		b := books[a.CSMEmail]
		if b == nil {
			b = &book{touch: a.TouchModel}
			books[a.CSMEmail] = b
		}
		if b.touch != a.TouchModel {
			t.Errorf("CSM %s carries both %s and %s touch accounts", a.CSMEmail, b.touch, a.TouchModel)
		}
		b.arr += a.MRR * 12
		b.accounts++
	}
	for s, n := range sponsored {
		if n > 5 {
			t.Errorf("executive sponsor %s has %d accounts, at most 5", s, n)
		}
	}
	type pod struct{ arr, accounts, csms int64 }
	pods := map[string]*pod{}
	for _, b := range books {
		p := pods[b.touch]
		if p == nil {
			p = &pod{}
			pods[b.touch] = p
		}
		p.arr += b.arr
		p.accounts += int64(b.accounts)
		p.csms++
	}
	// Within a pod, books differ only as CSMs' capacities do.
	for email, b := range books {
		p := pods[b.touch]
		var podCap int64
		for e, o := range books {
			if o.touch == b.touch {
				podCap += users[e].CapacityARR
			}
		}
		util, podUtil := float64(b.arr)/float64(users[email].CapacityARR), float64(p.arr)/float64(podCap)
		t.Logf("%-40s %-4s %4d accounts  ARR $%5.2fM  capacity $%5.2fM  %3.0f%%", email, b.touch, b.accounts,
			float64(b.arr)/1e8, float64(users[email].CapacityARR)/1e8, util*100)
		if dev := util/podUtil - 1; dev < -0.1 || dev > 0.1 {
			t.Errorf("CSM %s is at %.0f%% of capacity, their pod at %.0f%%; books are sized by ARR", email, util*100, podUtil*100)
		}
	}
	high, low := pods[customer.TouchHigh], pods[customer.TouchLow]
	if high == nil || low == nil {
		t.Fatalf("pods %v", pods)
	}
	if high.accounts/high.csms >= low.accounts/low.csms {
		t.Errorf("high-touch CSMs carry %d accounts each, low-touch %d: high touch should mean fewer accounts",
			high.accounts/high.csms, low.accounts/low.csms)
	}
	if high.arr/high.accounts <= 2*(low.arr/low.accounts) {
		t.Errorf("high-touch accounts average ARR %d, low-touch %d", high.arr/high.accounts, low.arr/low.accounts)
	}
}

func TestWarningSigns(t *testing.T) {
	t.Parallel()
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			x := indexed(seed)
			churned, healthy, day := x.groups()
			if len(churned) < 50 {
				t.Fatalf("only %d accounts churned in the last year", len(churned))
			}
			cases := []struct {
				sign     string
				minRatio float64
			}{
				{SignNPS, 2}, {SignContactLeft, 3}, {SignOverdue, 4}, {SignTickets, 5},
			}
			for _, tc := range cases {
				rc := rate(churned, func(e string) bool { return x.signs(e, day[e])[tc.sign] })
				rh := rate(healthy, func(e string) bool { return x.signs(e, asOf)[tc.sign] })
				t.Logf("%-18s churned %3.0f%%  healthy %3.0f%%", tc.sign, rc*100, rh*100)
				if rc < tc.minRatio*max(rh, 0.02) {
					t.Errorf("%s: %.0f%% of churned accounts showed it, %.0f%% of healthy ones; want at least %g×", tc.sign, rc*100, rh*100, tc.minRatio)
				}
			}
			// Silence only means something where a CSM is expected to call.
			owned := func(exts []string) []string {
				var out []string
				for _, e := range exts {
					if x.c.Accounts[x.byExt[e]].TouchModel != customer.TouchTech {
						out = append(out, e)
					}
				}
				return out
			}
			rc := rate(owned(churned), func(e string) bool { return x.signs(e, day[e])[SignSilence] })
			rh := rate(owned(healthy), func(e string) bool { return x.signs(e, asOf)[SignSilence] })
			t.Logf("%-18s churned %3.0f%%  healthy %3.0f%% (CSM-owned accounts)", SignSilence, rc*100, rh*100)
			if rc < 0.3 || rh > 0.05 {
				t.Errorf("CSM silence: %.0f%% of churned CSM-owned accounts, %.0f%% of healthy ones", rc*100, rh*100)
			}
			two := func(exts []string, ref func(string) civil.Date) float64 {
				return rate(exts, func(e string) bool { return len(x.signs(e, ref(e))) >= 2 })
			}
			rc = two(churned, func(e string) civil.Date { return day[e] })
			rh = two(healthy, func(string) civil.Date { return asOf })
			t.Logf("two or more signs: churned %.0f%% of %d, healthy %.0f%% of %d", rc*100, len(churned), rh*100, len(healthy))
			if rc < 0.75 || rh > 0.15 {
				t.Errorf("two or more warning signs: %.0f%% of churned accounts, %.0f%% of healthy ones", rc*100, rh*100)
			}
		})
	}
}

func TestAtRiskNow(t *testing.T) {
	t.Parallel()
	x := indexed(1)
	c := x.c
	var atRisk []string
	live, flagged, canceled := 0, 0, 0
	for i, tr := range c.Truth {
		a := c.Accounts[i]
		if a.MRR > 0 {
			live++
		}
		if tr.Fate == FateAtRisk {
			atRisk = append(atRisk, a.ExternalID)
		}
		if a.Lifecycle == customer.StageAtRisk {
			flagged++
			if tr.Fate != FateAtRisk {
				t.Errorf("%s is flagged at risk but is %s", a.Name, tr.Fate)
			}
		}
		for _, s := range x.subs[a.ExternalID] {
			if s.Status == customer.SubCanceled {
				canceled++
				if !tr.SaidWillNotRenew || tr.Fate != FateAtRisk {
					t.Errorf("%s has a canceled subscription but %+v", a.Name, tr)
				}
			}
		}
	}
	share := float64(len(atRisk)) / float64(live)
	signs := rate(atRisk, func(e string) bool { return len(x.signs(e, asOf)) >= 2 })
	t.Logf("%d of %d live accounts at risk (%.0f%%), %d flagged at_risk, %d canceled rows; %.0f%% show two or more signs",
		len(atRisk), live, share*100, flagged, canceled, signs*100)
	if share < 0.05 || share > 0.12 {
		t.Errorf("%.0f%% of live accounts at risk, want 5–12%%", share*100)
	}
	if flagged == 0 || flagged >= len(atRisk) {
		t.Errorf("%d of %d at-risk accounts flagged; some but not all should be, so scoring has something to find", flagged, len(atRisk))
	}
	if canceled == 0 {
		t.Error("no live account has told us it will not renew")
	}
	if signs < 0.7 {
		t.Errorf("only %.0f%% of at-risk accounts show two or more warning signs", signs*100)
	}
}

// TestHealthyTouches: healthy high-touch accounts hear from their CSM
// recently and have regular business reviews.
func TestHealthyTouches(t *testing.T) {
	t.Parallel()
	x := indexed(1)
	c := x.c
	var n, recent, reviewed int
	for i, a := range c.Accounts {
		if c.Truth[i].Fate != FateHealthy || a.TouchModel != customer.TouchHigh || a.Lifecycle == customer.StageOnboarding {
			continue
		}
		n++
		var touch, qbr bool
		for _, act := range x.activities[a.ExternalID] {
			d := civil.Of(act.OccurredAt)
			touch = touch || act.AuthorEmail == a.CSMEmail && inRange(d, asOf.AddDays(-30), asOf)
			qbr = qbr || act.Kind == "qbr" && inRange(d, asOf.AddDays(-130), asOf)
		}
		if touch {
			recent++
		}
		if qbr {
			reviewed++
		}
	}
	t.Logf("%d healthy high-touch accounts: %d touched in 30 days, %d with a QBR in 130 days", n, recent, reviewed)
	if float64(recent) < 0.95*float64(n) || float64(reviewed) < 0.85*float64(n) {
		t.Errorf("healthy high-touch accounts: %d of %d touched recently, %d of %d reviewed", recent, n, reviewed, n)
	}
}

// TestObjectsValid: every object passes its Check unchanged (so the data
// is already in normal form), and every reference points at something.
func TestObjectsValid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		c    *Company
	}{
		{"2000 accounts", company(1)},
		{"1 account", Build(Options{Seed: 5, Accounts: 1, Today: asOf})},
		{"40 accounts", Build(Options{Seed: 5, Accounts: 40, Today: asOf})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkCompany(t, tc.c)
		})
	}
}

// checked runs v's Check on a copy and reports an error or a change.
func checked[T any](t *testing.T, what string, vs []T, check func(*T) error) {
	t.Helper()
	bad := 0
	for i := range vs {
		v := vs[i]
		if err := check(&v); err != nil {
			t.Errorf("%s %d: %v", what, i, err)
			bad++
		} else if !reflect.DeepEqual(v, vs[i]) {
			t.Errorf("%s %d: Check changed it: %+v → %+v", what, i, vs[i], v)
			bad++
		}
		if bad > 5 {
			t.Fatalf("too many bad %s", what)
		}
	}
}

func checkCompany(t *testing.T, c *Company) {
	t.Helper()
	checked(t, "attribute", c.AttributeDefs, (*customer.AttributeDef).Check)
	checked(t, "user", c.Users, (*customer.User).Check)
	checked(t, "account", c.Accounts, (*customer.Account).Check)
	checked(t, "contact", c.Contacts, (*customer.Contact).Check)
	checked(t, "subscription", c.Subscriptions, (*customer.Subscription).Check)
	checked(t, "invoice", c.Invoices, (*customer.Invoice).Check)
	checked(t, "ticket", c.Tickets, (*customer.Ticket).Check)
	checked(t, "survey", c.Surveys, (*customer.SurveyResponse).Check)
	checked(t, "activity", c.Activities, (*customer.Activity).Check)

	users := map[string]bool{}
	for _, u := range c.Users {
		users[u.Email] = true
	}
	accounts := map[string]*customer.Account{}
	names := map[string]bool{}
	for i := range c.Accounts {
		a := &c.Accounts[i]
		if accounts[a.ExternalID] != nil || names[a.Name] {
			t.Errorf("duplicate account %s %q", a.ExternalID, a.Name)
		}
		accounts[a.ExternalID], names[a.Name] = a, true
		for _, e := range []string{a.CSMEmail, a.AEEmail, a.SponsorEmail} {
			if e != "" && !users[e] {
				t.Errorf("%s names %s, who is not a user", a.Name, e)
			}
		}
	}
	for _, a := range accounts {
		if a.ParentExternalID == "" {
			continue
		}
		p := accounts[a.ParentExternalID]
		if p == nil || p.ParentExternalID != "" || !strings.HasPrefix(a.Name, p.Name+" ") {
			t.Errorf("%s: bad parent %s", a.Name, a.ParentExternalID)
		}
	}
	today := c.Today
	contactAccount := map[string]string{}
	for _, p := range c.Contacts {
		contactAccount[p.ExternalID] = p.AccountExternalID
		if accounts[p.AccountExternalID] == nil {
			t.Errorf("contact %s: unknown account", p.ExternalID)
		}
		if p.LeftOn.After(today) {
			t.Errorf("contact %s left in the future", p.ExternalID)
		}
	}
	unit := map[string]int64{"Starter": 2900, "Team": 4900, "Business": 6900, "Enterprise": 8900, "Analyst seats": 1900, "10k runs": 25000}
	for _, s := range c.Subscriptions {
		if accounts[s.AccountExternalID] == nil {
			t.Errorf("subscription %s: unknown account", s.ExternalID)
		}
		if want := int64(s.Quantity) * unit[s.Plan] * int64(100-s.DiscountPercent) / 100; s.MRR != want || s.Quantity <= 0 {
			t.Errorf("subscription %s: %d × %s at %g%% off is %d, not %d", s.ExternalID, s.Quantity, s.Plan, s.DiscountPercent, want, s.MRR)
		}
		ended := !s.EndOn.After(today)
		if ended != (s.Status == customer.SubEnded) || s.StartOn.After(today) {
			t.Errorf("subscription %s: %s–%s is %s on %s", s.ExternalID, s.StartOn, s.EndOn, s.Status, today)
		}
	}
	for _, inv := range c.Invoices {
		if accounts[inv.AccountExternalID] == nil || inv.Amount <= 0 || inv.IssuedOn.After(today) || inv.PaidOn.After(today) {
			t.Errorf("invoice %+v", inv)
		}
	}
	for _, tk := range c.Tickets {
		if accounts[tk.AccountExternalID] == nil || !tk.OpenedAt.Before(today.Time()) || tk.ClosedAt.After(today.Time()) {
			t.Errorf("ticket %+v", tk)
		}
	}
	for _, s := range c.Surveys {
		if contactAccount[s.ContactExternalID] != s.AccountExternalID {
			t.Errorf("survey %s: contact %s is not at account %s", s.ExternalID, s.ContactExternalID, s.AccountExternalID)
		}
		if !s.RespondedAt.Before(today.Time()) {
			t.Errorf("survey %s answered in the future", s.ExternalID)
		}
	}
	for _, act := range c.Activities {
		if accounts[act.AccountExternalID] == nil || act.AuthorEmail != "" && !users[act.AuthorEmail] {
			t.Errorf("activity %+v", act)
		}
		if !act.OccurredAt.Before(today.Time()) {
			t.Errorf("activity %s in the future: %s", act.ExternalID, act.OccurredAt)
		}
	}
}

// BenchmarkBuild measures inventing the default 2,000-account company.
func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		Build(Options{Seed: 1, Today: asOf})
	}
}

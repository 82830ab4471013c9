package demo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// Sizing of the customer base. An account's final MRR is log-normal: with
// this median and spread the top 10% of accounts carry about 45% of MRR
// and the top 30% about 75%, as in the seeds' Pareto example.
const (
	medianMRR   = 800.0 // dollars a month
	sigmaMRR    = 1.26
	minMRR      = 120.0
	maxMRR      = 110000.0
	shareOld    = 0.66   // accounts that were customers before the history starts
	highFloor   = 500000 // cents of MRR: high touch, "Enterprise" tier
	lowFloor    = 170000 // cents of MRR: low touch, "Mid-Market" tier
	scaleFloor  = 100000 // cents of MRR: tech-touch accounts the pooled CSM watches
	sponsored   = 25     // top accounts with an executive sponsor (at most 5 each)
	childShare  = 30     // one account in this many is a subsidiary of another
	maxChildren = 3
)

// gen holds the state of one Build.
type gen struct {
	opts   Options
	today  civil.Date // T: the demo's "now"
	h0     civil.Date // start of the 24 months of history
	us     civil.Date // first day of product usage (UsageDays ending today)
	master rng

	users      []customer.User
	leader     string
	enterprise []string // CSM emails, high touch
	midMarket  []string // CSM emails, low touch
	scale      string   // pooled tech-touch CSM
	entAEs     []string
	midAEs     []string
	sponsors   []string
	capacity   map[string]int64 // CSM email → ARR they are sized to carry

	accts []*acct
	names map[string]bool
}

func newGen(opts Options) *gen {
	return &gen{
		opts:     opts,
		today:    opts.Today,
		h0:       opts.Today.AddMonths(-24),
		us:       opts.Today.AddDays(1 - UsageDays),
		master:   newRNG(opts.Seed, 0),
		names:    map[string]bool{},
		capacity: map[string]int64{},
	}
}

// makeTeam invents Lumora's customer-facing team: a CS leader, an admin,
// twelve CSMs in three pods, account executives and executive sponsors.
func (g *gen) makeTeam() {
	r := g.master
	used := map[string]bool{}
	add := func(role, title string, capacity int64) string {
		for {
			first, last := pick(r, firstNames), pick(r, lastNames)
			email := slug(first) + "." + slug(last) + "@" + companyDomain
			if used[email] {
				continue
			}
			used[email] = true
			g.users = append(g.users, customer.User{
				Email: email, Name: first + " " + last, Role: role, Title: title,
				CapacityARR: capacity,
			})
			return email
		}
	}
	g.leader = add(customer.RoleLeader, "VP Customer Success", 0)
	add(customer.RoleAdmin, "Customer Success Operations Manager", 0)
	// CSM capacities (ARR, cents) differ with seniority; books are
	// balanced against them.
	for _, c := range []struct {
		title    string
		capacity int64
	}{
		{"Senior Customer Success Manager, Enterprise", 440_000_000},
		{"Senior Customer Success Manager, Enterprise", 440_000_000},
		{"Customer Success Manager, Enterprise", 400_000_000},
		{"Customer Success Manager, Enterprise", 400_000_000},
		{"Customer Success Manager, Enterprise", 400_000_000},
		{"Customer Success Manager, Enterprise (ramping)", 300_000_000},
	} {
		email := add(customer.RoleCSM, c.title, c.capacity)
		g.enterprise = append(g.enterprise, email)
		g.capacity[email] = c.capacity
	}
	for _, c := range []struct {
		title    string
		capacity int64
	}{
		{"Senior Customer Success Manager, Mid-Market", 380_000_000},
		{"Customer Success Manager, Mid-Market", 340_000_000},
		{"Customer Success Manager, Mid-Market", 340_000_000},
		{"Customer Success Manager, Mid-Market", 340_000_000},
		{"Associate Customer Success Manager, Mid-Market", 260_000_000},
	} {
		email := add(customer.RoleCSM, c.title, c.capacity)
		g.midMarket = append(g.midMarket, email)
		g.capacity[email] = c.capacity
	}
	g.scale = add(customer.RoleCSM, "Scale CSM (pooled, tech touch)", 500_000_000)
	for range 2 {
		g.entAEs = append(g.entAEs, add(customer.RoleReadOnly, "Enterprise Account Executive", 0))
	}
	for range 2 {
		g.midAEs = append(g.midAEs, add(customer.RoleReadOnly, "Mid-Market Account Executive", 0))
	}
	for _, t := range []string{"Chief Executive Officer", "Chief Financial Officer", "Chief Technology Officer",
		"Chief Product Officer", "Chief Operating Officer", "VP Engineering"} {
		g.sponsors = append(g.sponsors, add(customer.RoleReadOnly, t, 0))
	}
}

// makeAccounts invents the customer companies: unique names, firmographics,
// external ids in the style of a CRM, a billing system and product
// telemetry, and each one's final size.
func (g *gen) makeAccounts() {
	n := g.opts.Accounts
	industryWeights := make([]float64, len(industries))
	for i, in := range industries {
		industryWeights[i] = float64(in.weight)
	}
	regionWeights := make([]float64, len(regions))
	for i, rg := range regions {
		regionWeights[i] = float64(rg.weight)
	}
	exts := map[string]bool{}
	for i := range n {
		r := newRNG(g.opts.Seed, uint64(i)+1)
		a := &acct{i: i, r: r, u: newRNG(g.opts.Seed, usageStream+uint64(i)), today: g.today}
		in := industries[r.weighted(industryWeights)]
		rg := regions[r.weighted(regionWeights)]
		a.industry, a.region, a.country = in.name, rg.name, pick(r, rg.countries)
		a.name = g.uniqueName(r, in.suffixes)
		a.domain = slug(a.name) + ".example"
		for {
			a.ext = "001" + r.token(15)
			if !exts[a.ext] {
				exts[a.ext] = true
				break
			}
		}
		a.billingID = "cus_" + r.token(14)
		a.productID = r.uuid()
		// Log-normal, truncated: the smallest plan has a floor, and the
		// largest customers are not unbounded.
		a.size = r.lognormal(medianMRR, sigmaMRR)
		for try := 0; (a.size < minMRR || a.size > maxMRR) && try < 20; try++ {
			a.size = r.lognormal(medianMRR, sigmaMRR)
		}
		a.size = math.Min(maxMRR, math.Max(minMRR, a.size))
		g.accts = append(g.accts, a)
	}
	// rank: 0 for the smallest account, towards 1 for the largest.
	order := slices.Clone(g.accts)
	slices.SortFunc(order, func(x, y *acct) int { return cmp.Or(cmp.Compare(x.size, y.size), cmp.Compare(x.i, y.i)) })
	for k, a := range order {
		a.rank = float64(k) / float64(len(order))
	}
}

// uniqueName draws company names until one is new.
func (g *gen) uniqueName(r rng, suffixes []string) string {
	for try := 0; ; try++ {
		name := pick(r, namePrefixes) + " " + pick(r, suffixes)
		if try > 20 {
			name = pick(r, namePrefixes) + " " + pick(r, namePrefixes) + " " + pick(r, suffixes)
		}
		if try > 60 {
			name = fmt.Sprintf("%s %d", name, try)
		}
		if !g.names[name] {
			g.names[name] = true
			return name
		}
	}
}

// makeHierarchy makes some accounts regional subsidiaries of large ones:
// they take the parent's name with a region, its industry and domain.
func (g *gen) makeHierarchy() {
	r := g.master
	var parents, others []*acct
	for _, a := range g.accts {
		multinational := a.industry != "Government" && a.industry != "Nonprofit" && a.industry != "Education"
		if a.rank >= 0.85 && multinational {
			parents = append(parents, a)
		} else {
			others = append(others, a)
		}
	}
	if len(parents) == 0 {
		return
	}
	want := len(g.accts) / childShare
	for k := 0; k < want && len(others) > 0 && len(parents) > 0; k++ {
		ci := r.IntN(len(others))
		child := others[ci]
		others = slices.Delete(others, ci, ci+1)
		pi := r.IntN(len(parents))
		parent := parents[pi]
		var sub = subsidiaryNames[0]
		for try := 0; try < 20; try++ {
			sub = pick(r, subsidiaryNames)
			if sub.region != parent.region && !parent.subsidiaries[sub.suffix] {
				break
			}
		}
		if parent.subsidiaries[sub.suffix] {
			continue
		}
		if parent.subsidiaries == nil {
			parent.subsidiaries = map[string]bool{}
		}
		parent.subsidiaries[sub.suffix] = true
		name := parent.name + " " + sub.suffix
		if g.names[name] {
			continue
		}
		g.names[name] = true
		child.parent = parent
		child.name = name
		child.industry, child.region, child.country = parent.industry, sub.region, sub.country
		child.domain = parent.domain
		if len(parent.subsidiaries) >= maxChildren {
			parents = slices.Delete(parents, pi, pi+1)
		}
	}
}

// segment sets each account's tier and touch model from its MRR (at the
// end of its history: now, or when it churned), with the floors of the
// seeds' Pareto example.
func (g *gen) segment() {
	for _, a := range g.accts {
		switch {
		case a.mrr >= highFloor:
			a.touch, a.tier = customer.TouchHigh, "Enterprise"
		case a.mrr >= lowFloor:
			a.touch, a.tier = customer.TouchLow, "Mid-Market"
		default:
			a.touch, a.tier = customer.TouchTech, "SMB"
		}
	}
}

// assignOwners gives accounts their CSM, AE and executive sponsor. CSM
// books are balanced by ARR, not by account count: each live account, the
// largest first, goes to the CSM of its pod whose book is the smallest
// share of their capacity so far.
// Tech-touch accounts have no CSM, except the upper band, which the pooled
// scale CSM watches.
func (g *gen) assignOwners() {
	live := slices.Clone(g.accts)
	live = slices.DeleteFunc(live, func(a *acct) bool { return !a.live })
	slices.SortFunc(live, func(x, y *acct) int { return cmp.Or(cmp.Compare(y.mrr, x.mrr), cmp.Compare(x.i, y.i)) })
	book := map[string]int64{}
	balance := func(a *acct, pod []string) {
		load := func(c string) float64 { return float64(book[c]+a.mrr) / float64(g.capacity[c]) }
		best := pod[0]
		for _, c := range pod[1:] {
			if load(c) < load(best) {
				best = c
			}
		}
		a.csm = best
		book[best] += a.mrr
	}
	for _, a := range live {
		switch a.touch {
		case customer.TouchHigh:
			balance(a, g.enterprise)
		case customer.TouchLow:
			balance(a, g.midMarket)
		}
	}
	for k, a := range live {
		if k < sponsored && a.touch == customer.TouchHigh {
			a.sponsor = g.sponsors[k%len(g.sponsors)]
		}
	}
	for _, a := range g.accts {
		r := a.r
		switch a.touch {
		case customer.TouchHigh:
			if a.csm == "" {
				a.csm = pick(r, g.enterprise)
			}
			a.ae = pick(r, g.entAEs)
		case customer.TouchLow:
			if a.csm == "" {
				a.csm = pick(r, g.midMarket)
			}
			a.ae = pick(r, g.midAEs)
		default:
			if a.mrr >= scaleFloor {
				a.csm = g.scale
			}
			if r.chance(0.5) {
				a.ae = pick(r, g.midAEs)
			}
		}
	}
}

// finishAccount fills in the account record.
func (g *gen) finishAccount(a *acct) {
	r := a.r
	emp := float64(a.seats) * r.uniform(1.5, 14)
	a.account = customer.Account{
		ExternalID:    a.ext,
		BillingID:     a.billingID,
		ProductID:     a.productID,
		Name:          a.name,
		Industry:      a.industry,
		Employees:     roundSignificant(math.Max(5, emp)),
		Region:        a.region,
		Lifecycle:     g.lifecycle(a),
		Tier:          a.tier,
		TouchModel:    a.touch,
		CSMEmail:      a.csm,
		AEEmail:       a.ae,
		SponsorEmail:  a.sponsor,
		CustomerSince: a.since,
		Currency:      "USD",
		Attributes: map[string]any{
			"hq_country":  a.country,
			"sso_enabled": a.mrr >= lowFloor && r.chance(0.8) || r.chance(0.15),
		},
	}
	if a.parent != nil {
		a.account.ParentExternalID = a.parent.ext
	}
	if golive := a.since.AddDays(r.between(14, 75)); golive.Before(g.today) {
		a.account.Attributes["go_live_on"] = golive.String()
	}
	roll := customer.Rollup(a.subs)
	a.account.MRR, a.account.Currency, a.account.RenewalOn = roll.MRR, roll.Currency, roll.RenewalOn
}

// lifecycle is the account's stage today.
func (g *gen) lifecycle(a *acct) string {
	switch {
	case !a.live:
		return customer.StageChurned
	case a.flagged:
		return customer.StageAtRisk
	}
	tenure := g.today.DaysSince(a.runStart())
	switch {
	case tenure < 90:
		return customer.StageOnboarding
	case tenure < 365:
		return customer.StageAdopting
	}
	return customer.StageMature
}

// roundSignificant rounds x to two significant digits, as employee counts
// in a CRM usually are.
func roundSignificant(x float64) int {
	if x < 100 {
		return int(math.Round(x))
	}
	p := math.Pow(10, math.Floor(math.Log10(x))-1)
	return int(math.Round(x/p) * p)
}

// firstName is the first word of a name.
func firstName(name string) string {
	first, _, _ := strings.Cut(name, " ")
	return first
}

// Package demo invents a realistic B2B SaaS company — Lumora, a
// work-management platform with two add-ons — and its customers: about
// 2,000 accounts with a long-tailed MRR, 24 months of subscription history
// (new business, expansion, contraction, churn and reactivation), contacts,
// invoices, support tickets, survey answers and a CSM timeline.
//
// Accounts that churn mostly show the warning signs a CS team watches for
// (falling NPS, a key contact leaving, overdue invoices, a spike of
// tickets, a CSM gone quiet, active users falling) in the months before;
// healthy ones mostly do not, bar some false alarms; and some live
// accounts are at risk right now. Each account's seats, product usage,
// notes and survey answers tell one story: a business review quotes the
// seats and active users of its day. The generator's own
// record of what it planted is kept in Company.Truth, so that later
// features (health scores, churn prediction) can be measured against it.
//
// Build is pure and deterministic: the same Options give the same company.
// Dates are relative to Options.Today so the demo always looks current.
// Load writes a company into a store.
package demo

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// DefaultAccounts is how many customer accounts a demo company has unless
// told otherwise.
const DefaultAccounts = 2000

// Options say which demo company to build.
type Options struct {
	// Seed picks the company: the same seed and day give the same data.
	Seed int64
	// Accounts is how many customer accounts to invent (live and churned);
	// 0 means DefaultAccounts.
	Accounts int
	// Today is the day the demo is "as of"; history runs 24 months back
	// from it. The zero Date means the current UTC day.
	Today civil.Date
}

// Company is a whole demo company: its team, its products and everything
// it knows about its customers, ready to be loaded into a store.
type Company struct {
	Name   string
	Domain string
	Seed   int64
	Today  civil.Date

	Products      []Product
	AttributeDefs []customer.AttributeDef
	Users         []customer.User
	// Accounts have MRR and RenewalOn filled in from their live
	// subscriptions, as the store derives them.
	Accounts      []customer.Account
	Contacts      []customer.Contact
	Subscriptions []customer.Subscription
	Invoices      []customer.Invoice
	Tickets       []customer.Ticket
	Surveys       []customer.SurveyResponse
	Activities    []customer.Activity
	// ChurnRecords are the reasons the CSMs recorded for churned accounts:
	// most of them, as in a real team, not all.
	ChurnRecords []customer.ChurnRecord

	// usage is each account's product usage, in the order of Accounts
	// (Usage and LoadUsage read it).
	usage []accountUsage

	// Truth is what the generator decided for each account, in the same
	// order as Accounts. It is not loaded into the store.
	Truth []Truth
}

// Product is one of the demo company's product lines.
type Product struct {
	Name        string
	Description string
	// Unit is what Quantity counts on its subscriptions.
	Unit string
	// ListPrice is the monthly price of one unit, in cents.
	ListPrice int64
}

// Fate is what happened to an account over the demo's history.
type Fate string

// The fates of accounts.
const (
	FateHealthy     Fate = "healthy"     // live, no trouble now (it may have had a scare before)
	FateAtRisk      Fate = "at_risk"     // live, showing warning signs now
	FateChurned     Fate = "churned"     // left and has not come back
	FateReactivated Fate = "reactivated" // left, then came back
)

// Warning signs the generator plants before a churn or in an account at
// risk; they name the domain's risk signals.
const (
	SignNPS         = "detractor_nps" // NPS falls to detractor
	SignContactLeft = "key_contact_left"
	SignOverdue     = "overdue_invoices"
	SignTickets     = "ticket_spike" // many, urgent, escalated, badly rated tickets
	SignSilence     = "csm_silence"  // no CSM touch or QBR for months
)

// Truth is the generator's record of one account: its fate, when and why
// it churned, and which warning signs it was given and from when.
type Truth struct {
	AccountExternalID string
	Fate              Fate
	// ChurnedOn is the day the account last churned (zero if never).
	ChurnedOn civil.Date
	// ReactivatedOn is the day it came back (zero if it did not).
	ReactivatedOn civil.Date
	// Reason is why it churned or is at risk, in the domain's churn
	// reasons: poor_adoption, product_gap, price, competitor, budget,
	// key_person_left, acquired, bankruptcy, restructuring.
	Reason string
	// Controllable is false for churn CS could not have prevented
	// (acquisition, bankruptcy, restructuring).
	Controllable bool
	// RiskFrom is when the warning signs began, before the churn or now.
	RiskFrom civil.Date
	// Signs lists the warning signs planted, in a fixed order.
	Signs []string
	// SaidWillNotRenew is true for a live account that has told us it
	// will not renew (its subscriptions are canceled).
	SaidWillNotRenew bool
	// Saved is true for a live account that had warning signs earlier
	// and recovered.
	Saved bool
}

// The demo company itself.
const (
	companyName   = "Lumora"
	companyDomain = "lumora.example"
)

// Products of the demo company, core platform first.
var products = []Product{
	{Name: "Platform", Description: "Lumora's work-management platform: projects, workflows and team workspaces, per seat", Unit: "seat", ListPrice: 4900},
	{Name: "Insights", Description: "Analytics add-on: dashboards, scheduled reports and benchmarks, per analyst seat", Unit: "analyst seat", ListPrice: insightsSeatPrice},
	{Name: "Automate", Description: "Workflow-automation add-on, per bundle of 10,000 runs a month", Unit: "10k runs", ListPrice: automateBundlePrice},
}

// attributeDefs are the custom account fields the demo fills in.
var attributeDefs = []customer.AttributeDef{
	{Key: "hq_country", Label: "HQ country", Type: "text"},
	{Key: "sso_enabled", Label: "SSO enabled", Type: "boolean"},
	{Key: "go_live_on", Label: "Go-live date", Type: "date"},
}

func (o Options) normalized() Options {
	if o.Accounts <= 0 {
		o.Accounts = DefaultAccounts
	}
	if o.Today.IsZero() {
		o.Today = civil.Today()
	}
	return o
}

// Build invents the demo company described by opts. It does no I/O; the
// same opts always give the same company.
func Build(opts Options) *Company {
	opts = opts.normalized()
	g := newGen(opts)
	g.makeTeam()
	g.makeAccounts()
	g.makeHierarchy()
	for _, a := range g.accts {
		g.simulate(a)
	}
	g.segment()
	g.assignOwners()
	for _, a := range g.accts {
		g.planRisk(a)
		g.setStatuses(a)
		g.makeContacts(a)
		g.planStory(a)
		g.makeUsage(a)
		g.makeInvoices(a)
		g.makeTickets(a)
		g.makeSurveys(a)
		g.makeTimeline(a)
		g.finishAccount(a)
	}
	return g.company()
}

// company gathers every account's objects into one Company, numbering
// invoices and tickets in date order as a billing and a help-desk system
// would.
func (g *gen) company() *Company {
	c := &Company{
		Name:          companyName,
		Domain:        companyDomain,
		Seed:          g.opts.Seed,
		Today:         g.today,
		Products:      slices.Clone(products),
		AttributeDefs: slices.Clone(attributeDefs),
		Users:         g.users,
	}
	var nc, ns, ni, nt, nv, na int
	for _, a := range g.accts {
		nc, ns, ni, nt, nv, na = nc+len(a.people), ns+len(a.subs), ni+len(a.invoices), nt+len(a.tickets), nv+len(a.surveys), na+len(a.activities)
	}
	c.Accounts = make([]customer.Account, 0, len(g.accts))
	c.Truth = make([]Truth, 0, len(g.accts))
	c.Contacts = make([]customer.Contact, 0, nc)
	c.Subscriptions = make([]customer.Subscription, 0, ns)
	c.Invoices = make([]customer.Invoice, 0, ni)
	c.Tickets = make([]customer.Ticket, 0, nt)
	c.Surveys = make([]customer.SurveyResponse, 0, nv)
	c.Activities = make([]customer.Activity, 0, na)
	for _, a := range g.accts {
		c.Accounts = append(c.Accounts, a.account)
		c.Truth = append(c.Truth, a.truth())
		c.usage = append(c.usage, accountUsage{users: a.users, visits: a.visits})
		for _, p := range a.people {
			c.Contacts = append(c.Contacts, p.Contact)
		}
		c.Subscriptions = append(c.Subscriptions, a.subs...)
		c.Invoices = append(c.Invoices, a.invoices...)
		c.Tickets = append(c.Tickets, a.tickets...)
		c.Surveys = append(c.Surveys, a.surveys...)
		c.Activities = append(c.Activities, a.activities...)
	}
	c.ChurnRecords = churnRecords(c.Accounts, c.Truth)
	// External ids are unique, so these orders are total and the result
	// does not depend on the sort algorithm.
	slices.SortFunc(c.Invoices, func(x, y customer.Invoice) int {
		return cmp.Or(cmp.Compare(x.IssuedOn.Year, y.IssuedOn.Year), cmp.Compare(x.IssuedOn.Month, y.IssuedOn.Month), cmp.Compare(x.IssuedOn.Day, y.IssuedOn.Day), cmp.Compare(x.ExternalID, y.ExternalID))
	})
	for i := range c.Invoices {
		inv := &c.Invoices[i]
		inv.Number = fmt.Sprintf("INV-%d-%06d", inv.IssuedOn.Year, 10001+i)
	}
	slices.SortFunc(c.Tickets, func(x, y customer.Ticket) int {
		return cmp.Or(x.OpenedAt.Compare(y.OpenedAt), cmp.Compare(x.AccountExternalID, y.AccountExternalID), cmp.Compare(x.Subject, y.Subject))
	})
	for i := range c.Tickets {
		c.Tickets[i].ExternalID = fmt.Sprint(40001 + i)
	}
	return c
}

// churnRecords are the churn reasons the team recorded: one per churned
// account, for its last churn, with the reason the generator chose. One
// churn in eight goes unrecorded, so the retention page has gaps to show.
func churnRecords(accounts []customer.Account, truth []Truth) []customer.ChurnRecord {
	var out []customer.ChurnRecord
	n := 0
	for i, t := range truth {
		if t.ChurnedOn.IsZero() || t.Reason == "" {
			continue
		}
		n++
		if n%8 == 0 {
			continue
		}
		a := accounts[i]
		ctl := "no"
		if t.Controllable {
			ctl = "yes"
		}
		out = append(out, customer.ChurnRecord{
			ExternalID: "churn-" + a.ExternalID, AccountExternalID: a.ExternalID, ChurnedOn: t.ChurnedOn,
			Reason: t.Reason, Controllable: ctl, RecordedBy: a.CSMEmail,
			Note: "Recorded at the exit call.",
		})
	}
	return out
}

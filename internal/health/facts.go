// Package health scores accounts: the metric catalogue, scorecards
// (measures → groups → an overall 0–100 score and a colour), the
// explanation of every point, and the backtest that says how well a score
// separated churn from renewal. It is plain Go with no I/O: the store reads
// Facts in bulk and surfaces show the Results.
package health

import "github.com/tendhq/tend/internal/civil"

// Facts is what is known about one account, as dated records. Metrics are
// computed from Facts as of a day and must ignore every record dated after
// it, so one Facts serves today's score and a backtest's past ones alike.
// Slices are in no particular order unless noted.
type Facts struct {
	AccountID  int64
	ExternalID string
	Name       string
	ParentID   int64 // 0: none
	// HasChildren says another account names this one its parent: its
	// score is then its family's, rolled up by MRR (RollUp).
	HasChildren bool

	Tier, TouchModel, Lifecycle, Industry, Region string
	CSMID                                         int64 // 0: no CSM
	CustomerSince                                 civil.Date
	RenewalOn                                     civil.Date // the next renewal as stored today (zero: none)
	MRR                                           int64      // today's MRR in minor units of Currency
	Currency                                      string
	Attributes                                    map[string]any // custom fields

	// MRRChanges is the account's MRR over time in USD minor units, one
	// point per day it changed, sorted by day; for the MRR trend.
	MRRChanges []MRRPoint
	Surveys    []Survey
	Tickets    []Ticket
	Invoices   []Invoice
	Contacts   []Contact
	Touches    []Touch
	Pulses     []Pulse
	// Usage holds adoption values (usage.Adoption.Values: "usage.mau",
	// "usage.seat_utilisation", …) as of given days, sorted by day. The
	// loader computes them for the days it is asked to score; a metric as
	// of a day reads the snapshot of exactly that day and is missing
	// otherwise.
	Usage []UsageSnapshot
}

// MRRPoint is an account's MRR from a day on.
type MRRPoint struct {
	From civil.Date
	MRR  int64 // USD minor units
}

// Survey is one survey answer: Kind is nps (0–10), csat (1–5), ces (1–7)
// or would_renew (0 no, 1 yes).
type Survey struct {
	On    civil.Date
	Kind  string
	Score int
}

// Ticket is one support ticket; Closed is zero while it is open.
type Ticket struct {
	Opened, Closed civil.Date
	Priority       string
	Escalated      bool
	// EscalatedOn is the day it was escalated when known; a zero
	// EscalatedOn with Escalated set counts the escalation from Opened.
	EscalatedOn civil.Date
	CSAT        int // 1–5, 0 when not rated
}

// Invoice is one invoice; Paid is zero while unpaid.
type Invoice struct {
	Issued, Due, Paid civil.Date
	Amount            int64
}

// Contact is a person at the account. Since is when Tend first knew them
// (the record's creation day); Left is zero while they are still there.
type Contact struct {
	Roles       []string // customer.ContactRoles: champion, economic_buyer, executive, …
	Since, Left civil.Date
}

// Touch is one activity on the account's timeline (customer.ActivityKinds:
// note, call, meeting, email, qbr, ebr, onsite); ByCSM says its author was
// the account's CSM at the time of loading.
type Touch struct {
	On    civil.Date
	Kind  string
	ByCSM bool
}

// Pulse is a CSM's manual red/yellow/green, counting from Set until
// Expires (exclusive).
type Pulse struct {
	Set, Expires civil.Date
	Colour       string // red, yellow, green
	Reason       string
	By           string // who set it (email)
}

// UsageSnapshot is an account's adoption values as of a day.
type UsageSnapshot struct {
	AsOf   civil.Date
	Values map[string]float64
}

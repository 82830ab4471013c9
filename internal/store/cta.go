package store

import (
	"context"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
)

// Work keeps the CSMs' work list: CTAs, their playbook tasks, and the
// playbooks edited in Tend. What an intent does to the CTAs an account has
// is cta.Apply's decision; the store reads and writes.
type Work interface {
	// ApplyIntents applies rules' intents in one transaction, deciding
	// each with cta.Apply as of today; a new CTA's owner is its account's
	// CSM, or pool for tech-touch accounts (cta.OwnerFor), and it gets the
	// tasks of its playbook (stored over shipped). Intents are applied in
	// order, so a later one sees what an earlier one did. Malformed intents
	// (or unknown playbooks) refuse the batch with validate.Errors naming
	// intents[i]; intents for accounts that do not exist are skipped.
	ApplyIntents(ctx context.Context, today civil.Date, pool string, intents []cta.Intent) (Applied, error)
	// OpenCTA opens a CTA by hand (no rule) with its playbook's tasks, as
	// of today; it sets ID, Status (open) and the times. With no owner it
	// goes to the account's CSM (whatever the touch model: someone asked
	// for it), else to by, who opened it (0: unknown), else to pool.
	OpenCTA(ctx context.Context, c *cta.CTA, today civil.Date, pool string, by int64) error
	// CTA reads one CTA (ErrNotFound).
	CTA(ctx context.Context, id int64) (CTARow, error)
	// ListCTAs lists CTAs overdue first, then by priority, due date and
	// id, one page at a time (keyset cursor).
	ListCTAs(ctx context.Context, f CTAFilter) (Page[CTARow], error)
	// EditCTAs applies one checked edit (cta.Edit) to each of the CTAs, in
	// one transaction, and returns them as they now are. A missing id is
	// ErrNotFound, a closed CTA validate.Errors; either changes nothing.
	EditCTAs(ctx context.Context, ids []int64, e cta.Edit, today civil.Date) ([]CTARow, error)
	// CTATasks lists the tasks of each CTA, in playbook order.
	CTATasks(ctx context.Context, ctaIDs []int64) (map[int64][]cta.Task, error)
	// OpenTasks lists the tasks not done of CTAs not closed owned by
	// ownerID (0: everyone's), overdue first then by due date, at most limit.
	OpenTasks(ctx context.Context, ownerID int64, limit int) ([]TaskRow, error)
	// CompleteTask marks a task done by a user now (ErrNotFound); done
	// twice keeps the first time.
	CompleteTask(ctx context.Context, id, by int64) (TaskRow, error)
	// CTAReport counts the CTAs opened and closed in from..to (inclusive
	// days), and what became of the accounts of the risk CTAs opened then
	// (cta.RenewalOutcome as of today).
	CTAReport(ctx context.Context, from, to, today civil.Date) (CTAReport, error)

	// Playbook is the playbook of that name: the stored one, else the
	// shipped one (ErrNotFound when neither).
	Playbook(ctx context.Context, name string) (cta.Playbook, error)
	// Playbooks lists every playbook, stored ones over shipped, by name.
	Playbooks(ctx context.Context) ([]PlaybookInfo, error)
	// SavePlaybook parses and stores a playbook's YAML (cta.ParsePlaybook's
	// validate.Errors when bad), overriding the shipped one of its name.
	SavePlaybook(ctx context.Context, yaml string, by int64) (cta.Playbook, error)
	// ResetPlaybook removes the stored playbook of that name (ErrNotFound).
	ResetPlaybook(ctx context.Context, name string) error
}

// Applied is what ApplyIntents did, in counts and per intent.
type Applied struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Reopened  int `json:"reopened"`
	Closed    int `json:"closed"`
	Unchanged int `json:"unchanged"`
	// Skipped intents named accounts that do not exist (or lost a race
	// with another replica opening the same CTA).
	Skipped int `json:"skipped"`
	// Changes are the intents that changed something: the intent's index,
	// what it did, and the CTA's id.
	Changes []AppliedChange `json:"changes"`
}

// AppliedChange is one intent's effect.
type AppliedChange struct {
	Index int      `json:"index"`
	Kind  cta.Kind `json:"kind"`
	CTAID int64    `json:"cta_id"`
}

// CTARow is a CTA with what lists show beside it.
type CTARow struct {
	cta.CTA
	AccountName  string `json:"account_name"`
	AccountCSMID int64  `json:"account_csm_id,omitempty"`
	OwnerEmail   string `json:"owner_email,omitempty"`
	OwnerName    string `json:"owner_name,omitempty"`
	TasksDone    int    `json:"tasks_done"`
	TasksTotal   int    `json:"tasks_total"`
}

// Overdue reports whether the CTA is still to do and its due date passed.
func (r CTARow) Overdue(today civil.Date) bool {
	return (r.Status.Active()) && r.Due.Before(today)
}

// CTAFilter selects CTAs. Zero fields do not filter.
type CTAFilter struct {
	OwnerID   int64
	Pool      string
	AccountID int64
	// Statuses: none lists the CTAs not closed.
	Statuses  []cta.Status
	Type      cta.Type
	Priority  cta.Priority
	DueBefore civil.Date // due on or before
	Overdue   bool       // still to do (open, in progress) and due before Today
	// Today decides what is overdue (zero: today, UTC).
	Today  civil.Date
	Cursor string
	Limit  int // default 50, at most 1000
}

// TaskRow is a task with its CTA and account, for work lists.
type TaskRow struct {
	cta.Task
	CTAType     cta.Type `json:"cta_type"`
	CTAReason   string   `json:"cta_reason"`
	AccountID   int64    `json:"account_id"`
	AccountName string   `json:"account_name"`
}

// CTAReport is the measure of the work: see Work.CTAReport.
type CTAReport struct {
	From   civil.Date `json:"from"`
	To     civil.Date `json:"to"`
	Opened []CTACount `json:"opened"` // by type
	Closed []CTACount `json:"closed"` // by type and outcome
	// MedianDaysToClose is over the CTAs closed in the period (0: none).
	MedianDaysToClose float64 `json:"median_days_to_close"`
	// OpenNow and OverdueNow count every CTA still to do as of today.
	OpenNow    int `json:"open_now"`
	OverdueNow int `json:"overdue_now"`
	// Risk is what became of the accounts of the risk CTAs opened in the
	// period (each account once, from its first such CTA).
	Risk RiskOutcomes `json:"risk"`
}

// CTACount is a count of CTAs of a type (and outcome, for closed ones).
type CTACount struct {
	Type    cta.Type `json:"type"`
	Outcome string   `json:"outcome,omitempty"`
	Count   int      `json:"count"`
	// MedianDays is the median days from open to close (closed counts).
	MedianDays float64 `json:"median_days,omitempty"`
}

// RiskOutcomes counts accounts by cta.RenewalOutcome.
type RiskOutcomes struct {
	Accounts int `json:"accounts"`
	Renewed  int `json:"renewed"`
	Churned  int `json:"churned"`
	Pending  int `json:"pending"`
}

// PlaybookInfo is a playbook and where it comes from.
type PlaybookInfo struct {
	cta.Playbook
	Stored    bool      `json:"stored"`  // edited in Tend (else shipped)
	Shipped   bool      `json:"shipped"` // Tend ships one of this name
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy int64     `json:"updated_by,omitempty"`
}

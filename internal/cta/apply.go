package cta

import (
	"slices"
	"strconv"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/validate"
)

// Owner is who a new CTA goes to: a user, or (UserID 0) a pool of people.
type Owner struct {
	UserID int64
	Pool   string
}

// techTouch are the touch models whose accounts have no CSM of their own.
var techTouch = []string{"tech", "digital"}

// OwnerFor resolves the owner of an account's new CTAs: its CSM, or pool
// when the account is tech-touch or has no CSM (DefaultPool when pool is
// empty).
func OwnerFor(csmID int64, touchModel, pool string) Owner {
	if csmID != 0 && !slices.Contains(techTouch, touchModel) {
		return Owner{UserID: csmID}
	}
	if pool == "" {
		pool = DefaultPool
	}
	return Owner{Pool: pool}
}

// Kind says what Apply decided.
type Kind string

const (
	None    Kind = ""       // nothing to write
	Create  Kind = "create" // a new CTA
	Update  Kind = "update" // the open CTA's reason, priority or due changed
	Reopen  Kind = "reopen" // a snoozed CTA whose date has passed fires again
	CloseIt Kind = "close"  // the open (or snoozed) CTA is closed
)

// Change is what an intent does: Kind, and the CTA as it should be stored
// (ID 0 for Create). Times are the store's to set.
type Change struct {
	Kind Kind
	CTA  CTA
}

// Check reports what is wrong with an intent, naming the field.
func (in Intent) Check() error {
	var errs validate.Errors
	if !slices.Contains([]Action{OpenAction, UpdateAction, CloseAction}, in.Action) {
		errs.Add("action", "invalid", "%q is not open, update or close", in.Action)
	}
	if in.AccountID <= 0 {
		errs.Add("account_id", "required", "is required")
	}
	if in.Rule == "" {
		errs.Add("rule", "required", "is required (a CTA opened by hand is not an intent)")
	}
	if in.Action == OpenAction {
		if !slices.Contains(Types, in.Type) {
			errs.Add("type", "invalid", "%q is not one of %v", in.Type, Types)
		}
		if in.Priority < Urgent || in.Priority > Low {
			errs.Add("priority", "invalid", "%d is not between 1 (urgent) and 4 (low)", in.Priority)
		}
	}
	if in.DueInDays < 0 || in.DueInDays > 3650 {
		errs.Add("due_in_days", "invalid", "%d is not between 0 and 3650", in.DueInDays)
	}
	errs.MaxLen("reason", in.Reason, 2000)
	return errs.Err()
}

// CheckIntents checks each intent, naming it by its index.
func CheckIntents(ins []Intent) error {
	var errs validate.Errors
	for i, in := range ins {
		if err := in.Check(); err != nil {
			e, _ := validate.As(err)
			errs = append(errs, e.Prefix("intents["+strconv.Itoa(i)+"]")...)
		}
	}
	return errs.Err()
}

// Apply decides what an intent does to the CTAs the account already has for
// the intent's rule and key (any status, in any order):
//
//   - there is at most one CTA not closed per (account, rule, key);
//   - open when one is open or in progress updates its reason, priority and
//     due date (never its owner or status); the due date only moves
//     earlier, so a rule firing every day cannot keep its CTA from ever
//     falling due; when nothing changes, None;
//   - open when one is snoozed: before its snooze date, None; on or after
//     it, the CTA reopens with the new reason, priority and due date;
//   - open when none is (only closed ones, or none at all) creates a new
//     CTA for owner: closed CTAs never reopen;
//   - update is open without the create (and without waking a snoozed one);
//   - close closes the one not closed with the intent's outcome (Cleared
//     when it names none); None when there is none.
//
// Malformed intents are CheckIntents' to refuse; Apply assumes a checked one.
func Apply(existing []CTA, in Intent, today civil.Date, owner Owner) Change {
	var cur *CTA
	for i := range existing {
		c := &existing[i]
		if c.Status != Closed && c.AccountID == in.AccountID && c.Rule == in.Rule && c.Key == in.Key {
			if cur == nil || c.ID > cur.ID {
				cur = c
			}
		}
	}
	due := today.AddDays(in.DueInDays)
	switch in.Action {
	case CloseAction:
		if cur == nil {
			return Change{}
		}
		c := *cur
		c.Status, c.SnoozedUntil = Closed, civil.Date{}
		c.Outcome = in.Outcome
		if c.Outcome == "" {
			c.Outcome = Cleared
		}
		if in.Reason != "" {
			c.CloseNote = in.Reason
		}
		return Change{Kind: CloseIt, CTA: c}
	case OpenAction, UpdateAction:
		if cur == nil {
			if in.Action == UpdateAction {
				return Change{}
			}
			return Change{Kind: Create, CTA: CTA{
				AccountID: in.AccountID, Type: in.Type, Reason: in.Reason, Priority: in.Priority,
				OwnerID: owner.UserID, Pool: owner.Pool, Due: due, Status: Open,
				Rule: in.Rule, Key: in.Key, Playbook: in.Playbook,
			}}
		}
		c := *cur
		if c.Status == Snoozed {
			if in.Action == UpdateAction || c.SnoozedUntil.After(today) {
				return Change{}
			}
			c.Status, c.SnoozedUntil = Open, civil.Date{}
			refresh(&c, in, due)
			return Change{Kind: Reopen, CTA: c}
		}
		if !refresh(&c, in, due) {
			return Change{}
		}
		return Change{Kind: Update, CTA: c}
	}
	return Change{}
}

// refresh copies what a refiring rule may change and reports a change.
func refresh(c *CTA, in Intent, due civil.Date) bool {
	changed := false
	if in.Reason != "" && c.Reason != in.Reason {
		c.Reason, changed = in.Reason, true
	}
	if in.Priority != 0 && c.Priority != in.Priority {
		c.Priority, changed = in.Priority, true
	}
	if c.Due.IsZero() || due.Before(c.Due) {
		c.Due, changed = due, true
	}
	return changed
}

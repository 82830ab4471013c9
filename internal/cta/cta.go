// Package cta is the core of a CSM's work list, plain Go with no I/O: calls
// to action (CTAs) — what needs doing on an account, why, by whom and by
// when — and the intents rules emit to open, update or close them. Deciding
// what an intent does to the CTAs an account already has (one open CTA per
// account, rule and reason key; a snoozed CTA does not refire before its
// date) is this package's job; storing them is the store's.
package cta

import (
	"time"

	"github.com/tendhq/tend/internal/civil"
)

// Type is what kind of work a CTA is.
type Type string

const (
	Risk       Type = "risk"
	Expansion  Type = "expansion"
	Onboarding Type = "onboarding"
	Renewal    Type = "renewal"
	Advocacy   Type = "advocacy"
	Lifecycle  Type = "lifecycle"
	Objective  Type = "objective"
)

// Types lists every type in the order pages show them.
var Types = []Type{Risk, Renewal, Onboarding, Expansion, Advocacy, Lifecycle, Objective}

// Status is where a CTA is in its life.
type Status string

const (
	Open       Status = "open"
	InProgress Status = "in_progress"
	Snoozed    Status = "snoozed"
	Closed     Status = "closed"
)

// Priority orders work: 1 is the most urgent.
type Priority int

const (
	Urgent Priority = 1
	High   Priority = 2
	Medium Priority = 3
	Low    Priority = 4
)

// CTA is one call to action on one account.
type CTA struct {
	ID        int64    `json:"id"`
	AccountID int64    `json:"account_id"`
	Type      Type     `json:"type"`
	Reason    string   `json:"reason"`
	Priority  Priority `json:"priority"`
	// OwnerID is the user who owns the work; 0 with Pool set means a pool
	// of people (tech-touch accounts) owns it.
	OwnerID int64      `json:"owner_id,omitempty"`
	Pool    string     `json:"pool,omitempty"`
	Due     civil.Date `json:"due"`
	Status  Status     `json:"status"`
	// SnoozedUntil is set while Status is Snoozed.
	SnoozedUntil civil.Date `json:"snoozed_until"`
	// Outcome and CloseNote are set when Status is Closed.
	Outcome   string `json:"outcome,omitempty"`
	CloseNote string `json:"close_note,omitempty"`
	// Rule is the name of the rule that opened it ("" when opened by hand)
	// and Key the rule's reason key: (account, rule, key) identifies the one
	// CTA a rule may have open on an account.
	Rule     string    `json:"rule,omitempty"`
	Key      string    `json:"key,omitempty"`
	Playbook string    `json:"playbook,omitempty"`
	Created  time.Time `json:"created_at"`
	Updated  time.Time `json:"updated_at"`
	ClosedAt time.Time `json:"closed_at"`
}

// Action is what an intent asks for.
type Action string

const (
	OpenAction   Action = "open"   // open, or update the one already open
	UpdateAction Action = "update" // update the open one; nothing if none
	CloseAction  Action = "close"  // close the open one with Outcome
)

// Intent is what a rule (or a person) asks to happen to an account's CTA
// identified by (AccountID, Rule, Key).
type Intent struct {
	Action    Action   `json:"action"`
	AccountID int64    `json:"account_id"`
	Rule      string   `json:"rule"`
	Key       string   `json:"key,omitempty"`
	Type      Type     `json:"type,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	Priority  Priority `json:"priority,omitempty"`
	// DueInDays is the due date relative to the day the intent is applied.
	DueInDays int    `json:"due_in_days,omitempty"`
	Playbook  string `json:"playbook,omitempty"`
	Outcome   string `json:"outcome,omitempty"` // for CloseAction
}

// Active reports whether s is work still to do now: open or in progress
// (not snoozed, not closed).
func (s Status) Active() bool { return s == Open || s == InProgress }

// Statuses lists every status in the order pages show them.
var Statuses = []Status{Open, InProgress, Snoozed, Closed}

// Priorities lists every priority, most urgent first.
var Priorities = []Priority{Urgent, High, Medium, Low}

// String names the priority as pages show it.
func (p Priority) String() string {
	switch p {
	case Urgent:
		return "urgent"
	case High:
		return "high"
	case Medium:
		return "medium"
	case Low:
		return "low"
	}
	return "unknown"
}

// Outcomes a CTA is closed with.
const (
	// Achieved: the work reached what it was for (saved, renewed, expanded).
	Achieved = "achieved"
	// NotAchieved: the work was done and failed (churned, declined).
	NotAchieved = "not_achieved"
	// NotNeeded: on a closer look there was nothing to do.
	NotNeeded = "not_needed"
	// Cleared: the rule that opened it no longer holds (closed by the rule).
	Cleared = "cleared"
)

// Outcomes lists every outcome in the order forms offer them.
var Outcomes = []string{Achieved, NotAchieved, NotNeeded, Cleared}

// DefaultPool is the pool tech-touch accounts' CTAs go to when no other
// is configured.
const DefaultPool = "tech-touch"

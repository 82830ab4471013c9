package store

import (
	"context"
	"time"

	"github.com/tendhq/tend/internal/civil"
)

// Rules keeps the audit of automation rules: every firing of a rule on an
// account, with what it saw and what it did (the rules core's JSON, kept
// as given and never read by the store). The rule set's versions are kept
// with the scorecards' (Health.SaveScorecard under the name "rules").
type Rules interface {
	// PutRuleFirings stores firings in one transaction and sets their IDs.
	// Firings of accounts that do not exist are a validate.Errors naming
	// them.
	PutRuleFirings(ctx context.Context, fs []RuleFiring) error
	// RuleFirings lists firings newest first, filtered by q.
	RuleFirings(ctx context.Context, q RuleFiringQuery) ([]RuleFiring, error)
	// PutRuleRun records a full evaluation and sets its ID.
	PutRuleRun(ctx context.Context, r *RuleRun) error
	// RuleRuns lists the latest full evaluations, newest first (limit 0:
	// 20).
	RuleRuns(ctx context.Context, limit int) ([]RuleRun, error)
}

// RuleRun is one full evaluation of the rule set.
type RuleRun struct {
	ID           int64         `json:"id"`
	Day          civil.Date    `json:"day"` // the day evaluated
	RulesVersion int           `json:"rules_version"`
	Accounts     int           `json:"accounts"`
	Firings      int           `json:"firings"`
	StartedAt    time.Time     `json:"started_at"`
	Took         time.Duration `json:"took_ns"` // kept to the millisecond
}

// RuleFiring is one rule that fired on one account.
type RuleFiring struct {
	ID           int64     `json:"id"`
	Rule         string    `json:"rule"`
	RulesVersion int       `json:"rules_version"` // 0: the rule set Tend ships with
	AccountID    int64     `json:"account_id"`
	At           time.Time `json:"at"`
	Trigger      string    `json:"trigger"`
	Saw          []byte    `json:"saw"` // JSON
	Did          []byte    `json:"did"` // JSON
}

// RuleFiringQuery filters RuleFirings; zero fields do not filter. Limit
// 0 is 100.
type RuleFiringQuery struct {
	AccountID int64
	Rule      string
	Since     time.Time // at or after
	Limit     int
}

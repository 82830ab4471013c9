package store

import (
	"context"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
)

// Health keeps what health scoring reads and writes: the inputs of every
// account as health.Facts (read in bulk for a full recompute, or for one
// account), the CSMs' pulses, the versioned scorecards, and the scores
// with their history. Score details are the scoring core's JSON, kept as
// given and never read by the store.
//
// None of these writes moves the change counter behind the figures cache:
// no dashboard figure is computed from scores, pulses or scorecards, and a
// rescore follows a change to the account that has already moved it.
type Health interface {
	// EachHealthFacts fills Facts for every account, one at a time in
	// account id order, from a fixed number of scans ordered by account
	// and merged (no query per account), and calls each with it. The MRR
	// history is read as of asOf (later subscription changes are not
	// recognised) in the reporting currency. Facts.Usage is left empty.
	// each must not use the store (the scans hold read connections); f is
	// its to keep (a new one per account). each's error ends the read and
	// is returned as is.
	EachHealthFacts(ctx context.Context, asOf civil.Date, each func(f *health.Facts) error) error
	// HealthFacts is EachHealthFacts for one account (ErrNotFound if none).
	HealthFacts(ctx context.Context, accountID int64, asOf civil.Date) (*health.Facts, error)

	// PutHealthScores stores scores in one transaction: each account's
	// current score, and a history point for it — replacing the account's
	// latest point when that is of the same day with the same score,
	// colour and scorecard version, added beside it otherwise. Scores of
	// accounts that do not exist are a validate.Errors naming them.
	PutHealthScores(ctx context.Context, scores []HealthScore) error
	// HealthScore is the account's current score (ErrNotFound if none).
	HealthScore(ctx context.Context, accountID int64) (HealthScore, error)
	// HealthScores is the current score of each of the accounts that has
	// one (for a page of accounts), by account id.
	HealthScores(ctx context.Context, accountIDs []int64) (map[int64]HealthScore, error)
	// HealthHistory is the account's points dated from..to (inclusive; a
	// zero day leaves that end open), in time order.
	HealthHistory(ctx context.Context, accountID int64, from, to civil.Date) ([]HealthScore, error)
	// HealthScoresOn is each account's latest point dated day, by account
	// id; accounts with no point that day are absent.
	HealthScoresOn(ctx context.Context, day civil.Date) ([]HealthScore, error)
	// HealthScoresAsOf is, for each of the accounts (a page of them), its
	// latest history point dated day or before, by account id (the trend
	// of a list's rows); accounts with none are absent.
	HealthScoresAsOf(ctx context.Context, accountIDs []int64, day civil.Date) (map[int64]HealthScore, error)
	// HealthDistribution counts every account by its current colour and
	// currency, with their MRR (never summed across currencies), and the
	// customers among them (customer.IsCustomer) with theirs; accounts
	// never scored have the colour Unscored.
	HealthDistribution(ctx context.Context) ([]HealthBucket, error)

	// SetPulse stores a new pulse and sets its ID and SetAt (now).
	SetPulse(ctx context.Context, p *Pulse) error
	// Pulses lists the account's pulses, newest first.
	Pulses(ctx context.Context, accountID int64) ([]Pulse, error)

	// SaveScorecard stores c as the next version of its name and makes it
	// that name's active version; it sets ID, Version, CreatedAt and
	// Active.
	SaveScorecard(ctx context.Context, c *Scorecard) error
	// RetireScorecard leaves the name with no active version (its versions
	// are kept); ErrNotFound if it has none.
	RetireScorecard(ctx context.Context, name string) error
	// ActiveScorecards lists the active version of every scorecard, by name.
	ActiveScorecards(ctx context.Context) ([]Scorecard, error)
	// ScorecardVersions lists every version of the named scorecard, newest
	// first (none: an empty list).
	ScorecardVersions(ctx context.Context, name string) ([]Scorecard, error)
}

// Health colours as stored. ColourNone is a score with not enough data.
const (
	ColourRed    = "red"
	ColourYellow = "yellow"
	ColourGreen  = "green"
	ColourNone   = ""
	// Unscored is HealthDistribution's colour for accounts with no score,
	// and the accounts list's health filter for them.
	Unscored = "unscored"
	// NotEnoughData is the accounts list's health filter for accounts
	// scored without enough data (ColourNone).
	NotEnoughData = "not_enough_data"
)

// HealthScore is an account's score as of a day: the current one, or a
// point of its history.
type HealthScore struct {
	AccountID int64      `json:"account_id"`
	ScoredAt  time.Time  `json:"scored_at"` // when it was computed
	Day       civil.Date `json:"day"`       // the day it is the score of; zero: ScoredAt's UTC day
	Scorecard string     `json:"scorecard"`
	Version   int        `json:"scorecard_version"`
	Score     *float64   `json:"score"`  // 0–100; nil: not enough data
	Colour    string     `json:"colour"` // red, yellow, green, or "" with no score
	Detail    []byte     `json:"detail"` // the core's JSON; "{}" when empty
}

// HealthBucket is the accounts of one colour and currency.
type HealthBucket struct {
	Colour   string `json:"colour"` // red, yellow, green, "" (not enough data), or Unscored
	Currency string `json:"currency"`
	Accounts int    `json:"accounts"`
	MRR      int64  `json:"mrr"`
	// Customers are the customers among the accounts (customer.IsCustomer),
	// CustomerMRR what they pay a month: what the dashboard counts.
	Customers   int   `json:"customers"`
	CustomerMRR int64 `json:"customer_mrr"`
}

// Pulse is a CSM's manual colour for an account, with a reason, in force
// from SetAt until ExpiresOn (exclusive).
type Pulse struct {
	ID         int64      `json:"id"`
	AccountID  int64      `json:"account_id"`
	Colour     string     `json:"colour"` // red, yellow, green
	Reason     string     `json:"reason"`
	SetBy      int64      `json:"set_by,omitempty"` // user id; 0: unknown
	SetByEmail string     `json:"set_by_email"`     // read only
	SetAt      time.Time  `json:"set_at"`
	ExpiresOn  civil.Date `json:"expires_on"`
}

// Scorecard is one saved version of a scorecard, as YAML the store does
// not read.
type Scorecard struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Version   int       `json:"version"`
	YAML      string    `json:"yaml"`
	Note      string    `json:"note"` // what changed, in the author's words
	Active    bool      `json:"active"`
	CreatedBy int64     `json:"created_by,omitempty"` // user id; 0: unknown (the CLI)
	ByEmail   string    `json:"created_by_email"`     // read only
	CreatedAt time.Time `json:"created_at"`
}

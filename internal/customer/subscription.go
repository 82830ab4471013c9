package customer

import (
	"slices"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/validate"
)

// Subscription statuses.
const (
	SubActive   = "active"   // paid and running
	SubPastDue  = "past_due" // running, payment late
	SubCanceled = "canceled" // will not renew; runs to its end date
	SubEnded    = "ended"    // over
)

// SubStatuses lists the subscription statuses.
var SubStatuses = []string{SubActive, SubPastDue, SubCanceled, SubEnded}

// MaxQuantity is the most seats or units one subscription may have: far
// beyond any real contract, and small enough that the store's sums of
// quantities cannot overflow.
const MaxQuantity = 1_000_000_000

// BillingPeriods lists how often a subscription is invoiced.
var BillingPeriods = []string{"monthly", "quarterly", "annual", "multi_year"}

// Subscription is one product line an account pays for. MRR is the monthly
// recurring amount after permanent discounts, in minor units of Currency;
// annual and multi-year contracts are normalised to monthly.
type Subscription struct {
	ID                int64      `json:"id"`
	ExternalID        string     `json:"external_id"`
	AccountID         int64      `json:"account_id"`
	AccountExternalID string     `json:"account_external_id"`
	Product           string     `json:"product"`
	Plan              string     `json:"plan"`
	Quantity          int        `json:"quantity"` // seats or units
	MRR               int64      `json:"mrr"`
	Currency          string     `json:"currency"`
	BillingPeriod     string     `json:"billing_period"`
	StartOn           civil.Date `json:"start_on"`
	EndOn             civil.Date `json:"end_on"` // end of term, i.e. the renewal date
	Status            string     `json:"status"`
	Trial             bool       `json:"trial"`
	AutoRenew         bool       `json:"auto_renew"`
	DiscountPercent   float64    `json:"discount_percent"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

// LiveStatuses are the statuses of a subscription that is running: a
// canceled one runs to its end date.
var LiveStatuses = []string{SubActive, SubPastDue, SubCanceled}

// Live reports whether s counts towards the account's MRR now: running,
// paid (not a trial).
func (s *Subscription) Live() bool {
	return !s.Trial && slices.Contains(LiveStatuses, s.Status)
}

// Check normalises s and reports every problem with it. With no status, a
// subscription whose end date has passed is ended, otherwise active.
func (s *Subscription) Check() error {
	var errs validate.Errors
	trim(&s.ExternalID, &s.AccountExternalID, &s.Product, &s.Plan, &s.Currency)
	s.Status, s.BillingPeriod = enum(s.Status), enum(s.BillingPeriod)
	checkAccountRef(&errs, s.AccountID, s.AccountExternalID)
	errs.Required("product", s.Product)
	if s.Currency == "" {
		s.Currency = "USD"
	}
	if !money.ValidCurrency(s.Currency) {
		errs.Add("currency", "invalid", "%q is not an ISO 4217 code such as USD", s.Currency)
	}
	if s.BillingPeriod == "" {
		s.BillingPeriod = "monthly"
	}
	if s.BillingPeriod == "yearly" {
		s.BillingPeriod = "annual"
	}
	errs.OneOf("billing_period", s.BillingPeriod, BillingPeriods)
	if s.Quantity < 0 || s.Quantity > MaxQuantity {
		errs.Add("quantity", "out_of_range", "must be from 0 to %d (got %d)", MaxQuantity, s.Quantity)
	}
	if s.MRR < 0 {
		errs.Add("mrr", "out_of_range", "must not be negative")
	}
	checkAmount(&errs, "mrr", s.MRR, s.Currency)
	if s.DiscountPercent < 0 || s.DiscountPercent > 100 {
		errs.Add("discount_percent", "out_of_range", "must be between 0 and 100 (got %g)", s.DiscountPercent)
	}
	if s.StartOn.IsZero() {
		errs.Add("start_on", "required", "is required")
	}
	if !s.EndOn.IsZero() && !s.StartOn.IsZero() && s.EndOn.Before(s.StartOn) {
		errs.Add("end_on", "invalid", "%s is before start_on %s", s.EndOn, s.StartOn)
	}
	if s.Status == "" {
		s.Status = SubActive
		if !s.EndOn.IsZero() && s.EndOn.Before(civil.Today()) {
			s.Status = SubEnded
		}
	}
	errs.OneOf("status", s.Status, SubStatuses)
	if s.Status == SubEnded && s.EndOn.IsZero() {
		// Without the day it ended, retention could only guess one.
		errs.Add("end_on", "required", "is required when status is ended: the first day not paid for")
	}
	checkInput(&errs, s)
	return errs.Err()
}

// AccountRollup is what an account's subscriptions add up to.
type AccountRollup struct {
	MRR       int64
	Currency  string
	RenewalOn civil.Date
}

// Rollup sums an account's live subscriptions: MRR in the currency that
// carries most of it (subscriptions in other currencies are left out until
// currency conversion exists), and the earliest end date among them as the
// next renewal.
func Rollup(subs []Subscription) AccountRollup {
	byCur := map[string]int64{}
	for i := range subs {
		if subs[i].Live() {
			byCur[subs[i].Currency] += subs[i].MRR
		}
	}
	r := AccountRollup{Currency: "USD"}
	best := int64(-1)
	for cur, m := range byCur {
		if m > best || (m == best && cur < r.Currency) {
			r.Currency, r.MRR, best = cur, m, m
		}
	}
	for i := range subs {
		s := &subs[i]
		if s.Live() && s.Currency == r.Currency && !s.EndOn.IsZero() && (r.RenewalOn.IsZero() || s.EndOn.Before(r.RenewalOn)) {
			r.RenewalOn = s.EndOn
		}
	}
	return r
}

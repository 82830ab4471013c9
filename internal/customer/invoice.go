package customer

import (
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/validate"
)

// Invoice is a bill sent to an account. Unpaid past its due date it is
// overdue, a risk signal.
type Invoice struct {
	ID                int64      `json:"id"`
	ExternalID        string     `json:"external_id"`
	AccountID         int64      `json:"account_id"`
	AccountExternalID string     `json:"account_external_id"`
	Number            string     `json:"number"`
	Amount            int64      `json:"amount"`
	Currency          string     `json:"currency"`
	IssuedOn          civil.Date `json:"issued_on"`
	DueOn             civil.Date `json:"due_on"`
	PaidOn            civil.Date `json:"paid_on"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

// DaysOverdue is how many days past due the invoice is on day (0 if paid
// or not yet due).
func (inv *Invoice) DaysOverdue(day civil.Date) int {
	if !inv.PaidOn.IsZero() || inv.DueOn.IsZero() || !day.After(inv.DueOn) {
		return 0
	}
	return day.DaysSince(inv.DueOn)
}

// Check normalises inv and reports every problem with it.
func (inv *Invoice) Check() error {
	var errs validate.Errors
	trim(&inv.ExternalID, &inv.AccountExternalID, &inv.Number, &inv.Currency)
	checkAccountRef(&errs, inv.AccountID, inv.AccountExternalID)
	if inv.Currency == "" {
		inv.Currency = "USD"
	}
	if !money.ValidCurrency(inv.Currency) {
		errs.Add("currency", "invalid", "%q is not an ISO 4217 code such as USD", inv.Currency)
	}
	checkAmount(&errs, "amount", inv.Amount, inv.Currency)
	if inv.DueOn.IsZero() {
		errs.Add("due_on", "required", "is required")
	}
	if inv.IssuedOn.IsZero() {
		inv.IssuedOn = inv.DueOn
	}
	if !inv.DueOn.IsZero() && inv.DueOn.Before(inv.IssuedOn) {
		errs.Add("due_on", "invalid", "%s is before issued_on %s", inv.DueOn, inv.IssuedOn)
	}
	checkInput(&errs, inv)
	return errs.Err()
}

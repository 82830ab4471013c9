package cta

import (
	"slices"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/validate"
)

// Edit is what a person does to a CTA: start it, snooze it until a day,
// close it with an outcome and a note, reopen it, or give it to someone
// else. A zero Status keeps the status; a zero OwnerID keeps the owner.
type Edit struct {
	Status       Status     `json:"status,omitempty"`
	SnoozedUntil civil.Date `json:"snoozed_until"`
	Outcome      string     `json:"outcome,omitempty"`
	Note         string     `json:"note,omitempty"`
	OwnerID      int64      `json:"owner_id,omitempty"`
}

// Check reports what is wrong with the edit itself, naming the field.
func (e *Edit) Check(today civil.Date) error {
	var errs validate.Errors
	e.Note = strings.TrimSpace(e.Note)
	switch e.Status {
	case "", Open, InProgress:
	case Snoozed:
		if e.SnoozedUntil.IsZero() {
			errs.Add("snoozed_until", "required", "say until when to snooze")
		} else if !e.SnoozedUntil.After(today) {
			errs.Add("snoozed_until", "invalid", "must be after today (%s)", today)
		}
	case Closed:
		if e.Outcome == "" {
			errs.Add("outcome", "required", "say how it ended: one of %v", Outcomes)
		} else if !slices.Contains(Outcomes, e.Outcome) {
			errs.Add("outcome", "invalid", "%q is not one of %v", e.Outcome, Outcomes)
		}
	default:
		errs.Add("status", "invalid", "%q is not one of %v", e.Status, Statuses)
	}
	if e.Status == "" && e.OwnerID == 0 {
		errs.Add("status", "required", "say what to change: a status or an owner")
	}
	if e.OwnerID < 0 {
		errs.Add("owner_id", "invalid", "is not a user id")
	}
	errs.MaxLen("note", e.Note, 2000)
	return errs.Err()
}

// To applies a checked edit to c. A closed CTA does not change: a new one
// is opened instead (the error names the status).
func (e Edit) To(c CTA) (CTA, error) {
	if c.Status == Closed {
		return c, validate.Errors{{Field: "status", Code: "closed", Message: "this CTA is closed; open a new one"}}
	}
	if e.OwnerID != 0 {
		c.OwnerID, c.Pool = e.OwnerID, ""
	}
	switch e.Status {
	case Open, InProgress:
		c.Status, c.SnoozedUntil = e.Status, civil.Date{}
	case Snoozed:
		c.Status, c.SnoozedUntil = Snoozed, e.SnoozedUntil
	case Closed:
		c.Status, c.SnoozedUntil, c.Outcome, c.CloseNote = Closed, civil.Date{}, e.Outcome, e.Note
	}
	return c, nil
}

// Renewal outcomes of the account of a risk CTA (RenewalOutcome).
const (
	Renewed = "renewed"
	Churned = "churned"
	Pending = "pending"
)

// Term is one subscription of an account as RenewalOutcome reads it.
type Term struct {
	Start, End civil.Date // End zero: no end date (evergreen)
	Live       bool       // counts towards MRR today (customer.Subscription.Live)
}

// RenewalOutcome says what became of the account of a risk CTA opened on
// opened, as of today. The renewal date is the first end of a term on or
// after opened. The account churned when it is no longer a customer
// (customer, false) or when that date has passed and no live term runs
// beyond it; it renewed when that date has passed and a live term runs
// beyond it (or has no end); otherwise it is pending (the renewal date is
// still ahead, or none of its terms ends).
func RenewalOutcome(opened, today civil.Date, customer bool, terms []Term) string {
	if !customer {
		return Churned
	}
	var renewal civil.Date
	for _, t := range terms {
		if !t.End.IsZero() && !t.End.Before(opened) && (renewal.IsZero() || t.End.Before(renewal)) {
			renewal = t.End
		}
	}
	if renewal.IsZero() || !renewal.Before(today) {
		return Pending
	}
	for _, t := range terms {
		if t.Live && (t.End.IsZero() || t.End.After(renewal)) {
			return Renewed
		}
	}
	return Churned
}

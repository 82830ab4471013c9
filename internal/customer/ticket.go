package customer

import (
	"slices"
	"time"

	"github.com/tendhq/tend/internal/validate"
)

// Ticket priorities and statuses.
var (
	TicketPriorities = []string{"low", "medium", "high", "urgent"}
	TicketStatuses   = []string{"open", "pending", "solved", "closed"}
)

// Ticket is a support case.
type Ticket struct {
	ID                   int64     `json:"id"`
	ExternalID           string    `json:"external_id"`
	AccountID            int64     `json:"account_id"`
	AccountExternalID    string    `json:"account_external_id"`
	Subject              string    `json:"subject"`
	Priority             string    `json:"priority"`
	Status               string    `json:"status"`
	OpenedAt             time.Time `json:"opened_at"`
	ClosedAt             time.Time `json:"closed_at"`
	FirstResponseMinutes *int      `json:"first_response_minutes"`
	Escalated            bool      `json:"escalated"`
	CSAT                 *int      `json:"csat"` // 1–5, or null when not rated
	CreatedAt            time.Time `json:"created_at"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// OpenTicketStatuses are the statuses of a ticket that is still unresolved.
var OpenTicketStatuses = []string{"open", "pending"}

// Open reports whether the ticket is still unresolved.
func (t *Ticket) Open() bool { return slices.Contains(OpenTicketStatuses, t.Status) }

// Check normalises t and reports every problem with it. With no status, a
// ticket with a close time is closed, otherwise open.
func (t *Ticket) Check() error {
	var errs validate.Errors
	trim(&t.ExternalID, &t.AccountExternalID, &t.Subject)
	t.Priority, t.Status = enum(t.Priority), enum(t.Status)
	checkAccountRef(&errs, t.AccountID, t.AccountExternalID)
	switch t.Priority {
	case "":
		t.Priority = "medium"
	case "normal":
		t.Priority = "medium"
	case "critical":
		t.Priority = "urgent"
	}
	errs.OneOf("priority", t.Priority, TicketPriorities)
	if t.Status == "" {
		t.Status = "open"
		if !t.ClosedAt.IsZero() {
			t.Status = "closed"
		}
	}
	errs.OneOf("status", t.Status, TicketStatuses)
	if t.OpenedAt.IsZero() {
		errs.Add("opened_at", "required", "is required")
	}
	if !t.ClosedAt.IsZero() && t.ClosedAt.Before(t.OpenedAt) {
		errs.Add("closed_at", "invalid", "is before opened_at")
	}
	if t.CSAT != nil {
		errs.Range("csat", int64(*t.CSAT), 1, 5)
	}
	if t.FirstResponseMinutes != nil && *t.FirstResponseMinutes < 0 {
		errs.Add("first_response_minutes", "out_of_range", "must not be negative")
	}
	checkInput(&errs, t)
	return errs.Err()
}

package customer

import (
	"time"

	"github.com/tendhq/tend/internal/validate"
)

// Activity kinds on the timeline.
var ActivityKinds = []string{"note", "call", "meeting", "email", "qbr", "ebr", "onsite"}

// Activity is one entry on an account's timeline: a note, call, meeting,
// email, QBR, EBR or on-site visit.
type Activity struct {
	ID                int64     `json:"id"`
	ExternalID        string    `json:"external_id"`
	AccountID         int64     `json:"account_id"`
	AccountExternalID string    `json:"account_external_id"`
	Kind              string    `json:"kind"`
	OccurredAt        time.Time `json:"occurred_at"`
	AuthorID          int64     `json:"author_id,omitempty"`
	AuthorEmail       string    `json:"author_email"`
	Attendees         []string  `json:"attendees"`
	Subject           string    `json:"subject"`
	Body              string    `json:"body"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Check normalises a and reports every problem with it.
func (a *Activity) Check() error {
	var errs validate.Errors
	trim(&a.ExternalID, &a.AccountExternalID, &a.AuthorEmail, &a.Subject, &a.Body)
	a.Kind = enum(a.Kind)
	if a.Kind == "on_site" || a.Kind == "visit" {
		a.Kind = "onsite"
	}
	checkAccountRef(&errs, a.AccountID, a.AccountExternalID)
	if errs.Required("kind", a.Kind) {
		errs.OneOf("kind", a.Kind, ActivityKinds)
	}
	if a.OccurredAt.IsZero() {
		errs.Add("occurred_at", "required", "is required")
	}
	if a.Subject == "" && a.Body == "" {
		errs.Add("body", "required", "say what happened (a subject or a body)")
	}
	errs.MaxLen("subject", a.Subject, 300)
	errs.MaxLen("body", a.Body, 100000)
	errs.Email("author_email", a.AuthorEmail)
	att := a.Attendees[:0:0]
	for _, p := range a.Attendees {
		if p != "" {
			att = append(att, p)
		}
	}
	a.Attendees = att
	checkInput(&errs, a)
	return errs.Err()
}

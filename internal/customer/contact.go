package customer

import (
	"fmt"
	"slices"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/validate"
)

// Relationship roles a contact can play in the account (several at once).
var ContactRoles = []string{
	"economic_buyer", "decision_maker", "champion", "coach", "power_user",
	"admin", "technical_buyer", "user_buyer", "executive", "user",
}

// Contact statuses.
const (
	ContactActive = "active"
	ContactLeft   = "left"
)

// Contact is a person at a customer account. A key contact leaving is a
// risk signal, so departures are kept with their date rather than deleted.
type Contact struct {
	ID                int64      `json:"id"`
	ExternalID        string     `json:"external_id"`
	AccountID         int64      `json:"account_id"`
	AccountExternalID string     `json:"account_external_id"`
	Name              string     `json:"name"`
	Email             string     `json:"email"`
	Title             string     `json:"title"`
	Seniority         string     `json:"seniority"`
	Phone             string     `json:"phone"`
	Roles             []string   `json:"roles"`
	Status            string     `json:"status"`
	LeftOn            civil.Date `json:"left_on"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

// HasRole reports whether c plays role.
func (c *Contact) HasRole(role string) bool { return slices.Contains(c.Roles, role) }

// Check normalises c and reports every problem with it.
func (c *Contact) Check() error {
	var errs validate.Errors
	trim(&c.ExternalID, &c.AccountExternalID, &c.Name, &c.Email, &c.Title, &c.Seniority, &c.Phone)
	c.Status = enum(c.Status)
	checkAccountRef(&errs, c.AccountID, c.AccountExternalID)
	if c.Name == "" && c.Email == "" {
		errs.Add("name", "required", "is required (or give an email)")
	}
	errs.MaxLen("name", c.Name, 200)
	errs.Email("email", c.Email)
	roles := c.Roles[:0:0]
	for i, r := range c.Roles {
		r = enum(r)
		if r == "" || slices.Contains(roles, r) {
			continue
		}
		if !slices.Contains(ContactRoles, r) {
			errs.Add(fmt.Sprintf("roles[%d]", i), "invalid", "%q is not one of %v", r, ContactRoles)
			continue
		}
		roles = append(roles, r)
	}
	c.Roles = roles
	if c.Status == "" {
		c.Status = ContactActive
		if !c.LeftOn.IsZero() {
			c.Status = ContactLeft
		}
	}
	errs.OneOf("status", c.Status, []string{ContactActive, ContactLeft})
	if c.Status == ContactActive && !c.LeftOn.IsZero() {
		errs.Add("left_on", "invalid", "an active contact has no departure date")
	}
	checkInput(&errs, c)
	return errs.Err()
}

package customer

import (
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/validate"
)

// Lifecycle stages of an account.
const (
	StageOnboarding = "onboarding"
	StageAdopting   = "adopting"
	StageMature     = "mature"
	StageAtRisk     = "at_risk"
	StageChurned    = "churned"
)

// Stages lists the lifecycle stages in order.
var Stages = []string{StageOnboarding, StageAdopting, StageMature, StageAtRisk, StageChurned}

// Touch models: how much human attention an account gets.
const (
	TouchHigh = "high"
	TouchLow  = "low"
	TouchTech = "tech"
)

// TouchModels lists the touch models.
var TouchModels = []string{TouchHigh, TouchLow, TouchTech}

// Account is a customer company. It may have a parent (a hierarchy of
// subsidiaries). MRR and RenewalOn are derived by the store from the
// account's live subscriptions and are read-only.
type Account struct {
	ID         int64  `json:"id"`
	ExternalID string `json:"external_id"` // the account's id in the CRM
	BillingID  string `json:"billing_id"`  // its id in the billing system
	ProductID  string `json:"product_id"`  // its id in product telemetry (Segment groupId)
	Name       string `json:"name"`

	ParentID         int64  `json:"parent_id,omitempty"`
	ParentExternalID string `json:"parent_external_id"`

	Industry   string `json:"industry"`
	Employees  int    `json:"employees"`
	Region     string `json:"region"`
	Lifecycle  string `json:"lifecycle"`
	Tier       string `json:"tier"`
	TouchModel string `json:"touch_model"`

	CSMID        int64  `json:"csm_id,omitempty"`
	CSMEmail     string `json:"csm_email"`
	AEID         int64  `json:"ae_id,omitempty"`
	AEEmail      string `json:"ae_email"`
	SponsorID    int64  `json:"sponsor_id,omitempty"`
	SponsorEmail string `json:"sponsor_email"`

	CustomerSince civil.Date `json:"customer_since"`
	// Attributes are custom fields, typed by their definitions.
	Attributes map[string]any `json:"attributes"`

	// Derived from subscriptions (read-only).
	MRR       int64      `json:"mrr"`
	Currency  string     `json:"currency"`
	RenewalOn civil.Date `json:"renewal_on"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Check normalises a and reports every problem with it.
func (a *Account) Check() error {
	var errs validate.Errors
	trim(&a.ExternalID, &a.BillingID, &a.ProductID, &a.Name, &a.ParentExternalID,
		&a.Industry, &a.Region, &a.Tier, &a.CSMEmail, &a.AEEmail, &a.SponsorEmail)
	a.Lifecycle, a.TouchModel = enum(a.Lifecycle), enum(a.TouchModel)
	if a.Lifecycle == "" {
		a.Lifecycle = StageOnboarding
	}
	errs.Required("name", a.Name)
	errs.MaxLen("name", a.Name, 200)
	for f, v := range map[string]string{"external_id": a.ExternalID, "billing_id": a.BillingID, "product_id": a.ProductID} {
		errs.MaxLen(f, v, 200)
	}
	errs.OneOf("lifecycle", a.Lifecycle, Stages)
	errs.OneOf("touch_model", a.TouchModel, TouchModels)
	if a.Employees < 0 {
		errs.Add("employees", "out_of_range", "must not be negative (got %d)", a.Employees)
	}
	if a.ParentID != 0 && a.ParentID == a.ID {
		errs.Add("parent_id", "invalid", "an account cannot be its own parent")
	}
	if a.ParentExternalID != "" && a.ParentExternalID == a.ExternalID {
		errs.Add("parent_external_id", "invalid", "an account cannot be its own parent")
	}
	errs.Email("csm_email", a.CSMEmail)
	errs.Email("ae_email", a.AEEmail)
	errs.Email("sponsor_email", a.SponsorEmail)
	checkInput(&errs, a)
	return errs.Err()
}

// IsCustomer is what Tend means by a customer, wherever it counts them: an
// account that has not churned and pays — a live subscription gives it
// MRR. Every other account is churned or a prospect (nothing live yet).
// The dashboard, the portfolios and the accounts list count customers by
// this rule; the store's figure queries write it in SQL and its
// conformance tests hold them to it. Retention, which looks back, counts
// the accounts paying at the end of a period from subscription history.
func IsCustomer(lifecycle string, mrr int64) bool {
	return lifecycle != StageChurned && mrr > 0
}

package customer

import (
	"slices"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/validate"
)

// ChurnReasons is the churn-reason taxonomy of domain.md, in reporting
// order. internal/revenue reads the same list (revenue.Reasons).
var ChurnReasons = []string{"poor_adoption", "product_fit", "price", "competitor", "budget",
	"m_and_a", "restructuring", "bankruptcy", "key_person_left", "other"}

// churnAliases are other spellings importers meet.
var churnAliases = map[string]string{
	"adoption": "poor_adoption", "low_adoption": "poor_adoption", "low_usage": "poor_adoption",
	"product_gap": "product_fit", "product_fit_gap": "product_fit", "product": "product_fit", "features": "product_fit", "missing_features": "product_fit",
	"pricing": "price", "too_expensive": "price", "competition": "competitor",
	"budget_cut": "budget", "acquired": "m_and_a", "acquisition": "m_and_a", "merger": "m_and_a", "m&a": "m_and_a", "ma": "m_and_a",
	"reorganization": "restructuring", "reorganisation": "restructuring", "bankrupt": "bankruptcy",
	"champion_left": "key_person_left", "key_person": "key_person_left", "sponsor_left": "key_person_left",
}

// ParseChurnReason reads a reason in the taxonomy's spelling or a common
// alias ("product gap", "acquired", "M&A"), case-insensitively.
func ParseChurnReason(s string) (string, bool) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer(" ", "_", "-", "_", "/", "_").Replace(k)
	if slices.Contains(ChurnReasons, k) {
		return k, true
	}
	r, ok := churnAliases[k]
	return r, ok
}

// HardToAffect reports whether CS could hardly have prevented churn for
// this reason: M&A, restructuring, bankruptcy.
func HardToAffect(reason string) bool {
	return reason == "m_and_a" || reason == "restructuring" || reason == "bankruptcy"
}

// ChurnRecord says why an account (Product "") or one of its product
// lines left: a reason from the taxonomy, whether CS could have prevented
// it, and a note. ChurnedOn is the day the customer left or said so; the
// retention ledger matches a record to the churn it recognises within 180
// days of it.
type ChurnRecord struct {
	ID                int64      `json:"id"`
	ExternalID        string     `json:"external_id"`
	AccountID         int64      `json:"account_id"`
	AccountExternalID string     `json:"account_external_id"`
	Product           string     `json:"product"`
	ChurnedOn         civil.Date `json:"churned_on"`
	Reason            string     `json:"reason"`
	// Controllable is "yes" or "no"; left blank it is "no" for reasons
	// that are hard to affect (M&A, restructuring, bankruptcy) and "yes"
	// otherwise. A team may judge a case differently.
	Controllable string `json:"controllable"`
	Note         string `json:"note"`
	// RecordedBy is the email of the person who recorded it.
	RecordedBy string    `json:"recorded_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// IsControllable reports the record's judgement (after Check).
func (c *ChurnRecord) IsControllable() bool { return c.Controllable == "yes" }

// Check normalises c (a known alias becomes its reason, yes/no spellings
// become "yes" or "no") and reports every problem with it.
func (c *ChurnRecord) Check() error {
	var errs validate.Errors
	trim(&c.ExternalID, &c.AccountExternalID, &c.Product, &c.Note, &c.RecordedBy)
	checkAccountRef(&errs, c.AccountID, c.AccountExternalID)
	if c.ChurnedOn.IsZero() {
		errs.Add("churned_on", "required", "is required")
	}
	if r, ok := ParseChurnReason(c.Reason); ok {
		c.Reason = r
	} else if strings.TrimSpace(c.Reason) == "" {
		errs.Add("reason", "required", "is required (one of %s)", strings.Join(ChurnReasons, ", "))
	} else {
		errs.Add("reason", "invalid", "%q is not a churn reason (want one of %s)", c.Reason, strings.Join(ChurnReasons, ", "))
	}
	switch strings.ToLower(strings.TrimSpace(c.Controllable)) {
	case "":
		c.Controllable = "yes"
		if HardToAffect(c.Reason) {
			c.Controllable = "no"
		}
	case "yes", "y", "true", "1", "controllable":
		c.Controllable = "yes"
	case "no", "n", "false", "0", "uncontrollable", "not controllable":
		c.Controllable = "no"
	default:
		errs.Add("controllable", "invalid", "%q is not yes or no", c.Controllable)
	}
	errs.MaxLen("note", c.Note, 4000)
	errs.MaxLen("product", c.Product, 200)
	checkInput(&errs, c)
	return errs.Err()
}

// RenewalForecasts lists a CSM's calls on a renewal.
var RenewalForecasts = []string{"renew", "at_risk", "churn", "expand"}

// RenewalCall is a CSM's forecast for one renewal: the account's terms
// falling due on DueOn. Expected is the MRR expected after it (minor
// units of the reporting currency); zero means the amount due for renew,
// at_risk and expand, nothing for churn.
type RenewalCall struct {
	ID                int64      `json:"id"`
	ExternalID        string     `json:"external_id"`
	AccountID         int64      `json:"account_id"`
	AccountExternalID string     `json:"account_external_id"`
	DueOn             civil.Date `json:"due_on"`
	Forecast          string     `json:"forecast"`
	Expected          int64      `json:"expected"`
	Note              string     `json:"note"`
	// SetBy is the email of the person who made the call.
	SetBy     string    `json:"set_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Check normalises rc and reports every problem with it.
func (rc *RenewalCall) Check() error {
	var errs validate.Errors
	trim(&rc.ExternalID, &rc.AccountExternalID, &rc.Note, &rc.SetBy)
	checkAccountRef(&errs, rc.AccountID, rc.AccountExternalID)
	if rc.DueOn.IsZero() {
		errs.Add("due_on", "required", "is required")
	}
	rc.Forecast = enum(rc.Forecast)
	if rc.Forecast == "" {
		errs.Add("forecast", "required", "is required (one of %s)", strings.Join(RenewalForecasts, ", "))
	} else {
		errs.OneOf("forecast", rc.Forecast, RenewalForecasts)
	}
	if rc.Expected < 0 {
		errs.Add("expected", "invalid", "must not be negative")
	}
	checkAmount(&errs, "expected", rc.Expected, "")
	errs.MaxLen("note", rc.Note, 4000)
	checkInput(&errs, rc)
	return errs.Err()
}

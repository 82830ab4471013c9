package customer

import (
	"time"

	"github.com/tendhq/tend/internal/validate"
)

// Survey kinds and the score range each uses.
var SurveyKinds = []string{"nps", "csat", "ces", "would_renew"}

var surveyRange = map[string][2]int64{
	"nps":         {0, 10}, // likelihood to recommend
	"csat":        {1, 5},  // satisfaction
	"ces":         {1, 7},  // effort: 1 very easy … 7 very hard
	"would_renew": {0, 1},  // "if your contract ended today, would you renew?" 1 yes, 0 no
}

// SurveyResponse is one answer to an NPS, CSAT, CES or would-renew survey.
type SurveyResponse struct {
	ID                int64     `json:"id"`
	ExternalID        string    `json:"external_id"`
	AccountID         int64     `json:"account_id"`
	AccountExternalID string    `json:"account_external_id"`
	ContactID         int64     `json:"contact_id,omitempty"`
	ContactExternalID string    `json:"contact_external_id"`
	Kind              string    `json:"kind"`
	Score             int       `json:"score"`
	Comment           string    `json:"comment"`
	Campaign          string    `json:"campaign"`
	RespondedAt       time.Time `json:"responded_at"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// NPSCategory is promoter (9–10), passive (7–8) or detractor (0–6).
func NPSCategory(score int) string {
	switch {
	case score >= 9:
		return "promoter"
	case score >= 7:
		return "passive"
	default:
		return "detractor"
	}
}

// Check normalises r and reports every problem with it.
func (r *SurveyResponse) Check() error {
	var errs validate.Errors
	trim(&r.ExternalID, &r.AccountExternalID, &r.ContactExternalID, &r.Comment, &r.Campaign)
	r.Kind = enum(r.Kind)
	checkAccountRef(&errs, r.AccountID, r.AccountExternalID)
	if errs.Required("kind", r.Kind) && errs.OneOf("kind", r.Kind, SurveyKinds) {
		rg := surveyRange[r.Kind]
		errs.Range("score", int64(r.Score), rg[0], rg[1])
	}
	if r.RespondedAt.IsZero() {
		errs.Add("responded_at", "required", "is required")
	}
	errs.MaxLen("comment", r.Comment, 10000)
	checkInput(&errs, r)
	return errs.Err()
}

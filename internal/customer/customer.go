// Package customer is the Customer 360: accounts and everything known about
// them — contacts, subscriptions, invoices, support tickets, survey answers
// and the activity timeline. Each object checks itself (Check), which is the
// single validation path used by the API, the web forms and the importers.
package customer

import (
	"strings"

	"github.com/tendhq/tend/internal/validate"
)

// Ref points at an account (or contact, or user) either by Tend's own id or
// by an id from another system; the store resolves the latter.
func checkAccountRef(errs *validate.Errors, id int64, ext string) {
	if id <= 0 && strings.TrimSpace(ext) == "" {
		errs.Add("account_id", "required", "is required (or give account_external_id)")
	}
}

// enum lowercases and trims v and turns spaces and dashes into underscores,
// so "At-Risk" and "at risk" both become "at_risk".
func enum(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	v = strings.ReplaceAll(v, "-", "_")
	return strings.ReplaceAll(v, " ", "_")
}

func trim(ps ...*string) {
	for _, p := range ps {
		*p = strings.TrimSpace(*p)
	}
}

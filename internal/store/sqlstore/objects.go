package sqlstore

import (
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// The tables below are the whole mapping between Tend's objects and their
// columns; the schema itself is in each engine's migrations.

func accountRef[T any](id func(*T) *int64, ext func(*T) *string) ref[T] {
	return ref[T]{col: "account_id", field: "account_external_id", id: id, ext: ext, target: "accounts", key: "external_id", noun: "account"}
}

func userRef[T any](col, field string, id func(*T) *int64, ext func(*T) *string) ref[T] {
	return ref[T]{col: col, field: field, id: id, ext: ext, target: "users", key: "email", noun: "user"}
}

type A = customer.Account

var accountsTable = &table[A]{
	name: "accounts", singular: "account", key: "external_id",
	keyOf:     func(a *A) *string { return &a.ExternalID },
	idOf:      func(a *A) *int64 { return &a.ID },
	createdOf: func(a *A) *time.Time { return &a.CreatedAt },
	updatedOf: func(a *A) *time.Time { return &a.UpdatedAt },
	check:     (*A).Check,
	search:    []string{"name", "external_id"},
	// SQLite only; its columns must be search's.
	searchIndex: "accounts_search",
	indexed:     []string{"tier", "touch_model", "lifecycle", "industry", "region"},
	attrs:       func(a *A) *map[string]any { return &a.Attributes },
	cols: []column[A]{
		{name: "external_id", kind: cNullText, ptr: func(a *A) any { return &a.ExternalID }, filter: true},
		{name: "billing_id", kind: cNullText, ptr: func(a *A) any { return &a.BillingID }, filter: true},
		{name: "product_id", kind: cNullText, ptr: func(a *A) any { return &a.ProductID }, filter: true},
		{name: "name", kind: cText, ptr: func(a *A) any { return &a.Name }, filter: true, sort: true},
		{name: "parent_id", kind: cRef, ptr: func(a *A) any { return &a.ParentID }, filter: true},
		{name: "industry", kind: cText, ptr: func(a *A) any { return &a.Industry }, filter: true, sort: true},
		{name: "employees", kind: cInt, ptr: func(a *A) any { return &a.Employees }, filter: true, sort: true},
		{name: "region", kind: cText, ptr: func(a *A) any { return &a.Region }, filter: true, sort: true},
		{name: "lifecycle", kind: cText, ptr: func(a *A) any { return &a.Lifecycle }, filter: true, sort: true},
		{name: "tier", kind: cText, ptr: func(a *A) any { return &a.Tier }, filter: true, sort: true},
		{name: "touch_model", kind: cText, ptr: func(a *A) any { return &a.TouchModel }, filter: true, sort: true},
		{name: "csm_id", kind: cRef, ptr: func(a *A) any { return &a.CSMID }, filter: true},
		{name: "ae_id", kind: cRef, ptr: func(a *A) any { return &a.AEID }, filter: true},
		{name: "sponsor_id", kind: cRef, ptr: func(a *A) any { return &a.SponsorID }, filter: true},
		{name: "customer_since", kind: cDate, ptr: func(a *A) any { return &a.CustomerSince }, filter: true, sort: true},
		{name: "attributes", kind: cJSON, ptr: func(a *A) any { return &a.Attributes }},
		{name: "mrr", kind: cInt, spec: store.KindMoney, ptr: func(a *A) any { return &a.MRR }, derived: true, filter: true, sort: true},
		{name: "currency", kind: cText, ptr: func(a *A) any { return &a.Currency }, derived: true, filter: true},
		{name: "renewal_on", kind: cDate, ptr: func(a *A) any { return &a.RenewalOn }, derived: true, filter: true, sort: true},
	},
	refs: []ref[A]{
		{col: "parent_id", field: "parent_external_id", id: func(a *A) *int64 { return &a.ParentID }, ext: func(a *A) *string { return &a.ParentExternalID }, target: "accounts", key: "external_id", noun: "account"},
		userRef("csm_id", "csm_email", func(a *A) *int64 { return &a.CSMID }, func(a *A) *string { return &a.CSMEmail }),
		userRef("ae_id", "ae_email", func(a *A) *int64 { return &a.AEID }, func(a *A) *string { return &a.AEEmail }),
		userRef("sponsor_id", "sponsor_email", func(a *A) *int64 { return &a.SponsorID }, func(a *A) *string { return &a.SponsorEmail }),
	},
	joined: []joinedField{
		{name: "health_score", kind: store.KindFloat, join: healthJoin, expr: "h.score", sort: true},
		{name: "health", kind: store.KindText, join: healthJoin, expr: "h.colour", cond: healthCond,
			values: []string{store.ColourRed, store.ColourYellow, store.ColourGreen, store.NotEnoughData, store.Unscored}},
	},
}

// healthJoin brings in each account's current health score, if any.
const healthJoin = "LEFT JOIN health_scores h ON h.account_id = t.id"

// healthCond filters accounts by their current health: a colour,
// store.NotEnoughData (scored, with no colour) or store.Unscored (never
// scored); with ne, every account but those.
func healthCond(op, v string) (string, []any, error) {
	var cond string
	var args []any
	switch v {
	case store.ColourRed, store.ColourYellow, store.ColourGreen:
		cond, args = "h.colour = ?", []any{v}
	case store.NotEnoughData:
		cond = "h.colour = ''"
	case store.Unscored:
		cond = "h.account_id IS NULL"
	default:
		return "", nil, fmt.Errorf("%q is not a health; use red, yellow, green, %s or %s", v, store.NotEnoughData, store.Unscored)
	}
	switch op {
	case "=":
		return cond, args, nil
	case "<>":
		if v == store.Unscored {
			return "h.account_id IS NOT NULL", nil, nil
		}
		return "(h.account_id IS NULL OR NOT (" + cond + "))", args, nil
	}
	return "", nil, fmt.Errorf("only eq and ne compare a health")
}

type C = customer.Contact

var contactsTable = &table[C]{
	name: "contacts", singular: "contact", key: "external_id",
	keyOf:     func(c *C) *string { return &c.ExternalID },
	idOf:      func(c *C) *int64 { return &c.ID },
	createdOf: func(c *C) *time.Time { return &c.CreatedAt },
	updatedOf: func(c *C) *time.Time { return &c.UpdatedAt },
	check:     (*C).Check,
	search:    []string{"name", "email", "title"},
	cols: []column[C]{
		{name: "external_id", kind: cNullText, ptr: func(c *C) any { return &c.ExternalID }, filter: true},
		{name: "account_id", kind: cRef, ptr: func(c *C) any { return &c.AccountID }, filter: true},
		{name: "name", kind: cText, ptr: func(c *C) any { return &c.Name }, filter: true, sort: true},
		{name: "email", kind: cText, ptr: func(c *C) any { return &c.Email }, filter: true, sort: true},
		{name: "title", kind: cText, ptr: func(c *C) any { return &c.Title }, filter: true},
		{name: "seniority", kind: cText, ptr: func(c *C) any { return &c.Seniority }, filter: true},
		{name: "phone", kind: cText, ptr: func(c *C) any { return &c.Phone }},
		{name: "roles", kind: cList, ptr: func(c *C) any { return &c.Roles }, filter: true},
		{name: "status", kind: cText, ptr: func(c *C) any { return &c.Status }, filter: true, sort: true},
		{name: "left_on", kind: cDate, ptr: func(c *C) any { return &c.LeftOn }, filter: true, sort: true},
	},
	refs: []ref[C]{accountRef(func(c *C) *int64 { return &c.AccountID }, func(c *C) *string { return &c.AccountExternalID })},
}

type S = customer.Subscription

var subscriptionsTable = &table[S]{
	name: "subscriptions", singular: "subscription", key: "external_id",
	keyOf:     func(s *S) *string { return &s.ExternalID },
	idOf:      func(s *S) *int64 { return &s.ID },
	createdOf: func(s *S) *time.Time { return &s.CreatedAt },
	updatedOf: func(s *S) *time.Time { return &s.UpdatedAt },
	check:     (*S).Check,
	search:    []string{"product", "plan", "external_id"},
	rollup:    true,
	cols: []column[S]{
		{name: "external_id", kind: cNullText, ptr: func(s *S) any { return &s.ExternalID }, filter: true},
		{name: "account_id", kind: cRef, ptr: func(s *S) any { return &s.AccountID }, filter: true},
		{name: "product", kind: cText, ptr: func(s *S) any { return &s.Product }, filter: true, sort: true},
		{name: "plan", kind: cText, ptr: func(s *S) any { return &s.Plan }, filter: true, sort: true},
		{name: "quantity", kind: cInt, ptr: func(s *S) any { return &s.Quantity }, filter: true, sort: true},
		{name: "mrr", kind: cInt, spec: store.KindMoney, ptr: func(s *S) any { return &s.MRR }, filter: true, sort: true},
		{name: "currency", kind: cText, ptr: func(s *S) any { return &s.Currency }, filter: true},
		{name: "billing_period", kind: cText, ptr: func(s *S) any { return &s.BillingPeriod }, filter: true},
		{name: "start_on", kind: cDate, ptr: func(s *S) any { return &s.StartOn }, filter: true, sort: true},
		{name: "end_on", kind: cDate, ptr: func(s *S) any { return &s.EndOn }, filter: true, sort: true},
		{name: "status", kind: cText, ptr: func(s *S) any { return &s.Status }, filter: true, sort: true},
		{name: "trial", kind: cBool, ptr: func(s *S) any { return &s.Trial }, filter: true},
		{name: "auto_renew", kind: cBool, ptr: func(s *S) any { return &s.AutoRenew }, filter: true},
		{name: "discount_percent", kind: cFloat, ptr: func(s *S) any { return &s.DiscountPercent }, filter: true},
	},
	refs: []ref[S]{accountRef(func(s *S) *int64 { return &s.AccountID }, func(s *S) *string { return &s.AccountExternalID })},
}

type I = customer.Invoice

var invoicesTable = &table[I]{
	name: "invoices", singular: "invoice", key: "external_id",
	keyOf:     func(i *I) *string { return &i.ExternalID },
	idOf:      func(i *I) *int64 { return &i.ID },
	createdOf: func(i *I) *time.Time { return &i.CreatedAt },
	updatedOf: func(i *I) *time.Time { return &i.UpdatedAt },
	check:     (*I).Check,
	search:    []string{"number", "external_id"},
	cols: []column[I]{
		{name: "external_id", kind: cNullText, ptr: func(i *I) any { return &i.ExternalID }, filter: true},
		{name: "account_id", kind: cRef, ptr: func(i *I) any { return &i.AccountID }, filter: true},
		{name: "number", kind: cText, ptr: func(i *I) any { return &i.Number }, filter: true},
		{name: "amount", kind: cInt, spec: store.KindMoney, ptr: func(i *I) any { return &i.Amount }, filter: true, sort: true},
		{name: "currency", kind: cText, ptr: func(i *I) any { return &i.Currency }, filter: true},
		{name: "issued_on", kind: cDate, ptr: func(i *I) any { return &i.IssuedOn }, filter: true, sort: true},
		{name: "due_on", kind: cDate, ptr: func(i *I) any { return &i.DueOn }, filter: true, sort: true},
		{name: "paid_on", kind: cDate, ptr: func(i *I) any { return &i.PaidOn }, filter: true, sort: true},
	},
	refs: []ref[I]{accountRef(func(i *I) *int64 { return &i.AccountID }, func(i *I) *string { return &i.AccountExternalID })},
}

type TK = customer.Ticket

var ticketsTable = &table[TK]{
	name: "tickets", singular: "ticket", key: "external_id",
	keyOf:     func(t *TK) *string { return &t.ExternalID },
	idOf:      func(t *TK) *int64 { return &t.ID },
	createdOf: func(t *TK) *time.Time { return &t.CreatedAt },
	updatedOf: func(t *TK) *time.Time { return &t.UpdatedAt },
	check:     (*TK).Check,
	search:    []string{"subject", "external_id"},
	cols: []column[TK]{
		{name: "external_id", kind: cNullText, ptr: func(t *TK) any { return &t.ExternalID }, filter: true},
		{name: "account_id", kind: cRef, ptr: func(t *TK) any { return &t.AccountID }, filter: true},
		{name: "subject", kind: cText, ptr: func(t *TK) any { return &t.Subject }},
		{name: "priority", kind: cText, ptr: func(t *TK) any { return &t.Priority }, filter: true},
		{name: "status", kind: cText, ptr: func(t *TK) any { return &t.Status }, filter: true},
		{name: "opened_at", kind: cTime, ptr: func(t *TK) any { return &t.OpenedAt }, filter: true, sort: true},
		{name: "closed_at", kind: cTime, ptr: func(t *TK) any { return &t.ClosedAt }, filter: true},
		{name: "first_response_minutes", kind: cIntPtr, ptr: func(t *TK) any { return &t.FirstResponseMinutes }},
		{name: "escalated", kind: cBool, ptr: func(t *TK) any { return &t.Escalated }, filter: true},
		{name: "csat", kind: cIntPtr, ptr: func(t *TK) any { return &t.CSAT }, filter: true},
	},
	refs: []ref[TK]{accountRef(func(t *TK) *int64 { return &t.AccountID }, func(t *TK) *string { return &t.AccountExternalID })},
}

type SR = customer.SurveyResponse

var surveysTable = &table[SR]{
	name: "surveys", singular: "survey response", key: "external_id",
	keyOf:     func(r *SR) *string { return &r.ExternalID },
	idOf:      func(r *SR) *int64 { return &r.ID },
	createdOf: func(r *SR) *time.Time { return &r.CreatedAt },
	updatedOf: func(r *SR) *time.Time { return &r.UpdatedAt },
	check:     (*SR).Check,
	search:    []string{"comment", "campaign"},
	cols: []column[SR]{
		{name: "external_id", kind: cNullText, ptr: func(r *SR) any { return &r.ExternalID }, filter: true},
		{name: "account_id", kind: cRef, ptr: func(r *SR) any { return &r.AccountID }, filter: true},
		{name: "contact_id", kind: cRef, ptr: func(r *SR) any { return &r.ContactID }, filter: true},
		{name: "kind", kind: cText, ptr: func(r *SR) any { return &r.Kind }, filter: true},
		{name: "score", kind: cInt, ptr: func(r *SR) any { return &r.Score }, filter: true, sort: true},
		{name: "comment", kind: cText, ptr: func(r *SR) any { return &r.Comment }},
		{name: "campaign", kind: cText, ptr: func(r *SR) any { return &r.Campaign }, filter: true},
		{name: "responded_at", kind: cTime, ptr: func(r *SR) any { return &r.RespondedAt }, filter: true, sort: true},
	},
	refs: []ref[SR]{
		accountRef(func(r *SR) *int64 { return &r.AccountID }, func(r *SR) *string { return &r.AccountExternalID }),
		{col: "contact_id", field: "contact_external_id", id: func(r *SR) *int64 { return &r.ContactID }, ext: func(r *SR) *string { return &r.ContactExternalID }, target: "contacts", key: "external_id", noun: "contact"},
	},
}

type AC = customer.Activity

var activitiesTable = &table[AC]{
	name: "activities", singular: "activity", key: "external_id",
	keyOf:     func(a *AC) *string { return &a.ExternalID },
	idOf:      func(a *AC) *int64 { return &a.ID },
	createdOf: func(a *AC) *time.Time { return &a.CreatedAt },
	updatedOf: func(a *AC) *time.Time { return &a.UpdatedAt },
	check:     (*AC).Check,
	search:    []string{"subject", "body"},
	cols: []column[AC]{
		{name: "external_id", kind: cNullText, ptr: func(a *AC) any { return &a.ExternalID }, filter: true},
		{name: "account_id", kind: cRef, ptr: func(a *AC) any { return &a.AccountID }, filter: true},
		{name: "kind", kind: cText, ptr: func(a *AC) any { return &a.Kind }, filter: true},
		{name: "occurred_at", kind: cTime, ptr: func(a *AC) any { return &a.OccurredAt }, filter: true, sort: true},
		{name: "author_id", kind: cRef, ptr: func(a *AC) any { return &a.AuthorID }, filter: true},
		{name: "attendees", kind: cStrs, ptr: func(a *AC) any { return &a.Attendees }},
		{name: "subject", kind: cText, ptr: func(a *AC) any { return &a.Subject }},
		{name: "body", kind: cText, ptr: func(a *AC) any { return &a.Body }},
	},
	refs: []ref[AC]{
		accountRef(func(a *AC) *int64 { return &a.AccountID }, func(a *AC) *string { return &a.AccountExternalID }),
		userRef("author_id", "author_email", func(a *AC) *int64 { return &a.AuthorID }, func(a *AC) *string { return &a.AuthorEmail }),
	},
}

type U = customer.User

var usersTable = &table[U]{
	name: "users", singular: "user", key: "email",
	keyOf:     func(u *U) *string { return &u.Email },
	idOf:      func(u *U) *int64 { return &u.ID },
	createdOf: func(u *U) *time.Time { return &u.CreatedAt },
	updatedOf: func(u *U) *time.Time { return &u.UpdatedAt },
	check:     (*U).Check,
	search:    []string{"name", "email"},
	cols: []column[U]{
		{name: "email", kind: cNullText, ptr: func(u *U) any { return &u.Email }, filter: true, sort: true},
		{name: "name", kind: cText, ptr: func(u *U) any { return &u.Name }, filter: true, sort: true},
		{name: "role", kind: cText, ptr: func(u *U) any { return &u.Role }, filter: true},
		{name: "title", kind: cText, ptr: func(u *U) any { return &u.Title }},
		{name: "capacity_arr", kind: cInt, spec: store.KindMoney, ptr: func(u *U) any { return &u.CapacityARR }},
		{name: "disabled", kind: cBool, ptr: func(u *U) any { return &u.Disabled }, filter: true},
	},
}

type CR = customer.ChurnRecord

// churnRecordsTable keeps why accounts and product lines left (0006).
var churnRecordsTable = &table[CR]{
	name: "churn_records", singular: "churn record", key: "external_id",
	keyOf:     func(c *CR) *string { return &c.ExternalID },
	idOf:      func(c *CR) *int64 { return &c.ID },
	createdOf: func(c *CR) *time.Time { return &c.CreatedAt },
	updatedOf: func(c *CR) *time.Time { return &c.UpdatedAt },
	check:     (*CR).Check,
	search:    []string{"note", "external_id"},
	cols: []column[CR]{
		{name: "external_id", kind: cNullText, ptr: func(c *CR) any { return &c.ExternalID }, filter: true},
		{name: "account_id", kind: cRef, ptr: func(c *CR) any { return &c.AccountID }, filter: true},
		{name: "product", kind: cText, ptr: func(c *CR) any { return &c.Product }, filter: true},
		{name: "churned_on", kind: cDate, ptr: func(c *CR) any { return &c.ChurnedOn }, filter: true, sort: true},
		{name: "reason", kind: cText, ptr: func(c *CR) any { return &c.Reason }, filter: true, sort: true},
		{name: "controllable", kind: cText, ptr: func(c *CR) any { return &c.Controllable }, filter: true},
		{name: "note", kind: cText, ptr: func(c *CR) any { return &c.Note }},
		{name: "recorded_by", kind: cText, ptr: func(c *CR) any { return &c.RecordedBy }, filter: true},
	},
	refs: []ref[CR]{accountRef(func(c *CR) *int64 { return &c.AccountID }, func(c *CR) *string { return &c.AccountExternalID })},
}

type RC = customer.RenewalCall

// renewalCallsTable keeps the CSMs' forecasts of renewals (0006).
var renewalCallsTable = &table[RC]{
	name: "renewal_calls", singular: "renewal call", key: "external_id",
	keyOf:     func(c *RC) *string { return &c.ExternalID },
	idOf:      func(c *RC) *int64 { return &c.ID },
	createdOf: func(c *RC) *time.Time { return &c.CreatedAt },
	updatedOf: func(c *RC) *time.Time { return &c.UpdatedAt },
	check:     (*RC).Check,
	search:    []string{"note", "external_id"},
	cols: []column[RC]{
		{name: "external_id", kind: cNullText, ptr: func(c *RC) any { return &c.ExternalID }, filter: true},
		{name: "account_id", kind: cRef, ptr: func(c *RC) any { return &c.AccountID }, filter: true},
		{name: "due_on", kind: cDate, ptr: func(c *RC) any { return &c.DueOn }, filter: true, sort: true},
		{name: "forecast", kind: cText, ptr: func(c *RC) any { return &c.Forecast }, filter: true},
		{name: "expected", kind: cInt, spec: store.KindMoney, ptr: func(c *RC) any { return &c.Expected }, filter: true},
		{name: "note", kind: cText, ptr: func(c *RC) any { return &c.Note }},
		{name: "set_by", kind: cText, ptr: func(c *RC) any { return &c.SetBy }, filter: true},
	},
	refs: []ref[RC]{accountRef(func(c *RC) *int64 { return &c.AccountID }, func(c *RC) *string { return &c.AccountExternalID })},
}

// Specs describes every collection, as its Spec method does, without a
// database: for code that needs the field kinds before it opens one (the
// importer's column reading).
func Specs() map[string]store.Spec {
	out := map[string]store.Spec{}
	for _, s := range []store.Spec{accountsTable.spec(), contactsTable.spec(), subscriptionsTable.spec(), invoicesTable.spec(),
		ticketsTable.spec(), surveysTable.spec(), activitiesTable.spec(), usersTable.spec(), churnRecordsTable.spec(), renewalCallsTable.spec()} {
		out[s.Name] = s
	}
	return out
}

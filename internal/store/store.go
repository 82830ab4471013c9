// Package store is Tend's storage boundary: the Store interface, the errors
// it returns, and the description of what each collection can be filtered
// and sorted by. The engines live in sqlite/ and postgres/; both pass the
// conformance suite in storetest/.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// ErrNotFound is returned when the object asked for does not exist.
var ErrNotFound = errors.New("not found")

// ConflictError is returned when a write would break a uniqueness rule,
// for example a second account with the same external id.
type ConflictError struct {
	Field   string
	Message string
}

func (e *ConflictError) Error() string { return e.Field + ": " + e.Message }

// OverflowError is returned when stored amounts add up to more than a
// 64-bit integer holds. Amounts are bounded at input (money.MaxAmount), so
// this takes amounts stored before the bound, or tens of thousands at it;
// What names the sum ("MRR of accounts by CSM…") so the data can be found
// and corrected.
type OverflowError struct {
	What string
	Err  error // the engine's own report
}

func (e *OverflowError) Error() string {
	return "the " + e.What + " add up to more than Tend can count: some stored amounts are implausibly large; correct them"
}

func (e *OverflowError) Unwrap() error { return e.Err }

// SchemaError is returned when the database's schema is newer than this
// binary knows, or older and migrations were not allowed to run.
type SchemaError struct {
	Have, Want int
}

func (e *SchemaError) Error() string {
	if e.Have > e.Want {
		return fmt.Sprintf("database schema is version %d but this tend knows only up to %d: upgrade tend", e.Have, e.Want)
	}
	return fmt.Sprintf("database schema is version %d, needs %d: run `tend migrate`", e.Have, e.Want)
}

// Store is everything Tend keeps. Both engines implement it.
type Store interface {
	Accounts() Collection[customer.Account]
	Contacts() Collection[customer.Contact]
	Subscriptions() Collection[customer.Subscription]
	Invoices() Collection[customer.Invoice]
	Tickets() Collection[customer.Ticket]
	Surveys() Collection[customer.SurveyResponse]
	Activities() Collection[customer.Activity]
	// Users are keyed externally by email.
	Users() Collection[customer.User]
	// ChurnRecords say why accounts and product lines left; RenewalCalls
	// are the CSMs' forecasts of renewals (issue 7).
	ChurnRecords() Collection[customer.ChurnRecord]
	RenewalCalls() Collection[customer.RenewalCall]

	// Attribute definitions for custom account fields.
	Attributes(ctx context.Context) ([]customer.AttributeDef, error)
	PutAttribute(ctx context.Context, d *customer.AttributeDef) error
	DeleteAttribute(ctx context.Context, key string) error

	// Figures are the aggregates dashboards read.
	Figures
	// Portfolio is what book-of-business pages read beside the accounts.
	Portfolio
	// Access is sign-in: passwords, sessions, API tokens; and saved views.
	Access
	// Rates are the exchange rates retention reports with.
	Rates
	// RetentionStamp changes whenever what the retention book is built
	// from changes (see retention.Cache).
	RetentionStamp(ctx context.Context) (string, error)
	// Usage is product usage: write keys, messages, rollups, the ingestion log.
	Usage
	// Health is health scoring's inputs, pulses, scorecards and scores.
	Health
	// Work is the CSMs' work list: CTAs, their tasks, playbooks.
	Work
	// Rules is the audit of automation rules' firings.
	Rules

	// Analyze refreshes the query planner's statistics; worth calling
	// after a bulk import, before the next autovacuum would.
	Analyze(ctx context.Context) error

	// Engine names the engine: "sqlite" or "postgres".
	Engine() string
	// Migrate brings the schema up to date; SchemaVersion reports
	// (current, latest known).
	Migrate(ctx context.Context) error
	SchemaVersion(ctx context.Context) (have, want int, err error)
	Close() error
}

// Collection is the same set of operations for every kind of object.
// Writes run the object's Check, resolve references given by external id
// (account_external_id, parent_external_id, csm_email…) and fill ID,
// CreatedAt and UpdatedAt.
type Collection[T any] interface {
	Create(ctx context.Context, v *T) error
	Get(ctx context.Context, id int64) (T, error)
	// GetByExternalID finds by external_id (by email for users).
	GetByExternalID(ctx context.Context, ext string) (T, error)
	// Update replaces every writable field of the object with v.ID.
	Update(ctx context.Context, v *T) error
	Delete(ctx context.Context, id int64) error
	List(ctx context.Context, q Query) (Page[T], error)
	Count(ctx context.Context, q Query) (int, error)
	// Upsert creates or updates by external id (email for users); with no
	// external id it creates. It reports whether it created.
	Upsert(ctx context.Context, v *T) (created bool, err error)
	// Import upserts many objects fast. Each object is all or nothing: a bad
	// one gets its error in the result at its index and the rest are still
	// written. The returned error is for failures of the whole batch only.
	Import(ctx context.Context, vs []T) ([]Result, error)
	// Distinct lists the distinct non-empty values of a text field (tiers,
	// regions, industries…) in case-insensitive order, at most limit of them,
	// for filters that offer a choice.
	Distinct(ctx context.Context, field string, limit int) ([]string, error)
	// Spec describes what this collection can be filtered and sorted by.
	Spec() Spec
}

// Result is the outcome of one object in an Import.
type Result struct {
	ID      int64
	Created bool
	Err     error // nil, or validate.Errors / *ConflictError for this object
}

// Page is one page of a list, with the cursor of the next page ("" at the end).
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// Op is a comparison in a filter.
type Op string

// Filter operators.
const (
	Eq  Op = "eq"
	Ne  Op = "ne"
	Lt  Op = "lt"
	Lte Op = "lte"
	Gt  Op = "gt"
	Gte Op = "gte"
)

// Ops lists the filter operators.
var Ops = []Op{Eq, Ne, Lt, Lte, Gt, Gte}

// Filter compares a field with a value given as text (as in a URL); the
// store converts it to the field's type and reports a bad one as a
// validation error. Field may be "attributes.<key>" on accounts.
type Filter struct {
	Field string
	Op    Op
	Value string
}

// MaxSearchLen is the longest search (Query.Search) Tend accepts, in
// characters.
const MaxSearchLen = 200

// Query selects, orders and pages a list.
type Query struct {
	Filters []Filter
	// Search matches text fields (name, email, subject…) case-insensitively.
	// The API and the web UI refuse one longer than MaxSearchLen characters:
	// a LIKE over a long pattern costs time in proportion to its length.
	Search string
	// Sort is a field name, with "-" in front for descending; default id.
	Sort string
	// Cursor continues from a previous Page.NextCursor.
	Cursor string
	// Limit is the page size: default 50, at most 1000.
	Limit int
}

// Field kinds, for filters, sorts and documentation.
const (
	KindText   = "text"
	KindInt    = "integer"
	KindFloat  = "number"
	KindBool   = "boolean"
	KindDate   = "date"
	KindTime   = "timestamp"
	KindMoney  = "money" // integer minor units
	KindStrSet = "text[]"
)

// Field is one filterable or sortable field of a collection.
type Field struct {
	Name     string
	Kind     string
	Sortable bool
	// Values are the only values a filter on the field takes, when listed.
	Values []string
}

// Spec describes a collection: its name in URLs, its filterable and
// sortable fields, which fields free-text search looks at, and the key an
// upsert matches on.
type Spec struct {
	Name          string // "accounts"
	Singular      string // "account"
	Key           string // "external_id", or "email" for users
	Fields        []Field
	SearchOver    []string
	HasAttributes bool // accounts: filters on attributes.<key>
	// Money lists every field holding an amount in integer minor units,
	// filterable or not: the one statement of which fields are money,
	// read by the importer and the API documentation alike.
	Money []string
}

// Field returns the named field.
func (s Spec) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Figures are aggregates over accounts and invoices for dashboards. The
// database computes them over covering indexes, so a page about 100,000
// accounts reads tens of rows rather than 100,000. Money is summed per
// currency, never across currencies. An account's MRR, currency and
// renewal date are the ones derived from its live subscriptions.
type Figures interface {
	// Currencies lists the distinct currencies accounts are billed in,
	// in order.
	Currencies(ctx context.Context) ([]string, error)
	// AccountGroups counts accounts, and the customers among them
	// (customer.IsCustomer), and sums their MRR by CSM, currency and
	// lifecycle stage.
	AccountGroups(ctx context.Context) ([]AccountGroup, error)
	// RenewalsByCSM counts the accounts whose renewal date falls from from
	// to until (both included), with their MRR, by CSM and currency —
	// every CSM's renewals in one read. from must not be after until.
	RenewalsByCSM(ctx context.Context, from, until civil.Date) ([]CSMRenewals, error)
	// MRRBands counts the accounts billed in currency by MRR band: one
	// band per floor, holding the accounts with floors[i] ≤ MRR <
	// floors[i-1] (the first band has no ceiling). Floors must be positive
	// and strictly falling, at most MaxBands of them; accounts paying less
	// than the last floor are in no band.
	MRRBands(ctx context.Context, currency string, floors []int64) ([]MRRBand, error)
	// TopMRR is what the n accounts billed in currency that pay the most,
	// among those paying less than below (0: no bound), pay together, and
	// the least any of them pays. Fewer than n accounts may pay anything;
	// only those count. The bound lets a caller that has counted bands
	// read just the part of one band it needs.
	TopMRR(ctx context.Context, currency string, below int64, n int) (TopMRR, error)
	// RenewalsDue counts the accounts billed in currency whose renewal date
	// falls from from to each day of until (both ends included), with
	// their MRR. until must be in order and not before from.
	RenewalsDue(ctx context.Context, currency string, from civil.Date, until []civil.Date) ([]Renewals, error)
	// OverdueInvoices counts the invoices unpaid and past due on day
	// (due before it), with their amount and how many accounts owe them,
	// by currency in order.
	OverdueInvoices(ctx context.Context, day civil.Date) ([]Overdue, error)
}

// MaxBands is the most bands one MRRBands call counts.
const MaxBands = 200

// AccountGroup is the accounts that share a CSM, a currency and a
// lifecycle stage.
type AccountGroup struct {
	CSMID     int64 // 0 when no CSM owns them
	CSMEmail  string
	Currency  string
	Lifecycle string
	Accounts  int
	// Customers is how many of the accounts are customers
	// (customer.IsCustomer): the group's paying accounts, none if churned.
	Customers int
	MRR       int64
}

// CSMRenewals is the accounts of one CSM (0: none) and currency renewing
// in a window, and what they pay a month.
type CSMRenewals struct {
	CSMID    int64
	Currency string
	Accounts int
	MRR      int64
}

// MRRBand is the accounts of one currency whose MRR is at least Floor and
// below Ceiling (0: no ceiling).
type MRRBand struct {
	Floor, Ceiling int64
	Accounts       int
	MRR            int64
}

// TopMRR is the best-paying accounts of one currency: how many pay
// anything (at most the number asked for), what they pay together, and
// the least any of them pays.
type TopMRR struct {
	Accounts int
	MRR      int64
	Floor    int64
}

// Renewals is the accounts renewing from a day until Until, inclusive, and
// what they pay a month.
type Renewals struct {
	Until    civil.Date
	Accounts int
	MRR      int64
}

// Overdue is the invoices of one currency unpaid after their due date.
type Overdue struct {
	Currency string
	Invoices int
	Amount   int64
	Accounts int // distinct accounts owing them
}

// All lists every object q selects, following the cursor page by page
// (q.Limit is the page size) — for reads that need the whole set.
func All[T any](ctx context.Context, c Collection[T], q Query) ([]T, error) {
	var out []T
	for {
		p, err := c.List(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out, nil
		}
		q.Cursor = p.NextCursor
	}
}

// OtherActiveAdmin reports whether some enabled administrator other than
// user except exists — what must stay true when an administrator is
// disabled or loses the role, so that Tend is never left without one.
func OtherActiveAdmin(ctx context.Context, st Store, except int64) (bool, error) {
	page, err := st.Users().List(ctx, Query{Filters: []Filter{
		{Field: "role", Op: Eq, Value: customer.RoleAdmin},
		{Field: "disabled", Op: Eq, Value: "false"},
	}, Limit: 2})
	if err != nil {
		return false, err
	}
	for _, u := range page.Items {
		if u.ID != except {
			return true, nil
		}
	}
	return false, nil
}

// ImportAll imports vs and fails on the first object the store rejects,
// naming its position — for loads that must land whole (demo data,
// benchmarks).
func ImportAll[T any](ctx context.Context, c Collection[T], vs []T) error {
	res, err := c.Import(ctx, vs)
	if err != nil {
		return err
	}
	for i, r := range res {
		if r.Err != nil {
			return fmt.Errorf("%s %d of %d: %w", c.Spec().Singular, i+1, len(vs), r.Err)
		}
	}
	return nil
}

// Portfolio is what a page about a book of accounts (a CSM's portfolio, a
// filtered list) reads beside the accounts themselves: totals over every
// account a query selects, and signals for the accounts on one page. Each
// is one statement, whatever the number of accounts.
type Portfolio interface {
	// AccountTotals counts the accounts q selects (its filters and search;
	// its sort, cursor and limit are ignored) and sums their MRR, per
	// currency, in order of currency. Accounts are never summed across
	// currencies.
	AccountTotals(ctx context.Context, q Query) ([]Total, error)
	// LastTouches returns when the latest activity (note, call, meeting…)
	// on each of the accounts happened. Accounts with no activity, and ids
	// of no account, are absent from the map.
	LastTouches(ctx context.Context, accountIDs []int64) (map[int64]time.Time, error)
	// OpenTickets counts each account's unresolved tickets (statuses in
	// customer.OpenTicketStatuses). Accounts with none are absent.
	OpenTickets(ctx context.Context, accountIDs []int64) (map[int64]int, error)
}

// Total is how many accounts of one currency a query selects, how many
// of them are customers (customer.IsCustomer), and what they pay a month
// together.
type Total struct {
	Currency  string
	Accounts  int
	Customers int
	MRR       int64
}

// Access keeps what sign-in needs. Secrets are never stored: sessions and
// tokens are found by the SHA-256 of their secret (auth.HashSecret), and
// passwords are kept as argon2id hashes made by package auth.
type Access interface {
	// Password returns the user with email (any case) and its password
	// hash ("" when none was set) and whether it must be changed.
	Password(ctx context.Context, email string) (u customer.User, hash string, mustChange bool, err error)
	// SetPassword stores a password hash for the user; mustChange marks a
	// one-time password. It ends the user's sessions except keep (nil: all).
	SetPassword(ctx context.Context, userID int64, hash string, mustChange bool, keep []byte) error

	// CreateSession stores s.
	CreateSession(ctx context.Context, s auth.Session) error
	// Session returns the session with this hash and its user. Expired
	// sessions are not found.
	Session(ctx context.Context, hash []byte, now time.Time) (auth.Session, customer.User, error)
	// TouchSession records a request at now and the new expiry.
	TouchSession(ctx context.Context, hash []byte, now, expires time.Time) error
	// DeleteSession ends one session; DeleteSessions every session of a
	// user. Neither fails when there is nothing to delete.
	DeleteSession(ctx context.Context, hash []byte) error
	DeleteSessions(ctx context.Context, userID int64) error

	// CreateToken stores t and sets its ID and UserEmail.
	CreateToken(ctx context.Context, t *auth.Token) error
	// Tokens lists every token, revoked ones too, newest first.
	Tokens(ctx context.Context) ([]auth.Token, error)
	// TokenByHash returns the token with this hash and its user, whatever
	// its state; the caller checks Live and the user's Disabled.
	TokenByHash(ctx context.Context, hash []byte) (auth.Token, customer.User, error)
	// TouchToken records that the token was used at now.
	TouchToken(ctx context.Context, id int64, now time.Time) error
	// RevokeToken revokes a token at now; revoking twice is not an error.
	RevokeToken(ctx context.Context, id int64, now time.Time) error

	// SavedViews lists a user's saved views of a page, by name.
	SavedViews(ctx context.Context, userID int64, page string) ([]SavedView, error)
	// SaveView stores v, replacing the user's view of the page with the
	// same name; it sets ID and CreatedAt.
	SaveView(ctx context.Context, v *SavedView) error
	// DeleteView deletes the user's view id (ErrNotFound if it is not theirs).
	DeleteView(ctx context.Context, userID, id int64) error
}

// SavedView is a named set of filters on a list page, kept for one user.
type SavedView struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	Page      string    `json:"page"`  // "accounts", "portfolio"
	Name      string    `json:"name"`  // shown in the list of views
	Query     string    `json:"query"` // the page's URL query string
	CreatedAt time.Time `json:"created_at"`
}

// ExchangeRate is what one unit of Currency is worth in the reporting
// currency, as the decimal a person typed ("1.0845"), kept exactly.
type ExchangeRate struct {
	Currency  string    `json:"currency"`
	Rate      string    `json:"rate"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Rates keeps the exchange rates the retention book converts other
// currencies with (a settings table: one rate per currency, fixed for the
// whole history).
type Rates interface {
	// ExchangeRates lists every rate, by currency.
	ExchangeRates(ctx context.Context) ([]ExchangeRate, error)
	// PutExchangeRate sets a currency's rate, replacing any before: an
	// ISO 4217 code (upper-cased) and a positive decimal of at most 12
	// decimals, else validate.Errors on currency or rate.
	PutExchangeRate(ctx context.Context, r *ExchangeRate) error
	// DeleteExchangeRate removes a currency's rate (ErrNotFound if none).
	DeleteExchangeRate(ctx context.Context, currency string) error
}

// Package transfer moves objects in and out of Tend as files: it imports
// CSV and JSON lines exported by CRMs, billing and support tools (messy
// headers, spreadsheet booleans and dates, blank cells) and exports CSV that
// imports back unchanged. Every object goes through the one validation path
// (the object's Check, then the store), and every problem is reported
// against the line and column of the file it came from.
package transfer

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// Object is one kind of object that can be imported and exported:
// accounts, contacts, subscriptions and so on.
type Object struct {
	// Name is the plural used on the command line ("accounts").
	Name string
	// Singular is also accepted ("account").
	Singular string
	// Key is the field an import matches existing objects on:
	// external_id, or email for users.
	Key string

	aliases  []string
	fields   fieldSet
	synonyms map[string]string // normalised header → field
	importFn func(ctx context.Context, st store.Store, src source, opts Options) (Report, error)
	exportFn func(ctx context.Context, st store.Store, w io.Writer, opt ExportOptions) (int, error)
}

// Objects lists every kind of object, in the order a full import should
// run: users (whom accounts name as CSM), accounts, then what refers to
// them.
func Objects() []Object {
	return []Object{
		newObject("users", "user", "email", nil, (store.Store).Users, nil),
		newObject("accounts", "account", "external_id", nil, (store.Store).Accounts, []string{"mrr", "currency", "renewal_on"}),
		newObject("contacts", "contact", "external_id", nil, (store.Store).Contacts, nil),
		newObject("subscriptions", "subscription", "external_id", nil, (store.Store).Subscriptions, nil),
		newObject("invoices", "invoice", "external_id", nil, (store.Store).Invoices, nil),
		newObject("tickets", "ticket", "external_id", []string{"support_tickets", "cases"}, (store.Store).Tickets, nil),
		newObject("surveys", "survey", "external_id", []string{"survey_responses", "survey_response", "responses"}, (store.Store).Surveys, nil),
		newObject("activities", "activity", "external_id", []string{"timeline"}, (store.Store).Activities, nil),
		newObject("churn_records", "churn_record", "external_id", []string{"churn", "churns", "churn_reasons"}, (store.Store).ChurnRecords, nil),
		newObject("renewal_calls", "renewal_call", "external_id", []string{"forecasts", "renewal_forecasts"}, (store.Store).RenewalCalls, nil),
	}
}

// Names lists the accepted object names, for help and error messages.
func Names() []string {
	var names []string
	for _, o := range Objects() {
		names = append(names, o.Name)
	}
	return names
}

// Lookup finds an object by its plural or singular name (or an alias such
// as survey_responses), ignoring case.
func Lookup(name string) (Object, error) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	for _, o := range Objects() {
		if n == o.Name || n == o.Singular || slices.Contains(o.aliases, n) {
			return o, nil
		}
	}
	return Object{}, fmt.Errorf("%q is not something tend imports or exports: use one of %s", name, strings.Join(Names(), ", "))
}

// Import reads objects from src and writes them to st. Each row is all or
// nothing; rows with problems are counted and described in the report and
// the rest are written. The error is for failures of the whole import (an
// unreadable file, a bad --map, a database that went away).
func (o Object) Import(ctx context.Context, st store.Store, r io.Reader, opts Options) (Report, error) {
	src, err := newSource(r, opts.Format)
	if err != nil {
		return Report{}, err
	}
	return o.importFn(ctx, st, src, opts)
}

// ExportOptions change how Export writes cells.
type ExportOptions struct {
	// SafeFormulas guards text cells a spreadsheet would run as a formula
	// (starting with =, +, -, @, tab or carriage return) with a leading
	// apostrophe, as the web UI's downloads do. The file is then for
	// reading in a spreadsheet: imported again, those cells keep the
	// apostrophe.
	SafeFormulas bool
}

// Export writes every object of this kind in st as CSV to w, with a header
// row of field names, and returns how many it wrote. A NUL character
// stored before input refused them is written as U+FFFD.
func (o Object) Export(ctx context.Context, st store.Store, w io.Writer, opt ExportOptions) (int, error) {
	return o.exportFn(ctx, st, w, opt)
}

// newObject ties the generic import and export to one collection.
func newObject[T any](name, singular, key string, aliases []string, coll func(store.Store) store.Collection[T], readOnly []string) Object {
	fs := fieldsOf(reflect.TypeFor[T](), append([]string{"id", "created_at", "updated_at"}, readOnly...), storeSpecs()[name].Money)
	o := Object{Name: name, Singular: singular, Key: key, aliases: aliases, fields: fs}
	o.synonyms = synonymsFor(o)
	o.importFn = func(ctx context.Context, st store.Store, src source, opts Options) (Report, error) {
		var c store.Collection[T]
		if st != nil {
			c = coll(st)
		}
		im, err := newImporter(ctx, o, st, c, opts)
		if err != nil {
			return Report{}, err
		}
		return im.run(ctx, src)
	}
	o.exportFn = func(ctx context.Context, st store.Store, w io.Writer, opt ExportOptions) (int, error) {
		return export(ctx, o, st, coll(st), w, opt)
	}
	return o
}

// storeSpecs are the store's descriptions of its collections, which say
// (among other things) which fields are money.
var storeSpecs = sync.OnceValue(sqlstore.Specs)

// checker is what every customer object implements: normalise and validate.
type checker interface{ Check() error }

var _ = []checker{
	(*customer.User)(nil), (*customer.Account)(nil), (*customer.Contact)(nil), (*customer.Subscription)(nil),
	(*customer.Invoice)(nil), (*customer.Ticket)(nil), (*customer.SurveyResponse)(nil), (*customer.Activity)(nil),
}

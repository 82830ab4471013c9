package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// Options control an import.
type Options struct {
	// Format is csv, tsv or jsonl (see FormatOf).
	Format string
	// Map overrides where columns go: "column=field", "column=attributes.key:type",
	// or "column=-" to ignore a column.
	Map []string
	// Set gives a field the same value on every row: "field=value".
	Set []string
	// DryRun converts and checks every row but writes nothing.
	DryRun bool
	// BatchSize is how many rows go to the store at once (default 1000).
	BatchSize int
	// KeepRejects is how many rejected rows the report keeps (0 means 20,
	// negative none); OnReject sees all of them.
	KeepRejects int
	// OnReject, if set, is called for every rejected row, in file order.
	// An error from it stops the import.
	OnReject func(Reject) error
	// Progress, if set, is called every batch and at the end.
	Progress func(Progress)
	// Size is the file's size in bytes, for Progress (0 if unknown).
	Size int64
}

// Progress is how far an import has got.
type Progress struct {
	Rows    int
	Bytes   int64 // read so far
	Size    int64 // of the whole file, 0 if unknown
	Elapsed time.Duration
}

// Problem is one thing wrong with a row. Where names its source as the
// file shows it: `column "mrr_amount"`, `--set product`, or `field "name"`
// when the file has no column for it; it is empty for the row as a whole.
type Problem struct {
	Where   string
	Message string
}

// warning is a Problem of a row that is imported all the same. onlyNew:
// it matters only if the row creates an object (a row that updates a
// stored object unread, as an export imported back does, keeps what was
// there).
type warning struct {
	Problem
	onlyNew bool
}

// Reject is a row that was not imported, and why.
type Reject struct {
	Line     int // physical line of the file where the row starts
	Problems []Problem
	Names    []string // the file's header (or "record" for JSON lines)
	Record   []string // the row as read
}

// Error reads like `line 14, column "mrr_amount": "12,3x" is not an amount`.
func (r Reject) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d", r.Line)
	for i, p := range r.Problems {
		switch {
		case i == 0 && p.Where == "":
			b.WriteString(": ")
		case i == 0:
			b.WriteString(", ")
		default:
			b.WriteString("; ")
		}
		if p.Where != "" {
			b.WriteString(p.Where + ": ")
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

// Warning is a row that was imported, with what its author should check.
type Warning struct {
	Line     int
	Problems []Problem
}

// String reads like `line 3, column "end_date": ends on the day it starts…`.
func (w Warning) String() string { return Reject{Line: w.Line, Problems: w.Problems}.Error() }

// Report is the outcome of an import.
type Report struct {
	Object  string
	DryRun  bool
	Rows    int // rows read (blank lines not counted)
	Created int
	Updated int
	// Valid counts the rows a dry run found good.
	Valid    int
	Rejected int
	// Ignored lists the columns that were not imported, once each.
	Ignored []Ignored
	// Rejects holds the first KeepRejects rejected rows.
	Rejects []Reject
	// Warned counts the rows imported with a warning: a value read in a
	// way the file's author should check, or a row retention leaves out.
	Warned int
	// Warnings holds the first KeepRejects of them.
	Warnings []Warning
	// Duplicates counts rows skipped because the same record is already
	// stored (events: same message id or same content).
	Duplicates int
	Elapsed    time.Duration
}

// route is how a good row is written.
type route int

const (
	viaImport route = iota // Collection.Import: upsert by key, or create
	viaUpdate              // Collection.Update by Tend id
)

// pending is a row waiting for its batch to be written. Rows wait even
// when already rejected, so that outcomes are reported in file order.
type pending[T any] struct {
	line   int
	l      *layout
	names  []string
	record []string
	probs  []Problem // rejected before reaching the store
	warns  []warning // reported if the row is written
	how    route
	v      T // the object, for viaUpdate
}

type importer[T any] struct {
	obj  Object
	st   store.Store
	coll store.Collection[T] // nil for a dry run with no store
	opts Options
	m    *mapper

	defs    map[string]customer.AttributeDef
	newDefs []customer.AttributeDef // defined by this import, written before the first row
	// merge is set when the collection already had objects: a row that
	// matches one updates only the fields the file has.
	merge bool

	layouts map[string]*layout // JSON lines, by object shape
	ignored map[string]bool

	amounts map[string]int64 // the current row's derived amounts (amounts.go)
	stored  any              // the stored object the current row updates (*T), or nil

	batch   []T          // the viaImport rows of waiting, in order
	waiting []pending[T] // every row since the last flush
	report  Report
	start   time.Time
}

func newImporter[T any](ctx context.Context, o Object, st store.Store, c store.Collection[T], opts Options) (*importer[T], error) {
	if st == nil && !opts.DryRun {
		return nil, errors.New("transfer: no store to import into")
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.KeepRejects == 0 {
		opts.KeepRejects = 20
	}
	m, err := newMapper(o, opts.Map, opts.Set)
	if err != nil {
		return nil, err
	}
	im := &importer[T]{
		obj: o, st: st, coll: c, opts: opts, m: m,
		defs: map[string]customer.AttributeDef{}, layouts: map[string]*layout{}, ignored: map[string]bool{}, amounts: map[string]int64{},
		report: Report{Object: o.Name, DryRun: opts.DryRun},
	}
	if st != nil && o.fields.attrs >= 0 {
		defs, err := st.Attributes(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading attribute definitions: %w", err)
		}
		for _, d := range defs {
			im.defs[d.Key] = d
		}
	}
	if c != nil {
		page, err := c.List(ctx, store.Query{Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("looking at existing %s: %w", o.Name, err)
		}
		im.merge = len(page.Items) > 0
	}
	return im, nil
}

func (im *importer[T]) run(ctx context.Context, src source) (Report, error) {
	im.start = time.Now()
	var fixed *layout
	if h := src.header(); h != nil {
		var err error
		if fixed, err = im.layoutFor(h); err != nil {
			return im.report, err
		}
		if unused := im.m.unusedMaps(); len(unused) > 0 {
			return im.report, fmt.Errorf("--map names %q but the file has no such column (columns: %s)", unused[0], strings.Join(h, ", "))
		}
	}
	for {
		if im.report.Rows%im.opts.BatchSize == 0 {
			if err := ctx.Err(); err != nil {
				return im.finish(src), err
			}
			im.progress(src)
		}
		rec, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return im.finish(src), err
		}
		im.report.Rows++
		if err := im.row(ctx, src, rec, fixed); err != nil {
			return im.finish(src), err
		}
	}
	if err := im.flush(ctx); err != nil {
		return im.finish(src), err
	}
	return im.finish(src), nil
}

func (im *importer[T]) finish(src source) Report {
	im.report.Elapsed = time.Since(im.start)
	im.progress(src)
	return im.report
}

func (im *importer[T]) progress(src source) {
	if im.opts.Progress != nil {
		im.opts.Progress(Progress{Rows: im.report.Rows, Bytes: src.read(), Size: im.opts.Size, Elapsed: time.Since(im.start)})
	}
}

// layoutFor maps a header (or a JSON object's keys) once per shape.
func (im *importer[T]) layoutFor(names []string) (*layout, error) {
	sig := strings.Join(names, "\x00")
	if l, ok := im.layouts[sig]; ok {
		return l, nil
	}
	l, ignored := im.m.layout(names)
	for _, ig := range ignored {
		if ig.Column != "" && !im.ignored[ig.Column] {
			im.ignored[ig.Column] = true
			im.report.Ignored = append(im.report.Ignored, ig)
		}
	}
	if err := im.define(l); err != nil {
		return nil, err
	}
	im.layouts[sig] = l
	return l, nil
}

// define makes sure every attribute the layout writes has a definition,
// creating a text one (or of the type asked for) when there is none.
func (im *importer[T]) define(l *layout) error {
	for _, t := range l.attrs {
		if d, ok := im.defs[t.attr]; ok {
			if t.attrType != "" && t.attrType != d.Type {
				return fmt.Errorf("attribute %s is defined as %s, not %s", t.attr, d.Type, t.attrType)
			}
			continue
		}
		d := customer.AttributeDef{Key: t.attr, Type: t.attrType}
		if err := d.Check(); err != nil {
			return fmt.Errorf("attribute %s: %w", t.attr, err)
		}
		im.defs[d.Key] = d
		im.newDefs = append(im.newDefs, d)
	}
	// A row that sets every writable field and every attribute replaces
	// the object outright, with no need to read it first.
	l.full = l.covered == im.obj.fields.writable
	for k := range im.defs {
		if _, ok := l.labels["attributes."+k]; !ok {
			l.full = false
		}
	}
	return nil
}

// row converts, checks and queues one record.
func (im *importer[T]) row(ctx context.Context, src source, rec record, fixed *layout) error {
	names := rec.names
	if src.header() == nil {
		names = []string{"record"}
	}
	p := pending[T]{line: rec.line, names: names, record: rec.raw}
	if err := im.check(ctx, rec, fixed, &p); err != nil {
		return err
	}
	im.waiting = append(im.waiting, p)
	if p.probs == nil && p.how == viaImport {
		im.batch = append(im.batch, p.v)
		var zero T
		im.waiting[len(im.waiting)-1].v = zero
	}
	if len(im.waiting) >= im.opts.BatchSize {
		return im.flush(ctx)
	}
	return nil
}

// check fills p with the converted, checked object and how to write it,
// or with the row's problems.
func (im *importer[T]) check(ctx context.Context, rec record, fixed *layout, p *pending[T]) error {
	if rec.err != nil {
		p.probs = []Problem{{Message: rec.err.Error()}}
		return nil
	}
	l := fixed
	if l == nil {
		var err error
		if l, err = im.layoutFor(rec.names); err != nil {
			return err
		}
	}
	p.l = l
	v, probs := im.convert(rec, l)
	if len(probs) > 0 {
		p.probs = probs
		return nil
	}
	how, err := im.prepare(ctx, &v, l)
	if err != nil {
		return err
	}
	if err := any(&v).(checker).Check(); err != nil {
		p.probs = problems(err, l)
		return nil
	}
	warns, probs, changed := derive(&v, im.amounts, l, im.stored)
	if len(probs) > 0 {
		p.probs = probs
		return nil
	}
	if changed {
		if err := any(&v).(checker).Check(); err != nil {
			p.probs = problems(err, l)
			return nil
		}
	}
	p.warns = warns
	dropNilAttrs(reflect.ValueOf(&v).Elem(), im.obj.fields)
	p.v, p.how = v, how
	return nil
}

// convert reads a record's cells into a new object.
func (im *importer[T]) convert(rec record, l *layout) (T, []Problem) {
	var v T
	rv := reflect.ValueOf(&v).Elem()
	fs := im.obj.fields
	clear(im.amounts)
	currency := "USD"
	for _, c := range l.cols {
		if c.field >= 0 && c.field == fs.currency {
			if s := strings.ToUpper(strings.TrimSpace(rec.cells[c.pos].text)); s != "" {
				currency = s
			}
		}
	}
	for _, k := range im.m.consts {
		if k.field >= 0 && k.field == fs.currency {
			currency = strings.ToUpper(strings.TrimSpace(k.text))
		}
	}
	var probs []Problem
	for _, c := range l.cols {
		if err := im.apply(rv, c.target, rec.cells[c.pos], currency); err != nil {
			probs = append(probs, Problem{Where: fmt.Sprintf("column %q", c.name), Message: err.Error()})
		}
	}
	for _, k := range im.m.consts {
		if err := im.apply(rv, k.target, textCell(k.text), currency); err != nil {
			probs = append(probs, Problem{Where: "--set " + k.spec, Message: err.Error()})
		}
	}
	return v, probs
}

func (im *importer[T]) apply(rv reflect.Value, t target, c cell, currency string) error {
	fs := im.obj.fields
	if t.field >= 0 {
		return fs.list[t.field].set(rv, c, currency)
	}
	if t.amount != "" {
		if c.isList {
			return errors.New("is a list; want a single value")
		}
		n, given, err := parseMoney(c, currency)
		if err == nil && given {
			im.amounts[t.amount] = n
		}
		return err
	}
	if c.isList {
		return errors.New("is a list; want a single value")
	}
	d := im.defs[t.attr]
	val, err := d.Coerce(c.text)
	if err != nil {
		return err
	}
	m := rv.Field(fs.list[fs.attrs].index)
	if m.IsNil() {
		m.Set(reflect.ValueOf(map[string]any{}))
	}
	// A blank cell is kept as nil until the merge, meaning "no value".
	m.SetMapIndex(reflect.ValueOf(t.attr), reflect.ValueOf(&val).Elem())
	return nil
}

// prepare decides how a converted row is written. A row with no key but
// the Tend id of an existing object updates it; a row whose key matches an
// existing object is merged into it, so fields the file does not have keep
// their values.
func (im *importer[T]) prepare(ctx context.Context, v *T, l *layout) (route, error) {
	fs := im.obj.fields
	rv := reflect.ValueOf(v).Elem()
	key := strings.TrimSpace(rv.Field(fs.list[fs.byName[im.obj.Key]].index).String())
	if im.obj.Key == "email" {
		key = strings.ToLower(key) // as User.Check stores it
	}
	idField := rv.Field(fs.list[fs.id].index)
	id := idField.Int()
	idField.SetInt(0)
	how := viaImport
	var (
		existing T
		found    bool
	)
	if im.coll != nil {
		var err error
		switch {
		case key == "" && id != 0:
			existing, err = im.coll.Get(ctx, id)
		case key != "" && im.merge && !l.full:
			existing, err = im.coll.GetByExternalID(ctx, key)
		default:
			err = store.ErrNotFound
		}
		switch {
		case err == nil:
			found = true
		case !errors.Is(err, store.ErrNotFound):
			return how, fmt.Errorf("looking up %s %q: %w", im.obj.Singular, key, err)
		}
	}
	im.stored = nil
	if found {
		before := existing
		im.stored = &before
		mergeInto(reflect.ValueOf(&existing).Elem(), rv, l, fs)
		*v = existing
		if key == "" {
			how = viaUpdate
		}
	}
	// A reference given both by Tend id and by another system's id or
	// email: the latter wins, so an export moves between databases.
	for _, f := range fs.list {
		if p := refPartner(f.name); f.kind == kindInt64 && p != "" {
			if pf, ok := fs.get(p); ok && strings.TrimSpace(rv.Field(pf.index).String()) != "" {
				rv.Field(f.index).SetInt(0)
			}
		}
	}
	return how, nil
}

// mergeInto copies the fields l sets from src into dst. Setting one side
// of a reference (account_external_id) clears the other (account_id)
// unless the file sets both.
func mergeInto(dst, src reflect.Value, l *layout, fs fieldSet) {
	for k := range l.labels {
		f, ok := fs.get(k)
		if !ok || f.readOnly {
			continue
		}
		dst.Field(f.index).Set(src.Field(f.index))
		if p := refPartner(k); p != "" {
			if pf, ok := fs.get(p); ok {
				if _, set := l.labels[p]; !set {
					dst.Field(pf.index).SetZero()
				}
			}
		}
	}
	if fs.attrs < 0 || len(l.attrs) == 0 {
		return
	}
	af := fs.list[fs.attrs].index
	merged := map[string]any{}
	if m, ok := dst.Field(af).Interface().(map[string]any); ok {
		maps.Copy(merged, m)
	}
	if m, ok := src.Field(af).Interface().(map[string]any); ok {
		maps.Copy(merged, m)
	}
	dst.Field(af).Set(reflect.ValueOf(merged))
}

// dropNilAttrs removes attributes a blank cell cleared.
func dropNilAttrs(rv reflect.Value, fs fieldSet) {
	if fs.attrs < 0 {
		return
	}
	m, _ := rv.Field(fs.list[fs.attrs].index).Interface().(map[string]any)
	maps.DeleteFunc(m, func(_ string, v any) bool { return v == nil })
}

func (im *importer[T]) writeDefs(ctx context.Context) error {
	for len(im.newDefs) > 0 {
		d := im.newDefs[0]
		if err := im.st.PutAttribute(ctx, &d); err != nil {
			return fmt.Errorf("defining attribute %s: %w", d.Key, err)
		}
		im.newDefs = im.newDefs[1:]
	}
	return nil
}

// flush writes the waiting rows: the batch through Collection.Import,
// then updates by Tend id, and reports every row's outcome in file order.
func (im *importer[T]) flush(ctx context.Context) error {
	if len(im.waiting) == 0 {
		return nil
	}
	var results []store.Result
	if len(im.batch) > 0 && !im.opts.DryRun {
		if err := im.writeDefs(ctx); err != nil {
			return err
		}
		var err error
		results, err = im.coll.Import(ctx, im.batch)
		if err == nil && len(results) != len(im.batch) {
			err = fmt.Errorf("the store returned %d results for %d rows", len(results), len(im.batch))
		}
		if err != nil {
			return fmt.Errorf("writing lines %d to %d: %w", im.waiting[0].line, im.waiting[len(im.waiting)-1].line, err)
		}
	}
	next := 0 // the next result
	for _, p := range im.waiting {
		if p.probs == nil {
			created := im.report.Created
			rowErr, err := im.outcome(ctx, p, results, &next)
			if err != nil {
				return fmt.Errorf("line %d: %w", p.line, err)
			}
			if rowErr == nil {
				im.warn(p, im.report.Created > created || im.opts.DryRun)
				continue
			}
			p.probs = problems(rowErr, p.l)
		}
		if err := im.reject(p, p.probs); err != nil {
			return err
		}
	}
	clear(im.waiting) // let the objects go
	im.batch, im.waiting = im.batch[:0], im.waiting[:0]
	return nil
}

// outcome counts a good row as valid, updated or created, or returns why
// the store refused it (rowErr); err is a failure of the whole import.
// next is the index of the row's result from Import.
func (im *importer[T]) outcome(ctx context.Context, p pending[T], results []store.Result, next *int) (rowErr, err error) {
	switch {
	case im.opts.DryRun:
		im.report.Valid++
	case p.how == viaUpdate:
		if err := im.writeDefs(ctx); err != nil {
			return nil, err
		}
		if err := im.coll.Update(ctx, &p.v); err != nil {
			if isRowError(err) {
				return err, nil
			}
			return nil, err
		}
		im.report.Updated++
	default:
		r := results[*next]
		*next++
		switch {
		case r.Err != nil:
			return r.Err, nil
		case r.Created:
			im.report.Created++
		default:
			im.report.Updated++
		}
	}
	return nil, nil
}

// warn records the warnings of a row that was written (or found good);
// created says whether it made a new object.
func (im *importer[T]) warn(p pending[T], created bool) {
	var probs []Problem
	for _, w := range p.warns {
		if created || !w.onlyNew {
			probs = append(probs, w.Problem)
		}
	}
	if len(probs) == 0 {
		return
	}
	im.report.Warned++
	if len(im.report.Warnings) < im.opts.KeepRejects {
		im.report.Warnings = append(im.report.Warnings, Warning{Line: p.line, Problems: probs})
	}
}

func (im *importer[T]) reject(p pending[T], probs []Problem) error {
	r := Reject{Line: p.line, Problems: probs, Names: p.names, Record: p.record}
	im.report.Rejected++
	if len(im.report.Rejects) < im.opts.KeepRejects {
		im.report.Rejects = append(im.report.Rejects, r)
	}
	if im.opts.OnReject != nil {
		return im.opts.OnReject(r)
	}
	return nil
}

// isRowError reports whether err is about the object itself (bad or
// conflicting input) rather than the database.
func isRowError(err error) bool {
	var ce *store.ConflictError
	_, ok := validate.As(err)
	return ok || errors.As(err, &ce) || errors.Is(err, store.ErrNotFound)
}

// problems turns a validation or store error into problems named after
// the file's columns.
func problems(err error, l *layout) []Problem {
	if errs, ok := validate.As(err); ok {
		out := make([]Problem, len(errs))
		for i, fe := range errs {
			out[i] = Problem{Where: l.label(fe.Field), Message: fe.Message}
		}
		return out
	}
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		return []Problem{{Where: l.label(ce.Field), Message: ce.Message}}
	}
	return []Problem{{Message: err.Error()}}
}

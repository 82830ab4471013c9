package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/store"
)

// colKind says how a column is stored and scanned.
type colKind int

const (
	cText     colKind = iota // string, '' for none
	cNullText                // string, NULL for none (unique external ids)
	cInt                     // int or int64
	cRef                     // int64 id of another row, NULL for none
	cFloat
	cBool
	cTime   // time.Time, NULL for zero
	cDate   // civil.Date, NULL for zero
	cJSON   // map[string]any (custom attributes)
	cList   // []string of short words, comma-separated (roles)
	cStrs   // []string of free text, a JSON array (attendees)
	cIntPtr // *int, NULL for nil
)

// column maps one field of T to one column of its table.
type column[T any] struct {
	name string
	kind colKind
	ptr  func(*T) any // pointer to the field
	// spec is the kind shown to API users; empty means derived from kind.
	spec string
	// derived columns are computed by the store and never written from input.
	derived bool
	filter  bool
	sort    bool
}

func (c column[T]) value(v *T) any {
	switch p := c.ptr(v).(type) {
	case *string:
		return *p
	case *int:
		return *p
	case *int64:
		return *p
	case *float64:
		return *p
	case *bool:
		return *p
	case *time.Time:
		return *p
	case *civil.Date:
		return *p
	case *map[string]any:
		return *p
	case *[]string:
		return *p
	case **int:
		return *p
	}
	panic("sqlstore: unsupported field type for column " + c.name)
}

func (c column[T]) dest(v *T) any {
	switch p := c.ptr(v).(type) {
	case *string:
		return strScan{p}
	case *int64:
		return intScan{p}
	case *int:
		return intAdapter{p}
	case *float64:
		return floatScan{p}
	case *bool:
		return boolScan{p}
	case *time.Time:
		return timeScan{p}
	case *civil.Date:
		return p
	case *map[string]any:
		return jsonScan{p}
	case *[]string:
		if c.kind == cStrs {
			return strsScan{p}
		}
		return listScan{p}
	case **int:
		return intPtrScan{p}
	}
	panic("sqlstore: unsupported field type for column " + c.name)
}

type intAdapter struct{ p *int }

func (s intAdapter) Scan(src any) error {
	var n int64
	err := intScan{&n}.Scan(src)
	*s.p = int(n)
	return err
}

func (c column[T]) specKind() string {
	if c.spec != "" {
		return c.spec
	}
	switch c.kind {
	case cInt, cRef, cIntPtr:
		return store.KindInt
	case cFloat:
		return store.KindFloat
	case cBool:
		return store.KindBool
	case cTime:
		return store.KindTime
	case cDate:
		return store.KindDate
	case cList:
		return store.KindStrSet
	}
	return store.KindText
}

// ref is a column that points at another table's row, which input may
// name by that row's external key instead of its id.
type ref[T any] struct {
	col    string           // our column, e.g. account_id
	field  string           // the external field, e.g. account_external_id
	id     func(*T) *int64  // our id field
	ext    func(*T) *string // our external-key field
	target string           // table pointed at
	key    string           // its external key column (external_id or email)
	noun   string           // "account", "user", for messages
}

// table describes how one kind of object is stored.
type table[T any] struct {
	name, singular string
	key            string // external key column: external_id, or email for users
	keyOf          func(*T) *string
	idOf           func(*T) *int64
	createdOf      func(*T) *time.Time
	updatedOf      func(*T) *time.Time
	cols           []column[T]
	refs           []ref[T]
	search         []string
	// searchIndex names a full-text trigram index over the search columns
	// (an FTS5 table, SQLite only: migration 0004) that narrows a search
	// before the LIKE runs.
	searchIndex string
	// indexed are the text columns that lead an index in both engines,
	// whose distinct values Distinct reads by seeking from one to the next.
	indexed []string
	check   func(*T) error
	// accountCol names the column holding the owning account id when
	// writes must refresh the account's derived fields (subscriptions).
	rollup bool
	// attrs marks the accounts table, whose attributes are checked against
	// their definitions.
	attrs func(*T) *map[string]any
	// joined are fields read from another table beside each row (an
	// account's current health): lists filter and sort on them, and the
	// join is added only to the queries that use them.
	joined []joinedField
}

// joinedField is a filterable, sortable field kept in another table.
type joinedField struct {
	name, kind string
	// join is the LEFT JOIN that brings the field in, expr its value there.
	join, expr string
	sort       bool
	values     []string // the only values a filter takes, when listed
	// cond, when set, is the WHERE condition for a filter with the SQL
	// operator op on the value v; otherwise expr is compared with v
	// converted to kind, and an empty v asks for none (NULL).
	cond func(op, v string) (string, []any, error)
}

// joinedField returns the joined field named name, or nil.
func (t *table[T]) joinedField(name string) *joinedField {
	for i := range t.joined {
		if t.joined[i].name == name {
			return &t.joined[i]
		}
	}
	return nil
}

// writable are the columns written from input, in a fixed order.
func (t *table[T]) writable() []column[T] {
	var out []column[T]
	for _, c := range t.cols {
		if !c.derived {
			out = append(out, c)
		}
	}
	return out
}

func (t *table[T]) spec() store.Spec {
	s := store.Spec{Name: t.name, Singular: t.singular, Key: t.key, SearchOver: t.search, HasAttributes: t.attrs != nil}
	s.Fields = append(s.Fields,
		store.Field{Name: "id", Kind: store.KindInt, Sortable: true},
		store.Field{Name: "created_at", Kind: store.KindTime, Sortable: true},
		store.Field{Name: "updated_at", Kind: store.KindTime, Sortable: true},
	)
	for _, c := range t.cols {
		if c.filter || c.sort {
			s.Fields = append(s.Fields, store.Field{Name: c.name, Kind: c.specKind(), Sortable: c.sort})
		}
		if c.spec == store.KindMoney {
			s.Money = append(s.Money, c.name)
		}
	}
	for _, r := range t.refs {
		s.Fields = append(s.Fields, store.Field{Name: r.field, Kind: store.KindText})
	}
	for _, j := range t.joined {
		s.Fields = append(s.Fields, store.Field{Name: j.name, Kind: j.kind, Sortable: j.sort, Values: j.values})
	}
	return s
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

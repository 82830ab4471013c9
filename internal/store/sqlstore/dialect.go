// Package sqlstore is the SQL core shared by Tend's two engines: the
// collections, written once over database/sql, with a Dialect supplying what
// differs between SQLite and PostgreSQL (placeholders, case-insensitive
// match, JSON access, how times are stored, how constraint errors read).
// Each engine package owns its schema, written in its own dialect as
// numbered migrations.
package sqlstore

import (
	"strconv"
	"strings"
	"time"
)

// Dialect is what an engine tells the shared core about itself.
type Dialect struct {
	Name string // "sqlite" or "postgres"
	// Numbered reports $1-style placeholders (PostgreSQL) instead of ?.
	Numbered bool
	// ILike is the case-insensitive LIKE operator.
	ILike string
	// TimeArg converts a non-zero time to the engine's stored form.
	TimeArg func(time.Time) any
	// AttrText is the SQL expression for custom attribute key as text; the
	// key is passed as the single placeholder argument path(key).
	AttrExpr func(typ string) string
	// AttrPath turns an attribute key into the argument AttrExpr expects.
	AttrPath func(key string) string
	// Constraint classifies a driver error: "unique" with the column, or
	// "foreign", or "" for anything else.
	Constraint func(err error) (kind, column string)
	// Overflow reports a driver error saying an integer sum or cast went
	// past 64 bits.
	Overflow func(err error) bool
	// NullsLastDesc: the sentinel used to sort missing dates last.
	MaxDate, MinDate string
	// DayOf is the SQL expression for the UTC calendar day of a stored
	// timestamp column, in a form civil.Date scans.
	DayOf func(col string) string
	// OneConnScans reports that one connection can read several result
	// sets at once (SQLite): merged scans then share one read transaction,
	// and so one snapshot. Otherwise (PostgreSQL's protocol reads one
	// result at a time) each scan takes a connection of its own.
	OneConnScans bool
	// LowerText is the case-insensitive sort expression for a text column.
	LowerText func(col string) string
	// AnalyzeSQL refreshes planner statistics.
	AnalyzeSQL string
	// Casts reports that parameters in a VALUES list need an explicit type
	// (PostgreSQL infers none there; SQLite needs none).
	Casts bool
	// RowLocks reports SELECT … FOR UPDATE [SKIP LOCKED] (PostgreSQL):
	// claims among several writers lock the rows they take. SQLite has one
	// writer, and needs none.
	RowLocks bool
}

// Param is a placeholder of the given SQL type, cast where the engine needs it.
func (d *Dialect) Param(sqlType string) string {
	if d.Casts {
		return "?::" + sqlType
	}
	return "?"
}

// rebind turns ? placeholders into $1, $2… for numbered dialects. Tend's
// generated SQL never contains a literal question mark.
func (d *Dialect) rebind(q string) string {
	if !d.Numbered {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// SQLiteTime is how the SQLite engine stores timestamps: fixed-width UTC
// text, so that comparing and sorting the text compares the times.
func SQLiteTime(t time.Time) any { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

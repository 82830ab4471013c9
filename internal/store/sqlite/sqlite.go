// Package sqlite is Tend's embedded engine: one database file, the pure-Go
// modernc.org/sqlite driver (no cgo), WAL, foreign keys on, a single
// writer connection and a pool of readers.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tendhq/tend/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is SQLite's dialect for the shared SQL core.
var Dialect = &sqlstore.Dialect{
	Name:    "sqlite",
	ILike:   "LIKE", // case-insensitive for ASCII in SQLite
	TimeArg: sqlstore.SQLiteTime,
	AttrExpr: func(string) string {
		return "json_extract(t.attributes, ?)"
	},
	AttrPath:     func(key string) string { return `$."` + key + `"` },
	Constraint:   constraint,
	Overflow:     overflow,
	MaxDate:      "'9999-12-31'",
	MinDate:      "'0001-01-01'",
	LowerText:    func(col string) string { return col + " COLLATE NOCASE" },
	OneConnScans: true,
	DayOf:        func(col string) string { return "substr(" + col + ", 1, 10)" },
	AnalyzeSQL:   "ANALYZE",
}

// Open opens (creating if needed) the database file at path. Call Migrate
// before use.
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	w, err := OpenWriter(ctx, path)
	if err != nil {
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(path, "&_pragma=query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.NumCPU()))
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	return sqlstore.New(Dialect, w, r, sub, "")
}

// OpenWriter opens a pool of one writing connection to the database file
// at path, with the pragmas Tend's own writer has (WAL, a 10 s busy
// timeout, foreign keys, transactions that take the write lock when they
// begin, temporary tables and statement journals in memory, a page cache
// of 64 MB so a large transaction does not spill pages to the WAL before
// it commits: a fifth of the CPU of writing 10,000 health scores). Open uses one (which the job queue shares); benchmarks open a
// second to measure River on a connection of its own.
func OpenWriter(ctx context.Context, path string) (*sql.DB, error) {
	w, err := sql.Open("sqlite", dsn(path, "&_txlock=immediate&_pragma=cache_size(-65536)"))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return w, nil
}

func dsn(path, extra string) string {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	return "file:" + path + "?" + q.Encode() + extra
}

// overflow reports SQLite's error for a SUM past 64 bits.
func overflow(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && strings.Contains(se.Error(), "integer overflow")
}

// constraint classifies SQLite constraint errors.
func constraint(err error) (kind, column string) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return "", ""
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		// "UNIQUE constraint failed: accounts.billing_id"
		msg := se.Error()
		if i := strings.LastIndex(msg, "failed: "); i >= 0 {
			col := msg[i+len("failed: "):]
			col, _, _ = strings.Cut(col, " ")
			col, _, _ = strings.Cut(col, ",")
			if _, c, ok := strings.Cut(col, "."); ok {
				col = c
			}
			return "unique", col
		}
		return "unique", ""
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return "foreign", ""
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK:
		return "check", ""
	}
	return "", ""
}

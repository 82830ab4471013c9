// Package postgres is Tend's engine for scale: PostgreSQL through pgx. With
// it, several tend processes can share one database.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/tendhq/tend/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is PostgreSQL's dialect for the shared SQL core.
var Dialect = &sqlstore.Dialect{
	Name:     "postgres",
	Numbered: true,
	Casts:    true,
	RowLocks: true,
	ILike:    "ILIKE",
	TimeArg:  func(t time.Time) any { return t.UTC() },
	AttrExpr: func(typ string) string {
		switch typ {
		case "number":
			return "(t.attributes->>?::text)::double precision"
		case "boolean":
			return "(t.attributes->>?::text)::boolean"
		}
		return "(t.attributes->>?::text)"
	},
	AttrPath:   func(key string) string { return key },
	Constraint: constraint,
	Overflow:   overflow,
	MaxDate:    "DATE '9999-12-31'",
	MinDate:    "DATE '0001-01-01'",
	LowerText:  func(col string) string { return "lower(" + col + ")" },
	DayOf:      func(col string) string { return "(" + col + " AT TIME ZONE 'UTC')::date" },
	AnalyzeSQL: "ANALYZE",
}

// migrationLock is the advisory lock id that serialises migrations of
// several tend processes starting at once.
const migrationLock = "SELECT pg_advisory_xact_lock(746564)"

// Open connects to the database at url (postgres://…). Call Migrate before use.
func Open(ctx context.Context, url string) (*sqlstore.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	return sqlstore.New(Dialect, db, db, sub, migrationLock)
}

// overflow reports PostgreSQL's numeric_value_out_of_range, which a sum
// cast back to bigint raises past 64 bits.
func overflow(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "22003"
}

// constraint classifies PostgreSQL constraint errors.
func constraint(err error) (kind, column string) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return "", ""
	}
	switch pe.Code {
	case "23505": // unique_violation: constraint "accounts_billing_id_key"
		col := strings.TrimSuffix(strings.TrimPrefix(pe.ConstraintName, pe.TableName+"_"), "_key")
		return "unique", col
	case "23503":
		return "foreign", ""
	case "23502", "23514":
		return "check", ""
	}
	return "", ""
}

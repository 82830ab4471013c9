package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// DB is a store.Store over database/sql. W is the connection pool that
// writes (a single connection for SQLite), R the pool that reads.
type DB struct {
	D          *Dialect
	W, R       *sql.DB
	migrations []migration
	// lockSQL, run first in the migration transaction, keeps two
	// processes from migrating at once (PostgreSQL's advisory lock).
	lockSQL string
	// stmts caches the prepared bulk statements of usage (see bulk).
	stmts sync.Map
	// factsRange overrides how many account ids one read of Facts covers
	// (0: factsRange), for tests.
	factsRange int64

	accounts      *coll[customer.Account]
	contacts      *coll[customer.Contact]
	subscriptions *coll[customer.Subscription]
	invoices      *coll[customer.Invoice]
	tickets       *coll[customer.Ticket]
	surveys       *coll[customer.SurveyResponse]
	activities    *coll[customer.Activity]
	users         *coll[customer.User]

	// writes counts the writes this DB has committed, and cache holds the
	// dashboard figures computed since the last change (cache.go).
	writes       atomic.Uint64
	cache        figuresCache
	churnRecords *coll[customer.ChurnRecord]
	renewalCalls *coll[customer.RenewalCall]
	// dirty is the hook called after writes mark accounts for rescoring.
	dirty dirtyHook
	// scans is the budget of connections merged scans take (scanslots.go).
	scans atomic.Pointer[semaphore.Weighted]
}

// New wraps open pools. migrations is the engine's folder of numbered
// NNNN_name.sql files.
func New(d *Dialect, w, r *sql.DB, migrations fs.FS, lockSQL string) (*DB, error) {
	ms, err := loadMigrations(migrations)
	if err != nil {
		return nil, err
	}
	db := &DB{D: d, W: w, R: r, migrations: ms, lockSQL: lockSQL}
	db.accounts = newColl(db, accountsTable)
	db.contacts = newColl(db, contactsTable)
	db.subscriptions = newColl(db, subscriptionsTable)
	db.invoices = newColl(db, invoicesTable)
	db.tickets = newColl(db, ticketsTable)
	db.surveys = newColl(db, surveysTable)
	db.activities = newColl(db, activitiesTable)
	db.users = newColl(db, usersTable)
	db.churnRecords = newColl(db, churnRecordsTable)
	db.renewalCalls = newColl(db, renewalCallsTable)
	return db, nil
}

func (db *DB) Accounts() store.Collection[customer.Account]           { return db.accounts }
func (db *DB) Contacts() store.Collection[customer.Contact]           { return db.contacts }
func (db *DB) Subscriptions() store.Collection[customer.Subscription] { return db.subscriptions }
func (db *DB) Invoices() store.Collection[customer.Invoice]           { return db.invoices }
func (db *DB) Tickets() store.Collection[customer.Ticket]             { return db.tickets }
func (db *DB) Surveys() store.Collection[customer.SurveyResponse]     { return db.surveys }
func (db *DB) Activities() store.Collection[customer.Activity]        { return db.activities }
func (db *DB) Users() store.Collection[customer.User]                 { return db.users }
func (db *DB) ChurnRecords() store.Collection[customer.ChurnRecord]   { return db.churnRecords }
func (db *DB) RenewalCalls() store.Collection[customer.RenewalCall]   { return db.renewalCalls }

// Analyze refreshes the planner's statistics.
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.W.ExecContext(ctx, db.D.AnalyzeSQL); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// Engine names the engine.
func (db *DB) Engine() string { return db.D.Name }

// Close closes both pools.
func (db *DB) Close() error {
	db.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	err := db.R.Close()
	if db.W != db.R {
		err = errors.Join(err, db.W.Close())
	}
	return err
}

// inChunks runs query (with one %s for a placeholder list) over vals in
// chunks, calling each for every row.
func (db *DB) inChunks(ctx context.Context, q querier, vals []any, query string, each func(*sql.Rows) error) error {
	const size = 500
	for len(vals) > 0 {
		n := min(size, len(vals))
		ph := "?" + strings.Repeat(", ?", n-1)
		rows, err := q.QueryContext(ctx, db.D.rebind(fmt.Sprintf(query, ph)), vals[:n]...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := each(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		vals = vals[n:]
	}
	return nil
}

// rollupAccounts recomputes the derived MRR, currency and renewal date of
// the given accounts from their subscriptions.
func (db *DB) rollupAccounts(ctx context.Context, tx *sql.Tx, ids map[int64]bool) error {
	delete(ids, 0)
	keys := slices.Sorted(maps.Keys(ids))
	vals := make([]any, len(keys))
	for i, k := range keys {
		vals[i] = k
	}
	// Sum live subscriptions per account and currency in SQL (over a
	// covering index), so an account with hundreds of subscription rows
	// costs a few result rows, not hundreds, each time it is touched.
	live := "'" + strings.Join(customer.LiveStatuses, "', '") + "'"
	subs := map[int64][]customer.Subscription{}
	err := db.inChunks(ctx, tx, vals,
		"SELECT account_id, currency, CAST(SUM(mrr) AS BIGINT), MIN(end_on) FROM subscriptions WHERE account_id IN (%s) AND NOT trial AND status IN ("+live+") GROUP BY account_id, currency",
		func(rows *sql.Rows) error {
			s := customer.Subscription{Status: customer.SubActive}
			if err := rows.Scan(&s.AccountID, &s.Currency, &s.MRR, &s.EndOn); err != nil {
				return err
			}
			subs[s.AccountID] = append(subs[s.AccountID], s)
			return nil
		})
	if err != nil && db.D.Overflow != nil && db.D.Overflow(err) {
		return validate.Errors{{Field: "mrr", Code: "out_of_range", Message: fmt.Sprintf(
			"the account's live subscriptions would add up to more than the largest amount Tend holds (%s)", money.FormatMinor(money.MaxAmount, "USD"))}}
	}
	if err != nil {
		return fmt.Errorf("roll up accounts: %w", err)
	}
	for id, ss := range subs {
		for _, s := range ss {
			if !money.InRange(s.MRR) {
				return validate.Errors{{Field: "mrr", Code: "out_of_range", Message: fmt.Sprintf(
					"the live subscriptions of account %d in %s would add up to %s, more than the largest amount Tend holds (%s)",
					id, s.Currency, money.FormatMinor(s.MRR, s.Currency), money.FormatMinor(money.MaxAmount, s.Currency))}}
			}
		}
	}
	// One statement per chunk of accounts, from a VALUES list.
	const chunk = 500
	for len(keys) > 0 {
		n := min(chunk, len(keys))
		var b strings.Builder
		args := make([]any, 0, 4*n)
		b.WriteString("WITH v (id, mrr, currency, renewal_on) AS (VALUES ")
		for i, id := range keys[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + db.D.Param("bigint") + ", " + db.D.Param("bigint") + ", " + db.D.Param("text") + ", " + db.D.Param("date") + ")")
			r := customer.Rollup(subs[id])
			args = append(args, id, r.MRR, r.Currency, r.RenewalOn)
		}
		b.WriteString(") UPDATE accounts SET mrr = v.mrr, currency = v.currency, renewal_on = v.renewal_on FROM v WHERE accounts.id = v.id" +
			" AND (accounts.mrr IS DISTINCT FROM v.mrr OR accounts.currency IS DISTINCT FROM v.currency OR accounts.renewal_on IS DISTINCT FROM v.renewal_on)")
		if _, err := tx.ExecContext(ctx, db.D.rebind(b.String()), args...); err != nil {
			return fmt.Errorf("roll up accounts: %w", err)
		}
		keys = keys[n:]
	}
	return nil
}

// checkNoCycle refuses a parent chain that comes back to account id.
func (db *DB) checkNoCycle(ctx context.Context, q querier, id int64) error {
	seen := map[int64]bool{id: true}
	cur := id
	for range 1000 {
		var parent sql.NullInt64
		if err := q.QueryRowContext(ctx, db.D.rebind("SELECT parent_id FROM accounts WHERE id = ?"), cur).Scan(&parent); err != nil {
			return err
		}
		if !parent.Valid {
			return nil
		}
		if seen[parent.Int64] {
			return validate.Errors{{Field: "parent_id", Code: "invalid", Message: "this parent would make the account its own ancestor"}}
		}
		seen[parent.Int64] = true
		cur = parent.Int64
	}
	return nil
}

// Attributes lists the custom attribute definitions by key.
func (db *DB) Attributes(ctx context.Context) ([]customer.AttributeDef, error) {
	defs, err := db.attributeDefs(ctx, db.R)
	if err != nil {
		return nil, err
	}
	out := slices.Collect(maps.Values(defs))
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (db *DB) attributeDefs(ctx context.Context, q querier) (map[string]customer.AttributeDef, error) {
	rows, err := q.QueryContext(ctx, "SELECT key, label, type, created_at FROM attribute_defs")
	if err != nil {
		return nil, fmt.Errorf("read attribute definitions: %w", err)
	}
	defer rows.Close()
	out := map[string]customer.AttributeDef{}
	for rows.Next() {
		var d customer.AttributeDef
		if err := rows.Scan(&d.Key, &d.Label, &d.Type, timeScan{&d.CreatedAt}); err != nil {
			return nil, err
		}
		out[d.Key] = d
	}
	return out, rows.Err()
}

// PutAttribute creates or changes a definition. Changing the type of an
// attribute that accounts already use is refused.
func (db *DB) PutAttribute(ctx context.Context, d *customer.AttributeDef) error {
	if err := d.Check(); err != nil {
		return err
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer db.changed(ctx)
	defer tx.Rollback()
	defs, err := db.attributeDefs(ctx, tx)
	if err != nil {
		return err
	}
	if old, ok := defs[d.Key]; ok && old.Type != d.Type {
		var n int
		if err := tx.QueryRowContext(ctx, db.D.rebind("SELECT count(*) FROM accounts t WHERE "+db.D.AttrExpr("text")+" IS NOT NULL"), db.D.AttrPath(d.Key)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &store.ConflictError{Field: "type", Message: fmt.Sprintf("attribute %q is %s on %d accounts; remove those values before changing its type", d.Key, old.Type, n)}
		}
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if old, ok := defs[d.Key]; ok {
		d.CreatedAt = old.CreatedAt
	} else {
		d.CreatedAt = now
	}
	_, err = tx.ExecContext(ctx, db.D.rebind(`INSERT INTO attribute_defs (key, label, type, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET label = excluded.label, type = excluded.type`), d.Key, d.Label, d.Type, db.D.TimeArg(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("save attribute %q: %w", d.Key, err)
	}
	if err := db.changedTx(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteAttribute removes a definition (values stay on accounts until
// they are next written, when they are refused as unknown).
func (db *DB) DeleteAttribute(ctx context.Context, key string) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer db.changed(ctx)
	defer tx.Rollback()
	r, err := tx.ExecContext(ctx, db.D.rebind("DELETE FROM attribute_defs WHERE key = ?"), key)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("attribute %q: %w", key, store.ErrNotFound)
	}
	if err := db.changedTx(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its number", e.Name())
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	return out, nil
}

const versionTable = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"

// SchemaVersion reports the database's schema version and the newest this
// binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (have, want int, err error) {
	if _, err := db.W.ExecContext(ctx, versionTable); err != nil {
		return 0, 0, fmt.Errorf("schema version: %w", err)
	}
	err = db.W.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&have)
	return have, len(db.migrations), err
}

// Migrate applies the migrations the database has not had, each in its
// own transaction, and refuses a schema newer than it knows.
func (db *DB) Migrate(ctx context.Context) error {
	for {
		done, err := db.migrateOne(ctx)
		if err != nil || done {
			return err
		}
	}
}

func (db *DB) migrateOne(ctx context.Context) (done bool, err error) {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if db.lockSQL != "" {
		if _, err := tx.ExecContext(ctx, db.lockSQL); err != nil {
			return false, fmt.Errorf("migrate: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, versionTable); err != nil {
		return false, fmt.Errorf("migrate: %w", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&have); err != nil {
		return false, err
	}
	if have > len(db.migrations) {
		return false, &store.SchemaError{Have: have, Want: len(db.migrations)}
	}
	if have == len(db.migrations) {
		return true, nil
	}
	m := db.migrations[have]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, db.D.rebind("INSERT INTO schema_version (version) VALUES (?)"), m.version); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

var _ store.Store = (*DB)(nil)
var _ = civil.Date{}

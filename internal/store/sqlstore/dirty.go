package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// Accounts whose health inputs changed (store.Dirty; migration 0009). Every
// write that changes an account's inputs calls markDirty inside its own
// transaction; after it commits, the hook set by OnDirty is called so the
// process can nudge the rescore job.

// dirtyChunk is how many accounts one marking statement takes (2
// parameters each).
const dirtyChunk = 2000

// dirtyHook holds the function OnDirty set.
type dirtyHook struct{ f atomic.Pointer[func()] }

// OnDirty sets f to be called (after the commit, never inside a
// transaction) whenever a write has marked accounts dirty: the nudge that
// enqueues a rescore. f must return quickly.
func (db *DB) OnDirty(f func()) { db.dirty.f.Store(&f) }

// dirtied calls the OnDirty hook.
func (db *DB) dirtied() {
	if f := db.dirty.f.Load(); f != nil && *f != nil {
		(*f)()
	}
}

// markDirty marks the accounts of ids (0s ignored) in tx: new marks get
// now as their first time, existing ones a bump of their count. Ids are
// sorted so that concurrent writers lock rows in one order.
func (db *DB) markDirty(ctx context.Context, tx *sql.Tx, ids []int64) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) > 0 && ids[0] == 0 {
		ids = ids[1:]
	}
	now := db.D.TimeArg(time.Now())
	for len(ids) > 0 {
		n := min(len(ids), dirtyChunk)
		args := make([]any, 0, 2*n)
		for _, id := range ids[:n] {
			args = append(args, id, now)
		}
		q := "INSERT INTO health_dirty (account_id, marked_at) VALUES (?, ?)" + strings.Repeat(", (?, ?)", n-1) +
			" ON CONFLICT (account_id) DO UPDATE SET marks = health_dirty.marks + 1"
		if _, err := tx.ExecContext(ctx, db.D.rebind(q), args...); err != nil {
			return fmt.Errorf("mark accounts for rescoring: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}

// MarkDirty marks accounts in a transaction of their own.
func (db *DB) MarkDirty(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := db.markDirty(ctx, tx, ids); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("mark accounts for rescoring: %w", err)
	}
	db.dirtied()
	return nil
}

// ClaimDirty leases marked accounts. On PostgreSQL the rows are taken FOR
// UPDATE SKIP LOCKED, so two replicas claiming at once take different
// accounts; SQLite's single writer makes the statement alone enough.
func (db *DB) ClaimDirty(ctx context.Context, limit int, lease time.Duration) ([]store.DirtyAccount, error) {
	if limit <= 0 {
		return nil, nil
	}
	now := time.Now()
	lock := ""
	if db.D.RowLocks {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	q := "UPDATE health_dirty SET claimed_until = ? WHERE account_id IN (SELECT account_id FROM health_dirty WHERE claimed_until IS NULL OR claimed_until < ? ORDER BY marked_at LIMIT ?" + lock + ") RETURNING account_id, marked_at, marks"
	rows, err := db.W.QueryContext(ctx, db.D.rebind(q), db.D.TimeArg(now.Add(lease)), db.D.TimeArg(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim accounts to rescore: %w", err)
	}
	defer rows.Close()
	var out []store.DirtyAccount
	for rows.Next() {
		var d store.DirtyAccount
		if err := rows.Scan(&d.AccountID, timeScan{&d.MarkedAt}, &d.Marks); err != nil {
			return nil, fmt.Errorf("claim accounts to rescore: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim accounts to rescore: %w", err)
	}
	slices.SortFunc(out, func(a, b store.DirtyAccount) int { return int(a.AccountID - b.AccountID) })
	return out, nil
}

// DoneDirty clears the claimed marks that did not change and releases the
// others, in one transaction. On PostgreSQL the claimed rows are locked
// first in id order, the order markDirty takes them in, so the two never
// deadlock.
func (db *DB) DoneDirty(ctx context.Context, claimed []store.DirtyAccount) error {
	if len(claimed) == 0 {
		return nil
	}
	claimed = slices.Clone(claimed)
	slices.SortFunc(claimed, func(a, b store.DirtyAccount) int { return int(a.AccountID - b.AccountID) })
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for start := 0; start < len(claimed); start += dirtyChunk {
		part := claimed[start:min(start+dirtyChunk, len(claimed))]
		ids := make([]any, len(part))
		pairs := make([]any, 0, 2*len(part))
		for i, d := range part {
			ids[i] = d.AccountID
			pairs = append(pairs, d.AccountID, d.Marks)
		}
		in := "?" + strings.Repeat(", ?", len(part)-1)
		if db.D.RowLocks {
			if _, err := tx.ExecContext(ctx, db.D.rebind("SELECT account_id FROM health_dirty WHERE account_id IN ("+in+") ORDER BY account_id FOR UPDATE"), ids...); err != nil {
				return fmt.Errorf("clear rescored accounts: %w", err)
			}
		}
		ph := "(" + db.D.Param("bigint") + ", " + db.D.Param("bigint") + ")"
		q := "DELETE FROM health_dirty WHERE (account_id, marks) IN (VALUES " + ph + strings.Repeat(", "+ph, len(part)-1) + ")"
		if _, err := tx.ExecContext(ctx, db.D.rebind(q), pairs...); err != nil {
			return fmt.Errorf("clear rescored accounts: %w", err)
		}
		if _, err := tx.ExecContext(ctx, db.D.rebind("UPDATE health_dirty SET claimed_until = NULL WHERE account_id IN ("+in+")"), ids...); err != nil {
			return fmt.Errorf("release rescored accounts: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("clear rescored accounts: %w", err)
	}
	return nil
}

// DirtyCount counts the marked accounts.
func (db *DB) DirtyCount(ctx context.Context) (int, time.Time, error) {
	var (
		n      int
		oldest time.Time
	)
	err := db.R.QueryRowContext(ctx, "SELECT COUNT(*), MIN(marked_at) FROM health_dirty").Scan(&n, timeScan{&oldest})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count accounts to rescore: %w", err)
	}
	return n, oldest, nil
}

// Marked lists which of ids are marked.
func (db *DB) Marked(ctx context.Context, ids []int64) ([]int64, error) {
	vals := make([]any, len(ids))
	for i, id := range ids {
		vals[i] = id
	}
	var out []int64
	err := db.inChunks(ctx, db.R, vals, "SELECT account_id FROM health_dirty WHERE account_id IN (%s)", func(r *sql.Rows) error {
		var id int64
		if err := r.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("marked accounts: %w", err)
	}
	slices.Sort(out)
	return out, nil
}

// factsChunk is how many accounts one bulk read of facts names.
const factsChunk = 1000

// EachHealthFactsOf reads the Facts of the accounts listed.
func (db *DB) EachHealthFactsOf(ctx context.Context, ids []int64, asOf civil.Date, each func(*health.Facts) error) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	var eachErr error
	for start := 0; start < len(ids); start += factsChunk {
		err := db.readFacts(ctx, ids[start:min(start+factsChunk, len(ids))], asOf, func(f *health.Facts) error {
			eachErr = each(f)
			return eachErr
		})
		switch {
		case err == nil:
		case eachErr != nil:
			return eachErr
		default:
			return fmt.Errorf("health facts: %w", err)
		}
	}
	return nil
}

// EachAccountUsageOf reads the rollups of the accounts listed.
func (db *DB) EachAccountUsageOf(ctx context.Context, ids []int64, from, to usage.Day, cat *usage.Catalog, each func(int64, *usage.AccountUsage) error) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for start := 0; start < len(ids); start += factsChunk {
		if err := db.eachAccountUsage(ctx, ids[start:min(start+factsChunk, len(ids))], from, to, cat, each); err != nil {
			return err
		}
	}
	return nil
}

// SeatsOf is Seats of the accounts listed.
func (db *DB) SeatsOf(ctx context.Context, ids []int64) (map[int64]int, error) {
	live := "'" + strings.Join(customer.LiveStatuses, "', '") + "'"
	vals := make([]any, len(ids))
	for i, id := range ids {
		vals[i] = id
	}
	out := map[int64]int{}
	err := db.inChunks(ctx, db.R, vals, "SELECT account_id, SUM(quantity) FROM subscriptions WHERE account_id IN (%s) AND NOT trial AND status IN ("+live+") GROUP BY account_id", func(r *sql.Rows) error {
		var id, n int64
		if err := r.Scan(intScan{&id}, intScan{&n}); err != nil {
			return err
		}
		out[id] = int(n)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seats: %w", err)
	}
	return out, nil
}

// healthAccount is the account whose health inputs the object v (stored
// with id) belongs to: the account itself, or the one its account_id
// names; 0 for objects that feed no account's health (users).
func (t *table[T]) healthAccount(v *T, id int64) int64 {
	if t.name == "accounts" {
		return id
	}
	for _, r := range t.refs {
		if r.col == "account_id" {
			return *r.id(v)
		}
	}
	return 0
}

// hasAccount reports whether the table's rows belong to an account.
func (t *table[T]) hasAccount() bool {
	for _, r := range t.refs {
		if r.col == "account_id" {
			return true
		}
	}
	return false
}

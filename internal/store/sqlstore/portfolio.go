package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// store.Portfolio: totals over a filtered list of accounts and signals for
// the accounts on one page of it.

// AccountTotals counts and sums the accounts q selects, per currency, in
// one aggregate over the same WHERE clause List and Count use.
func (db *DB) AccountTotals(ctx context.Context, q store.Query) ([]store.Total, error) {
	out, err := db.accountTotals(ctx, q)
	return out, db.sumErr(err, "MRR of the accounts listed")
}

func (db *DB) accountTotals(ctx context.Context, q store.Query) ([]store.Total, error) {
	c := db.accounts
	where, args, err := c.where(ctx, q)
	if err != nil {
		return nil, err
	}
	query := "SELECT t.currency, COUNT(*), " + countCustomers("t") + ", CAST(COALESCE(SUM(t.mrr), 0) AS BIGINT)" + c.from(q.Filters, "") + where + " GROUP BY t.currency"
	rows, err := db.R.QueryContext(ctx, db.D.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("account totals: %w", err)
	}
	defer rows.Close()
	var out []store.Total
	for rows.Next() {
		var t store.Total
		var n, customers int64
		if err := rows.Scan(strScan{&t.Currency}, intScan{&n}, intScan{&customers}, intScan{&t.MRR}); err != nil {
			return nil, fmt.Errorf("account totals: %w", err)
		}
		t.Accounts, t.Customers = int(n), int(customers)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account totals: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Total) int { return cmp.Compare(a.Currency, b.Currency) })
	return out, nil
}

// LastTouches reads each account's latest activity time. The correlated
// MAX is one seek to the end of that account's range of the
// activities_account (account_id, occurred_at) index on both engines, so
// an account with ten thousand activities costs what one with one does.
func (db *DB) LastTouches(ctx context.Context, accountIDs []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	err := db.inChunks(ctx, db.R, idArgs(accountIDs),
		"SELECT a.id, (SELECT MAX(x.occurred_at) FROM activities x WHERE x.account_id = a.id) FROM accounts a WHERE a.id IN (%s)",
		func(rows *sql.Rows) error {
			var id int64
			var at time.Time
			if err := rows.Scan(intScan{&id}, timeScan{&at}); err != nil {
				return err
			}
			if !at.IsZero() {
				out[id] = at
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("last touches: %w", err)
	}
	return out, nil
}

// OpenTickets counts each account's unresolved tickets, over the
// tickets_account index.
func (db *DB) OpenTickets(ctx context.Context, accountIDs []int64) (map[int64]int, error) {
	open := "'" + strings.Join(customer.OpenTicketStatuses, "', '") + "'"
	out := map[int64]int{}
	err := db.inChunks(ctx, db.R, idArgs(accountIDs),
		"SELECT account_id, COUNT(*) FROM tickets WHERE account_id IN (%s) AND status IN ("+open+") GROUP BY account_id",
		func(rows *sql.Rows) error {
			var id, n int64
			if err := rows.Scan(intScan{&id}, intScan{&n}); err != nil {
				return err
			}
			out[id] = int(n)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("open tickets: %w", err)
	}
	return out, nil
}

// idArgs is ids without repeats, as query arguments.
func idArgs(ids []int64) []any {
	seen := make(map[int64]bool, len(ids))
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

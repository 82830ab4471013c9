package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// The dashboard figures. Each query is shaped to be answered from one
// covering index (see the engines' 0002 migrations) without a sort:
// accounts_book (csm_id, currency, lifecycle, mrr) for the groups,
// accounts_currency_mrr (currency, mrr) for the bands and the top,
// accounts_currency_renewal (currency, renewal_on, mrr) for renewals and
// invoices_unpaid_due (due_on, currency, amount, account_id) for overdue
// invoices.
// Sums are cast to BIGINT because PostgreSQL sums bigints as numeric.
//
// The exported methods serve each figure from the cache (cache.go) while
// nothing has been written, and compute it with the query below otherwise.
// Slices are copied out of the cache so callers may change them.

// Currencies lists the distinct currencies accounts are billed in.
func (db *DB) Currencies(ctx context.Context) ([]string, error) {
	v, err := cached(ctx, db, "currencies", db.currencies)
	return slices.Clone(v), err
}

// AccountGroups counts accounts and sums MRR by CSM, currency and stage.
func (db *DB) AccountGroups(ctx context.Context) ([]store.AccountGroup, error) {
	v, err := cached(ctx, db, "groups", db.accountGroups)
	return slices.Clone(v), db.sumErr(err, "MRR of accounts by CSM, currency and stage")
}

// RenewalsByCSM counts the renewals in a window by CSM and currency.
func (db *DB) RenewalsByCSM(ctx context.Context, from, until civil.Date) ([]store.CSMRenewals, error) {
	key := fmt.Sprintf("csm renewals %s %s", from, until)
	v, err := cached(ctx, db, key, func(ctx context.Context) ([]store.CSMRenewals, error) { return db.renewalsByCSM(ctx, from, until) })
	return slices.Clone(v), db.sumErr(err, fmt.Sprintf("MRR of accounts renewing from %s to %s, by CSM", from, until))
}

// MRRBands counts the accounts of a currency by MRR band.
func (db *DB) MRRBands(ctx context.Context, currency string, floors []int64) ([]store.MRRBand, error) {
	key := fmt.Sprintf("bands %q %v", currency, floors)
	v, err := cached(ctx, db, key, func(ctx context.Context) ([]store.MRRBand, error) { return db.mrrBands(ctx, currency, floors) })
	return slices.Clone(v), db.sumErr(err, "MRR of accounts billed in "+currency+", by band")
}

// TopMRR is what the n best-paying accounts of a currency below a bound pay.
func (db *DB) TopMRR(ctx context.Context, currency string, below int64, n int) (store.TopMRR, error) {
	key := fmt.Sprintf("top %q %d %d", currency, below, n)
	v, err := cached(ctx, db, key, func(ctx context.Context) (store.TopMRR, error) { return db.topMRR(ctx, currency, below, n) })
	return v, db.sumErr(err, fmt.Sprintf("MRR of the %d best-paying accounts billed in %s", n, currency))
}

// RenewalsDue counts the renewals of a currency in windows from a day.
func (db *DB) RenewalsDue(ctx context.Context, currency string, from civil.Date, until []civil.Date) ([]store.Renewals, error) {
	key := fmt.Sprintf("renewals %q %s %v", currency, from, until)
	v, err := cached(ctx, db, key, func(ctx context.Context) ([]store.Renewals, error) { return db.renewalsDue(ctx, currency, from, until) })
	return slices.Clone(v), db.sumErr(err, "MRR of accounts billed in "+currency+" renewing from "+from.String())
}

// OverdueInvoices counts the invoices unpaid and past due on day.
func (db *DB) OverdueInvoices(ctx context.Context, day civil.Date) ([]store.Overdue, error) {
	v, err := cached(ctx, db, "overdue "+day.String(), func(ctx context.Context) ([]store.Overdue, error) { return db.overdueInvoices(ctx, day) })
	return slices.Clone(v), db.sumErr(err, "amounts of invoices overdue on "+day.String())
}

// sumErr turns an engine's report that a sum went past 64 bits into a
// *store.OverflowError saying what was summed; other errors pass as they
// are.
func (db *DB) sumErr(err error, what string) error {
	if err != nil && db.D.Overflow != nil && db.D.Overflow(err) {
		return &store.OverflowError{What: what, Err: err}
	}
	return err
}

// currencies lists the currencies accounts are billed in. It walks the
// index from one currency to the next (a loose index scan), so a hundred
// thousand accounts in one currency cost a couple of index seeks.
func (db *DB) currencies(ctx context.Context) ([]string, error) {
	const q = `WITH RECURSIVE c (cur) AS (
		SELECT MIN(currency) FROM accounts
		UNION ALL
		SELECT (SELECT MIN(currency) FROM accounts WHERE currency > c.cur) FROM c WHERE c.cur IS NOT NULL
	) SELECT cur FROM c WHERE cur IS NOT NULL`
	rows, err := db.R.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("currencies: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("currencies: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("currencies: %w", err)
	}
	slices.Sort(out) // the engines' collations may order codes differently
	return out, nil
}

// isCustomer is customer.IsCustomer in SQL, over the accounts table
// named (or aliased) table: an account not churned that pays. The store's
// conformance tests hold the two to the same answers.
func isCustomer(table string) string {
	return "(" + table + ".lifecycle <> '" + customer.StageChurned + "' AND " + table + ".mrr > 0)"
}

// countCustomers counts the customers among the rows of a GROUP BY.
func countCustomers(table string) string {
	return "CAST(COALESCE(SUM(CASE WHEN " + isCustomer(table) + " THEN 1 ELSE 0 END), 0) AS BIGINT)"
}

// accountGroups counts accounts and customers and sums MRR by CSM,
// currency and stage.
func (db *DB) accountGroups(ctx context.Context) ([]store.AccountGroup, error) {
	q := `SELECT g.csm_id, u.email, g.currency, g.lifecycle, g.n, g.customers, g.mrr FROM (
		SELECT csm_id, currency, lifecycle, COUNT(*) AS n, ` + countCustomers("accounts") + ` AS customers, CAST(SUM(mrr) AS BIGINT) AS mrr
		FROM accounts GROUP BY csm_id, currency, lifecycle
	) g LEFT JOIN users u ON u.id = g.csm_id`
	rows, err := db.R.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("account groups: %w", err)
	}
	defer rows.Close()
	var out []store.AccountGroup
	for rows.Next() {
		var g store.AccountGroup
		var n, customers int64
		if err := rows.Scan(intScan{&g.CSMID}, strScan{&g.CSMEmail}, &g.Currency, &g.Lifecycle, intScan{&n}, intScan{&customers}, intScan{&g.MRR}); err != nil {
			return nil, fmt.Errorf("account groups: %w", err)
		}
		g.Accounts, g.Customers = int(n), int(customers)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account groups: %w", err)
	}
	slices.SortFunc(out, func(a, b store.AccountGroup) int {
		return cmp.Or(cmp.Compare(a.CSMID, b.CSMID), strings.Compare(a.Currency, b.Currency), strings.Compare(a.Lifecycle, b.Lifecycle))
	})
	return out, nil
}

// mrrBands counts accounts by MRR band, one range scan of the index per
// band, all in one statement.
func (db *DB) mrrBands(ctx context.Context, currency string, floors []int64) ([]store.MRRBand, error) {
	var errs validate.Errors
	if len(floors) > store.MaxBands {
		errs.Add("floors", "too_many", "at most %d bands (got %d)", store.MaxBands, len(floors))
	}
	for i, f := range floors {
		if f < 1 || (i > 0 && f >= floors[i-1]) {
			errs.Add("floors", "invalid", "floors must be positive and strictly falling (floor %d is %d)", i, f)
			break
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if len(floors) == 0 {
		return nil, nil
	}
	var b strings.Builder
	args := make([]any, 0, 3*len(floors))
	for i, f := range floors {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT " + strconv.Itoa(i) + " AS band, COUNT(*), CAST(COALESCE(SUM(mrr), 0) AS BIGINT) FROM accounts WHERE currency = ? AND mrr >= ?")
		args = append(args, currency, f)
		if i > 0 {
			b.WriteString(" AND mrr < ?")
			args = append(args, floors[i-1])
		}
	}
	out := make([]store.MRRBand, len(floors))
	for i, f := range floors {
		out[i].Floor = f
		if i > 0 {
			out[i].Ceiling = floors[i-1]
		}
	}
	rows, err := db.R.QueryContext(ctx, db.D.rebind(b.String()), args...)
	if err != nil {
		return nil, fmt.Errorf("mrr bands: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i, n, sum int64
		if err := rows.Scan(intScan{&i}, intScan{&n}, intScan{&sum}); err != nil {
			return nil, fmt.Errorf("mrr bands: %w", err)
		}
		out[i].Accounts, out[i].MRR = int(n), sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mrr bands: %w", err)
	}
	return out, nil
}

// topMRR sums the n largest MRRs of a currency below a bound, read down
// the index from the bound.
func (db *DB) topMRR(ctx context.Context, currency string, below int64, n int) (store.TopMRR, error) {
	var t store.TopMRR
	if n <= 0 {
		return t, nil
	}
	q := `SELECT COUNT(*), CAST(COALESCE(SUM(mrr), 0) AS BIGINT), COALESCE(MIN(mrr), 0) FROM (
		SELECT mrr FROM accounts WHERE currency = ? AND mrr > 0`
	args := []any{currency}
	if below > 0 {
		q += ` AND mrr < ?`
		args = append(args, below)
	}
	q += ` ORDER BY mrr DESC LIMIT ?) t`
	args = append(args, int64(n))
	var count int64
	err := db.R.QueryRowContext(ctx, db.D.rebind(q), args...).Scan(intScan{&count}, intScan{&t.MRR}, intScan{&t.Floor})
	if err != nil {
		return t, fmt.Errorf("top mrr: %w", err)
	}
	t.Accounts = int(count)
	return t, nil
}

// renewalsDue counts renewals in consecutive windows, each a range scan
// of the index, and adds them up.
func (db *DB) renewalsDue(ctx context.Context, currency string, from civil.Date, until []civil.Date) ([]store.Renewals, error) {
	var errs validate.Errors
	if from.IsZero() {
		errs.Add("from", "required", "is required")
	}
	for i, u := range until {
		if u.IsZero() || u.Before(from) || (i > 0 && u.Before(until[i-1])) {
			errs.Add("until", "invalid", "days must be in order and not before %s (day %d is %s)", from, i, u)
			break
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if len(until) == 0 {
		return nil, nil
	}
	var b strings.Builder
	args := make([]any, 0, 3*len(until))
	for i, u := range until {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT " + strconv.Itoa(i) + " AS w, COUNT(*), CAST(COALESCE(SUM(mrr), 0) AS BIGINT) FROM accounts WHERE currency = ?")
		if i == 0 {
			b.WriteString(" AND renewal_on >= ?")
			args = append(args, currency, from.String())
		} else {
			b.WriteString(" AND renewal_on > ?")
			args = append(args, currency, until[i-1].String())
		}
		b.WriteString(" AND renewal_on <= ?")
		args = append(args, u.String())
	}
	windows := make([]store.Renewals, len(until))
	rows, err := db.R.QueryContext(ctx, db.D.rebind(b.String()), args...)
	if err != nil {
		return nil, fmt.Errorf("renewals due: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i, n, sum int64
		if err := rows.Scan(intScan{&i}, intScan{&n}, intScan{&sum}); err != nil {
			return nil, fmt.Errorf("renewals due: %w", err)
		}
		windows[i].Accounts, windows[i].MRR = int(n), sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("renewals due: %w", err)
	}
	out := make([]store.Renewals, len(until))
	var acc store.Renewals
	for i, u := range until {
		acc.Accounts += windows[i].Accounts
		acc.MRR += windows[i].MRR
		out[i] = store.Renewals{Until: u, Accounts: acc.Accounts, MRR: acc.MRR}
	}
	return out, nil
}

// renewalsByCSM counts the accounts renewing in a window, by CSM and
// currency, in one statement. Naming every currency lets both engines read
// the window as one range of accounts_currency_renewal per currency, and
// visit only the accounts renewing for their CSM.
func (db *DB) renewalsByCSM(ctx context.Context, from, until civil.Date) ([]store.CSMRenewals, error) {
	if from.IsZero() || until.IsZero() || until.Before(from) {
		return nil, validate.Errors{{Field: "until", Code: "invalid", Message: fmt.Sprintf("must be a day not before from (from %s, until %s)", from, until)}}
	}
	curs, err := db.Currencies(ctx)
	if err != nil || len(curs) == 0 {
		return nil, err
	}
	args := make([]any, 0, len(curs)+2)
	for _, c := range curs {
		args = append(args, c)
	}
	args = append(args, from.String(), until.String())
	q := `SELECT csm_id, currency, COUNT(*), CAST(COALESCE(SUM(mrr), 0) AS BIGINT) FROM accounts
		WHERE currency IN (?` + strings.Repeat(", ?", len(curs)-1) + `) AND renewal_on >= ? AND renewal_on <= ? GROUP BY csm_id, currency`
	rows, err := db.R.QueryContext(ctx, db.D.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("renewals by csm: %w", err)
	}
	defer rows.Close()
	var out []store.CSMRenewals
	for rows.Next() {
		var r store.CSMRenewals
		var n int64
		if err := rows.Scan(intScan{&r.CSMID}, &r.Currency, intScan{&n}, intScan{&r.MRR}); err != nil {
			return nil, fmt.Errorf("renewals by csm: %w", err)
		}
		r.Accounts = int(n)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("renewals by csm: %w", err)
	}
	slices.SortFunc(out, func(a, b store.CSMRenewals) int {
		return cmp.Or(cmp.Compare(a.CSMID, b.CSMID), strings.Compare(a.Currency, b.Currency))
	})
	return out, nil
}

// overdueInvoices reads the unpaid invoices due before day, over the
// partial index of unpaid invoices.
func (db *DB) overdueInvoices(ctx context.Context, day civil.Date) ([]store.Overdue, error) {
	if day.IsZero() {
		return nil, validate.Errors{{Field: "day", Code: "required", Message: "is required"}}
	}
	const q = `SELECT currency, COUNT(*), CAST(SUM(amount) AS BIGINT), COUNT(DISTINCT account_id)
		FROM invoices WHERE paid_on IS NULL AND due_on < ? GROUP BY currency`
	rows, err := db.R.QueryContext(ctx, db.D.rebind(q), day.String())
	if err != nil {
		return nil, fmt.Errorf("overdue invoices: %w", err)
	}
	defer rows.Close()
	var out []store.Overdue
	for rows.Next() {
		var o store.Overdue
		var n, accts int64
		if err := rows.Scan(&o.Currency, intScan{&n}, intScan{&o.Amount}, intScan{&accts}); err != nil {
			return nil, fmt.Errorf("overdue invoices: %w", err)
		}
		o.Invoices, o.Accounts = int(n), int(accts)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("overdue invoices: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Overdue) int { return strings.Compare(a.Currency, b.Currency) })
	return out, nil
}

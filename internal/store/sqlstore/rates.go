package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// Exchange rates: store.Rates over the exchange_rates table (0006).

// ExchangeRates lists every rate, by currency.
func (db *DB) ExchangeRates(ctx context.Context) ([]store.ExchangeRate, error) {
	rows, err := db.R.QueryContext(ctx, "SELECT currency, rate, updated_at FROM exchange_rates ORDER BY currency")
	if err != nil {
		return nil, fmt.Errorf("list exchange rates: %w", err)
	}
	defer rows.Close()
	var out []store.ExchangeRate
	for rows.Next() {
		var r store.ExchangeRate
		if err := rows.Scan(strScan{&r.Currency}, strScan{&r.Rate}, timeScan{&r.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("list exchange rates: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutExchangeRate sets a currency's rate, replacing any before.
func (db *DB) PutExchangeRate(ctx context.Context, r *store.ExchangeRate) error {
	if err := checkRate(r); err != nil {
		return err
	}
	r.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	_, err := db.exec(ctx, `INSERT INTO exchange_rates (currency, rate, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (currency) DO UPDATE SET rate = excluded.rate, updated_at = excluded.updated_at`,
		r.Currency, r.Rate, db.D.TimeArg(r.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put exchange rate: %w", err)
	}
	return nil
}

// DeleteExchangeRate removes a currency's rate.
func (db *DB) DeleteExchangeRate(ctx context.Context, currency string) error {
	res, err := db.exec(ctx, "DELETE FROM exchange_rates WHERE currency = ?", strings.ToUpper(strings.TrimSpace(currency)))
	if err != nil {
		return fmt.Errorf("delete exchange rate: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("exchange rate for %q: %w", currency, store.ErrNotFound)
	}
	return nil
}

// checkRate normalises r (upper-case code, trimmed rate) and reports a
// code that is not ISO 4217 or a rate the revenue core cannot read.
func checkRate(r *store.ExchangeRate) error {
	var errs validate.Errors
	r.Currency = strings.ToUpper(strings.TrimSpace(r.Currency))
	r.Rate = strings.TrimSpace(r.Rate)
	if !money.ValidCurrency(r.Currency) {
		errs.Add("currency", "invalid", "%q is not an ISO 4217 code such as EUR", r.Currency)
	}
	if _, err := revenue.ParseRate(r.Rate); err != nil {
		errs.Add("rate", "invalid", "%v", err)
	}
	return errs.Err()
}

// stampSQL reads, in one statement (one snapshot), how many rows the
// tables the retention book is built from hold and when one was last
// written. Every write sets updated_at and a delete lowers the count, so
// the result changes with any write; the text form compares the same on
// both engines.
const stampSQL = `SELECT
	(SELECT COUNT(*) FROM subscriptions), (SELECT COALESCE(CAST(MAX(updated_at) AS TEXT), '') FROM subscriptions),
	(SELECT COUNT(*) FROM accounts), (SELECT COALESCE(CAST(MAX(updated_at) AS TEXT), '') FROM accounts),
	(SELECT COUNT(*) FROM exchange_rates), (SELECT COALESCE(CAST(MAX(updated_at) AS TEXT), '') FROM exchange_rates)`

// RetentionStamp summarises the subscriptions, accounts and exchange
// rates as counts and latest write times: a cheap key for a cached book
// (one pass over each table's rows, no sort; far less than reading them).
func (db *DB) RetentionStamp(ctx context.Context) (string, error) {
	var (
		ns, na, nr int64
		ts, ta, tr string
	)
	if err := db.R.QueryRowContext(ctx, stampSQL).Scan(&ns, &ts, &na, &ta, &nr, &tr); err != nil {
		return "", fmt.Errorf("retention stamp: %w", err)
	}
	return fmt.Sprintf("s%d@%s a%d@%s r%d@%s", ns, ts, na, ta, nr, tr), nil
}

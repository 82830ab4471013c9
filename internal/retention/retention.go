// Package retention connects the store to the revenue core for the read-only
// retention surfaces (the API's /metrics/retention and `tend metrics
// retention`): Load pages subscriptions and accounts out of a store.Store and
// builds the revenue.Book; Measure turns a book into a Report, the one shape
// both surfaces show. The arithmetic stays in internal/revenue.
package retention

import (
	"context"
	"fmt"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store"
)

// Currency is the reporting currency. Subscriptions in other currencies are
// converted with the stored exchange rates (store.Rates; `tend rates set`),
// fixed for the whole history.
const Currency = revenue.DefaultCurrency

// pageSize is how many rows Load asks for at a time (the store's maximum).
const pageSize = 1000

// CurrencyError reports a subscription in a currency the book cannot
// convert into the reporting currency: no exchange rate is stored for it.
type CurrencyError struct {
	Currency      string // the currency without a rate
	Reporting     string // the reporting currency
	Subscription  string // one such subscription: external id, or "#id"
	Subscriptions int    // how many subscriptions are in Currency
}

func (e *CurrencyError) Error() string {
	return fmt.Sprintf("%d subscription(s) are in %s (for example %s) and there is no exchange rate from %s to the reporting currency %s (set one with `tend rates set %s RATE`)",
		e.Subscriptions, e.Currency, e.Subscription, e.Currency, e.Reporting, e.Currency)
}

// Load reads every subscription and account of st and builds the book as of
// asOf in the reporting currency, converting other currencies with the
// stored exchange rates. A subscription in a currency with no rate is a
// *CurrencyError naming it.
func Load(ctx context.Context, st store.Store, asOf civil.Date) (*revenue.Book, []customer.Account, error) {
	subs, err := all(ctx, st.Subscriptions())
	if err != nil {
		return nil, nil, fmt.Errorf("reading subscriptions: %w", err)
	}
	accounts, err := all(ctx, st.Accounts())
	if err != nil {
		return nil, nil, fmt.Errorf("reading accounts: %w", err)
	}
	rates, err := Rates(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	if err := checkCurrencies(subs, rates); err != nil {
		return nil, nil, err
	}
	book, err := revenue.Build(subs, revenue.Options{AsOf: asOf, Currency: Currency, Rates: rates})
	if err != nil {
		return nil, nil, fmt.Errorf("building the retention book: %w", err)
	}
	return book, accounts, nil
}

// all is every row of c, read pageSize at a time.
func all[T any](ctx context.Context, c store.Collection[T]) ([]T, error) {
	return store.All(ctx, c, store.Query{Limit: pageSize})
}

// checkCurrencies finds the first currency other than the reporting one
// among the rows that carry revenue (the core would refuse it too, with a
// less specific message).
func checkCurrencies(subs []customer.Subscription, rates map[string]revenue.Rate) error {
	var ce *CurrencyError
	for i := range subs {
		s := &subs[i]
		if s.Currency == "" || s.Currency == Currency || s.Trial || s.MRR == 0 {
			continue
		}
		if _, ok := rates[s.Currency]; ok {
			continue
		}
		if ce == nil {
			name := s.ExternalID
			if name == "" {
				name = fmt.Sprintf("#%d", s.ID)
			}
			ce = &CurrencyError{Currency: s.Currency, Reporting: Currency, Subscription: name}
		}
		if s.Currency == ce.Currency {
			ce.Subscriptions++
		}
	}
	if ce != nil {
		return ce
	}
	return nil
}

// Rates reads the stored exchange rates into the core's form.
func Rates(ctx context.Context, st store.Store) (map[string]revenue.Rate, error) {
	rs, err := st.ExchangeRates(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading exchange rates: %w", err)
	}
	out := make(map[string]revenue.Rate, len(rs))
	for _, r := range rs {
		rate, err := revenue.ParseRate(r.Rate)
		if err != nil {
			return nil, fmt.Errorf("exchange rate for %s: %w", r.Currency, err)
		}
		out[r.Currency] = rate
	}
	return out, nil
}

package retention

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store"
)

// ChurnRecords reads every stored churn record as the revenue core's
// records, which explain the ledger's churns (revenue.Book.ChurnEvents).
func ChurnRecords(ctx context.Context, st store.Store) ([]revenue.ChurnRecord, error) {
	rows, err := all(ctx, st.ChurnRecords())
	if err != nil {
		return nil, fmt.Errorf("reading churn records: %w", err)
	}
	out := make([]revenue.ChurnRecord, len(rows))
	for i, r := range rows {
		out[i] = revenue.ChurnRecord{AccountID: r.AccountID, Product: r.Product, Date: r.ChurnedOn,
			Reason: revenue.Reason(r.Reason), Controllable: r.IsControllable(), Note: r.Note}
	}
	return out, nil
}

// RenewalCalls reads the CSMs' stored forecasts, keyed by renewal (account
// and due day). Should one renewal have several, the one changed last wins.
func RenewalCalls(ctx context.Context, st store.Store) (map[revenue.RenewalKey]revenue.Call, error) {
	rows, err := all(ctx, st.RenewalCalls())
	if err != nil {
		return nil, fmt.Errorf("reading renewal calls: %w", err)
	}
	slices.SortStableFunc(rows, func(a, b customer.RenewalCall) int {
		return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), cmp.Compare(a.ID, b.ID))
	})
	out := make(map[revenue.RenewalKey]revenue.Call, len(rows))
	for _, r := range rows {
		out[revenue.RenewalKey{Account: r.AccountID, Due: r.DueOn}] = revenue.Call{Forecast: revenue.Forecast(r.Forecast), Amount: r.Expected}
	}
	return out, nil
}

// AtRisk reads the accounts at risk by their health: those whose current
// health score is red.
func AtRisk(ctx context.Context, st store.Store) (map[int64]bool, error) {
	red, err := store.All(ctx, st.Accounts(), store.Query{Limit: pageSize,
		Filters: []store.Filter{{Field: "health", Op: store.Eq, Value: store.ColourRed}}})
	if err != nil {
		return nil, fmt.Errorf("reading the accounts at risk by health: %w", err)
	}
	out := make(map[int64]bool, len(red))
	for _, a := range red {
		out[a.ID] = true
	}
	return out, nil
}

// Outlook reads what a renewal forecast starts from: the CSMs' calls and
// the accounts at risk by their health.
func Outlook(ctx context.Context, st store.Store) (revenue.Outlook, error) {
	calls, err := RenewalCalls(ctx, st)
	if err != nil {
		return revenue.Outlook{}, err
	}
	risk, err := AtRisk(ctx, st)
	if err != nil {
		return revenue.Outlook{}, err
	}
	return revenue.Outlook{Calls: calls, AtRisk: risk}, nil
}

// RenewalCallsOf lists the stored calls on one account's renewals.
func RenewalCallsOf(ctx context.Context, st store.Store, account int64) ([]customer.RenewalCall, error) {
	p, err := st.RenewalCalls().List(ctx, store.Query{Limit: pageSize,
		Filters: []store.Filter{{Field: "account_id", Op: store.Eq, Value: strconv.FormatInt(account, 10)}}})
	if err != nil {
		return nil, fmt.Errorf("reading renewal calls: %w", err)
	}
	return p.Items, nil
}

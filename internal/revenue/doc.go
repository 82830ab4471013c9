// Package revenue is the retention core of Tend: plain Go over plain
// values, no SQL, no HTTP, no I/O.
//
// Build reads subscription rows (customer.Subscription) into a Book: the
// MRR in force on every day per account and per product line, and the
// ledger of movements — new, expansion, contraction, churn, reactivation —
// in an account view and a product view. From a Book:
//
//   - Metrics: for any periods (months, quarters, trailing twelve months)
//     and any dimensions (tier, region, CSM, product, cohort…), the MRR
//     waterfall, GRR, NRR, logo churn, gross dollar renewal rate, quick
//     ratio and ARPA, for the account and the product wallet;
//   - Contributors: the accounts behind any of those numbers;
//   - Cohorts: revenue and logo retention by start month;
//   - ContractSizeByTenure, FirstRenewalDiscounts, ChurnEvents,
//     AnalyseChurn, ChurnBySlice: the "know the details" questions;
//   - Pipeline and ForecastRetention: renewals due and what their forecasts
//     imply.
//
// Money is int64 minor units of one reporting currency throughout; ratios
// are exact fractions (Ratio) until they are shown. The rules — when churn
// is recognised, the renewal grace, the reactivation window, netting,
// currencies — are in docs/revenue.md.
package revenue

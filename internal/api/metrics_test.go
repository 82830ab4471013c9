package api

import (
	"testing"

	"github.com/tendhq/tend/internal/retention/retentiontest"
)

// TestRetentionScenario asks for the retention of the fixture company
// (retentiontest.Seed: one account expands, one churns, one is new) and
// checks the known answers, then the bad parameters.
func TestRetentionScenario(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	retentiontest.Seed(t, st)
	ts := newTestServerOn(t, st)
	const path = "/api/v1/metrics/retention?as_of=2025-12-31"
	ts.run(t, []step{
		{name: "whole book", method: "GET", path: path + "&period=2025-Q3", status: 200, json: []string{
			"period.name=2025-Q3", "period.from=2025-07-01", "period.to=2025-10-01", "dimension=all",
			"as_of=2025-12-31", "currency=USD", "slices.#=1", "slices.0.slice=all",
			"slices.0.start=300000", "slices.0.new=30000", "slices.0.expansion=50000", "slices.0.contraction=0",
			"slices.0.churn=200000", "slices.0.reactivation=0", "slices.0.end=180000",
			"slices.0.customers_start=2", "slices.0.customers_end=2",
			"slices.0.ratios.grr=0.3333333333333333", "slices.0.ratios.nrr=0.5", "slices.0.ratios.logo_churn=0.5",
			"slices.0.ratios.gdrr=0", "slices.0.ratios.quick_ratio=0.4", "slices.0.ratios.arpa=90000",
			"slices.0.renewals.due=200000", "slices.0.renewals.renewed=0",
		}, has: []string{`"definitions"`, `"grr":"gross revenue retention = (S − C − X) / S`}},
		{name: "by tier", method: "GET", path: path + "&period=2025-Q3&by=tier", status: 200, json: []string{
			"dimension=tier", "slices.#=2",
			"slices.0.slice=Enterprise", "slices.0.start=100000", "slices.0.expansion=50000", "slices.0.end=150000",
			"slices.0.ratios.grr=1", "slices.0.ratios.nrr=1.5", "slices.0.ratios.quick_ratio=null",
			"slices.1.slice=SMB", "slices.1.start=200000", "slices.1.new=30000", "slices.1.churn=200000",
			"slices.1.end=30000", "slices.1.ratios.grr=0", "slices.1.ratios.nrr=0",
		}},
		{name: "a month with nothing at the start", method: "GET", path: path + "&period=2024-08", status: 200,
			json: []string{"slices.#=0"}},
		{name: "by product", method: "GET", path: path + "&period=2025-Q3&by=product", status: 200,
			json: []string{"dimension=product", "slices.0.slice=Insights", "slices.1.slice=Platform"}},
		{name: "bad period", method: "GET", path: path + "&period=2025-Q5", status: 400, json: []string{
			"error.code=invalid_query", "error.fields.0.field=period"}, has: []string{"2025-Q5"}},
		{name: "a period after as_of", method: "GET", path: path + "&period=2026-Q1", status: 400, json: []string{
			"error.code=invalid_query", "error.fields.0.field=period"}, has: []string{"after the as-of day 2025-12-31"}},
		{name: "bad by", method: "GET", path: path + "&period=2025-Q3&by=colour", status: 400, json: []string{
			"error.code=invalid_query", "error.fields.0.field=by"}, has: []string{"colour"}},
		{name: "bad as_of", method: "GET", path: "/api/v1/metrics/retention?as_of=yesterday", status: 400, json: []string{
			"error.fields.0.field=as_of"}},
		{name: "unknown parameter", method: "GET", path: path + "&perod=2025-Q3", status: 400, json: []string{
			"error.fields.0.field=perod"}},
	})
}

func TestRetentionRefusesAnotherCurrency(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	retentiontest.Seed(t, st)
	retentiontest.AddEuro(t, st)
	ts := newTestServerOn(t, st)
	ts.run(t, []step{
		{name: "EUR without a rate", method: "GET", path: "/api/v1/metrics/retention?period=2025-Q3&as_of=2025-12-31",
			status: 422, json: []string{"error.code=validation_failed", "error.fields.0.field=currency"},
			has: []string{"EUR", "cove-eur"}},
	})
}

// TestRetentionDetailScenario opens the fixture's numbers to their
// accounts, and asks for its churn, pipeline and cohorts.
func TestRetentionDetailScenario(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	retentiontest.Seed(t, st)
	ts := newTestServerOn(t, st)
	const m = "/api/v1/metrics/retention/"
	ts.run(t, []step{
		{name: "churn of SMB in Q3 is bolt's", method: "GET", path: m + "contributors?as_of=2025-12-31&period=2025-Q3&by=tier&slice=SMB&component=churn",
			status: 200, json: []string{"dimension=tier", "slice=SMB", "component=churn", "amount=200000", "count=1", "items.#=1",
				"items.0.amount=200000", "items.0.count=1"}},
		{name: "the whole book's start adds up", method: "GET", path: m + "contributors?as_of=2025-12-31&period=2025-Q3&component=start",
			status: 200, json: []string{"slice=all", "amount=300000", "count=2", "items.#=2", "items.0.amount=200000", "items.1.amount=100000"}},
		{name: "a slice with nothing", method: "GET", path: m + "contributors?as_of=2025-12-31&period=2025-Q3&by=tier&slice=Gold&component=start",
			status: 200, json: []string{"amount=0", "items.#=0"}},
		{name: "bad component", method: "GET", path: m + "contributors?period=2025-Q3&component=everything", status: 400,
			json: []string{"error.fields.0.field=component"}},
		{name: "churn by reason: none recorded", method: "GET", path: m + "churn?as_of=2025-12-31&period=2025-Q3", status: 200,
			json: []string{"slices.#=1", "slices.0.count=1", "slices.0.mrr=200000", "slices.0.reasons.0.reason=unknown",
				"events.#=1", "events.0.date=2025-09-01", "events.0.reason=unknown"}},
		{name: "pipeline", method: "GET", path: m + "pipeline?as_of=2025-12-31&months=2", status: 200,
			json: []string{"pipeline.months.#=2", "pipeline.months.1.month.name=2026-01", "pipeline.months.1.due=150000",
				"pipeline.renewals.0.forecast=renew", "pipeline.renewals.0.defaulted=true", "forecast.period.name=2025-Q4"}},
		{name: "bad months", method: "GET", path: m + "pipeline?months=0", status: 400, json: []string{"error.fields.0.field=months"}},
		{name: "cohorts", method: "GET", path: m + "cohorts?as_of=2025-12-31&months=6", status: 200,
			json: []string{"cohorts.rows.#=1", "cohorts.rows.0.cohort=2025-08", "cohorts.rows.0.customers=1", "cohorts.rows.0.mrr.0=30000"}},
	})
}

package retention

import (
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/revenue"
)

// The reports the API (/api/v1/metrics/retention/…) and the CLI (tend
// metrics churn|pipeline|cohorts) both show, built here once from a book.

// ChurnReport is churn of a period by reason: for each slice of a
// dimension, and each churn event with the reason recorded for it.
type ChurnReport struct {
	Period    revenue.Period `json:"period"`
	Dimension string         `json:"dimension"`
	Basis
	Slices []revenue.ChurnAnalysis `json:"slices"`
	Events []revenue.ChurnEvent    `json:"events"`
}

// Churn explains the churn of period p by reason, sliced by the dimension
// named by (an error names a dimension that does not exist).
func Churn(book *revenue.Book, accounts []customer.Account, records []revenue.ChurnRecord, p revenue.Period, by string) (ChurnReport, error) {
	dim, err := revenue.DimensionByName(by, accounts)
	if err != nil {
		return ChurnReport{}, err
	}
	out := ChurnReport{Period: p, Dimension: dim.Name, Basis: BasisOf(book),
		Slices: book.ChurnBySlice(p, records, dim), Events: book.ChurnEvents(p, records)}
	if out.Slices == nil {
		out.Slices = []revenue.ChurnAnalysis{}
	}
	if out.Events == nil {
		out.Events = []revenue.ChurnEvent{}
	}
	return out, nil
}

// PipelineReport is the renewals due after the book's day by month, with
// their forecasts, and the retention the forecast implies for the quarter.
type PipelineReport struct {
	Basis
	Pipeline revenue.Pipeline          `json:"pipeline"`
	Forecast revenue.ForecastRetention `json:"forecast"`
}

// PipelineFor is the renewal pipeline of the next months (counting the
// current one) with the CSMs' calls and the accounts red by health (o,
// from Outlook), and the current quarter's forecast.
func PipelineFor(book *revenue.Book, o revenue.Outlook, months int) PipelineReport {
	asOf := book.AsOf()
	first := civil.Date{Year: asOf.Year, Month: asOf.Month, Day: 1}
	out := PipelineReport{Basis: BasisOf(book),
		Pipeline: book.PipelineOf(asOf, first.AddMonths(months-1), o),
		Forecast: book.ForecastRetentionOf(revenue.QuarterOf(asOf), o)}
	if out.Pipeline.Renewals == nil {
		out.Pipeline.Renewals = []revenue.Renewal{}
	}
	return out
}

// CohortReport is the cohort table of revenue and logo retention.
type CohortReport struct {
	Basis
	Cohorts revenue.CohortTable `json:"cohorts"`
}

// CohortMonths is how many cohorts every surface shows by default: two
// years of start months.
const CohortMonths = 24

// CohortsFor is the cohorts of the last months (counting the current one),
// an account's cohort being the month of its first payment
// (revenue.CohortBasis).
func CohortsFor(book *revenue.Book, months int) CohortReport {
	asOf := book.AsOf()
	first := civil.Date{Year: asOf.Year, Month: asOf.Month, Day: 1}.AddMonths(1 - months)
	out := CohortReport{Basis: BasisOf(book), Cohorts: book.Cohorts(first, asOf)}
	if out.Cohorts.Rows == nil {
		out.Cohorts.Rows = []revenue.CohortRow{}
	}
	return out
}

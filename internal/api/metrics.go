package api

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/validate"
)

// ratioType is revenue.Ratio, documented as the number it marshals to.
var ratioType = reflect.TypeFor[revenue.Ratio]()

// periodType is revenue.Period, which marshals its last day beside its
// fields (periodSchema).
var periodType = reflect.TypeFor[revenue.Period]()

// periodSchema is the JSON of a revenue.Period.
func periodSchema() map[string]any {
	date := func(desc string) map[string]any {
		return map[string]any{"type": "string", "format": "date", "description": desc}
	}
	return map[string]any{"type": "object", "properties": map[string]any{
		"name": map[string]any{"type": "string", "description": "2025-07, 2025-Q3, 2025, TTM-2025-07 or 2025-07-01..2025-09-30"},
		"from": date("first day of the period"),
		"last": date("last day of the period (inclusive): tables and CSV show from … to this day"),
		"to":   date("the day after the last (exclusive), for [from, to) arithmetic"),
	}}
}

// badParam is a 400 invalid_query naming the query parameter at fault.
func badParam(name string, err error) *Error {
	e := badRequest(CodeInvalidQuery, "%s: %v", name, err)
	e.Fields = validate.Errors{{Field: name, Code: "invalid", Message: err.Error()}}
	return e
}

// getRetention is GET /metrics/retention.
func (s *server) getRetention(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for name := range q {
		switch name {
		case "period", "by", "as_of":
		default:
			return badParam(name, errors.New("unknown parameter (want period, by or as_of)"))
		}
	}
	asOf := civil.Today()
	if v := strings.TrimSpace(q.Get("as_of")); v != "" {
		d, err := civil.Parse(v)
		if err != nil || d.IsZero() {
			return badParam("as_of", fmt.Errorf("want a day as YYYY-MM-DD, got %q", v))
		}
		asOf = d
	}
	period := revenue.QuarterOf(asOf)
	if v := q.Get("period"); v != "" {
		p, err := revenue.ParsePeriod(v)
		if err != nil {
			return badParam("period", err)
		}
		if err := p.KnownBy(asOf); err != nil {
			return badParam("period", err)
		}
		period = p
	}
	by := strings.TrimSpace(q.Get("by"))
	if _, err := revenue.DimensionByName(by, nil); by != "" && err != nil {
		return badParam("by", err)
	}
	book, accounts, err := s.books.Load(r.Context(), s.st, asOf)
	var ce *retention.CurrencyError
	if errors.As(err, &ce) {
		return &Error{Status: http.StatusUnprocessableEntity, Code: CodeValidation, Message: ce.Error(),
			Fields: validate.Errors{{Field: "currency", Code: "no_rate", Message: ce.Error()}}}
	}
	if err != nil {
		return err
	}
	rep, err := retention.Measure(book, accounts, period, by)
	if err != nil {
		return badParam("by", err)
	}
	return writeJSON(w, http.StatusOK, rep)
}

// metricsQuery reads the parameters the retention endpoints share: only
// the names in allowed, as_of (default today) and period (default the
// quarter of as_of), and by when allowed (default all).
type metricsQuery struct {
	asOf   civil.Date
	period revenue.Period
	by     string
}

func parseMetricsQuery(r *http.Request, allowed ...string) (metricsQuery, error) {
	q := r.URL.Query()
	for name := range q {
		if !slices.Contains(allowed, name) {
			return metricsQuery{}, badParam(name, fmt.Errorf("unknown parameter (want one of %s)", strings.Join(allowed, ", ")))
		}
	}
	m := metricsQuery{asOf: civil.Today(), by: "all"}
	if v := strings.TrimSpace(q.Get("as_of")); v != "" {
		d, err := civil.Parse(v)
		if err != nil || d.IsZero() {
			return m, badParam("as_of", fmt.Errorf("want a day as YYYY-MM-DD, got %q", v))
		}
		m.asOf = d
	}
	m.period = revenue.QuarterOf(m.asOf)
	if v := q.Get("period"); v != "" {
		p, err := revenue.ParsePeriod(v)
		if err != nil {
			return m, badParam("period", err)
		}
		if err := p.KnownBy(m.asOf); err != nil {
			return m, badParam("period", err)
		}
		m.period = p
	}
	if v := strings.TrimSpace(q.Get("by")); v != "" {
		if _, err := revenue.DimensionByName(v, nil); err != nil {
			return m, badParam("by", err)
		}
		m.by = v
	}
	return m, nil
}

// book is the cached retention book as of day, a missing exchange rate
// answered 422.
func (s *server) book(r *http.Request, day civil.Date) (*revenue.Book, []customer.Account, error) {
	book, accounts, err := s.books.Load(r.Context(), s.st, day)
	var ce *retention.CurrencyError
	if errors.As(err, &ce) {
		return nil, nil, &Error{Status: http.StatusUnprocessableEntity, Code: CodeValidation, Message: ce.Error(),
			Fields: validate.Errors{{Field: "currency", Code: "no_rate", Message: ce.Error()}}}
	}
	return book, accounts, err
}

// Contributors is the answer of GET /metrics/retention/contributors: the
// accounts (or product lines) behind one number, largest first, adding up
// to Amount and Count.
type Contributors struct {
	Period    revenue.Period         `json:"period"`
	Dimension string                 `json:"dimension"`
	Slice     string                 `json:"slice"`
	Component revenue.Component      `json:"component"`
	AsOf      civil.Date             `json:"as_of"`
	Currency  string                 `json:"currency"`
	Amount    int64                  `json:"amount"`
	Count     int                    `json:"count"`
	Items     []revenue.Contribution `json:"items"`
}

// getContributors is GET /metrics/retention/contributors.
func (s *server) getContributors(w http.ResponseWriter, r *http.Request) error {
	m, err := parseMetricsQuery(r, "period", "by", "slice", "component", "as_of")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	comp := revenue.Component(q.Get("component"))
	if !slices.Contains(revenue.Components, comp) {
		return badParam("component", fmt.Errorf("%q is not a metrics component (want one of %v)", comp, revenue.Components))
	}
	slice := cmp.Or(q.Get("slice"), "all")
	book, accounts, err := s.book(r, m.asOf)
	if err != nil {
		return err
	}
	dim, err := revenue.DimensionByName(m.by, accounts)
	if err != nil {
		return badParam("by", err)
	}
	items, err := book.Contributors(m.period, dim, slice, comp)
	if err != nil {
		return badParam("component", err)
	}
	out := Contributors{Period: m.period, Dimension: dim.Name, Slice: slice, Component: comp, AsOf: book.AsOf(),
		Currency: book.Currency(), Items: items}
	if out.Items == nil {
		out.Items = []revenue.Contribution{}
	}
	for _, it := range items {
		out.Amount += it.Amount
		out.Count += it.Count
	}
	return writeJSON(w, http.StatusOK, out)
}

// getChurn is GET /metrics/retention/churn.
func (s *server) getChurn(w http.ResponseWriter, r *http.Request) error {
	m, err := parseMetricsQuery(r, "period", "by", "as_of")
	if err != nil {
		return err
	}
	book, accounts, err := s.book(r, m.asOf)
	if err != nil {
		return err
	}
	records, err := retention.ChurnRecords(r.Context(), s.st)
	if err != nil {
		return err
	}
	out, err := retention.Churn(book, accounts, records, m.period, m.by)
	if err != nil {
		return badParam("by", err)
	}
	return writeJSON(w, http.StatusOK, out)
}

// getPipeline is GET /metrics/retention/pipeline.
func (s *server) getPipeline(w http.ResponseWriter, r *http.Request) error {
	m, err := parseMetricsQuery(r, "months", "as_of")
	if err != nil {
		return err
	}
	months := 6
	if v := r.URL.Query().Get("months"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 36 {
			return badParam("months", fmt.Errorf("want a whole number from 1 to 36, got %q", v))
		}
		months = n
	}
	book, _, err := s.book(r, m.asOf)
	if err != nil {
		return err
	}
	o, err := retention.Outlook(r.Context(), s.st)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, retention.PipelineFor(book, o, months))
}

// getCohorts is GET /metrics/retention/cohorts.
func (s *server) getCohorts(w http.ResponseWriter, r *http.Request) error {
	m, err := parseMetricsQuery(r, "months", "as_of")
	if err != nil {
		return err
	}
	months := retention.CohortMonths
	if v := r.URL.Query().Get("months"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 120 {
			return badParam("months", fmt.Errorf("want a whole number from 1 to 120, got %q", v))
		}
		months = n
	}
	book, _, err := s.book(r, m.asOf)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, retention.CohortsFor(book, months))
}

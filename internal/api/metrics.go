package api

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/validate"
)

// ratioType is revenue.Ratio, documented as the number it marshals to.
var ratioType = reflect.TypeFor[revenue.Ratio]()

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

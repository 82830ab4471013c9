package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// Product usage (issue 4): an account's adoption metrics, and the
// ingestion log for administrators.

// getAccountUsage is GET /accounts/{id}/usage.
func (s *server) getAccountUsage(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return badParam("id", fmt.Errorf("want a positive account id, got %q", r.PathValue("id")))
	}
	q := r.URL.Query()
	for name := range q {
		if name != "as_of" && name != "days" {
			return badParam(name, errors.New("unknown parameter (want as_of or days)"))
		}
	}
	asOf := usage.DayOf(civil.Today().Time())
	if v := strings.TrimSpace(q.Get("as_of")); v != "" {
		d, err := civil.Parse(v)
		if err != nil || d.IsZero() {
			return badParam("as_of", fmt.Errorf("want a day as YYYY-MM-DD, got %q", v))
		}
		asOf = usage.DayOf(d.Time())
	}
	days := 90
	if v := strings.TrimSpace(q.Get("days")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 730 {
			return badParam("days", fmt.Errorf("want a number of days from 0 to 730, got %q", v))
		}
		days = n
	}
	if _, err := s.st.Accounts().Get(r.Context(), id); err != nil {
		return err
	}
	cat, err := adoption.LoadCatalog(r.Context(), s.st)
	if err != nil {
		return err
	}
	rep, err := adoption.Measure(r.Context(), s.st, cat, id, asOf, days)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// ingestionLogPage is a page of the ingestion log.
type ingestionLogPage struct {
	Items []store.LogEntry `json:"items"`
	// NextBefore continues the list (as ?before=), 0 at the end.
	NextBefore int64 `json:"next_before"`
}

// getIngestionLog is GET /ingestion/log (administrators).
func (s *server) getIngestionLog(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r); err != nil {
		return err
	}
	q := r.URL.Query()
	var lq store.LogQuery
	for name := range q {
		v := strings.TrimSpace(q.Get(name))
		switch name {
		case "reason":
			lq.Reason = v
		case "before":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return badParam(name, fmt.Errorf("want an entry id, got %q", v))
			}
			lq.Before = n
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return badParam(name, fmt.Errorf("want 1 to 1000, got %q", v))
			}
			lq.Limit = n
		default:
			return badParam(name, errors.New("unknown parameter (want reason, before or limit)"))
		}
	}
	if lq.Limit == 0 {
		lq.Limit = 100
	}
	items, err := s.st.IngestionLog(r.Context(), lq)
	if err != nil {
		return err
	}
	page := ingestionLogPage{Items: items}
	if page.Items == nil {
		page.Items = []store.LogEntry{}
	}
	if len(items) == lq.Limit {
		page.NextBefore = items[len(items)-1].ID
	}
	return writeJSON(w, http.StatusOK, page)
}

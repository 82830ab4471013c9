package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// ctaReportView is what templates/cta_report.html shows: the measure of
// the work in a period (store.CTAReport).
type ctaReportView struct {
	Page
	From, To string
	R        store.CTAReport
	Median   string // days, one decimal
	// OpenedTotal and ClosedTotal sum the rows.
	OpenedTotal, ClosedTotal int
	// RenewedShare is the renewed share of the risk accounts decided
	// (renewed or churned), "—" when none is.
	RenewedShare string
}

// ctaReportPage is GET /ctas/report?from=&to= (the last 90 days by default).
func (s *server) ctaReportPage(w http.ResponseWriter, r *http.Request) error {
	today := s.today()
	from, to := today.AddDays(-89), today
	var errs validate.Errors
	q := r.URL.Query()
	for _, p := range []struct {
		key string
		d   *civil.Date
	}{{"from", &from}, {"to", &to}} {
		if v := strings.TrimSpace(q.Get(p.key)); v != "" {
			d, err := civil.Parse(v)
			if err != nil {
				errs.Add(p.key, "invalid", "%q is not a date", clipText(v, 40))
			}
			*p.d = d
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	rep, err := s.st.CTAReport(r.Context(), from, to, today)
	if err != nil {
		return err
	}
	v := ctaReportView{Page: Page{Title: "CTA report", Section: "cockpit"}, From: from.String(), To: to.String(), R: rep,
		Median: fmt.Sprintf("%.1f", rep.MedianDaysToClose), RenewedShare: "—"}
	for _, c := range rep.Opened {
		v.OpenedTotal += c.Count
	}
	for _, c := range rep.Closed {
		v.ClosedTotal += c.Count
	}
	if n := rep.Risk.Renewed + rep.Risk.Churned; n > 0 {
		v.RenewedShare = fmt.Sprintf("%.0f%%", 100*float64(rep.Risk.Renewed)/float64(n))
	}
	return s.render(w, r, http.StatusOK, "cta_report", v)
}

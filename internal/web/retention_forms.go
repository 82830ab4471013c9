package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/validate"
)

// The retention forms: why a customer left (a churn record) and a CSM's
// call on a renewal (a renewal forecast). Both are answered on the
// account's behalf, so they need the same right as editing the account:
// leaders and admins for any account, a CSM for their own book.

// retentionFormView is what templates/retention_form.html shows.
type retentionFormView struct {
	Page
	A              customer.Account
	Heading, Intro string
	Action, Submit string
	Return         string
	Form           *formState
}

// safeReturn is where to go after a form: a local path given by the page
// the form was opened from, or the account page.
func safeReturn(v string, a customer.Account) string {
	if localPath(v) {
		return v
	}
	return "/accounts/" + strconv.FormatInt(a.ID, 10)
}

// churnForm is the churn-reason form filled with values.
func churnForm(v url.Values) *formState {
	reasons := make([]option, 0, len(customer.ChurnReasons)+1)
	reasons = append(reasons, option{Value: "", Label: "Choose a reason"})
	for _, r := range customer.ChurnReasons {
		reasons = append(reasons, option{Value: r, Label: reasonLabel(revenue.Reason(r))})
	}
	return &formState{Fields: []*field{
		{Name: "reason", ID: "churn-reason", Label: "Reason", Type: "select", Options: reasons, Value: v.Get("reason"), Required: true},
		{Name: "controllable", ID: "churn-controllable", Label: "Could we have prevented it?", Type: "select", Value: v.Get("controllable"),
			Options: []option{{Value: "", Label: "Decide from the reason"}, {Value: "yes", Label: "Yes, controllable"}, {Value: "no", Label: "No, hard to affect"}},
			Hint:    "Left to the reason, M&A, restructuring and bankruptcy count as hard to affect and the rest as controllable."},
		{Name: "churned_on", ID: "churn-date", Label: "Date", Type: "date", Value: v.Get("churned_on"), Required: true,
			Hint: "The day the customer left or told you; it explains a churn in the ledger within 180 days of it."},
		{Name: "product", ID: "churn-product", Label: "Product line", Type: "text", Value: v.Get("product"), MaxLen: 200,
			Hint: "Leave empty when the whole account left."},
		{Name: "note", ID: "churn-note", Label: "Note", Type: "textarea", Value: v.Get("note"), MaxLen: 4000, Wide: true},
	}}
}

// churnPage is GET /accounts/{id}/churn: the form, filled from the query
// (the drill-down links here with the churn's date and product).
func (s *server) churnPage(w http.ResponseWriter, r *http.Request) error {
	_, a, err := s.editableAccount(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("churned_on") == "" {
		q.Set("churned_on", s.today().String())
	}
	return s.render(w, r, http.StatusOK, "retention_form", s.churnView(a, churnForm(q), q.Get("return")))
}

func (s *server) churnView(a customer.Account, f *formState, ret string) retentionFormView {
	return retentionFormView{Page: Page{Title: "Why " + a.Name + " left", Section: "retention"}, A: a,
		Heading: "Why did " + a.Name + " leave?",
		Intro:   "The reason is shown on the retention dashboard, which breaks churn down by reason and by how much of it was controllable.",
		Action:  "/accounts/" + strconv.FormatInt(a.ID, 10) + "/churn", Submit: "Record reason", Return: safeReturn(ret, a), Form: f}
}

// recordChurn is POST /accounts/{id}/churn.
func (s *server) recordChurn(w http.ResponseWriter, r *http.Request) error {
	p, a, err := s.editableAccount(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	rec := customer.ChurnRecord{AccountID: a.ID, Product: f.Get("product"), Reason: f.Get("reason"),
		Controllable: f.Get("controllable"), Note: strings.ReplaceAll(f.Get("note"), "\r\n", "\n"), RecordedBy: p.Email}
	form := churnForm(f)
	var errs validate.Errors
	if v := strings.TrimSpace(f.Get("churned_on")); v != "" {
		d, perr := civil.Parse(v)
		if perr != nil {
			errs.Add("churned_on", "invalid", "%q is not a date (want YYYY-MM-DD)", v)
		}
		rec.ChurnedOn = d
	}
	if len(errs) == 0 {
		err = s.st.ChurnRecords().Create(r.Context(), &rec)
		if fe, ok := validate.As(err); ok {
			errs = fe
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		form.addErrors(errs, nil)
		return s.render(w, r, http.StatusUnprocessableEntity, "retention_form", s.churnView(a, form, f.Get("return")))
	}
	http.Redirect(w, r, safeReturn(f.Get("return"), a), http.StatusSeeOther)
	return nil
}

// forecastForm is the renewal-forecast form filled with values.
func forecastForm(v url.Values, cur string) *formState {
	opts := []option{{Value: "", Label: "Choose a forecast"}}
	for _, fc := range customer.RenewalForecasts {
		opts = append(opts, option{Value: fc, Label: label(fc)})
	}
	return &formState{Fields: []*field{
		{Name: "forecast", ID: "fc-forecast", Label: "Forecast", Type: "select", Options: opts, Value: v.Get("forecast"), Required: true},
		{Name: "expected", ID: "fc-expected", Label: "Expected MRR after the renewal (" + cur + ")", Type: "text", Value: v.Get("expected"),
			Hint: "Leave empty for the amount due (or nothing, for churn)."},
		{Name: "due_on", ID: "fc-due", Label: "Due", Type: "date", Value: v.Get("due_on"), Required: true},
		{Name: "note", ID: "fc-note", Label: "Note", Type: "textarea", Value: v.Get("note"), MaxLen: 4000, Wide: true},
	}}
}

func (s *server) forecastView(a customer.Account, f *formState, ret string) retentionFormView {
	return retentionFormView{Page: Page{Title: "Renewal forecast for " + a.Name, Section: "retention"}, A: a,
		Heading: "Forecast " + a.Name + "'s renewal",
		Intro:   "Your call replaces the forecast Tend reads from the data, and feeds the GRR and NRR the pipeline implies for the quarter.",
		Action:  "/accounts/" + strconv.FormatInt(a.ID, 10) + "/forecast", Submit: "Save forecast", Return: safeReturn(ret, a), Form: f}
}

// forecastPage is GET /accounts/{id}/forecast?due_on=…, filled with the
// call already made for that renewal, if any.
func (s *server) forecastPage(w http.ResponseWriter, r *http.Request) error {
	_, a, err := s.editableAccount(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if due, err := civil.Parse(q.Get("due_on")); err == nil && !due.IsZero() {
		if c, ok, err := s.renewalCall(r, a.ID, due); err != nil {
			return err
		} else if ok {
			q.Set("forecast", c.Forecast)
			q.Set("note", c.Note)
			if c.Expected > 0 {
				q.Set("expected", money.FormatMinor(c.Expected, retention.Currency))
			}
		}
	}
	return s.render(w, r, http.StatusOK, "retention_form", s.forecastView(a, forecastForm(q, retention.Currency), q.Get("return")))
}

// renewalCall finds the call made on the account's renewal due that day.
func (s *server) renewalCall(r *http.Request, account int64, due civil.Date) (customer.RenewalCall, bool, error) {
	calls, err := retention.RenewalCallsOf(r.Context(), s.st, account)
	if err != nil {
		return customer.RenewalCall{}, false, err
	}
	for _, c := range calls {
		if c.DueOn == due {
			return c, true, nil
		}
	}
	return customer.RenewalCall{}, false, nil
}

// setForecast is POST /accounts/{id}/forecast: one call per renewal, made
// or changed.
func (s *server) setForecast(w http.ResponseWriter, r *http.Request) error {
	p, a, err := s.editableAccount(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	call := customer.RenewalCall{AccountID: a.ID, Forecast: f.Get("forecast"), Note: strings.ReplaceAll(f.Get("note"), "\r\n", "\n"), SetBy: p.Email}
	form := forecastForm(f, retention.Currency)
	var errs validate.Errors
	if v := strings.TrimSpace(f.Get("due_on")); v != "" {
		d, perr := civil.Parse(v)
		if perr != nil {
			errs.Add("due_on", "invalid", "%q is not a date (want YYYY-MM-DD)", v)
		}
		call.DueOn = d
	}
	if v := strings.TrimSpace(strings.TrimPrefix(strings.ReplaceAll(f.Get("expected"), ",", ""), "$")); v != "" {
		amt, perr := money.ParseMinor(v, retention.Currency)
		if perr != nil {
			errs.Add("expected", "invalid", "%s (an amount in %s)", perr, retention.Currency)
		}
		call.Expected = amt
	}
	if len(errs) == 0 {
		old, ok, err := s.renewalCall(r, a.ID, call.DueOn)
		if err != nil {
			return err
		}
		if ok {
			call.ID, call.ExternalID, call.CreatedAt = old.ID, old.ExternalID, old.CreatedAt
			err = s.st.RenewalCalls().Update(r.Context(), &call)
		} else {
			err = s.st.RenewalCalls().Create(r.Context(), &call)
		}
		if fe, ok := validate.As(err); ok {
			errs = fe
		} else if err != nil {
			return fmt.Errorf("saving the forecast: %w", err)
		}
	}
	if len(errs) > 0 {
		form.addErrors(errs, nil)
		return s.render(w, r, http.StatusUnprocessableEntity, "retention_form", s.forecastView(a, form, f.Get("return")))
	}
	http.Redirect(w, r, safeReturn(f.Get("return"), a), http.StatusSeeOther)
	return nil
}

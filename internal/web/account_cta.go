package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// The account page's CTA panel: its CTAs still to do with their tasks, the
// form that opens one by hand, and the closed ones folded away. The panel
// is the "cta-panel" partial (templates/layout/cta.html).

// CTAPanel is what the cta-panel partial shows.
type CTAPanel struct {
	AccountID int64
	CanOpen   bool // the viewer may open a CTA on the account
	Open      []ctaRow
	Closed    []ctaRow
	Form      *formState // the form that opens one
	// Edit is the form of the CTA last acted on that failed, and EditID its id.
	Edit   *formState
	EditID int64
	Back   string // where the CTA forms come back to
	Saved  string
}

// ctaPanel reads the account's CTAs and their tasks.
func (s *server) ctaPanel(ctx context.Context, a customer.Account, p auth.Principal) (CTAPanel, error) {
	v := CTAPanel{AccountID: a.ID, CanOpen: p.CanEditAccount(a.CSMID), Back: "/accounts/" + strconv.FormatInt(a.ID, 10) + "#ctas"}
	page, err := s.st.ListCTAs(ctx, store.CTAFilter{AccountID: a.ID, Statuses: cta.Statuses, Today: s.today(), Limit: 100})
	if err != nil {
		return v, err
	}
	rows := s.ctaRows(p, page.Items)
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	tasks, err := s.st.CTATasks(ctx, ids)
	if err != nil {
		return v, err
	}
	for _, r := range rows {
		r.Tasks = tasks[r.ID]
		if r.Status == cta.Closed {
			v.Closed = append(v.Closed, r)
		} else {
			v.Open = append(v.Open, r)
		}
	}
	if v.CanOpen {
		playbooks, err := s.st.Playbooks(ctx)
		if err != nil {
			return v, err
		}
		v.Form = openCTAForm(nil, s.today(), playbooks)
	}
	return v, nil
}

// openCTAForm is the form that opens a CTA by hand.
func openCTAForm(sent url.Values, today civil.Date, playbooks []store.PlaybookInfo) *formState {
	get := func(k, def string) string {
		if sent == nil {
			return def
		}
		return sent.Get(k)
	}
	types := []option{{"", "Choose a type", false}}
	for _, t := range cta.Types {
		types = append(types, option{string(t), label(string(t)), false})
	}
	prios := []option{}
	for _, p := range cta.Priorities {
		prios = append(prios, option{strconv.Itoa(int(p)), label(p.String()), false})
	}
	pbs := []option{{"", "None", false}}
	for _, p := range playbooks {
		pbs = append(pbs, option{p.Name, p.Title, false})
	}
	return &formState{Fields: []*field{
		{Name: "type", ID: "cta-type", Label: "Type", Type: "select", Value: get("type", ""), Options: types, Required: true},
		{Name: "priority", ID: "cta-priority", Label: "Priority", Type: "select", Value: get("priority", "3"), Options: prios},
		{Name: "due", ID: "cta-due", Label: "Due", Type: "date", Value: get("due", today.AddDays(7).String()), Required: true},
		{Name: "playbook", ID: "cta-playbook", Label: "Playbook", Type: "select", Value: get("playbook", ""), Options: pbs, Hint: "Its tasks are added to the CTA."},
		{Name: "reason", ID: "cta-reason", Label: "Reason", Type: "textarea", Value: get("reason", ""), Required: true, MaxLen: 2000, Wide: true,
			Hint: "What needs doing and why."},
	}}
}

// openCTA is POST /accounts/{id}/ctas: a CTA opened by hand, owned by the
// account's CSM (or the pool), with its playbook's tasks.
func (s *server) openCTA(w http.ResponseWriter, r *http.Request) error {
	p, a, err := s.editableAccount(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	today := s.today()
	playbooks, err := s.st.Playbooks(r.Context())
	if err != nil {
		return err
	}
	form := openCTAForm(f, today, playbooks)
	c := cta.CTA{AccountID: a.ID, Type: cta.Type(f.Get("type")), Reason: strings.ReplaceAll(f.Get("reason"), "\r\n", "\n"), Playbook: f.Get("playbook")}
	if n, err := strconv.Atoi(f.Get("priority")); err == nil {
		c.Priority = cta.Priority(n)
	} else if f.Get("priority") != "" {
		form.fail("priority", "choose a priority")
	}
	if on := strings.TrimSpace(f.Get("due")); on != "" {
		d, err := civil.Parse(on)
		if err != nil {
			form.fail("due", fmt.Sprintf("%q is not a date", clipText(on, 40)))
		}
		c.Due = d
	} else {
		form.fail("due", "is required")
	}
	if !form.Failed() {
		err := s.st.OpenCTA(r.Context(), &c, today, "", p.UserID)
		if errs, ok := validate.As(err); ok {
			form.addErrors(errs, nil)
		} else if err != nil {
			return err
		}
	}
	if form.Failed() {
		v, err := s.accountView(r.Context(), a, p)
		if err != nil {
			return err
		}
		v.Log = activityForm(nil, s.now())
		v.CTAs.Form = form
		return s.render(w, r, http.StatusUnprocessableEntity, "account", v)
	}
	http.Redirect(w, r, "/accounts/"+strconv.FormatInt(a.ID, 10)+"?cta=opened#ctas", http.StatusSeeOther)
	return nil
}

// editForm is the form of one CTA's actions.
func editForm(sent url.Values, id int64) *formState {
	get := func(k string) string {
		if sent == nil {
			return ""
		}
		return sent.Get(k)
	}
	n := strconv.FormatInt(id, 10)
	outcomes := []option{{"", "Choose an outcome", false}}
	for _, o := range cta.Outcomes {
		outcomes = append(outcomes, option{o, label(o), false})
	}
	return &formState{Fields: []*field{
		{Name: "do", ID: "cta-" + n + "-do", Label: "Action", Type: "hidden", Value: get("do")},
		{Name: "outcome", ID: "cta-" + n + "-outcome", Label: "Outcome", Type: "select", Value: get("outcome"), Options: outcomes},
		{Name: "note", ID: "cta-" + n + "-note", Label: "Note", Type: "text", Value: get("note"), MaxLen: 2000},
		{Name: "snoozed_until", ID: "cta-" + n + "-until", Label: "Snooze until", Type: "date", Value: get("snoozed_until")},
	}}
}

// pathCTA is the CTA whose id is in the request's path.
func (s *server) pathCTA(r *http.Request) (store.CTARow, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.CTARow{}, notFound("CTA not found", "There is no CTA at this address.")
	}
	return s.st.CTA(r.Context(), id)
}

// editCTA is POST /ctas/{id}: start, snooze, close or reopen one CTA, from
// the account page or the cockpit; back says where to return. A problem
// re-shows the account page with it beside the CTA.
func (s *server) editCTA(w http.ResponseWriter, r *http.Request) error {
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	c, err := s.pathCTA(r)
	if err != nil {
		return err
	}
	if err := requireCTA(p, c); err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	form := editForm(f, c.ID)
	e := readEdit(f, form)
	if !form.Failed() {
		_, err := s.st.EditCTAs(r.Context(), []int64{c.ID}, e, s.today())
		if errs, ok := validate.As(err); ok {
			form.addErrors(errs, editRename)
		} else if err != nil {
			return err
		}
	}
	if form.Failed() {
		a, err := s.st.Accounts().Get(r.Context(), c.AccountID)
		if err != nil {
			return err
		}
		v, err := s.accountView(r.Context(), a, p)
		if err != nil {
			return err
		}
		v.Log = activityForm(nil, s.now())
		v.CTAs.Edit, v.CTAs.EditID = form, c.ID
		return s.render(w, r, http.StatusUnprocessableEntity, "account", v)
	}
	http.Redirect(w, r, backTo(f.Get("back"), "/accounts/"+strconv.FormatInt(c.AccountID, 10)+"#ctas"), http.StatusSeeOther)
	return nil
}

// backTo is where a form returns: the same-site path it names, else def.
func backTo(back, def string) string {
	if back == "" || safeNext(back) != back {
		return def
	}
	return back
}

// completeTask is POST /ctas/tasks/{id}/done: a playbook task done; a task
// whose step names an activity kind logs it on the account's timeline.
func (s *server) completeTask(w http.ResponseWriter, r *http.Request) error {
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return notFound("Task not found", "There is no task at this address.")
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	// The task's CTA decides who may tick it.
	ctaID, err := strconv.ParseInt(r.PostForm.Get("cta"), 10, 64)
	if err != nil || ctaID <= 0 {
		return notFound("Task not found", "The form did not say which CTA the task is of.")
	}
	c, err := s.st.CTA(r.Context(), ctaID)
	if err != nil {
		return err
	}
	if err := requireCTA(p, c); err != nil {
		return err
	}
	tasks, err := s.st.CTATasks(r.Context(), []int64{c.ID})
	if err != nil {
		return err
	}
	var task *cta.Task
	for i := range tasks[c.ID] {
		if tasks[c.ID][i].ID == id {
			task = &tasks[c.ID][i]
		}
	}
	if task == nil {
		return notFound("Task not found", "This CTA has no such task.")
	}
	if !task.Done {
		if _, err := s.st.CompleteTask(r.Context(), id, p.UserID); err != nil {
			return err
		}
		if task.Activity != "" {
			act := customer.Activity{AccountID: c.AccountID, AuthorID: p.UserID, Kind: task.Activity, OccurredAt: s.now().UTC(),
				Subject: clipText(task.Title, 300), Body: "Done for the CTA: " + c.Reason}
			if err := s.st.Activities().Create(r.Context(), &act); err != nil {
				return err
			}
		}
	}
	http.Redirect(w, r, backTo(r.PostForm.Get("back"), "/accounts/"+strconv.FormatInt(c.AccountID, 10)+"#ctas"), http.StatusSeeOther)
	return nil
}

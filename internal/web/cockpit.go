package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// The cockpit: a CSM's work list — their CTAs overdue first, then by
// priority and due date, and their playbook tasks — with filters and bulk
// actions (close, snooze, reassign) in one plain form. A leader sees the
// team's, with an owner filter.

// ctaRow is a CTA as lists show it.
type ctaRow struct {
	store.CTARow
	Owner   string // the owner's name, email, or pool
	DueDays int    // from today; negative when past
	Overdue bool
	// CanAct is whether the viewer may change it.
	CanAct bool
	Tasks  []cta.Task
}

// canActOn reports whether p may change a CTA (cta.CanAct).
func canActOn(p auth.Principal, c store.CTARow) bool { return cta.CanAct(p, c.OwnerID, c.AccountCSMID) }

// requireCTA is the principal's leave to change the CTA.
func requireCTA(p auth.Principal, c store.CTARow) error {
	return cta.RequireAct(p, c.ID, c.OwnerID, c.AccountCSMID)
}

func (s *server) ctaRows(p auth.Principal, rows []store.CTARow) []ctaRow {
	today := s.today()
	out := make([]ctaRow, len(rows))
	for i, r := range rows {
		out[i] = ctaRow{CTARow: r, Owner: cmp.Or(r.OwnerName, r.OwnerEmail, poolLabel(r.Pool)), DueDays: r.Due.DaysSince(today),
			Overdue: r.Overdue(today), CanAct: canActOn(p, r)}
	}
	return out
}

func poolLabel(pool string) string {
	if pool == "" {
		return ""
	}
	return "Pool: " + pool
}

// cockpitView is what templates/cockpit.html shows.
type cockpitView struct {
	Page
	Who    string // "you" or "the team"
	Leader bool
	// Any is whether any of the rows may be changed (the bulk form shows).
	Any  bool
	Rows []ctaRow
	// NextURL is the next page of the list ("" at the end).
	NextURL                            string
	Tasks                              []taskView
	Filtered                           bool
	Type, Status, Priority, Due, Owner string
	Types, Statuses, Priorities, Dues  []option
	Owners                             []option
	Bulk                               *formState
	// Back is the list's query, for the forms to come back to.
	Back string
	Done string // what the last action did
}

// taskView is a task in the cockpit's list.
type taskView struct {
	store.TaskRow
	DueDays int
	Overdue bool
}

// cockpitFilter reads the list's filters from a query.
type cockpitFilter struct {
	Type, Status, Priority, Due, Owner, Cursor string
}

func readCockpitFilter(q url.Values) cockpitFilter {
	return cockpitFilter{Type: q.Get("type"), Status: q.Get("status"), Priority: q.Get("priority"), Due: q.Get("due"), Owner: q.Get("owner"), Cursor: q.Get("cursor")}
}

func (f cockpitFilter) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"type": f.Type, "status": f.Status, "priority": f.Priority, "due": f.Due, "owner": f.Owner} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// isLeader reports whether p sees the team's work (leaders, admins and
// read-only viewers; a CSM sees their own).
func isLeader(p auth.Principal) bool { return p.Role != customer.RoleCSM }

// storeFilter turns the page's filters into the store's, as p may see.
func (s *server) storeFilter(p auth.Principal, f cockpitFilter) (store.CTAFilter, error) {
	today := s.today()
	sf := store.CTAFilter{Today: today, Cursor: f.Cursor, Limit: 50}
	var errs validate.Errors
	if f.Type != "" {
		if !slices.Contains(cta.Types, cta.Type(f.Type)) {
			errs.Add("type", "invalid", "%q is not a CTA type", clipText(f.Type, 40))
		}
		sf.Type = cta.Type(f.Type)
	}
	switch f.Status {
	case "":
	case "all":
		sf.Statuses = cta.Statuses
	default:
		if !slices.Contains(cta.Statuses, cta.Status(f.Status)) {
			errs.Add("status", "invalid", "%q is not a status", clipText(f.Status, 40))
		}
		sf.Statuses = []cta.Status{cta.Status(f.Status)}
	}
	if f.Priority != "" {
		n, err := strconv.Atoi(f.Priority)
		if err != nil || n < 1 || n > 4 {
			errs.Add("priority", "invalid", "%q is not a priority from 1 to 4", clipText(f.Priority, 40))
		}
		sf.Priority = cta.Priority(n)
	}
	switch f.Due {
	case "":
	case "overdue":
		sf.Overdue = true
	case "week":
		sf.DueBefore = today.AddDays(7)
	default:
		errs.Add("due", "invalid", "%q is not overdue or week", clipText(f.Due, 40))
	}
	if !isLeader(p) {
		sf.OwnerID = p.UserID
	} else {
		switch {
		case f.Owner == "" || f.Owner == "all":
		case f.Owner == "me":
			sf.OwnerID = p.UserID
		case strings.HasPrefix(f.Owner, "pool:"):
			sf.Pool = strings.TrimPrefix(f.Owner, "pool:")
		default:
			id, err := strconv.ParseInt(f.Owner, 10, 64)
			if err != nil || id <= 0 {
				errs.Add("owner", "invalid", "%q is not a user", clipText(f.Owner, 40))
			}
			sf.OwnerID = id
		}
	}
	return sf, errs.Err()
}

// cockpitPage is GET /cockpit.
func (s *server) cockpitPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	v, err := s.cockpitView(r.Context(), p, readCockpitFilter(r.URL.Query()), nil)
	if err != nil {
		return err
	}
	v.Done = clipText(r.URL.Query().Get("done"), 200)
	return s.render(w, r, http.StatusOK, "cockpit", v)
}

func (s *server) cockpitView(ctx context.Context, p auth.Principal, f cockpitFilter, bulk *formState) (cockpitView, error) {
	v := cockpitView{Page: Page{Title: "Cockpit", Section: "cockpit"}, Leader: isLeader(p), Who: "you",
		Type: f.Type, Status: f.Status, Priority: f.Priority, Due: f.Due, Owner: f.Owner}
	if v.Leader {
		v.Who = "the team"
	}
	sf, err := s.storeFilter(p, f)
	if err != nil {
		return v, err
	}
	page, err := s.st.ListCTAs(ctx, sf)
	if err != nil {
		return v, err
	}
	v.Rows = s.ctaRows(p, page.Items)
	for _, r := range v.Rows {
		v.Any = v.Any || r.CanAct
	}
	q := f.query()
	v.Back = q.Encode()
	v.Filtered = v.Back != ""
	if page.NextCursor != "" {
		q.Set("cursor", page.NextCursor)
		v.NextURL = "/cockpit?" + q.Encode()
	}
	owner := int64(0)
	if !v.Leader || f.Owner == "me" {
		owner = p.UserID
	}
	if !v.Leader || owner != 0 {
		tasks, err := s.st.OpenTasks(ctx, owner, 20)
		if err != nil {
			return v, err
		}
		today := s.today()
		for _, t := range tasks {
			v.Tasks = append(v.Tasks, taskView{TaskRow: t, DueDays: t.Due.DaysSince(today), Overdue: t.Due.Before(today)})
		}
	}
	for _, t := range cta.Types {
		v.Types = append(v.Types, option{string(t), label(string(t)), f.Type == string(t)})
	}
	for _, st := range cta.Statuses {
		v.Statuses = append(v.Statuses, option{string(st), label(string(st)), f.Status == string(st)})
	}
	v.Statuses = append(v.Statuses, option{"all", "All, closed too", f.Status == "all"})
	for _, pr := range cta.Priorities {
		n := strconv.Itoa(int(pr))
		v.Priorities = append(v.Priorities, option{n, label(pr.String()), f.Priority == n})
	}
	v.Dues = []option{{"overdue", "Overdue", f.Due == "overdue"}, {"week", "Due within 7 days", f.Due == "week"}}
	if v.Leader {
		v.Owners = []option{{"me", "Mine", f.Owner == "me"}, {"pool:" + cta.DefaultPool, "Pool: " + cta.DefaultPool, f.Owner == "pool:"+cta.DefaultPool}}
		v.Owners = append(v.Owners, s.ownerOptions(ctx, f.Owner)...)
	}
	if bulk == nil {
		bulk = s.bulkForm(ctx, nil)
	}
	v.Bulk = bulk
	return v, nil
}

// ownerOptions offers every user who may own work, by name.
func (s *server) ownerOptions(ctx context.Context, current string) []option {
	us, err := s.users(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "web: listing users", "err", err)
	}
	var out []option
	for _, u := range us {
		if u.Disabled || u.Role == customer.RoleReadOnly {
			continue
		}
		id := strconv.FormatInt(u.ID, 10)
		out = append(out, option{id, cmp.Or(u.Name, u.Email), current == id})
	}
	return out
}

// bulkForm is the bulk action form's fields.
func (s *server) bulkForm(ctx context.Context, sent url.Values) *formState {
	get := func(k string) string {
		if sent == nil {
			return ""
		}
		return sent.Get(k)
	}
	owners := append([]option{{"", "Choose a person", false}}, s.ownerOptions(ctx, get("owner_id"))...)
	outcomes := []option{{"", "Choose an outcome", false}}
	for _, o := range cta.Outcomes {
		outcomes = append(outcomes, option{o, label(o), false})
	}
	return &formState{Fields: []*field{
		{Name: "do", ID: "bulk-action", Label: "Action", Type: "select", Value: get("do"), Required: true,
			Options: []option{{"", "Choose an action", false}, {"start", "Start", false}, {"close", "Close with an outcome", false},
				{"snooze", "Snooze until a day", false}, {"reassign", "Reassign", false}}},
		{Name: "outcome", ID: "bulk-outcome", Label: "Outcome", Type: "select", Value: get("outcome"), Options: outcomes, Hint: "When closing."},
		{Name: "snoozed_until", ID: "bulk-until", Label: "Snooze until", Type: "date", Value: get("snoozed_until"), Min: s.today().AddDays(1).String(), Hint: "When snoozing."},
		{Name: "owner_id", ID: "bulk-owner", Label: "New owner", Type: "select", Value: get("owner_id"), Options: owners, Hint: "When reassigning."},
		{Name: "note", ID: "bulk-note", Label: "Note", Type: "text", Value: get("note"), MaxLen: 2000, Hint: "Why, when closing."},
	}}
}

// readEdit reads a CTA edit from a form (the bulk form or a CTA's own).
func readEdit(f url.Values, form *formState) cta.Edit {
	var e cta.Edit
	switch f.Get("do") {
	case "start":
		e.Status = cta.InProgress
	case "reopen":
		e.Status = cta.Open
	case "close":
		e.Status, e.Outcome, e.Note = cta.Closed, f.Get("outcome"), f.Get("note")
	case "snooze":
		e.Status = cta.Snoozed
		if on := strings.TrimSpace(f.Get("snoozed_until")); on != "" {
			d, err := civil.Parse(on)
			if err != nil {
				form.fail("snoozed_until", fmt.Sprintf("%q is not a date", clipText(on, 40)))
			}
			e.SnoozedUntil = d
		}
	case "reassign":
		id, err := strconv.ParseInt(f.Get("owner_id"), 10, 64)
		if err != nil || id <= 0 {
			form.fail("owner_id", "choose who takes it over")
		}
		e.OwnerID = id
	case "":
		form.fail("do", "choose what to do")
	default:
		form.fail("do", fmt.Sprintf("%q is not an action", clipText(f.Get("do"), 40)))
	}
	return e
}

// editRename maps cta.Edit's fields to the forms' keys (the action is
// "do": a form control named "action" would hide the form's own action).
var editRename = map[string]string{"status": "do"}

// bulkCTAs is POST /cockpit/bulk: one action on the CTAs ticked. Every
// CTA must be one the viewer may change; all change or none does.
func (s *server) bulkCTAs(w http.ResponseWriter, r *http.Request) error {
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	if err := p.RequireWrite(); err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	back, _ := url.ParseQuery(f.Get("back"))
	filter := readCockpitFilter(back)
	form := s.bulkForm(r.Context(), f)
	var ids []int64
	for _, v := range f["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return notFound("CTA not found", "One of the CTAs chosen does not exist.")
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		form.fail("", "Tick the CTAs to act on first.")
	}
	e := readEdit(f, form)
	if !form.Failed() {
		for _, id := range ids {
			c, err := s.st.CTA(r.Context(), id)
			if err != nil {
				return err
			}
			if err := requireCTA(p, c); err != nil {
				return err
			}
		}
		_, err := s.st.EditCTAs(r.Context(), ids, e, s.today())
		if errs, ok := validate.As(err); ok {
			form.addErrors(errs, editRename)
		} else if err != nil {
			return err
		}
	}
	if form.Failed() {
		v, err := s.cockpitView(r.Context(), p, filter, form)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "cockpit", v)
	}
	q := filter.query()
	q.Set("done", fmt.Sprintf("%s %s.", plural(len(ids), "CTA"), doneWord(f.Get("do"))))
	http.Redirect(w, r, "/cockpit?"+q.Encode()+"#work", http.StatusSeeOther)
	return nil
}

func doneWord(action string) string {
	switch action {
	case "start":
		return "started"
	case "close":
		return "closed"
	case "snooze":
		return "snoozed"
	case "reassign":
		return "reassigned"
	case "reopen":
		return "reopened"
	}
	return "changed"
}

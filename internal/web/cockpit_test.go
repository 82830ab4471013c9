package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/store"
)

// TestCockpit: a CSM opens a CTA on their account, sees it first in their
// cockpit (overdue before the rest), ticks a playbook task (logged on the
// timeline), and closes it in bulk; another CSM may not touch it, a
// read-only viewer changes nothing, and the leader sees the team's.
func TestCockpit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ada, grace, rita := f.as("ada@tend.test", 0), f.as("grace@tend.test", 0), f.as("rita@tend.test", 0)
	acme := strconv.FormatInt(f.ids["Acme Corp"], 10)

	code, _, h := post(t, ada, "/accounts/"+acme+"/ctas", url.Values{"type": {"risk"}, "priority": {"1"}, "due": {f.today.AddDays(-1).String()},
		"reason": {"Champion left and usage fell"}, "playbook": {"safe-switch"}})
	if code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "#ctas") {
		t.Fatalf("open a CTA: %d %s", code, h.Get("Location"))
	}
	code, body, _ := post(t, ada, "/accounts/"+acme+"/ctas", url.Values{"type": {""}, "due": {"soon"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "is not a date") {
		t.Errorf("a bad CTA form: %d", code)
	}
	second := cta.CTA{AccountID: f.ids["Acme Labs"], Type: cta.Renewal, Reason: "Renewal in 90 days", Priority: cta.Low, Due: f.today.AddDays(30)}
	if err := f.st.OpenCTA(ctx, &second, f.today, "", 0); err != nil {
		t.Fatal(err)
	}
	page, err := f.st.ListCTAs(ctx, store.CTAFilter{AccountID: f.ids["Acme Corp"]})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("the CTA opened: %v %d", err, len(page.Items))
	}
	first := page.Items[0]
	if first.OwnerID != f.users["ada@tend.test"].ID || first.TasksTotal == 0 {
		t.Fatalf("the CTA goes to the account's CSM with the playbook's tasks: %+v", first)
	}

	code, body, _ = get(t, ada, "/cockpit")
	if code != 200 {
		t.Fatalf("cockpit: %d", code)
	}
	if i, j := strings.Index(body, "Champion left"), strings.Index(body, "Renewal in 90 days"); i < 0 || j < 0 || i > j {
		t.Errorf("the overdue CTA is not listed first (%d, %d)", i, j)
	}
	if !strings.Contains(body, "Your tasks") {
		t.Error("no tasks on the cockpit")
	}
	code, body, _ = get(t, ada, "/cockpit?type=renewal")
	if code != 200 || strings.Contains(body, `<tr id="cta-`+strconv.FormatInt(first.ID, 10)+`"`) || !strings.Contains(body, "Renewal in 90 days") {
		t.Errorf("type filter: %d", code)
	}
	if code, _, _ := get(t, ada, "/cockpit?due=someday"); code != http.StatusBadRequest {
		t.Errorf("a bad filter: %d", code)
	}
	// Grace has no work, and may not touch Ada's.
	_, body, _ = get(t, grace, "/cockpit")
	if strings.Contains(body, "Champion left") {
		t.Error("another CSM's cockpit lists Ada's CTA")
	}
	id := strconv.FormatInt(first.ID, 10)
	if code, _, _ := post(t, grace, "/cockpit/bulk", url.Values{"id": {id}, "do": {"start"}}); code != http.StatusForbidden {
		t.Errorf("another CSM's bulk edit: %d", code)
	}
	if code, _, _ := post(t, rita, "/ctas/"+id, url.Values{"do": {"start"}}); code != http.StatusForbidden {
		t.Errorf("a read-only edit: %d", code)
	}

	// A task done logs its activity on the timeline.
	tasks, _ := f.st.CTATasks(ctx, []int64{first.ID})
	task := tasks[first.ID][1] // "Introduce yourself": an email
	code, _, h = post(t, ada, "/ctas/tasks/"+strconv.FormatInt(task.ID, 10)+"/done", url.Values{"cta": {id}, "back": {"/cockpit#tasks"}})
	if code != http.StatusSeeOther || h.Get("Location") != "/cockpit#tasks" {
		t.Fatalf("task done: %d %s", code, h.Get("Location"))
	}
	acts, _ := f.st.Activities().List(ctx, store.Query{Filters: []store.Filter{{Field: "account_id", Op: store.Eq, Value: acme}}, Sort: "-occurred_at", Limit: 1})
	if len(acts.Items) == 0 || acts.Items[0].Subject != task.Title || acts.Items[0].Kind != task.Activity {
		t.Errorf("the task's activity: %+v", acts.Items)
	}
	_, body, _ = get(t, ada, "/accounts/"+acme)
	if !strings.Contains(body, `id="ctas"`) || !strings.Contains(body, "Champion left") || !strings.Contains(body, "cta-task-done") {
		t.Error("the account page's CTA panel does not show the CTA and its done task")
	}

	// One CTA's own forms: start it; a snooze with no day is refused
	// beside it on the account page.
	code, _, h = post(t, ada, "/ctas/"+id, url.Values{"do": {"start"}, "back": {"/accounts/" + acme + "#cta-" + id}})
	if code != http.StatusSeeOther || h.Get("Location") != "/accounts/"+acme+"#cta-"+id {
		t.Errorf("start: %d %s", code, h.Get("Location"))
	}
	if c, _ := f.st.CTA(ctx, first.ID); c.Status != cta.InProgress {
		t.Errorf("started: %s", c.Status)
	}
	code, body, _ = post(t, ada, "/ctas/"+id, url.Values{"do": {"snooze"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "until when to snooze") || !strings.Contains(body, `id="ctas"`) {
		t.Errorf("snooze with no day: %d", code)
	}
	if code, _, h := post(t, ada, "/ctas/"+id, url.Values{"do": {"start"}, "back": {"https://evil.example/"}}); code != http.StatusSeeOther || strings.Contains(h.Get("Location"), "evil") {
		t.Errorf("back to another site: %d %s", code, h.Get("Location"))
	}

	// Snooze, then close in bulk with an outcome.
	code, body, _ = post(t, ada, "/cockpit/bulk", url.Values{"id": {id}, "do": {"snooze"}, "snoozed_until": {f.today.String()}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "must be after today") {
		t.Errorf("snooze into the past: %d", code)
	}
	code, body, _ = post(t, ada, "/cockpit/bulk", url.Values{"id": {id}, "do": {"close"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "how it ended") {
		t.Errorf("close with no outcome: %d", code)
	}
	code, _, h = post(t, ada, "/cockpit/bulk", url.Values{"id": {id}, "do": {"close"}, "outcome": {"achieved"}, "note": {"New admin trained"}, "back": {"type=risk"}})
	if code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "type=risk") {
		t.Fatalf("bulk close: %d %s", code, h.Get("Location"))
	}
	c, _ := f.st.CTA(ctx, first.ID)
	if c.Status != cta.Closed || c.Outcome != cta.Achieved || c.CloseNote != "New admin trained" {
		t.Errorf("closed: %+v", c)
	}

	// The leader sees the team's, filters by owner, and reassigns.
	alan := f.as("alan@tend.test", 0)
	_, body, _ = get(t, alan, "/cockpit?status=all")
	if !strings.Contains(body, "Champion left") || !strings.Contains(body, "Renewal in 90 days") || !strings.Contains(body, `id="f-owner"`) {
		t.Error("the leader's cockpit is not the team's")
	}
	gid := strconv.FormatInt(f.users["grace@tend.test"].ID, 10)
	code, _, _ = post(t, alan, "/cockpit/bulk", url.Values{"id": {strconv.FormatInt(second.ID, 10)}, "do": {"reassign"}, "owner_id": {gid}})
	if code != http.StatusSeeOther {
		t.Fatalf("reassign: %d", code)
	}
	_, body, _ = get(t, grace, "/cockpit")
	if !strings.Contains(body, "Renewal in 90 days") {
		t.Error("the CTA reassigned is not on the new owner's cockpit")
	}
	code, body, _ = get(t, alan, "/ctas/report")
	if code != 200 || !strings.Contains(body, "CTA report") {
		t.Errorf("report: %d", code)
	}
}

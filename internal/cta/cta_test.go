package cta

import (
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/civil"
)

var today = civil.Date{Year: 2026, Month: 12, Day: 6}

func TestApply(t *testing.T) {
	t.Parallel()
	open := func(id int64, s Status) CTA {
		return CTA{ID: id, AccountID: 7, Type: Risk, Reason: "old", Priority: Medium, OwnerID: 3, Due: today.AddDays(5), Status: s, Rule: "red", Key: "k"}
	}
	snoozed := func(until civil.Date) CTA {
		c := open(1, Snoozed)
		c.SnoozedUntil = until
		return c
	}
	closed := open(1, Closed)
	closed.Outcome = Achieved
	fire := Intent{Action: OpenAction, AccountID: 7, Rule: "red", Key: "k", Type: Risk, Reason: "new", Priority: High, DueInDays: 3, Playbook: "red-health"}
	upd := fire
	upd.Action = UpdateAction
	cls := Intent{Action: CloseAction, AccountID: 7, Rule: "red", Key: "k", Outcome: Achieved}
	owner := Owner{UserID: 9}
	cases := []struct {
		name     string
		existing []CTA
		in       Intent
		kind     Kind
		check    func(t *testing.T, c CTA)
	}{
		{"open with none creates for the owner", nil, fire, Create, func(t *testing.T, c CTA) {
			if c.ID != 0 || c.OwnerID != 9 || c.Status != Open || c.Due != today.AddDays(3) || c.Playbook != "red-health" || c.Reason != "new" || c.Priority != High {
				t.Errorf("%+v", c)
			}
		}},
		{"open again updates reason, priority and an earlier due, not owner or status", []CTA{open(1, InProgress)}, fire, Update, func(t *testing.T, c CTA) {
			if c.ID != 1 || c.OwnerID != 3 || c.Status != InProgress || c.Reason != "new" || c.Priority != High || c.Due != today.AddDays(3) {
				t.Errorf("%+v", c)
			}
		}},
		{"open again with a later due keeps the due", []CTA{open(1, Open)}, func() Intent { i := fire; i.DueInDays = 30; return i }(), Update, func(t *testing.T, c CTA) {
			if c.Due != today.AddDays(5) {
				t.Errorf("due %s, want %s", c.Due, today.AddDays(5))
			}
		}},
		{"open again with nothing new is no change", []CTA{func() CTA { c := open(1, Open); c.Reason, c.Priority, c.Due = "new", High, today; return c }()}, fire, None, nil},
		{"snoozed until after today does not refire", []CTA{snoozed(today.AddDays(1))}, fire, None, nil},
		{"snooze passed reopens with the new reason", []CTA{snoozed(today)}, fire, Reopen, func(t *testing.T, c CTA) {
			if c.ID != 1 || c.Status != Open || !c.SnoozedUntil.IsZero() || c.Reason != "new" {
				t.Errorf("%+v", c)
			}
		}},
		{"closed never reopens: a new CTA instead", []CTA{closed}, fire, Create, func(t *testing.T, c CTA) {
			if c.ID != 0 || c.Status != Open {
				t.Errorf("%+v", c)
			}
		}},
		{"another key is another CTA", []CTA{func() CTA { c := open(1, Open); c.Key = "other"; return c }()}, fire, Create, nil},
		{"another rule is another CTA", []CTA{func() CTA { c := open(1, Open); c.Rule = "usage"; return c }()}, fire, Create, nil},
		{"update with none does nothing", nil, upd, None, nil},
		{"update with only closed does nothing", []CTA{closed}, upd, None, nil},
		{"update changes the open one", []CTA{open(1, Open)}, upd, Update, nil},
		{"update does not wake a snoozed one", []CTA{snoozed(today.AddDays(-3))}, upd, None, nil},
		{"close closes the open one with the outcome", []CTA{closed, open(2, Open)}, cls, CloseIt, func(t *testing.T, c CTA) {
			if c.ID != 2 || c.Status != Closed || c.Outcome != Achieved {
				t.Errorf("%+v", c)
			}
		}},
		{"close without an outcome is cleared", []CTA{open(2, InProgress)}, func() Intent { i := cls; i.Outcome = ""; return i }(), CloseIt, func(t *testing.T, c CTA) {
			if c.Outcome != Cleared {
				t.Errorf("outcome %q", c.Outcome)
			}
		}},
		{"close closes a snoozed one", []CTA{snoozed(today.AddDays(9))}, cls, CloseIt, func(t *testing.T, c CTA) {
			if c.Status != Closed || !c.SnoozedUntil.IsZero() {
				t.Errorf("%+v", c)
			}
		}},
		{"close with only closed does nothing", []CTA{closed}, cls, None, nil},
		{"close with none does nothing", nil, cls, None, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ch := Apply(tc.existing, tc.in, today, owner)
			if ch.Kind != tc.kind {
				t.Fatalf("kind %q, want %q (%+v)", ch.Kind, tc.kind, ch.CTA)
			}
			if tc.check != nil {
				tc.check(t, ch.CTA)
			}
		})
	}
}

func TestOwnerFor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		csm   int64
		touch string
		pool  string
		want  Owner
	}{
		{5, "high", "", Owner{UserID: 5}},
		{5, "low", "pool-a", Owner{UserID: 5}},
		{5, "tech", "pool-a", Owner{Pool: "pool-a"}},
		{5, "digital", "", Owner{Pool: DefaultPool}},
		{0, "high", "pool-a", Owner{Pool: "pool-a"}},
	}
	for _, tc := range cases {
		if got := OwnerFor(tc.csm, tc.touch, tc.pool); got != tc.want {
			t.Errorf("OwnerFor(%d, %q, %q) = %+v, want %+v", tc.csm, tc.touch, tc.pool, got, tc.want)
		}
	}
}

func TestCheckIntents(t *testing.T) {
	t.Parallel()
	good := Intent{Action: OpenAction, AccountID: 1, Rule: "r", Type: Risk, Priority: High}
	if err := CheckIntents([]Intent{good}); err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.Type, bad.Priority = "nope", 9
	err := CheckIntents([]Intent{good, bad, {Action: "x"}})
	for _, want := range []string{"intents[1].type", "intents[1].priority", "intents[2].action", "intents[2].account_id", "intents[2].rule"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

func TestShippedPlaybooks(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"red-health", "usage-drop", "safe-switch", "invoice-overdue", "renewal-120", "renewal-90", "renewal-60",
		"expansion-seats", "onboarding-first-value", "qbr-due", "detractor", "promoter-reference"} {
		p, ok := ShippedPlaybook(name)
		if !ok {
			t.Errorf("no shipped playbook %q", name)
			continue
		}
		// What YAML writes, ParsePlaybook reads back the same.
		q, err := ParsePlaybook([]byte(p.YAML()))
		if err != nil || q.Name != p.Name || len(q.Steps) != len(p.Steps) {
			t.Errorf("%s: round trip: %v", name, err)
		}
	}
	if len(Shipped()) < 12 {
		t.Errorf("%d shipped", len(Shipped()))
	}
}

func TestParsePlaybookErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"name: x\ntitle: X\ntype: risk\ntasks:\n  - title: a\n    due_day: 3\n":    "line 6",
		"name: x\ntitle: X\ntype: nope\ntasks:\n  - title: a\n":                    "type",
		"name: X Y\ntitle: X\ntype: risk\ntasks:\n  - title: a\n":                  "name",
		"name: x\ntitle: X\ntype: risk\ntasks: []\n":                               "tasks",
		"name: x\ntitle: X\ntype: risk\ntasks:\n  - title: a\n    role: boss\n":    "tasks[0].role",
		"name: x\ntitle: X\ntype: risk\ntasks:\n  - title: a\n    activity: fax\n": "tasks[0].activity",
	}
	for src, want := range cases {
		_, err := ParsePlaybook([]byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want one naming %s", src, err, want)
		}
	}
}

func TestInstantiate(t *testing.T) {
	t.Parallel()
	p := Playbook{Name: "p", Title: "P", Type: Risk, Steps: []Step{
		{Title: "a", DueDays: 1, Role: RoleCSM},
		{Title: "b", DueDays: 5, Role: RoleAE, Activity: "call"},
		{Title: "c", DueDays: 9, Role: RoleSponsor},
		{Title: "d", DueDays: 0, Role: RolePool},
	}}
	c := CTA{ID: 4, OwnerID: 3}
	tasks := Instantiate(p, c, today, People{CSM: 3, AE: 8})
	if len(tasks) != 4 {
		t.Fatalf("%d tasks", len(tasks))
	}
	want := []struct {
		pos   int
		owner int64
		pool  string
		due   civil.Date
	}{{1, 3, "", today.AddDays(1)}, {2, 8, "", today.AddDays(5)}, {3, 3, "", today.AddDays(9)}, {4, 0, DefaultPool, today}}
	for i, w := range want {
		g := tasks[i]
		if g.CTAID != 4 || g.Position != w.pos || g.OwnerID != w.owner || g.Pool != w.pool || g.Due != w.due {
			t.Errorf("task %d: %+v, want %+v", i, g, w)
		}
	}
	if tasks[1].Activity != "call" {
		t.Errorf("activity %q", tasks[1].Activity)
	}
	// A pool-owned CTA with no CSM: the CSM's tasks go to the pool.
	tasks = Instantiate(p, CTA{Pool: "digital"}, today, People{Pool: "digital"})
	if tasks[0].Pool != "digital" || tasks[0].OwnerID != 0 {
		t.Errorf("%+v", tasks[0])
	}
}

func TestEdit(t *testing.T) {
	t.Parallel()
	c := CTA{ID: 1, Status: Open, OwnerID: 3, Pool: ""}
	cases := []struct {
		name  string
		e     Edit
		err   string
		check func(CTA) bool
	}{
		{"start", Edit{Status: InProgress}, "", func(c CTA) bool { return c.Status == InProgress }},
		{"snooze", Edit{Status: Snoozed, SnoozedUntil: today.AddDays(7)}, "", func(c CTA) bool { return c.SnoozedUntil == today.AddDays(7) }},
		{"snooze into the past", Edit{Status: Snoozed, SnoozedUntil: today}, "snoozed_until", nil},
		{"snooze with no date", Edit{Status: Snoozed}, "snoozed_until", nil},
		{"close", Edit{Status: Closed, Outcome: Achieved, Note: " saved "}, "", func(c CTA) bool { return c.Outcome == Achieved && c.CloseNote == "saved" }},
		{"close with no outcome", Edit{Status: Closed}, "outcome", nil},
		{"close with a made-up outcome", Edit{Status: Closed, Outcome: "meh"}, "outcome", nil},
		{"reassign", Edit{OwnerID: 8}, "", func(c CTA) bool { return c.OwnerID == 8 && c.Status == Open }},
		{"nothing", Edit{}, "status", nil},
		{"bad status", Edit{Status: "done"}, "status", nil},
	}
	for _, tc := range cases {
		err := tc.e.Check(today)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one naming %s", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		got, err := tc.e.To(c)
		if err != nil || !tc.check(got) {
			t.Errorf("%s: %+v, %v", tc.name, got, err)
		}
	}
	closed := c
	closed.Status = Closed
	if _, err := (Edit{Status: Open}).To(closed); err == nil {
		t.Error("a closed CTA reopened")
	}
}

func TestRenewalOutcome(t *testing.T) {
	t.Parallel()
	opened := today.AddDays(-100)
	renewal := today.AddDays(-10)
	cases := []struct {
		name     string
		customer bool
		terms    []Term
		want     string
	}{
		{"no longer a customer", false, []Term{{End: renewal, Live: true}}, Churned},
		{"renewal ahead", true, []Term{{End: today.AddDays(30), Live: true}}, Pending},
		{"renewal today is still ahead", true, []Term{{End: today, Live: true}}, Pending},
		{"evergreen", true, []Term{{Live: true}}, Pending},
		{"renewed: a new live term beyond the date", true, []Term{{End: renewal}, {Start: renewal, End: renewal.AddDays(365), Live: true}}, Renewed},
		{"renewed: extended term", true, []Term{{End: renewal.AddDays(365), Live: true}, {End: renewal}}, Renewed},
		{"lapsed: nothing live beyond the date", true, []Term{{End: renewal}, {End: renewal, Live: true}}, Churned},
		{"an end before the CTA is not its renewal", true, []Term{{End: opened.AddDays(-1)}, {End: today.AddDays(5), Live: true}}, Pending},
	}
	for _, tc := range cases {
		if got := RenewalOutcome(opened, today, tc.customer, tc.terms); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

package storetest

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

var ctaToday = d("2026-12-06")

// ctaBook is two users and three accounts: a high-touch one with a CSM and
// an AE, a tech-touch one, and one with nobody.
type ctaBook struct {
	csm, ae          customer.User
	high, tech, bare customer.Account
}

func seedCTABook(t *testing.T, st store.Store) ctaBook {
	t.Helper()
	var b ctaBook
	b.csm = customer.User{Email: "cora@example.com", Name: "Cora", Role: customer.RoleCSM}
	must(t, st.Users().Create(ctx, &b.csm))
	b.ae = customer.User{Email: "abe@example.com", Name: "Abe", Role: customer.RoleCSM}
	must(t, st.Users().Create(ctx, &b.ae))
	b.high = customer.Account{ExternalID: "h", Name: "High Co", TouchModel: "high", CSMEmail: b.csm.Email, AEEmail: b.ae.Email}
	must(t, st.Accounts().Create(ctx, &b.high))
	b.tech = customer.Account{ExternalID: "t", Name: "Tech Co", TouchModel: "tech", CSMEmail: b.csm.Email}
	must(t, st.Accounts().Create(ctx, &b.tech))
	b.bare = seedAccount(t, st, "b", "Bare Co")
	return b
}

func redIntent(account int64) cta.Intent {
	return cta.Intent{Action: cta.OpenAction, AccountID: account, Rule: "red-health", Key: "", Type: cta.Risk,
		Reason: "Health is red", Priority: cta.High, DueInDays: 7, Playbook: "red-health"}
}

// testCTAApply: intents follow cta.Apply's rules through the store — one
// CTA per account, rule and key, refiring updates, a snooze holds until its
// date, a closed CTA gives way to a new one — and new CTAs get their owner
// and playbook tasks.
func testCTAApply(t *testing.T, st store.Store) {
	b := seedCTABook(t, st)
	res, err := st.ApplyIntents(ctx, ctaToday, "digital", []cta.Intent{redIntent(b.high.ID), redIntent(b.tech.ID), redIntent(999999)})
	must(t, err)
	if res.Created != 2 || res.Skipped != 1 || len(res.Changes) != 2 {
		t.Fatalf("first run: %+v", res)
	}
	high, err := st.CTA(ctx, res.Changes[0].CTAID)
	must(t, err)
	if high.OwnerID != b.csm.ID || high.Pool != "" || high.Status != cta.Open || high.Due != ctaToday.AddDays(7) || high.AccountName != "High Co" || high.OwnerEmail != b.csm.Email {
		t.Errorf("high-touch CTA: %+v", high)
	}
	tech, err := st.CTA(ctx, res.Changes[1].CTAID)
	must(t, err)
	if tech.OwnerID != 0 || tech.Pool != "digital" {
		t.Errorf("tech-touch CTA goes to the pool: %+v", tech)
	}
	tasks, err := st.CTATasks(ctx, []int64{high.ID})
	must(t, err)
	pb, _ := cta.ShippedPlaybook("red-health")
	if got := tasks[high.ID]; len(got) != len(pb.Steps) || got[0].Position != 1 || got[0].OwnerID != b.csm.ID || got[0].Due != ctaToday.AddDays(pb.Steps[0].DueDays) {
		t.Fatalf("tasks: %+v", got)
	}
	if high.TasksTotal != len(pb.Steps) || high.TasksDone != 0 {
		t.Errorf("task counts %d/%d", high.TasksDone, high.TasksTotal)
	}

	// The same intents again change nothing; a new reason updates.
	res, err = st.ApplyIntents(ctx, ctaToday, "digital", []cta.Intent{redIntent(b.high.ID), redIntent(b.tech.ID)})
	must(t, err)
	if res.Unchanged != 2 || res.Created != 0 {
		t.Fatalf("refire: %+v", res)
	}

	in := redIntent(b.high.ID)
	in.Reason, in.Priority = "Health is red for a second week", cta.Urgent
	res, err = st.ApplyIntents(ctx, ctaToday, "", []cta.Intent{in})
	must(t, err)
	if res.Updated != 1 {
		t.Fatalf("update: %+v", res)
	}
	high, _ = st.CTA(ctx, high.ID)
	if high.Reason != in.Reason || high.Priority != cta.Urgent || high.OwnerID != b.csm.ID {
		t.Errorf("updated: %+v", high)
	}

	// Snoozed: does not refire before its date, reopens on it.
	_, err = st.EditCTAs(ctx, []int64{high.ID}, cta.Edit{Status: cta.Snoozed, SnoozedUntil: ctaToday.AddDays(5)}, ctaToday)
	must(t, err)
	res, err = st.ApplyIntents(ctx, ctaToday.AddDays(4), "", []cta.Intent{in})
	must(t, err)
	if res.Unchanged != 1 {
		t.Fatalf("snoozed refired: %+v", res)
	}
	res, err = st.ApplyIntents(ctx, ctaToday.AddDays(5), "", []cta.Intent{in})
	must(t, err)
	if res.Reopened != 1 {
		t.Fatalf("snooze passed: %+v", res)
	}
	high, _ = st.CTA(ctx, high.ID)
	if high.Status != cta.Open || !high.SnoozedUntil.IsZero() {
		t.Errorf("reopened: %+v", high)
	}

	// Closed by the rule; firing again opens a new one.
	res, err = st.ApplyIntents(ctx, ctaToday, "", []cta.Intent{{Action: cta.CloseAction, AccountID: b.high.ID, Rule: "red-health", Outcome: cta.Achieved}})
	must(t, err)
	if res.Closed != 1 {
		t.Fatalf("close: %+v", res)
	}
	high, _ = st.CTA(ctx, high.ID)
	if high.Status != cta.Closed || high.Outcome != cta.Achieved || high.ClosedAt.IsZero() {
		t.Errorf("closed: %+v", high)
	}
	res, err = st.ApplyIntents(ctx, ctaToday, "", []cta.Intent{redIntent(b.high.ID), redIntent(b.high.ID)})
	must(t, err)
	if res.Created != 1 || res.Unchanged != 1 || res.Changes[0].CTAID == high.ID {
		t.Fatalf("open after close (twice in one batch): %+v", res)
	}
	all, err := st.ListCTAs(ctx, store.CTAFilter{AccountID: b.high.ID, Statuses: cta.Statuses})
	must(t, err)
	if len(all.Items) != 2 {
		t.Errorf("%d CTAs on the account, want the closed one and the new one", len(all.Items))
	}

	// Bad intents refuse the batch, naming the intent.
	bad := redIntent(b.bare.ID)
	bad.Type = "gossip"
	_, err = st.ApplyIntents(ctx, ctaToday, "", []cta.Intent{redIntent(b.bare.ID), bad})
	fieldErr(t, err, "intents[1].type")
	bad = redIntent(b.bare.ID)
	bad.Playbook = "no-such-playbook"
	_, err = st.ApplyIntents(ctx, ctaToday, "", []cta.Intent{bad})
	fieldErr(t, err, "intents[0].playbook")
	open, err := st.ListCTAs(ctx, store.CTAFilter{AccountID: b.bare.ID})
	must(t, err)
	if len(open.Items) != 0 {
		t.Errorf("a refused batch wrote %d CTAs", len(open.Items))
	}
}

// testCTAList: the work list is overdue first, then priority, due date and
// id; filters select; the keyset cursor walks every row once.
func testCTAList(t *testing.T, st store.Store) {
	b := seedCTABook(t, st)
	mk := func(account int64, typ cta.Type, p cta.Priority, due civil.Date) int64 {
		c := cta.CTA{AccountID: account, Type: typ, Reason: "r", Priority: p, Due: due}
		must(t, st.OpenCTA(ctx, &c, ctaToday, "", b.csm.ID))
		return c.ID
	}
	late := mk(b.high.ID, cta.Renewal, cta.Low, ctaToday.AddDays(-2))
	urgent := mk(b.high.ID, cta.Risk, cta.Urgent, ctaToday.AddDays(3))
	urgentSooner := mk(b.bare.ID, cta.Risk, cta.Urgent, ctaToday.AddDays(1))
	medium := mk(b.high.ID, cta.Expansion, cta.Medium, ctaToday)
	pooled := mk(b.tech.ID, cta.Onboarding, cta.High, ctaToday.AddDays(2))
	want := []int64{late, urgentSooner, urgent, pooled, medium}

	var got []int64
	f := store.CTAFilter{Today: ctaToday, Limit: 2}
	for pages := 0; ; pages++ {
		page, err := st.ListCTAs(ctx, f)
		must(t, err)
		for _, r := range page.Items {
			got = append(got, r.ID)
		}
		if page.NextCursor == "" || pages > 5 {
			break
		}
		f.Cursor = page.NextCursor
	}
	if !equalIDs(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	count := func(f store.CTAFilter) int {
		t.Helper()
		f.Today = ctaToday
		page, err := st.ListCTAs(ctx, f)
		must(t, err)
		return len(page.Items)
	}
	// By hand: the CSM's even on a tech-touch account; with no CSM, the
	// opener's.
	if n := count(store.CTAFilter{OwnerID: b.csm.ID}); n != 5 {
		t.Errorf("owner: %d", n)
	}
	c := cta.CTA{AccountID: b.bare.ID, Type: cta.Risk, Reason: "r"}
	must(t, st.OpenCTA(ctx, &c, ctaToday, "", 0))
	if c.OwnerID != 0 || c.Pool != cta.DefaultPool {
		t.Errorf("no CSM, no opener: %+v", c)
	}
	if n := count(store.CTAFilter{Pool: cta.DefaultPool}); n != 1 {
		t.Errorf("pool: %d", n)
	}
	if n := count(store.CTAFilter{Type: cta.Risk}); n != 3 {
		t.Errorf("type: %d", n)
	}
	if n := count(store.CTAFilter{Priority: cta.Urgent}); n != 2 {
		t.Errorf("priority: %d", n)
	}
	if n := count(store.CTAFilter{Overdue: true}); n != 1 {
		t.Errorf("overdue: %d", n)
	}
	if n := count(store.CTAFilter{DueBefore: ctaToday.AddDays(1)}); n != 3 {
		t.Errorf("due before: %d", n)
	}
	if n := count(store.CTAFilter{AccountID: b.high.ID}); n != 3 {
		t.Errorf("account: %d", n)
	}
	_, err := st.ListCTAs(ctx, store.CTAFilter{Cursor: "nonsense"})
	fieldErr(t, err, "cursor")
	_, err = st.ListCTAs(ctx, store.CTAFilter{Type: "gossip"})
	fieldErr(t, err, "type")

	// Opened by hand: any number on one account; an unknown account is a
	// field error.
	c = cta.CTA{AccountID: 999999, Type: cta.Risk, Reason: "r"}
	fieldErr(t, st.OpenCTA(ctx, &c, ctaToday, "", 0), "account_id")
	c = cta.CTA{AccountID: b.high.ID, Type: cta.Risk}
	fieldErr(t, st.OpenCTA(ctx, &c, ctaToday, "", 0), "reason")
	c = cta.CTA{AccountID: b.high.ID, Type: cta.Risk, Reason: "r", Playbook: "nope"}
	fieldErr(t, st.OpenCTA(ctx, &c, ctaToday, "", 0), "playbook")
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// testCTAEdit: bulk edits are all or nothing; closed CTAs stay closed.
func testCTAEdit(t *testing.T, st store.Store) {
	b := seedCTABook(t, st)
	var ids []int64
	for range 3 {
		c := cta.CTA{AccountID: b.high.ID, Type: cta.Risk, Reason: "r", Due: ctaToday}
		must(t, st.OpenCTA(ctx, &c, ctaToday, "", 0))
		ids = append(ids, c.ID)
	}
	rows, err := st.EditCTAs(ctx, ids[:2], cta.Edit{OwnerID: b.ae.ID}, ctaToday)
	must(t, err)
	if len(rows) != 2 || rows[0].OwnerID != b.ae.ID || rows[1].OwnerEmail != b.ae.Email {
		t.Fatalf("reassign: %+v", rows)
	}
	_, err = st.EditCTAs(ctx, ids[:1], cta.Edit{OwnerID: 999999}, ctaToday)
	fieldErr(t, err, "owner_id")
	rows, err = st.EditCTAs(ctx, ids[:1], cta.Edit{Status: cta.Closed, Outcome: cta.NotNeeded, Note: "duplicate"}, ctaToday)
	must(t, err)
	if rows[0].Status != cta.Closed || rows[0].CloseNote != "duplicate" || rows[0].ClosedAt.IsZero() {
		t.Fatalf("close: %+v", rows[0])
	}
	// Closing the closed one with another fails, and changes neither.
	_, err = st.EditCTAs(ctx, []int64{ids[1], ids[0]}, cta.Edit{Status: cta.InProgress}, ctaToday)
	fieldErr(t, err, "status")
	r, _ := st.CTA(ctx, ids[1])
	if r.Status != cta.Open {
		t.Errorf("a refused bulk edit changed CTA %d: %s", ids[1], r.Status)
	}
	_, err = st.EditCTAs(ctx, []int64{ids[2], 999999}, cta.Edit{Status: cta.InProgress}, ctaToday)
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing id: %v", err)
	}
	_, err = st.EditCTAs(ctx, ids[2:], cta.Edit{Status: cta.Snoozed, SnoozedUntil: ctaToday}, ctaToday)
	fieldErr(t, err, "snoozed_until")
	if _, err := st.CTA(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CTA 999999: %v", err)
	}
}

// testCTATasks: a playbook's tasks are listed, completed once, and shown
// in their owner's list until done.
func testCTATasks(t *testing.T, st store.Store) {
	b := seedCTABook(t, st)
	c := cta.CTA{AccountID: b.high.ID, Type: cta.Risk, Reason: "r", Playbook: "safe-switch"}
	must(t, st.OpenCTA(ctx, &c, ctaToday, "", b.csm.ID))
	tasks, err := st.CTATasks(ctx, []int64{c.ID})
	must(t, err)
	ts := tasks[c.ID]
	var aeTask cta.Task
	for _, tk := range ts {
		if tk.Role == cta.RoleAE {
			aeTask = tk
		}
	}
	if aeTask.OwnerID != b.ae.ID {
		t.Fatalf("the AE's task goes to the account's AE: %+v", ts)
	}
	mine, err := st.OpenTasks(ctx, b.csm.ID, 100)
	must(t, err)
	if len(mine) != len(ts)-1 || mine[0].AccountName != "High Co" || mine[0].CTAReason != "r" {
		t.Fatalf("open tasks: %+v", mine)
	}
	done, err := st.CompleteTask(ctx, mine[0].ID, b.csm.ID)
	must(t, err)
	if !done.Done || done.DoneBy != b.csm.ID {
		t.Errorf("done: %+v", done)
	}
	again, err := st.CompleteTask(ctx, mine[0].ID, b.ae.ID)
	must(t, err)
	if !again.DoneAt.Equal(done.DoneAt) || again.DoneBy != b.csm.ID {
		t.Errorf("done twice moved: %+v", again)
	}
	mine, _ = st.OpenTasks(ctx, b.csm.ID, 100)
	if len(mine) != len(ts)-2 {
		t.Errorf("%d open tasks after one done", len(mine))
	}
	row, _ := st.CTA(ctx, c.ID)
	if row.TasksDone != 1 {
		t.Errorf("tasks done %d", row.TasksDone)
	}
	if _, err := st.CompleteTask(ctx, 999999, b.csm.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing task: %v", err)
	}
	// Tasks of closed CTAs leave the list.
	_, err = st.EditCTAs(ctx, []int64{c.ID}, cta.Edit{Status: cta.Closed, Outcome: cta.Achieved}, ctaToday)
	must(t, err)
	mine, _ = st.OpenTasks(ctx, b.csm.ID, 100)
	if len(mine) != 0 {
		t.Errorf("%d tasks of a closed CTA listed", len(mine))
	}
}

// testCTAReport: counts by type and outcome, and what became of the risk
// CTAs' accounts.
func testCTAReport(t *testing.T, st store.Store) {
	b := seedCTABook(t, st)
	today := civil.Today()
	// High Co's term ends in 10 days and a next one is booked; Tech Co has
	// churned; Bare Co's renewal is in 265 days.
	load(t, st.Subscriptions(), []customer.Subscription{
		{ExternalID: "h1", AccountID: b.high.ID, Product: "Core", MRR: 1000, StartOn: today.AddDays(-355), EndOn: today.AddDays(10)},
		{ExternalID: "h2", AccountID: b.high.ID, Product: "Core", MRR: 1000, StartOn: today.AddDays(10), EndOn: today.AddDays(375)},
		{ExternalID: "t1", AccountID: b.tech.ID, Product: "Core", MRR: 1000, StartOn: today.AddDays(-366), EndOn: today.AddDays(-1), Status: "ended"},
		{ExternalID: "b1", AccountID: b.bare.ID, Product: "Core", MRR: 1000, StartOn: today.AddDays(-100), EndOn: today.AddDays(265)},
	})
	for _, a := range []int64{b.high.ID, b.tech.ID, b.bare.ID} {
		c := cta.CTA{AccountID: a, Type: cta.Risk, Reason: "r"}
		must(t, st.OpenCTA(ctx, &c, today, "", 0))
		if a == b.high.ID {
			_, err := st.EditCTAs(ctx, []int64{c.ID}, cta.Edit{Status: cta.Closed, Outcome: cta.Achieved}, today)
			must(t, err)
		}
	}
	c := cta.CTA{AccountID: b.high.ID, Type: cta.Expansion, Reason: "r", Due: today.AddDays(-1)}
	must(t, st.OpenCTA(ctx, &c, today, "", 0))
	// A rule closing with an outcome of its own words is counted too.
	_, err := st.ApplyIntents(ctx, today, "", []cta.Intent{redIntent(b.bare.ID)})
	must(t, err)
	_, err = st.ApplyIntents(ctx, today, "", []cta.Intent{{Action: cta.CloseAction, AccountID: b.bare.ID, Rule: "red-health", Outcome: "health back to green"}})
	must(t, err)

	rep, err := st.CTAReport(ctx, today.AddDays(-1), today, today)
	must(t, err)
	if len(rep.Opened) != 2 || rep.Opened[0].Type != cta.Risk || rep.Opened[0].Count != 4 || rep.Opened[1].Count != 1 {
		t.Errorf("opened: %+v", rep.Opened)
	}
	if len(rep.Closed) != 2 || rep.Closed[0].Outcome != cta.Achieved || rep.Closed[0].Count != 1 || rep.Closed[1].Outcome != "health back to green" ||
		rep.MedianDaysToClose < 0 || rep.MedianDaysToClose > 1 {
		t.Errorf("closed: %+v, median %v", rep.Closed, rep.MedianDaysToClose)
	}
	if rep.OpenNow != 3 || rep.OverdueNow != 1 {
		t.Errorf("open now %d, overdue %d", rep.OpenNow, rep.OverdueNow)
	}
	// Today every renewal is ahead (Tech Co has churned already); in 100
	// days High Co's has passed with its next term running.
	if rep.Risk != (store.RiskOutcomes{Accounts: 3, Churned: 1, Pending: 2}) {
		t.Errorf("risk today: %+v", rep.Risk)
	}
	rep, err = st.CTAReport(ctx, today, today, today.AddDays(100))
	must(t, err)
	if rep.Risk != (store.RiskOutcomes{Accounts: 3, Renewed: 1, Churned: 1, Pending: 1}) {
		t.Errorf("risk in 100 days: %+v", rep.Risk)
	}
	_, err = st.CTAReport(ctx, today, today.AddDays(-1), today)
	fieldErr(t, err, "from")
}

// testPlaybooks: a stored playbook overrides the shipped one of its name
// until reset; bad YAML is refused with its line.
func testPlaybooks(t *testing.T, st store.Store) {
	ship, ok := cta.ShippedPlaybook("qbr-due")
	if !ok {
		t.Fatal("no shipped qbr-due")
	}
	edited := ship
	edited.Title = "QBR due (our way)"
	edited.Steps = edited.Steps[:1]
	_, err := st.SavePlaybook(ctx, edited.YAML(), 0)
	must(t, err)
	p, err := st.Playbook(ctx, "qbr-due")
	must(t, err)
	if p.Title != edited.Title || len(p.Steps) != 1 {
		t.Errorf("stored does not win: %+v", p)
	}
	all, err := st.Playbooks(ctx)
	must(t, err)
	var seen bool
	for _, info := range all {
		if info.Name == "qbr-due" {
			seen = info.Stored && info.Shipped && info.Title == edited.Title
		}
	}
	if !seen || len(all) < 12 {
		t.Errorf("playbooks list: %d, qbr-due stored and shipped: %v", len(all), seen)
	}
	// A CTA opened with it gets the stored tasks.
	a := seedAccount(t, st, "pb", "PB Co")
	c := cta.CTA{AccountID: a.ID, Type: cta.Lifecycle, Reason: "QBR", Playbook: "qbr-due"}
	must(t, st.OpenCTA(ctx, &c, ctaToday, "", 0))
	tasks, _ := st.CTATasks(ctx, []int64{c.ID})
	if len(tasks[c.ID]) != 1 {
		t.Errorf("%d tasks from the stored playbook", len(tasks[c.ID]))
	}
	must(t, st.ResetPlaybook(ctx, "qbr-due"))
	p, _ = st.Playbook(ctx, "qbr-due")
	if p.Title != ship.Title {
		t.Errorf("reset: %q", p.Title)
	}
	if err := st.ResetPlaybook(ctx, "qbr-due"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("reset twice: %v", err)
	}
	_, err = st.SavePlaybook(ctx, "name: x\ntitle: X\ntype: risk\ntasks:\n  - title: a\n    due_dayz: 1\n", 0)
	if err == nil || !strings.Contains(err.Error(), "line 6") {
		t.Errorf("bad YAML: %v", err)
	}
	if _, err := st.Playbook(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown playbook: %v", err)
	}
}

// testCTARace: two evaluations applying the same intents at once (two
// replicas) open each CTA once between them.
func testCTARace(t *testing.T, st store.Store) {
	var ins []cta.Intent
	for i := range 20 {
		a := seedAccount(t, st, "race-"+strconv.Itoa(i), "Race "+strconv.Itoa(i))
		ins = append(ins, redIntent(a.ID))
	}
	results := make(chan store.Applied, 2)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			res, err := st.ApplyIntents(ctx, ctaToday, "", ins)
			results <- res
			errs <- err
		}()
	}
	created := 0
	for range 2 {
		must(t, <-errs)
		res := <-results
		created += res.Created
	}
	page, err := st.ListCTAs(ctx, store.CTAFilter{Limit: 1000})
	must(t, err)
	if created != len(ins) || len(page.Items) != len(ins) {
		t.Errorf("two evaluations at once created %d CTAs (%d stored), want %d", created, len(page.Items), len(ins))
	}
}

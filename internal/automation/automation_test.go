package automation_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/automation"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/demo"
	"github.com/tendhq/tend/internal/rules"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

var (
	ctx   = context.Background()
	today = civil.Today()
)

// recorder is a Sink that keeps what it is given.
type recorder struct {
	intents []cta.Intent
	effects []rules.Effect
}

func (r *recorder) ApplyIntents(_ context.Context, is []cta.Intent) error {
	r.intents = append(r.intents, is...)
	return nil
}

func (r *recorder) ApplyEffects(_ context.Context, es []rules.Effect) error {
	r.effects = append(r.effects, es...)
	return nil
}

func TestApplyVersions(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	a, err := automation.Active(ctx, st)
	if err != nil || a.Version != 0 || len(a.Set.Rules) == 0 {
		t.Fatalf("with nothing stored, the default set: %+v %v", a, err)
	}
	bad := "rules:\n  - name: r\n    trigger: {on: schedule}\n    when: nps.lates < 7\n    actions:\n      - add_tag: x\n"
	_, err = automation.Apply(ctx, st, []byte(bad), 0, "typo")
	var ps rules.Problems
	if !errors.As(err, &ps) || ps[0].Line != 4 || ps[0].Column != 11 {
		t.Fatalf("want a problem at 4:11, got %v", err)
	}
	if vs, _ := automation.Versions(ctx, st); len(vs) != 0 {
		t.Fatalf("a refused set was stored: %+v", vs)
	}
	good := strings.Replace(bad, "nps.lates", "nps.latest", 1)
	c, err := automation.Apply(ctx, st, []byte(good), 0, "first")
	if err != nil || c.Version != 1 {
		t.Fatalf("apply: %+v %v", c, err)
	}
	a, err = automation.Active(ctx, st)
	if err != nil || a.Version != 1 || len(a.Set.Rules) != 1 {
		t.Fatalf("active after apply: %+v %v", a, err)
	}
	src, err := automation.Source(ctx, st, 1)
	if err != nil || string(src) != good {
		t.Fatalf("source of version 1: %q %v", src, err)
	}
	if _, err := automation.Source(ctx, st, 9); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("version 9: %v", err)
	}
	// The scorecards are not disturbed by the rules beside them.
	cards, err := scoring.Active(ctx, st)
	if err != nil || cards.Version != 0 {
		t.Fatalf("scorecards after a rules version: %+v %v", cards, err)
	}
	_, w, err := automation.Check([]byte(strings.Replace(good, "add_tag: x", "open_cta: {type: risk, reason: x, playbook: nope}", 1)))
	if err != nil || len(w) != 1 || w[0].Line != 6 {
		t.Fatalf("an unknown playbook is a warning at its line: %v %v", w, err)
	}
}

// TestHealthRedFires: an account whose score went from yellow yesterday
// to red today opens a risk CTA with the red-health playbook, and the
// audit keeps what the rule saw.
func TestHealthRedFires(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	a := customer.Account{ExternalID: "a-1", Name: "Acme", Tier: "enterprise", TouchModel: "high", Lifecycle: "mature"}
	if err := st.Accounts().Create(ctx, &a); err != nil {
		t.Fatal(err)
	}
	score := func(day civil.Date, s float64, colour string) store.HealthScore {
		return store.HealthScore{AccountID: a.ID, ScoredAt: time.Now(), Day: day, Scorecard: "default", Score: &s, Colour: colour, Detail: []byte(`{"values":{}}`)}
	}
	if err := st.PutHealthScores(ctx, []store.HealthScore{score(today.AddDays(-1), 55, "yellow")}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutHealthScores(ctx, []store.HealthScore{score(today, 32, "red")}); err != nil {
		t.Fatal(err)
	}
	var sink recorder
	rep, err := automation.EvaluateAccounts(ctx, st, &sink, []int64{a.ID}, today, nil)
	if err != nil {
		t.Fatal(err)
	}
	var red *cta.Intent
	for i, it := range sink.intents {
		if it.Rule == "health-red" {
			red = &sink.intents[i]
		}
	}
	if red == nil || red.Action != cta.OpenAction || red.Type != cta.Risk || red.Playbook != "red-health" || red.AccountID != a.ID ||
		red.Reason != "Health yellow 55 → red 32: find out why and agree a save plan" {
		t.Fatalf("intents %+v (report %+v)", sink.intents, rep)
	}
	fs, err := st.RuleFirings(ctx, store.RuleFiringQuery{AccountID: a.ID, Rule: "health-red"})
	if err != nil || len(fs) != 1 {
		t.Fatalf("audit: %+v %v", fs, err)
	}
	var saw map[string]any
	if err := json.Unmarshal(fs[0].Saw, &saw); err != nil || saw["health.previous_colour"] != "yellow" || saw["health.colour"] != "red" {
		t.Fatalf("saw %s", fs[0].Saw)
	}

	// A second change the same day: the rule fired today already.
	sink = recorder{}
	if _, err := automation.EvaluateAccounts(ctx, st, &sink, []int64{a.ID}, today, &rules.Change{Event: "login"}); err != nil {
		t.Fatal(err)
	}
	for _, it := range sink.intents {
		if it.Rule == "health-red" {
			t.Fatalf("fired twice in a day: %+v", it)
		}
	}
	if _, err := st.Accounts().Get(ctx, a.ID); err != nil {
		t.Fatal(err)
	}

	// Yesterday red as well: nothing changed, nothing fires.
	if err := st.PutHealthScores(ctx, []store.HealthScore{score(today.AddDays(-1), 35, "red")}); err != nil {
		t.Fatal(err)
	}
	sink = recorder{}
	if _, err := automation.EvaluateAccounts(ctx, st, &sink, []int64{a.ID}, today, nil); err != nil {
		t.Fatal(err)
	}
	for _, it := range sink.intents {
		if it.Rule == "health-red" {
			t.Fatalf("fired again with no change: %+v", it)
		}
	}
}

// TestDemo: on the demo company a full evaluation opens a believable set
// of CTAs of several types; the dry run says the same and changes nothing.
func TestDemo(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	if _, err := demo.Load(ctx, st, demo.Build(demo.Options{Seed: 7, Accounts: 400, Today: today})); err != nil {
		t.Fatal(err)
	}
	for _, d := range []int{-7, 0} {
		if _, err := scoring.Recompute(ctx, st, today.AddDays(d)); err != nil {
			t.Fatal(err)
		}
	}
	dry, err := automation.DryRun(ctx, st, rules.Default(), 0, today)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", dry.Summary(3))
	if fs, _ := st.RuleFirings(ctx, store.RuleFiringQuery{}); len(fs) != 0 {
		t.Fatalf("a dry run wrote %d firings", len(fs))
	}
	var types int
	for _, n := range dry.Opens {
		if n > 0 {
			types++
		}
	}
	if dry.TotalOpens() == 0 || dry.TotalOpens() > dry.Accounts/2 || types < 3 {
		t.Errorf("not a believable set: %d opens over %d accounts, by type %v", dry.TotalOpens(), dry.Accounts, dry.Opens)
	}
	var sink recorder
	rep, err := automation.Evaluate(ctx, st, &sink, today)
	if err != nil {
		t.Fatal(err)
	}
	opens := 0
	for _, it := range sink.intents {
		if it.Action == cta.OpenAction {
			opens++
		}
	}
	if opens != dry.TotalOpens() || rep.Firings != dry.Firings {
		t.Errorf("evaluation opened %d (%d firings), the dry run said %d (%d)", opens, rep.Firings, dry.TotalOpens(), dry.Firings)
	}
	fs, err := st.RuleFirings(ctx, store.RuleFiringQuery{Limit: 100000})
	if err != nil || len(fs) != rep.Firings {
		t.Errorf("audit has %d firings, want %d (%v)", len(fs), rep.Firings, err)
	}
}

// TestDemoOpensCTAs: through the store's work list, the demo's first full
// evaluation creates a CTA per open intent, with its playbook's tasks; a
// second evaluation the same day changes nothing.
func TestDemoOpensCTAs(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	if _, err := demo.Load(ctx, st, demo.Build(demo.Options{Seed: 3, Accounts: 300, Today: today})); err != nil {
		t.Fatal(err)
	}
	if _, err := scoring.Recompute(ctx, st, today); err != nil {
		t.Fatal(err)
	}
	sink := &automation.StoreSink{St: st}
	rep, err := automation.Evaluate(ctx, st, sink, today)
	if err != nil {
		t.Fatal(err)
	}
	if rep.TotalOpens() == 0 || sink.Applied.Created != rep.TotalOpens() {
		t.Fatalf("%d opens, %+v applied", rep.TotalOpens(), sink.Applied)
	}
	page, err := st.ListCTAs(ctx, store.CTAFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	byType := map[cta.Type]int{}
	withTasks := 0
	var ids []int64
	for _, c := range page.Items {
		byType[c.Type]++
		if c.Rule == "" || c.Playbook == "" {
			t.Errorf("CTA %d has no rule or playbook: %+v", c.ID, c.CTA)
		}
		ids = append(ids, c.ID)
	}
	tasks, err := st.CTATasks(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range tasks {
		if len(ts) > 0 {
			withTasks++
		}
	}
	for typ, n := range rep.Opens {
		if byType[typ] != n {
			t.Errorf("%d %s CTAs stored, %d opened", byType[typ], typ, n)
		}
	}
	if withTasks != len(page.Items) {
		t.Errorf("%d of %d CTAs have their playbook's tasks", withTasks, len(page.Items))
	}
	again := &automation.StoreSink{St: st}
	if _, err := automation.Evaluate(ctx, st, again, today); err != nil {
		t.Fatal(err)
	}
	if again.Applied.Created+again.Applied.Updated+again.Applied.Reopened+again.Applied.Closed != 0 {
		t.Errorf("a second evaluation the same day changed CTAs: %+v", again.Applied)
	}
}

// TestUnknownPlaybook: a rule naming a playbook no one has (a warning when
// saved) still opens its CTA, without tasks, and the batch goes through.
func TestUnknownPlaybook(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	var ids []int64
	for _, n := range []string{"Acme", "Bolt"} {
		a := customer.Account{ExternalID: n, Name: n}
		if err := st.Accounts().Create(ctx, &a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	src := "rules:\n  - name: hello\n    trigger: {on: schedule}\n    actions:\n      - open_cta: {type: lifecycle, reason: hi, playbook: nope}\n  - name: red\n    trigger: {on: schedule}\n    actions:\n      - open_cta: {type: risk, reason: hi, playbook: red-health}\n"
	if _, err := automation.Apply(ctx, st, []byte(src), 0, ""); err != nil {
		t.Fatal(err)
	}
	sink := &automation.StoreSink{St: st}
	if _, err := automation.Evaluate(ctx, st, sink, today); err != nil {
		t.Fatal(err)
	}
	if sink.Applied.Created != 4 {
		t.Fatalf("applied %+v, want 4 CTAs", sink.Applied)
	}
	page, err := st.ListCTAs(ctx, store.CTAFilter{AccountID: ids[0]})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range page.Items {
		if (c.Rule == "hello") != (c.Playbook == "") {
			t.Errorf("CTA of %s has playbook %q", c.Rule, c.Playbook)
		}
	}
}

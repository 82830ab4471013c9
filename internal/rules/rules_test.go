package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/health"
)

func TestDefaultSet(t *testing.T) {
	t.Parallel()
	s := Default()
	if len(s.Rules) < 13 {
		t.Fatalf("%d rules", len(s.Rules))
	}
	var shipped []string
	for _, p := range cta.Shipped() {
		shipped = append(shipped, p.Name)
	}
	if w := s.CheckPlaybooks(shipped); len(w) > 0 {
		t.Errorf("the default set names playbooks Tend does not ship: %v", w)
	}
	out, err := s.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(out); err != nil {
		t.Fatalf("the exported default set does not parse: %v\n%s", err, out)
	}
}

// TestParseErrors: every problem names its line and column.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	rule := func(trigger, when, reason string) string {
		return "rules:\n  - name: r\n    trigger: " + trigger + "\n    when: " + when + "\n    actions:\n      - open_cta: {type: risk, reason: \"" + reason + "\"}\n"
	}
	for _, tc := range []struct {
		name, src, want string
		line, col       int
	}{
		{"unknown metric in condition", rule("{on: schedule}", `tier == "a" and usage.bogus > 1`, "x"), `unknown name "usage.bogus"`, 4, 27},
		{"unknown name in condition", rule("{on: schedule}", `tierr == "a"`, "x"), `unknown name "tierr"`, 4, 11},
		{"not boolean", rule("{on: schedule}", `mrr + 1`, "x"), "must be true or false", 4, 11},
		{"does not compile", rule("{on: schedule}", `mrr >`, "x"), "", 4, 15},
		{"unknown template variable", rule("{on: schedule}", `true`, "Hi {{account.nmae}}"), `unknown template variable "account.nmae"`, 6, 46},
		{"unknown metric variable", rule("{on: schedule}", `true`, "{{metric.nps.last}}"), `unknown template variable "metric.nps.last"`, 6, 43},
		{"trigger variable under another trigger", rule("{on: schedule}", `true`, "{{trigger.value}}"), "exists only under a trigger", 6, 43},
		{"unknown trigger metric", rule("{on: metric_crossed, metric: nps.lates, direction: below, threshold: 6}", `true`, "x"), `unknown metric "nps.lates"`, 3, 43},
		{"unknown trigger", rule("{on: sometimes}", `true`, "x"), `unknown trigger "sometimes"`, 3, 19},
		{"unknown field", rule("{on: field_changed, field: colour}", `true`, "x"), `unknown field "colour"`, 3, 41},
		{"unknown key", "rules:\n  - name: r\n    trigger: {on: schedule}\n    wen: true\n    actions: []\n", `unknown key "wen"`, 4, 5},
		{"unknown CTA type", strings.Replace(rule("{on: schedule}", "true", "x"), "risk", "danger", 1), `unknown CTA type "danger"`, 6, 26},
		{"close of an unknown rule", strings.Replace(rule("{on: schedule}", "true", "x"), "open_cta: {type: risk, reason: \"x\"}", "close_cta: {rule: nope, outcome: done}", 1), `no rule is called "nope"`, 6, 27},
		{"no actions", "rules:\n  - name: r\n    trigger: {on: schedule}\n    actions: []\n", "at least one action", 4, 14},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src))
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("got %v, want problems", err)
			}
			p := ps[0]
			if !strings.Contains(p.Message, tc.want) || p.Line != tc.line || p.Column != tc.col {
				t.Errorf("got %d:%d %q, want %d:%d containing %q\n%s", p.Line, p.Column, p.Message, tc.line, tc.col, tc.want, tc.src)
			}
		})
	}
}

func TestConditionInBlockScalar(t *testing.T) {
	t.Parallel()
	src := "rules:\n  - name: r\n    trigger: {on: schedule}\n    when: |\n      tier == \"a\" and\n        nps.bogus > 1\n    actions:\n      - add_tag: x\n"
	_, err := Parse([]byte(src))
	var ps Problems
	if !errors.As(err, &ps) || ps[0].Line != 6 || ps[0].Column != 9 {
		t.Fatalf("got %v, want the error at 6:9", err)
	}
}

func mustParse(t *testing.T, src string) *Set {
	t.Helper()
	s, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func values(kv map[health.MetricID]float64) health.Values {
	var v health.Values
	for id, x := range kv {
		v.Set(id, x)
	}
	return v
}

var today = civil.Date{Year: 2026, Month: 12, Day: 6}

func TestTriggers(t *testing.T) {
	t.Parallel()
	acct := Account{ID: 7, Name: "Acme", Tier: "enterprise", TouchModel: "high", Lifecycle: "mature", MRR: 250000,
		RenewalOn: today.AddDays(90), CustomerSince: today.AddDays(-30)}
	open := func(trigger, when string) *Set {
		return mustParse(t, "rules:\n  - name: r\n    trigger: "+trigger+"\n    when: '"+when+"'\n    actions:\n      - open_cta: {type: risk, reason: \"{{account.name}} {{health.score}}\"}\n")
	}
	state := func(score float64, colour string, kv map[health.MetricID]float64) *State {
		return &State{Metrics: values(kv), Score: score, HasScore: true, Colour: colour}
	}
	for _, tc := range []struct {
		name          string
		set           *Set
		before, after *State
		change        *Change
		since         civil.Date
		fires         bool
	}{
		{"to red", open("{on: health_changed, to: red}", "true"), state(60, "yellow", nil), state(30, "red", nil), nil, civil.Date{}, true},
		{"still red", open("{on: health_changed, to: red}", "true"), state(35, "red", nil), state(30, "red", nil), nil, civil.Date{}, false},
		{"first seen red", open("{on: health_changed, to: red}", "true"), nil, state(30, "red", nil), nil, civil.Date{}, true},
		{"from filter", open("{on: health_changed, from: green, to: red}", "true"), state(60, "yellow", nil), state(30, "red", nil), nil, civil.Date{}, false},
		{"drop", open("{on: health_changed, drop: 20}", "true"), state(70, "green", nil), state(49, "green", nil), nil, civil.Date{}, true},
		{"small drop", open("{on: health_changed, drop: 20}", "true"), state(70, "green", nil), state(51, "green", nil), nil, civil.Date{}, false},
		{"crossed below", open("{on: metric_crossed, metric: usage.trend, direction: below, threshold: -0.3}", "true"),
			state(50, "yellow", map[health.MetricID]float64{health.UsageTrend: 0.1}), state(50, "yellow", map[health.MetricID]float64{health.UsageTrend: -0.3}), nil, civil.Date{}, true},
		{"stayed below", open("{on: metric_crossed, metric: usage.trend, direction: below, threshold: -0.3}", "true"),
			state(50, "yellow", map[health.MetricID]float64{health.UsageTrend: -0.5}), state(50, "yellow", map[health.MetricID]float64{health.UsageTrend: -0.6}), nil, civil.Date{}, false},
		{"crossed above", open("{on: metric_crossed, metric: nps.latest, direction: above, threshold: 9}", "true"),
			state(50, "yellow", map[health.MetricID]float64{health.NPSLatest: 8}), state(50, "yellow", map[health.MetricID]float64{health.NPSLatest: 9}), nil, civil.Date{}, true},
		{"metric missing now", open("{on: metric_crossed, metric: nps.latest, direction: above, threshold: 9}", "true"),
			state(50, "yellow", map[health.MetricID]float64{health.NPSLatest: 8}), state(50, "yellow", nil), nil, civil.Date{}, false},
		{"event", open("{on: event, event: export_report}", "true"), nil, state(50, "yellow", nil), &Change{Event: "export_report"}, civil.Date{}, true},
		{"other event", open("{on: event, event: export_report}", "true"), nil, state(50, "yellow", nil), &Change{Event: "login"}, civil.Date{}, false},
		{"field", open("{on: field_changed, field: tier, to: smb}", "true"), nil, state(50, "yellow", nil), &Change{Field: "tier", From: "mid", To: "smb"}, civil.Date{}, true},
		{"field other value", open("{on: field_changed, field: tier, to: smb}", "true"), nil, state(50, "yellow", nil), &Change{Field: "tier", From: "smb", To: "mid"}, civil.Date{}, false},
		{"renewal in 90", open("{on: date, date: renewal_on, days_before: 90}", "true"), nil, state(50, "yellow", nil), nil, civil.Date{}, true},
		{"renewal in 120", open("{on: date, date: renewal_on, days_before: 120}", "true"), nil, state(50, "yellow", nil), nil, civil.Date{}, false},
		{"renewal caught up", open("{on: date, date: renewal_on, days_before: 92}", "true"), nil, state(50, "yellow", nil), nil, today.AddDays(-7), true},
		{"30 days in", open("{on: date, date: customer_since, days_after: 30}", "true"), nil, state(50, "yellow", nil), nil, civil.Date{}, true},
		{"schedule", open("{on: schedule}", "true"), nil, state(50, "yellow", nil), nil, civil.Date{}, true},
		{"schedule not in real time", open("{on: schedule}", "true"), nil, state(50, "yellow", nil), &Change{Event: "login"}, civil.Date{}, false},
		{"condition false", open("{on: schedule}", `tier == "smb"`), nil, state(50, "yellow", nil), nil, civil.Date{}, false},
		{"condition on account", open("{on: schedule}", `tier in ["enterprise"] and mrr >= 2500 and days_to_renewal == 90 and tenure_days == 30`), nil, state(50, "yellow", nil), nil, civil.Date{}, true},
		{"condition on missing metric", open("{on: schedule}", `nps.latest < 7`), nil, state(50, "yellow", nil), nil, civil.Date{}, false},
		{"condition on previous health", open("{on: schedule}", `health.previous_colour == "green" and health.score < health.previous_score`), state(80, "green", nil), state(50, "yellow", nil), nil, civil.Date{}, true},
		{"condition on the VM", open("{on: schedule}", `len(name) == 4 and name startsWith "Ac"`), nil, state(50, "yellow", nil), nil, civil.Date{}, true},
		{"condition on attributes", open("{on: schedule}", `attributes.plan == "pro"`), nil, state(50, "yellow", nil), nil, civil.Date{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := acct
			a.Attributes = map[string]any{"plan": "pro"}
			in := &Input{Account: a, Before: tc.before, After: *tc.after, Change: tc.change, Today: today, Since: tc.since}
			got := tc.set.Evaluate(in)
			if (len(got) == 1) != tc.fires {
				t.Fatalf("fired %d times, want fired=%v", len(got), tc.fires)
			}
			if tc.fires && got[0].Intents[0].Reason != "Acme "+fmtNum(tc.after.Score) {
				t.Errorf("reason %q", got[0].Intents[0].Reason)
			}
		})
	}
}

func TestActionsAndTrace(t *testing.T) {
	t.Parallel()
	s := mustParse(t, `rules:
  - name: usage-drop
    trigger: {on: metric_crossed, metric: usage.trend, direction: below, threshold: -0.3}
    when: tier == "enterprise" and usage.mau > 10
    actions:
      - open_cta: {type: risk, key: "{{account.renewal_on}}", reason: "{{trigger.metric}} {{trigger.previous}} → {{trigger.value}} (under {{trigger.threshold}}), MAU {{metric.usage.mau}}, NPS {{metric.nps.latest}}", priority: 2, due_in_days: 7, playbook: usage-drop}
      - close_cta: {rule: off, outcome: "usage fell"}
      - set_field: {field: lifecycle, value: at_risk}
      - add_tag: usage-drop
      - set_pulse: {colour: red, reason: "usage fell on {{today}}", days: 14}
  - name: off
    enabled: false
    trigger: {on: schedule}
    actions:
      - add_tag: never
`)
	in := &Input{Account: Account{ID: 3, Tier: "enterprise", RenewalOn: today.AddDays(40)}, Today: today,
		Before: &State{Metrics: values(map[health.MetricID]float64{health.UsageTrend: 0.05})},
		After:  State{Metrics: values(map[health.MetricID]float64{health.UsageTrend: -0.456, health.UsageMAU: 42})}}
	got := s.Evaluate(in)
	if len(got) != 1 {
		t.Fatalf("%d firings", len(got))
	}
	f := got[0]
	want := []cta.Intent{
		{Action: cta.OpenAction, AccountID: 3, Rule: "usage-drop", Key: today.AddDays(40).String(), Type: cta.Risk,
			Reason: "usage.trend 5% → -46% (under -30%), MAU 42, NPS n/a", Priority: cta.High, DueInDays: 7, Playbook: "usage-drop"},
		{Action: cta.CloseAction, AccountID: 3, Rule: "off", Outcome: "usage fell"},
	}
	if len(f.Intents) != 2 || f.Intents[0] != want[0] || f.Intents[1] != want[1] {
		t.Errorf("intents\n%+v\nwant\n%+v", f.Intents, want)
	}
	wantFx := []Effect{
		{Kind: "set_field", AccountID: 3, Rule: "usage-drop", Field: "lifecycle", Value: "at_risk"},
		{Kind: "add_tag", AccountID: 3, Rule: "usage-drop", Value: "usage-drop"},
		{Kind: "set_pulse", AccountID: 3, Rule: "usage-drop", Value: "red", Reason: "usage fell on 2026-12-06", Days: 14},
	}
	for i := range wantFx {
		if i >= len(f.Effects) || f.Effects[i] != wantFx[i] {
			t.Errorf("effects %+v, want %+v", f.Effects, wantFx)
			break
		}
	}
	if f.Saw["usage.trend"] != -0.456 || f.Saw["previous usage.trend"] != 0.05 || f.Saw["tier"] != "enterprise" || f.Saw["usage.mau"] != 42.0 {
		t.Errorf("saw %v", f.Saw)
	}
}

// TestPlaybookWarning: a playbook nobody knows is a warning with its
// position, and the set still parses.
func TestPlaybookWarning(t *testing.T) {
	t.Parallel()
	src := []byte("rules:\n  - name: r\n    trigger: {on: schedule}\n    actions:\n      - open_cta: {type: risk, reason: x, playbook: nope}\n")
	s := mustParse(t, string(src))
	w := s.CheckPlaybooks([]string{"red-health"})
	Locate(src, w)
	if len(w) != 1 || w[0].Line != 5 || !strings.Contains(w[0].Message, `"nope"`) {
		t.Fatalf("warnings %v", w)
	}
}

func TestDayNum(t *testing.T) {
	t.Parallel()
	d := civil.Date{Year: 1899, Month: 12, Day: 25}
	for range 100_000 {
		want := int(d.Time().Unix() / 86400)
		if d.Time().Unix() < 0 && d.Time().Unix()%86400 != 0 {
			want--
		}
		if got := dayNum(d); got != want {
			t.Fatalf("dayNum(%s) = %d, want %d", d, got, want)
		}
		d = d.AddDays(3)
	}
}

// TestLongReasonClipped: a reason that renders longer than a CTA keeps is
// cut with an ellipsis.
func TestLongReasonClipped(t *testing.T) {
	t.Parallel()
	s := mustParse(t, "rules:\n  - name: r\n    trigger: {on: schedule}\n    actions:\n      - open_cta: {type: risk, reason: \"{{account.name}}{{account.name}}\"}\n")
	got := s.Evaluate(&Input{Account: Account{ID: 1, Name: strings.Repeat("é", 1500)}, Today: today})
	if r := []rune(got[0].Intents[0].Reason); len(r) != 2000 || r[1999] != '…' {
		t.Fatalf("reason of %d characters", len(r))
	}
}

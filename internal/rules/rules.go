// Package rules is Tend's automation core, plain Go with no I/O: a rule
// set read from YAML (each rule a trigger, a condition over the account,
// its metrics and its health, and actions), compiled once, and evaluated
// per account into CTA intents and other actions, with a trace of what
// each firing saw. Reading accounts and applying actions is
// internal/automation's job.
package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/yamldoc"
)

// Set is a rule set as written in YAML.
type Set struct {
	Rules []*Rule `yaml:"rules"`
	// Warnings are problems that do not stop the set from running (a
	// playbook nobody knows), set by CheckPlaybooks.
	Warnings Problems `yaml:"-"`
}

// Rule is one rule: when its trigger fires and its condition holds for an
// account, its actions run.
type Rule struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description,omitempty"`
	Enabled     *bool    `yaml:"enabled,omitempty"` // absent: enabled
	Trigger     Trigger  `yaml:"trigger"`
	When        string   `yaml:"when,omitempty"` // the condition; empty: always
	Actions     []Action `yaml:"actions"`

	cond    *condition
	actions []compiledAction
}

// On reports whether the rule runs.
func (r *Rule) On() bool { return r.Enabled == nil || *r.Enabled }

// Trigger kinds.
const (
	HealthChanged = "health_changed"
	MetricCrossed = "metric_crossed"
	EventReceived = "event"
	FieldChanged  = "field_changed"
	DateReached   = "date"
	Schedule      = "schedule"
)

// TriggerKinds lists every trigger kind.
var TriggerKinds = []string{HealthChanged, MetricCrossed, EventReceived, FieldChanged, DateReached, Schedule}

// Trigger is what sets a rule off. On names the kind; the other fields
// belong to one kind each.
type Trigger struct {
	On string `yaml:"on"`
	// health_changed: the colours changed from and to (empty: any);
	// field_changed: the values changed from and to (empty: any).
	From string `yaml:"from,omitempty"`
	To   string `yaml:"to,omitempty"`
	// health_changed: fire on a score drop of at least Drop points
	// instead of on a colour change.
	Drop float64 `yaml:"drop,omitempty"`
	// metric_crossed: the metric, the direction it crossed (above,
	// below) and the threshold.
	Metric    string  `yaml:"metric,omitempty"`
	Direction string  `yaml:"direction,omitempty"`
	Threshold float64 `yaml:"threshold,omitempty"`
	// event: the usage event's name.
	Event string `yaml:"event,omitempty"`
	// field_changed: the account field.
	Field string `yaml:"field,omitempty"`
	// date: the date (renewal_on, customer_since) and how many days
	// before or after it the rule fires.
	Date       string `yaml:"date,omitempty"`
	DaysBefore int    `yaml:"days_before,omitempty"`
	DaysAfter  int    `yaml:"days_after,omitempty"`

	metric health.MetricID
}

// Action is one thing a rule does. Exactly one field is set.
type Action struct {
	OpenCTA   *CTAAction   `yaml:"open_cta,omitempty"`
	UpdateCTA *CTAAction   `yaml:"update_cta,omitempty"`
	CloseCTA  *CloseAction `yaml:"close_cta,omitempty"`
	SetField  *SetField    `yaml:"set_field,omitempty"`
	AddTag    string       `yaml:"add_tag,omitempty"`
	SetPulse  *SetPulse    `yaml:"set_pulse,omitempty"`
}

// CTAAction opens (or updates) the rule's CTA on the account.
type CTAAction struct {
	Type      string `yaml:"type"`
	Key       string `yaml:"key,omitempty"` // template; with the rule, which CTA
	Reason    string `yaml:"reason"`        // template
	Priority  int    `yaml:"priority,omitempty"`
	DueInDays int    `yaml:"due_in_days,omitempty"`
	Playbook  string `yaml:"playbook,omitempty"`
}

// CloseAction closes an open CTA: the rule's own, or another rule's.
type CloseAction struct {
	Rule    string `yaml:"rule,omitempty"` // empty: this rule
	Key     string `yaml:"key,omitempty"`  // template
	Outcome string `yaml:"outcome"`        // template
}

// SetField sets an account field to a value (a template).
type SetField struct {
	Field string `yaml:"field"`
	Value string `yaml:"value"`
}

// SetPulse sets the account's pulse.
type SetPulse struct {
	Colour string `yaml:"colour"`
	Reason string `yaml:"reason"` // template
	Days   int    `yaml:"days,omitempty"`
}

// Fields are the account fields a field_changed trigger and a set_field
// action may name.
var Fields = []string{"tier", "touch_model", "lifecycle", "industry", "region", "csm", "renewal_on", "name"}

// SettableFields are the account fields a set_field action may set (the
// renewal date follows the subscriptions and cannot be set).
var SettableFields = []string{"tier", "touch_model", "lifecycle", "industry", "region", "csm", "name"}

// Dates are the dates a date trigger may count from.
var Dates = []string{"renewal_on", "customer_since"}

// Problem is something wrong with a rule set, at the 1-based line and
// column of the YAML it is about (inside a condition or template: of the
// offending token).
type Problem = yamldoc.Problem

// Problems is every problem found in a rule set; it is Parse's error.
type Problems = yamldoc.Problems

// Compile checks every rule and prepares it to run, reporting every
// problem found as Problems (without positions: Parse adds them).
func (s *Set) Compile() error {
	var ps Problems
	add := func(path, msg string, off int) {
		p := Problem{Path: path, Message: msg, InnerCol: off}
		if off > 0 {
			p.InnerLine = 1
		}
		ps = append(ps, p)
	}
	seen := map[string]bool{}
	for i, r := range s.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		if r == nil {
			add(at, "empty rule", 0)
			continue
		}
		switch {
		case strings.TrimSpace(r.Name) == "":
			add(at+".name", "a rule needs a name", 0)
		case seen[r.Name]:
			add(at+".name", fmt.Sprintf("rule %q is defined twice", r.Name), 0)
		}
		seen[r.Name] = true
		compileTrigger(&r.Trigger, at+".trigger", add)
		r.cond = nil
		if strings.TrimSpace(r.When) != "" {
			c, err := compileCondition(r.When)
			if err != nil {
				fe := err.(*exprError)
				ps = append(ps, Problem{Path: at + ".when", Message: fe.msg, InnerLine: fe.line, InnerCol: fe.col})
			} else {
				r.cond = c
			}
		}
		if len(r.Actions) == 0 {
			add(at+".actions", "a rule needs at least one action", 0)
		}
		r.actions = r.actions[:0]
		for j := range r.Actions {
			ca, ok := compileAction(r, &r.Actions[j], fmt.Sprintf("%s.actions[%d]", at, j), add)
			if ok {
				r.actions = append(r.actions, ca)
			}
		}
	}
	for i, r := range s.Rules {
		if r == nil {
			continue
		}
		for j, a := range r.Actions {
			if a.CloseCTA != nil && a.CloseCTA.Rule != "" && !seen[a.CloseCTA.Rule] {
				add(fmt.Sprintf("rules[%d].actions[%d].close_cta.rule", i, j), fmt.Sprintf("no rule is called %q", a.CloseCTA.Rule), 0)
			}
		}
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

func compileTrigger(t *Trigger, at string, add func(path, msg string, off int)) {
	switch t.On {
	case HealthChanged:
		for _, c := range []struct{ key, v string }{{"from", t.From}, {"to", t.To}} {
			if c.v != "" && !slices.Contains(colours, c.v) {
				add(at+"."+c.key, fmt.Sprintf("unknown colour %q (one of %s)", c.v, strings.Join(colours, ", ")), 0)
			}
		}
		if t.Drop < 0 {
			add(at+".drop", "drop is a number of points, 0 or more", 0)
		}
	case MetricCrossed:
		m, ok := health.MetricByName(t.Metric)
		switch {
		case t.Metric == "":
			add(at, "metric_crossed needs a metric", 0)
		case !ok:
			add(at+".metric", fmt.Sprintf("unknown metric %q", t.Metric), 0)
		}
		t.metric = m.ID
		if t.Direction != "above" && t.Direction != "below" {
			add(at+".direction", fmt.Sprintf("direction must be above or below, not %q", t.Direction), 0)
		}
	case EventReceived:
		if strings.TrimSpace(t.Event) == "" {
			add(at, "an event trigger needs the event's name", 0)
		}
	case FieldChanged:
		if !slices.Contains(Fields, t.Field) {
			add(at+".field", fmt.Sprintf("unknown field %q (one of %s)", t.Field, strings.Join(Fields, ", ")), 0)
		}
	case DateReached:
		if !slices.Contains(Dates, t.Date) {
			add(at+".date", fmt.Sprintf("unknown date %q (one of %s)", t.Date, strings.Join(Dates, ", ")), 0)
		}
		if t.DaysBefore < 0 || t.DaysAfter < 0 || (t.DaysBefore > 0 && t.DaysAfter > 0) {
			add(at, "give days_before or days_after, a number of days 0 or more", 0)
		}
	case Schedule:
	case "":
		add(at+".on", "a trigger needs on: one of "+strings.Join(TriggerKinds, ", "), 0)
	default:
		add(at+".on", fmt.Sprintf("unknown trigger %q (one of %s)", t.On, strings.Join(TriggerKinds, ", ")), 0)
	}
}

var colours = []string{"red", "yellow", "green", "none"}

// compiledAction is an action ready to run.
type compiledAction struct {
	kind                 string // open, update, close, set_field, add_tag, set_pulse
	typ                  cta.Type
	key, reason, value   *template
	priority, due, days  int
	playbook, rule, name string // name: field, tag or colour
}

func compileAction(r *Rule, a *Action, at string, add func(path, msg string, off int)) (compiledAction, bool) {
	n := 0
	for _, set := range []bool{a.OpenCTA != nil, a.UpdateCTA != nil, a.CloseCTA != nil, a.SetField != nil, a.AddTag != "", a.SetPulse != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		add(at, "an action is exactly one of open_cta, update_cta, close_cta, set_field, add_tag, set_pulse", 0)
		return compiledAction{}, false
	}
	ok := true
	tmpl := func(path, src string) *template {
		t, err := parseTemplate(src, &r.Trigger)
		if err != nil {
			te := err.(*templateError)
			add(path, te.msg, te.col)
			ok = false
		}
		return t
	}
	var ca compiledAction
	switch {
	case a.OpenCTA != nil || a.UpdateCTA != nil:
		c, kind, path := a.OpenCTA, "open", at+".open_cta"
		if c == nil {
			c, kind, path = a.UpdateCTA, "update", at+".update_cta"
		}
		ca = compiledAction{kind: kind, typ: cta.Type(c.Type), priority: c.Priority, due: c.DueInDays, playbook: c.Playbook}
		if !slices.Contains(cta.Types, ca.typ) {
			add(path+".type", fmt.Sprintf("unknown CTA type %q (one of %s)", c.Type, typeList()), 0)
			ok = false
		}
		if ca.priority == 0 {
			ca.priority = int(cta.Medium)
		}
		if ca.priority < int(cta.Urgent) || ca.priority > int(cta.Low) {
			add(path+".priority", "priority is 1 (urgent) to 4 (low)", 0)
			ok = false
		}
		if c.DueInDays < 0 {
			add(path+".due_in_days", "due_in_days is 0 or more", 0)
			ok = false
		}
		if strings.TrimSpace(c.Reason) == "" {
			add(path+".reason", "a CTA needs a reason", 0)
			ok = false
		}
		ca.key, ca.reason = tmpl(path+".key", c.Key), tmpl(path+".reason", c.Reason)
	case a.CloseCTA != nil:
		ca = compiledAction{kind: "close", rule: a.CloseCTA.Rule}
		if ca.rule == "" {
			ca.rule = r.Name
		}
		ca.key, ca.reason = tmpl(at+".close_cta.key", a.CloseCTA.Key), tmpl(at+".close_cta.outcome", a.CloseCTA.Outcome)
	case a.SetField != nil:
		ca = compiledAction{kind: "set_field", name: a.SetField.Field}
		if !slices.Contains(SettableFields, ca.name) {
			add(at+".set_field.field", fmt.Sprintf("field %q cannot be set (one of %s)", ca.name, strings.Join(SettableFields, ", ")), 0)
			ok = false
		}
		ca.value = tmpl(at+".set_field.value", a.SetField.Value)
	case a.AddTag != "":
		ca = compiledAction{kind: "add_tag", name: strings.TrimSpace(a.AddTag)}
	case a.SetPulse != nil:
		ca = compiledAction{kind: "set_pulse", name: a.SetPulse.Colour, days: a.SetPulse.Days}
		if !slices.Contains(colours[:3], ca.name) {
			add(at+".set_pulse.colour", fmt.Sprintf("a pulse is red, yellow or green, not %q", ca.name), 0)
			ok = false
		}
		if ca.days == 0 {
			ca.days = 30
		}
		if ca.days < 0 {
			add(at+".set_pulse.days", "days is 1 or more", 0)
			ok = false
		}
		ca.reason = tmpl(at+".set_pulse.reason", a.SetPulse.Reason)
	}
	return ca, ok
}

func typeList() string {
	s := make([]string, len(cta.Types))
	for i, t := range cta.Types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// CheckPlaybooks records, as Warnings, every open_cta or update_cta whose
// playbook is not among known (positions are filled by Parse's caller
// through Locate). It returns the warnings.
func (s *Set) CheckPlaybooks(known []string) Problems {
	s.Warnings = s.Warnings[:0]
	for i, r := range s.Rules {
		for j, a := range r.Actions {
			for kind, c := range map[string]*CTAAction{"open_cta": a.OpenCTA, "update_cta": a.UpdateCTA} {
				if c != nil && c.Playbook != "" && !slices.Contains(known, c.Playbook) {
					s.Warnings = append(s.Warnings, Problem{Path: fmt.Sprintf("rules[%d].actions[%d].%s.playbook", i, j, kind),
						Message: fmt.Sprintf("no playbook is called %q: the CTA opens without one", c.Playbook)})
				}
			}
		}
	}
	return s.Warnings
}

// Rule finds a rule by name.
func (s *Set) Rule(name string) (*Rule, bool) {
	for _, r := range s.Rules {
		if r.Name == name {
			return r, true
		}
	}
	return nil, false
}

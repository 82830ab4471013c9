package rules

import (
	"fmt"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/health"
)

// Account is what rules know about an account besides its metrics.
type Account struct {
	ID                                                      int64
	ExternalID, Name                                        string
	Tier, TouchModel, Lifecycle, Industry, Region, Currency string
	MRR                                                     int64 // minor units of Currency
	CustomerSince, RenewalOn                                civil.Date
	LastNPS                                                 civil.Date // the day of the latest NPS answer (zero: none)
	Attributes                                              map[string]any
}

// AccountOf is the Account part of health Facts.
func AccountOf(f *health.Facts) Account {
	return Account{ID: f.AccountID, ExternalID: f.ExternalID, Name: f.Name, Tier: f.Tier, TouchModel: f.TouchModel,
		Lifecycle: f.Lifecycle, Industry: f.Industry, Region: f.Region, Currency: f.Currency, MRR: f.MRR,
		CustomerSince: f.CustomerSince, RenewalOn: f.RenewalOn, Attributes: f.Attributes, LastNPS: lastNPS(f.Surveys)}
}

func lastNPS(ss []health.Survey) civil.Date {
	var last civil.Date
	for _, s := range ss {
		if s.Kind == "nps" && (last.IsZero() || s.On.After(last)) {
			last = s.On
		}
	}
	return last
}

// State is an account's metrics and health at one moment.
type State struct {
	Metrics  health.Values
	Score    float64
	HasScore bool
	Colour   string // red, yellow, green; "" without a score
}

// Change is what happened to an account in real time: a usage event
// received (Event), or a field changed (Field, From, To).
type Change struct {
	Event           string
	Field, From, To string
}

// Input is everything a rule set is evaluated on for one account.
type Input struct {
	Account Account
	// Before is the state the previous evaluation saw (nil: none, the
	// first evaluation); After is the state now.
	Before *State
	After  State
	// Change is the real-time change being evaluated; nil in a full
	// (scheduled) evaluation, the only one schedule triggers fire in.
	Change *Change
	// Today is the day of the evaluation; date triggers fire for the
	// dates in (Since, Today]. A zero Since is the day before Today.
	Today, Since civil.Date
}

// Firing is one rule that fired on one account: what it saw and what it
// asked for, as the audit keeps it.
type Firing struct {
	Rule      string         `json:"rule"`
	AccountID int64          `json:"account_id"`
	Trigger   string         `json:"trigger"`
	Saw       map[string]any `json:"saw"`
	Intents   []cta.Intent   `json:"intents,omitempty"`
	Effects   []Effect       `json:"effects,omitempty"`
}

// Effect is an action other than a CTA: set a field, add a tag, set the
// pulse.
type Effect struct {
	Kind      string `json:"kind"` // set_field, add_tag, set_pulse
	AccountID int64  `json:"account_id"`
	Rule      string `json:"rule"`
	Field     string `json:"field,omitempty"`
	Value     string `json:"value,omitempty"` // set_field's value, add_tag's tag, set_pulse's colour
	Reason    string `json:"reason,omitempty"`
	Days      int    `json:"days,omitempty"` // set_pulse: how long it holds
}

// Evaluate runs every enabled rule of s on in and returns the firings, in
// rule order. It is pure: the same input gives the same firings. On an
// account seen for the first time (Before nil) close actions are skipped,
// and a rule that then does nothing is not a firing.
func (s *Set) Evaluate(in *Input) []Firing {
	var (
		out   []Firing
		f     frame
		built bool
	)
	for _, r := range s.Rules {
		if !r.On() || !r.Trigger.fires(in) {
			continue
		}
		if !built {
			fill(&f, in)
			built = true
		}
		if r.cond != nil && !r.cond.holds(&f) {
			continue
		}
		if fr := r.fire(in, &f); len(fr.Intents)+len(fr.Effects) > 0 {
			out = append(out, fr)
		}
	}
	return out
}

const maxNums = 64 // the numeric variables a frame's presence bits hold

func init() {
	if numMetrics+len(numVars) > maxNums {
		panic("rules: too many numeric variables for a frame")
	}
}

func fill(f *frame, in *Input) {
	f.num = make([]float64, numMetrics+len(numVars))
	f.has = 0
	for id := range numMetrics {
		if x, ok := in.After.Metrics.Get(health.MetricID(id)); ok {
			f.num[id], f.has = x, f.has|1<<id
		}
	}
	set := func(slot int, x float64) { f.num[slot], f.has = x, f.has|1<<slot }
	a := &in.Account
	set(slotMRR(), float64(a.MRR)/100)
	today := dayNum(in.Today)
	if !a.RenewalOn.IsZero() && dayNum(a.RenewalOn) >= today {
		set(slotRenewal(), float64(dayNum(a.RenewalOn)-today))
	}
	if !a.CustomerSince.IsZero() {
		set(slotTenure(), float64(today-dayNum(a.CustomerSince)))
	}
	if in.After.HasScore {
		set(slotScore(), in.After.Score)
	}
	if !a.LastNPS.IsZero() && dayNum(a.LastNPS) <= today {
		set(slotSinceNPS(), float64(today-dayNum(a.LastNPS)))
	}
	f.str = [9]string{a.Tier, a.TouchModel, a.Lifecycle, a.Industry, a.Region, a.Currency, a.Name, in.After.Colour, ""}
	if in.Before != nil {
		if in.Before.HasScore {
			set(slotPrevScore(), in.Before.Score)
		}
		f.str[strPrevColour] = in.Before.Colour
	}
	f.attrs = a.Attributes
}

func colourName(c string) string {
	if c == "" {
		return "none"
	}
	return c
}

func (t *Trigger) fires(in *Input) bool {
	switch t.On {
	case Schedule:
		return in.Change == nil
	case EventReceived:
		return in.Change != nil && in.Change.Event == t.Event
	case FieldChanged:
		c := in.Change
		return c != nil && c.Field == t.Field && c.From != c.To && (t.From == "" || t.From == c.From) && (t.To == "" || t.To == c.To)
	case HealthChanged:
		var before State
		if in.Before != nil {
			before = *in.Before
		}
		if t.Drop > 0 {
			return before.HasScore && in.After.HasScore && before.Score-in.After.Score >= t.Drop
		}
		if in.Before != nil && before.Colour == in.After.Colour {
			return false
		}
		return (t.From == "" || t.From == colourName(before.Colour)) && (t.To == "" || t.To == colourName(in.After.Colour))
	case MetricCrossed:
		cur, ok := in.After.Metrics.Get(t.metric)
		if !ok {
			return false
		}
		var prev float64
		had := false
		if in.Before != nil {
			prev, had = in.Before.Metrics.Get(t.metric)
		}
		// The threshold belongs to the side crossed to: below is at or
		// under it, above at or over it.
		if t.Direction == "below" {
			return cur <= t.Threshold && (!had || prev > t.Threshold)
		}
		return cur >= t.Threshold && (!had || prev < t.Threshold)
	case DateReached:
		var base civil.Date
		switch t.Date {
		case "renewal_on":
			base = in.Account.RenewalOn
		case "customer_since":
			base = in.Account.CustomerSince
		}
		if base.IsZero() {
			return false
		}
		target, today := dayNum(base)+t.DaysAfter-t.DaysBefore, dayNum(in.Today)
		since := today - 1
		if !in.Since.IsZero() {
			since = dayNum(in.Since)
		}
		return since < target && target <= today
	}
	return false
}

// fire runs r's actions for an account whose trigger fired and whose
// condition held.
func (r *Rule) fire(in *Input, f *frame) Firing {
	rn := &run{in: in, f: f, rule: r}
	fr := Firing{Rule: r.Name, AccountID: in.Account.ID, Trigger: r.Trigger.On, Saw: r.saw(in, f)}
	for _, a := range r.actions {
		switch a.kind {
		case "open", "update":
			act := cta.OpenAction
			if a.kind == "update" {
				act = cta.UpdateAction
			}
			fr.Intents = append(fr.Intents, cta.Intent{Action: act, AccountID: in.Account.ID, Rule: r.Name, Key: a.key.render(rn),
				Type: a.typ, Reason: clip(a.reason.render(rn)), Priority: cta.Priority(a.priority), DueInDays: a.due, Playbook: a.playbook})
		case "close":
			if in.Before == nil {
				continue // seen for the first time: no rule has opened anything yet
			}
			fr.Intents = append(fr.Intents, cta.Intent{Action: cta.CloseAction, AccountID: in.Account.ID, Rule: a.rule,
				Key: a.key.render(rn), Outcome: clip(a.reason.render(rn))})
		case "set_field":
			fr.Effects = append(fr.Effects, Effect{Kind: a.kind, AccountID: in.Account.ID, Rule: r.Name, Field: a.name, Value: a.value.render(rn)})
		case "add_tag":
			fr.Effects = append(fr.Effects, Effect{Kind: a.kind, AccountID: in.Account.ID, Rule: r.Name, Value: a.name})
		case "set_pulse":
			fr.Effects = append(fr.Effects, Effect{Kind: a.kind, AccountID: in.Account.ID, Rule: r.Name, Value: a.name,
				Reason: a.reason.render(rn), Days: a.days})
		}
	}
	return fr
}

// saw is what the trigger and the condition read, for the audit.
func (r *Rule) saw(in *Input, f *frame) map[string]any {
	saw := make(map[string]any, 4+len(r.condRefs()))
	val := func(name string) any {
		ref := condVars[name]
		if !ref.num {
			return f.str[ref.slot]
		}
		if f.has&(1<<ref.slot) == 0 {
			return nil
		}
		return f.num[ref.slot]
	}
	t := &r.Trigger
	switch t.On {
	case HealthChanged:
		for _, n := range []string{"health.score", "health.colour", "health.previous_score", "health.previous_colour"} {
			saw[n] = val(n)
		}
	case MetricCrossed:
		saw[t.Metric] = val(t.Metric)
		var prev any
		if in.Before != nil {
			if x, ok := in.Before.Metrics.Get(t.metric); ok {
				prev = x
			}
		}
		saw["previous "+t.Metric] = prev
		saw["crossed"] = fmt.Sprintf("%s %g", t.Direction, t.Threshold)
	case EventReceived:
		saw["event"] = in.Change.Event
	case FieldChanged:
		saw["field"] = in.Change.Field
		saw["from"], saw["to"] = in.Change.From, in.Change.To
	case DateReached:
		saw[t.Date] = dateString(map[string]civil.Date{"renewal_on": in.Account.RenewalOn, "customer_since": in.Account.CustomerSince}[t.Date])
		saw["today"] = in.Today.String()
	}
	if r.cond != nil {
		for _, n := range r.cond.refs {
			saw[n] = val(n)
		}
	}
	return saw
}

func dateString(d civil.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func (r *Rule) condRefs() []string {
	if r.cond == nil {
		return nil
	}
	return r.cond.refs
}

// dayNum numbers days (days since 1970-01-01 in the proleptic Gregorian
// calendar) with integer arithmetic: date triggers compare days for every
// account, and going through time.Time costs more than the rest of a rule.
func dayNum(d civil.Date) int {
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// maxText is the longest reason or outcome a CTA keeps (cta.Intent.Check):
// a template that renders longer is cut, rather than refusing the batch.
const maxText = 2000

func clip(s string) string {
	if len(s) <= maxText {
		return s
	}
	r := []rune(s)
	if len(r) <= maxText {
		return s
	}
	return string(r[:maxText-1]) + "…"
}

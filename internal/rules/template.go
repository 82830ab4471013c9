package rules

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/health"
)

// A template is text with variables in double braces — "Health is
// {{health.colour}} ({{health.score}})" — checked when the rule set is
// parsed: a variable that does not exist is an error there, not a blank
// at run time. A number that is missing reads "n/a".
type template struct {
	src  string
	segs []segment
}

type segment struct {
	lit string
	v   func(*run) string // nil: a literal
}

// run is what a firing rule renders its templates with.
type run struct {
	in   *Input
	f    *frame
	rule *Rule
}

type templateError struct {
	col int
	msg string
}

func (e *templateError) Error() string { return fmt.Sprintf("column %d: %s", e.col, e.msg) }

// TemplateVariables lists the names a template may use besides
// metric.<name> for every metric of the catalogue.
func TemplateVariables() []string {
	return []string{"account.name", "account.external_id", "account.tier", "account.touch_model", "account.lifecycle", "account.industry",
		"account.region", "account.currency", "account.mrr", "account.renewal_on", "account.customer_since", "account.days_to_renewal",
		"health.score", "health.colour", "health.previous_score", "health.previous_colour", "health.change",
		"trigger.metric", "trigger.threshold", "trigger.value", "trigger.previous", "event.name", "field.name", "field.from", "field.to",
		"rule.name", "today"}
}

func number(f *frame, slot int) string {
	if f.has&(1<<slot) == 0 {
		return "n/a"
	}
	return fmtNum(f.num[slot])
}

func fmtNum(x float64) string {
	return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
}

// fmtPct writes a ratio as a whole percentage: -0.456 is "-46%".
func fmtPct(x float64) string {
	return strconv.FormatFloat(math.Round(x*100), 'f', 0, 64) + "%"
}

// metricText writes metric id's value x in its unit: ratios as
// percentages, everything else as a number.
func metricText(id health.MetricID, x float64) string {
	if health.Catalogue()[id].Unit == "ratio" {
		return fmtPct(x)
	}
	return fmtNum(x)
}

// metricVar is a template variable reading metric id from the account's
// current values.
func metricVar(id health.MetricID) func(*run) string {
	return func(r *run) string {
		if r.f.has&(1<<int(id)) == 0 {
			return "n/a"
		}
		return metricText(id, r.f.num[int(id)])
	}
}

func variable(name string, t *Trigger) (func(*run) string, bool) {
	str := func(slot int) func(*run) string { return func(r *run) string { return r.f.str[slot] } }
	num := func(slot int) func(*run) string { return func(r *run) string { return number(r.f, slot) } }
	switch name {
	case "account.name":
		return str(strName), true
	case "account.external_id":
		return func(r *run) string { return r.in.Account.ExternalID }, true
	case "account.tier":
		return str(strTier), true
	case "account.touch_model":
		return str(strTouch), true
	case "account.lifecycle":
		return str(strLifecycle), true
	case "account.industry":
		return str(strIndustry), true
	case "account.region":
		return str(strRegion), true
	case "account.currency":
		return str(strCurrency), true
	case "account.mrr":
		return num(slotMRR()), true
	case "account.renewal_on":
		return func(r *run) string { return dateString(r.in.Account.RenewalOn) }, true
	case "account.customer_since":
		return func(r *run) string { return dateString(r.in.Account.CustomerSince) }, true
	case "account.days_to_renewal":
		return num(slotRenewal()), true
	case "health.score":
		return num(slotScore()), true
	case "health.colour":
		return str(strColour), true
	case "health.previous_score":
		return num(slotPrevScore()), true
	case "health.previous_colour":
		return str(strPrevColour), true
	case "health.change":
		// "yellow 55 → red 32", or "red 32" with no score before.
		return func(r *run) string {
			now := r.f.str[strColour] + " " + number(r.f, slotScore())
			if r.f.str[strPrevColour] == "" {
				return now
			}
			return r.f.str[strPrevColour] + " " + number(r.f, slotPrevScore()) + " → " + now
		}, true
	case "trigger.metric":
		return func(*run) string { return t.Metric }, t.On == MetricCrossed
	case "trigger.threshold":
		c := metricText(t.metric, t.Threshold)
		return func(*run) string { return c }, t.On == MetricCrossed
	case "trigger.value":
		return metricVar(t.metric), t.On == MetricCrossed
	case "trigger.previous":
		return func(r *run) string {
			if r.in.Before == nil {
				return "n/a"
			}
			if x, ok := r.in.Before.Metrics.Get(t.metric); ok {
				return metricText(t.metric, x)
			}
			return "n/a"
		}, t.On == MetricCrossed
	case "event.name":
		return func(r *run) string { return r.in.Change.Event }, t.On == EventReceived
	case "field.name":
		return func(r *run) string { return r.in.Change.Field }, t.On == FieldChanged
	case "field.from":
		return func(r *run) string { return r.in.Change.From }, t.On == FieldChanged
	case "field.to":
		return func(r *run) string { return r.in.Change.To }, t.On == FieldChanged
	case "rule.name":
		return func(r *run) string { return r.rule.Name }, true
	case "today":
		return func(r *run) string { return r.in.Today.String() }, true
	}
	if m, ok := strings.CutPrefix(name, "metric."); ok {
		if id, ok := health.MetricByName(m); ok {
			return metricVar(id.ID), true
		}
	}
	return nil, false
}

// parseTemplate compiles src for a rule with trigger t: trigger, event and
// field variables exist only under the trigger that sets them.
func parseTemplate(src string, t *Trigger) (*template, error) {
	tp := &template{src: src}
	rest, at := src, 0
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			if rest != "" {
				tp.segs = append(tp.segs, segment{lit: rest})
			}
			return tp, nil
		}
		if i > 0 {
			tp.segs = append(tp.segs, segment{lit: rest[:i]})
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return nil, &templateError{col: runeCol(src, at+i), msg: "a {{ with no }}"}
		}
		raw := rest[i+2 : i+j]
		name := strings.TrimSpace(raw)
		v, ok := variable(name, t)
		if v == nil || !ok {
			msg := fmt.Sprintf("unknown template variable %q", name)
			if v != nil {
				msg = fmt.Sprintf("template variable %q exists only under a trigger that sets it, not %q", name, t.On)
			}
			lead := len(raw) - len(strings.TrimLeft(raw, " "))
			return nil, &templateError{col: runeCol(src, at+i+2+lead), msg: msg}
		}
		tp.segs = append(tp.segs, segment{v: v})
		rest, at = rest[i+j+2:], at+i+j+2
	}
}

func runeCol(s string, byteOff int) int { return len([]rune(s[:byteOff])) }

func (t *template) render(r *run) string {
	if t == nil {
		return ""
	}
	if len(t.segs) == 1 && t.segs[0].v == nil {
		return t.segs[0].lit
	}
	var b strings.Builder
	for _, s := range t.segs {
		if s.v == nil {
			b.WriteString(s.lit)
		} else {
			b.WriteString(s.v(r))
		}
	}
	return b.String()
}

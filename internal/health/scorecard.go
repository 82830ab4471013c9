package health

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/tendhq/tend/internal/yamldoc"
)

// Set is the scorecards in priority order. Exactly one applies to an
// account: the first whose Applies condition holds, or else the fallback,
// the last one, which has no condition.
type Set struct {
	Scorecards []*Scorecard `yaml:"scorecards" json:"scorecards"`
}

// Scorecard turns an account's metric values into an overall score 0–100
// and a colour: each measure scores 0–100 points, a group is the weighted
// mean of its measures, the overall the weighted mean of its groups.
type Scorecard struct {
	Name string `yaml:"name" json:"name"`
	// Applies is an expr condition over the account's Profile (tier,
	// touch_model, lifecycle, industry, region, currency, mrr); empty on
	// the fallback.
	Applies string  `yaml:"applies,omitempty" json:"applies,omitempty"`
	Colours Colours `yaml:"colours" json:"colours"`
	// MinData is the share (0–1) of the weight whose measures must have a
	// value for a score to count; below it the account is "not enough
	// data". Measures scored by their missing default do not count as data.
	MinData float64  `yaml:"min_data" json:"min_data"`
	Groups  []*Group `yaml:"groups" json:"groups"`

	applies  *vm.Program
	cond     func(*Profile) bool // applies as a closure, when it can be
	why      string
	measures []compiledMeasure
	groupW   []float64 // normalised group weights
	reasons  reasons
}

// Colours are the score thresholds: red below RedBelow, green from
// GreenFrom, yellow between.
type Colours struct {
	RedBelow  float64 `yaml:"red_below" json:"red_below"`
	GreenFrom float64 `yaml:"green_from" json:"green_from"`
}

// Group is a named, weighted set of measures (usage, sentiment …).
type Group struct {
	Name     string     `yaml:"name" json:"name"`
	Weight   float64    `yaml:"weight" json:"weight"`
	Measures []*Measure `yaml:"measures" json:"measures"`
}

// Measure reads one metric, or a formula over metrics, and scores it 0–100
// points by bands or linearly.
type Measure struct {
	Name    string  `yaml:"name" json:"name"`
	Metric  string  `yaml:"metric,omitempty" json:"metric,omitempty"`
	Formula string  `yaml:"formula,omitempty" json:"formula,omitempty"`
	Weight  float64 `yaml:"weight" json:"weight"`
	// Linear scores 0 at AtRisk and below it, 100 at Healthy and beyond,
	// in a straight line between; AtRisk may be above Healthy (fewer is
	// better).
	Linear *Linear `yaml:"linear,omitempty" json:"linear,omitempty"`
	// Bands give points to value ranges; a value outside every band is
	// handled as missing.
	Bands []Band `yaml:"bands,omitempty" json:"bands,omitempty"`
	// Missing says what a missing value does: skip the measure (its weight
	// goes to the others) or score it a default.
	Missing Missing `yaml:"missing" json:"missing"`
}

// Linear is linear scoring between two thresholds.
type Linear struct {
	AtRisk  float64 `yaml:"at_risk" json:"at_risk"`
	Healthy float64 `yaml:"healthy" json:"healthy"`
}

// Band gives Points to values from From (inclusive) to To (exclusive); a
// nil bound is open.
type Band struct {
	From   *float64 `yaml:"from,omitempty" json:"from,omitempty"`
	To     *float64 `yaml:"to,omitempty" json:"to,omitempty"`
	Points float64  `yaml:"points" json:"points"`
}

// Missing is a measure's rule for a missing value: skip (the zero value),
// or score Default points. In YAML: `missing: skip` or
// `missing: {default: 40}`.
type Missing struct {
	Default *float64
	raw     any // as written, checked by Compile
}

// UnmarshalYAML keeps what was written; Compile checks it with its position.
func (m *Missing) UnmarshalYAML(unmarshal func(any) error) error {
	var raw any
	if err := unmarshal(&raw); err != nil {
		return err
	}
	*m = Missing{raw: raw}
	if mp, ok := raw.(map[string]any); ok && len(mp) == 1 {
		if d, ok := toFloat(mp["default"]); ok {
			m.Default = &d
		}
	}
	return nil
}

// MarshalYAML writes skip or {default: N}.
func (m Missing) MarshalYAML() (any, error) {
	if m.Default != nil {
		return map[string]float64{"default": *m.Default}, nil
	}
	return "skip", nil
}

// MarshalJSON writes "skip" or {"default": N}.
func (m Missing) MarshalJSON() ([]byte, error) {
	if m.Default != nil {
		return fmt.Appendf(nil, `{"default":%v}`, *m.Default), nil
	}
	return []byte(`"skip"`), nil
}

// UnmarshalJSON reads "skip" or {"default": N}; Compile checks it.
func (m *Missing) UnmarshalJSON(b []byte) error {
	var raw any
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*m = Missing{raw: raw}
	if mp, ok := raw.(map[string]any); ok && len(mp) == 1 {
		if d, ok := toFloat(mp["default"]); ok {
			m.Default = &d
		}
	}
	return nil
}

func toFloat(x any) (float64, bool) {
	switch x := x.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// Profile is what a scorecard's Applies condition can read about an account.
type Profile struct {
	Tier       string  `expr:"tier"`
	TouchModel string  `expr:"touch_model"`
	Lifecycle  string  `expr:"lifecycle"`
	Industry   string  `expr:"industry"`
	Region     string  `expr:"region"`
	Currency   string  `expr:"currency"`
	MRR        float64 `expr:"mrr"` // in major units of Currency
}

// ProfileOf is f's Profile.
func ProfileOf(f *Facts) Profile {
	return Profile{Tier: f.Tier, TouchModel: f.TouchModel, Lifecycle: f.Lifecycle, Industry: f.Industry,
		Region: f.Region, Currency: f.Currency, MRR: float64(f.MRR) / 100}
}

type scoring uint8

const (
	byLinear scoring = iota
	byBands
)

// compiledMeasure is a measure ready to score: flat, with its weight as a
// share of its group's.
type compiledMeasure struct {
	m       *Measure
	group   int
	metric  MetricID
	formula *formula
	weight  float64 // share of the group's measure weight
	nominal float64 // share of the whole scorecard's weight
	how     scoring
	lo, hi  float64 // linear: at risk, healthy
	bands   []band
	skip    bool
	deflt   float64
}

type band struct{ from, to, points float64 }

// points is x's points, and false when x is outside every band.
func (c *compiledMeasure) points(x float64) (float64, bool) {
	if c.how == byLinear {
		p := (x - c.lo) / (c.hi - c.lo) * 100
		return min(max(p, 0), 100), true
	}
	for _, b := range c.bands {
		if x >= b.from && x < b.to {
			return b.points, true
		}
	}
	return 0, false
}

// value is the measure's raw value, and false when missing.
func (c *compiledMeasure) value(v *Values) (float64, bool) {
	if c.formula != nil {
		return c.formula.eval(v)
	}
	return v.Get(c.metric)
}

// Problem is one thing wrong in a scorecard, at a path such as
// scorecards[0].groups[1].measures[2].bands (YAML positions are added by
// Parse).
type Problem = yamldoc.Problem

// Problems is every problem found in a scorecard set; it is the error
// Compile and Parse return.
type Problems = yamldoc.Problems

// Compile checks every scorecard of s and prepares it for scoring. It
// reports every problem found, as Problems.
func (s *Set) Compile() error {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if len(s.Scorecards) == 0 {
		add("scorecards", "at least one scorecard is needed")
	}
	names := map[string]bool{}
	for i, sc := range s.Scorecards {
		path := fmt.Sprintf("scorecards[%d]", i)
		if sc == nil {
			add(path, "empty scorecard")
			continue
		}
		switch {
		case sc.Name == "":
			add(path+".name", "a scorecard needs a name")
		case names[sc.Name]:
			add(path+".name", "scorecard %q is named twice", sc.Name)
		}
		names[sc.Name] = true
		last := i == len(s.Scorecards)-1
		switch {
		case sc.Applies == "" && !last:
			add(path+".applies", "only the last scorecard, the fallback, may have no applies condition")
		case sc.Applies != "" && last:
			add(path+".applies", "the last scorecard is the fallback and has no applies condition")
		case sc.Applies != "":
			prog, err := expr.Compile(sc.Applies, expr.Env(Profile{}), expr.AsBool(), expr.Optimize(false))
			if err == nil {
				sc.cond, _ = condClosure(prog.Node())
			}
			if err != nil {
				fe := exprError(sc.Applies, err).(*FormulaError)
				ps = append(ps, Problem{Path: path + ".applies", Message: fe.Message, InnerLine: fe.Line, InnerCol: fe.Column})
			}
			sc.applies = prog
			sc.why = fmt.Sprintf("scorecard %q applies: %s", sc.Name, sc.Applies)
		default:
			sc.why = fmt.Sprintf("scorecard %q is the fallback: no other scorecard's condition holds", sc.Name)
		}
		ps = append(ps, sc.compile(path)...)
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

func (sc *Scorecard) compile(path string) Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	c := sc.Colours
	if !(0 <= c.RedBelow && c.RedBelow <= c.GreenFrom && c.GreenFrom <= 100) {
		add(path+".colours", "thresholds must satisfy 0 ≤ red_below (%v) ≤ green_from (%v) ≤ 100", c.RedBelow, c.GreenFrom)
	}
	if !(sc.MinData >= 0 && sc.MinData <= 1) {
		add(path+".min_data", "min_data is a share of the weight from 0 to 1, not %v", sc.MinData)
	}
	if len(sc.Groups) == 0 {
		add(path+".groups", "a scorecard needs at least one group")
	}
	sc.measures, sc.groupW = sc.measures[:0], sc.groupW[:0]
	var groupSum float64
	for gi, g := range sc.Groups {
		gp := fmt.Sprintf("%s.groups[%d]", path, gi)
		if g == nil {
			add(gp, "empty group")
			sc.groupW = append(sc.groupW, 0)
			continue
		}
		if g.Name == "" {
			add(gp+".name", "a group needs a name")
		}
		if !(g.Weight >= 0) || math.IsInf(g.Weight, 0) {
			add(gp+".weight", "weights are non-negative numbers, not %v", g.Weight)
		}
		groupSum += g.Weight
		sc.groupW = append(sc.groupW, g.Weight)
		if len(g.Measures) == 0 {
			add(gp+".measures", "a group needs at least one measure")
		}
		var sum float64
		first := len(sc.measures)
		for mi, m := range g.Measures {
			mp := fmt.Sprintf("%s.measures[%d]", gp, mi)
			if m == nil {
				add(mp, "empty measure")
				continue
			}
			cm := compiledMeasure{m: m, group: gi}
			ps = append(ps, cm.compile(m, mp)...)
			sum += m.Weight
			sc.measures = append(sc.measures, cm)
		}
		if len(g.Measures) > 0 && sum == 0 {
			add(gp+".measures", "the weights of group %q are all zero", g.Name)
		}
		for i := first; i < len(sc.measures); i++ {
			if sum > 0 {
				sc.measures[i].weight = sc.measures[i].m.Weight / sum
			}
		}
	}
	if len(sc.measures) > 64 {
		add(path+".groups", "a scorecard has at most 64 measures, not %d", len(sc.measures))
	}
	if len(sc.Groups) > 0 && groupSum == 0 {
		add(path+".groups", "the group weights are all zero")
	}
	for i := range sc.groupW {
		if groupSum > 0 {
			sc.groupW[i] /= groupSum
		}
	}
	for i := range sc.measures {
		sc.measures[i].nominal = sc.groupW[sc.measures[i].group] * sc.measures[i].weight
	}
	sc.makeReasons()
	return ps
}

func (cm *compiledMeasure) compile(m *Measure, mp string) Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if m.Name == "" {
		add(mp+".name", "a measure needs a name")
	}
	switch {
	case m.Metric != "" && m.Formula != "":
		add(mp+".formula", "a measure reads a metric or a formula, not both")
	case m.Metric != "":
		mt, ok := MetricByName(m.Metric)
		if !ok {
			add(mp+".metric", "unknown metric %q (see docs/health.md for the catalogue)", m.Metric)
		}
		cm.metric = mt.ID
	case m.Formula != "":
		f, err := compileFormula(m.Formula)
		if err != nil {
			fe := err.(*FormulaError)
			ps = append(ps, Problem{Path: mp + ".formula", Message: fe.Message, InnerLine: fe.Line, InnerCol: fe.Column})
		}
		cm.formula = f
	default:
		add(mp, "a measure needs a metric or a formula")
	}
	if !(m.Weight >= 0) || math.IsInf(m.Weight, 0) {
		add(mp+".weight", "weights are non-negative numbers, not %v", m.Weight)
	}
	switch {
	case m.Linear != nil && m.Bands != nil:
		add(mp+".bands", "a measure is scored by bands or linear, not both")
	case m.Linear != nil:
		cm.how, cm.lo, cm.hi = byLinear, m.Linear.AtRisk, m.Linear.Healthy
		if m.Linear.AtRisk == m.Linear.Healthy {
			add(mp+".linear", "at_risk and healthy must differ (both %v)", m.Linear.AtRisk)
		}
	case len(m.Bands) > 0:
		cm.how = byBands
		for i, b := range m.Bands {
			bb := band{from: math.Inf(-1), to: math.Inf(1), points: b.Points}
			if b.From != nil {
				bb.from = *b.From
			}
			if b.To != nil {
				bb.to = *b.To
			}
			bp := fmt.Sprintf("%s.bands[%d]", mp, i)
			if !(bb.from < bb.to) {
				add(bp, "a band's from (%v) must be below its to (%v)", bb.from, bb.to)
			}
			if !(b.Points >= 0 && b.Points <= 100) {
				add(bp+".points", "points run from 0 to 100, not %v", b.Points)
			}
			for j, o := range cm.bands {
				if bb.from < o.to && o.from < bb.to {
					add(bp, "band overlaps bands[%d] (bands run from `from` included to `to` excluded)", j)
					break
				}
			}
			cm.bands = append(cm.bands, bb)
		}
		slices.SortFunc(cm.bands, func(a, b band) int { return cmp.Compare(a.from, b.from) })
	default:
		add(mp, "a measure needs bands or linear scoring")
	}
	switch raw := m.Missing.raw; {
	case raw == nil && m.Missing.Default != nil:
		cm.deflt = *m.Missing.Default
	case raw == nil, raw == "skip":
		cm.skip = true
	case m.Missing.Default != nil:
		cm.deflt = *m.Missing.Default
	default:
		add(mp+".missing", "missing is `skip` or `{default: POINTS}`, not %v", raw)
	}
	if !cm.skip && !(cm.deflt >= 0 && cm.deflt <= 100) {
		add(mp+".missing", "default points run from 0 to 100, not %v", cm.deflt)
	}
	return ps
}

// Choose is the scorecard that applies to an account with profile p, and
// why. s must be compiled.
func (s *Set) Choose(p *Profile) (*Scorecard, string) {
	for _, sc := range s.Scorecards {
		if sc.applies == nil {
			return sc, sc.why
		}
		if sc.cond != nil {
			if sc.cond(p) {
				return sc, sc.why
			}
			continue
		}
		if ok, err := expr.Run(sc.applies, *p); err == nil && ok == true {
			return sc, sc.why
		}
	}
	return nil, "no scorecard"
}

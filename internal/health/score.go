package health

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

// Colour is a score's colour.
type Colour string

// The colours. NotEnoughData is given when too little of the weight had
// data: it is neither green nor red.
const (
	Red           Colour = "red"
	Yellow        Colour = "yellow"
	Green         Colour = "green"
	NotEnoughData Colour = "not_enough_data"
)

// Neutral is the baseline of the explanation: a measure at 50 points
// neither raises nor lowers the score.
const Neutral = 50

// How a measure was scored.
const (
	ScoredValue   = "value"   // from its value
	ScoredDefault = "default" // missing, scored its default
	ScoredSkipped = "skipped" // missing, skipped; its weight went to the others
)

// Result is an account's score by one scorecard, with everything needed to
// show and explain it. It encodes to JSON as is.
type Result struct {
	Scorecard string `json:"scorecard"`
	// Why says why this scorecard applied (set by Set.Score).
	Why string `json:"why,omitempty"`
	// Score is the overall score 0–100. With not enough data it is 0,
	// and the measures' weights and contributions are those of the
	// partial score the measures with values (or defaults) would give.
	Score  float64 `json:"score"`
	Colour Colour  `json:"colour"`
	Reason string  `json:"reason"`
	// DataShare is the share (0–1) of the scorecard's weight whose
	// measures had a value.
	DataShare float64         `json:"data_share"`
	Groups    []GroupResult   `json:"groups"`
	Measures  []MeasureResult `json:"measures"`
	// Explanation is the measures by the size of their effect on the
	// score, largest first (indexes into Measures).
	Explanation []int `json:"explanation"`
	// Rollup is set on a parent account's result: Score and Colour are
	// then its family's (RollUp over itself and its children), while the
	// groups and measures remain its own.
	Rollup *Rollup `json:"rollup,omitempty"`

	card *Scorecard // the scorecard that filled the names, for ScoreInto
}

// GroupResult is one group's score.
type GroupResult struct {
	Name string `json:"name"`
	// Points is the weighted mean of the group's scored measures, 0–100;
	// 0 with Skipped when none had a value or default.
	Points  float64 `json:"points"`
	Weight  float64 `json:"weight"` // share of the overall score, after redistribution
	Skipped bool    `json:"skipped,omitempty"`
}

// MeasureResult is one measure's score and its effect on the overall.
type MeasureResult struct {
	Name    string `json:"name"`
	Group   string `json:"group"`
	Metric  string `json:"metric,omitempty"`
	Formula string `json:"formula,omitempty"`
	// Value is the raw value read, when HasValue.
	Value    float64 `json:"value"`
	HasValue bool    `json:"has_value"`
	// Scored is value, default or skipped.
	Scored string  `json:"scored"`
	Points float64 `json:"points"`
	// Weight is the measure's share of the overall score after missing
	// measures' weight was redistributed (0 when skipped).
	Weight float64 `json:"weight"`
	// Contribution is how many points the measure moved the overall score
	// from the neutral 50: Weight × (Points − 50). The contributions add
	// up to Score − 50.
	Contribution float64 `json:"contribution"`
}

// NoData lists the measures that had no value.
func (r *Result) NoData() []string {
	var out []string
	for _, m := range r.Measures {
		if !m.HasValue {
			out = append(out, m.Name)
		}
	}
	return out
}

// Score scores v by the scorecard that applies to p.
func (s *Set) Score(p *Profile, v *Values) Result {
	var r Result
	sc, why := s.Choose(p)
	if sc == nil {
		return Result{Colour: NotEnoughData, Reason: why}
	}
	sc.ScoreInto(v, &r)
	r.Why = why
	return r
}

// ScoreInto is Score into r, reusing its slices (see Scorecard.ScoreInto).
func (s *Set) ScoreInto(p *Profile, v *Values, r *Result) {
	sc, why := s.Choose(p)
	if sc == nil {
		*r = Result{Colour: NotEnoughData, Reason: why}
		return
	}
	sc.ScoreInto(v, r)
	r.Why = why
}

// Score scores v. The scorecard must have been compiled (Parse and
// Set.Compile do it); an uncompiled one gives not enough data.
func (sc *Scorecard) Score(v *Values) Result {
	var r Result
	sc.ScoreInto(v, &r)
	return r
}

// ScoreInto scores v into r, reusing r's slices (and, when r last held
// this scorecard's result, its names): the allocation-free form for
// scoring many accounts.
func (sc *Scorecard) ScoreInto(v *Values, r *Result) {
	n := len(sc.measures)
	if r.card != sc || len(r.Measures) != n || len(r.Groups) != len(sc.Groups) {
		r.card = sc
		r.Scorecard = sc.Name
		r.Groups = slices.Grow(r.Groups[:0], len(sc.Groups))[:len(sc.Groups)]
		r.Measures = slices.Grow(r.Measures[:0], n)[:n]
		r.Explanation = slices.Grow(r.Explanation[:0], n)[:n]
		for gi, g := range sc.Groups {
			r.Groups[gi] = GroupResult{Name: g.Name}
		}
		for i := range sc.measures {
			cm := &sc.measures[i]
			r.Measures[i] = MeasureResult{Name: cm.m.Name, Group: sc.Groups[cm.group].Name, Metric: cm.m.Metric, Formula: cm.m.Formula}
		}
	}
	r.Why = ""
	for gi := range r.Groups {
		g := &r.Groups[gi]
		g.Points, g.Weight, g.Skipped = 0, 0, false
	}
	// Pass 1: each measure's value and points; per group, the weight used.
	var used [16]float64 // measure weight used per group (share of the group's)
	usedG := used[:]
	if len(sc.Groups) > len(used) {
		usedG = make([]float64, len(sc.Groups))
	}
	data := 0.0
	var skipped uint64 // bit i: measure i skipped (Compile caps measures at 64)
	for i := range sc.measures {
		cm := &sc.measures[i]
		mr := &r.Measures[i]
		mr.Value, mr.HasValue, mr.Points, mr.Weight, mr.Contribution = 0, false, 0, 0, 0
		x, ok := cm.value(v)
		var p float64
		if ok {
			mr.Value, mr.HasValue = x, true
			p, ok = cm.points(x)
		}
		switch {
		case ok:
			mr.Scored, mr.Points = ScoredValue, p
			data += cm.nominal
		case cm.skip:
			mr.Scored = ScoredSkipped
			skipped |= 1 << uint(i&63)
			continue
		default:
			mr.Scored, mr.Points = ScoredDefault, cm.deflt
		}
		usedG[cm.group] += cm.weight
		r.Groups[cm.group].Points += cm.weight * mr.Points
	}
	// Pass 2: groups with something scored share the overall weight.
	totalG := 0.0
	for gi := range r.Groups {
		if usedG[gi] > 0 {
			totalG += sc.groupW[gi]
		}
	}
	score := 0.0
	for gi := range r.Groups {
		g := &r.Groups[gi]
		if usedG[gi] == 0 || totalG == 0 {
			g.Skipped = true
			continue
		}
		g.Points /= usedG[gi]
		g.Weight = sc.groupW[gi] / totalG
		score += g.Weight * g.Points
		usedG[gi] = g.Weight / usedG[gi] // now: from a measure's share of its group to its share of the score
	}
	// Contributions, and the explanation by their size: an insertion sort
	// of (size, index) pairs on the stack — few measures, no allocation.
	type key struct {
		size float64
		i    int
	}
	var buf [32]key
	keys := buf[:0]
	if n > len(buf) {
		keys = make([]key, 0, n)
	}
	for i := range sc.measures {
		cm := &sc.measures[i]
		mr := &r.Measures[i]
		if skipped&(1<<uint(i&63)) == 0 && !r.Groups[cm.group].Skipped {
			mr.Weight = cm.weight * usedG[cm.group]
			mr.Contribution = mr.Weight * (mr.Points - Neutral)
		}
		k := key{math.Abs(mr.Contribution), i}
		j := len(keys)
		keys = append(keys, k)
		for ; j > 0 && keys[j-1].size < k.size; j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = k
	}
	e := r.Explanation
	for i, k := range keys {
		e[i] = k.i
	}
	r.DataShare = min(data, 1)
	if totalG == 0 || data < sc.MinData-1e-9 {
		r.Score, r.Colour, r.Reason = 0, NotEnoughData, sc.reasons.noData
		return
	}
	r.Score = math.Round(score*10) / 10
	top := -1
	if n > 0 {
		top = e[0]
	}
	switch {
	case r.Score < sc.Colours.RedBelow:
		r.Colour, r.Reason = Red, sc.reasons.pick(sc.reasons.red, r, top, -1)
	case r.Score >= sc.Colours.GreenFrom:
		r.Colour, r.Reason = Green, sc.reasons.pick(sc.reasons.green, r, top, +1)
	default:
		r.Colour, r.Reason = Yellow, sc.reasons.pick(sc.reasons.yellow, r, top, -1)
	}
}

// reasons are a scorecard's colour reasons, made once so that scoring
// builds no strings: per colour, the bare reason and one naming each
// measure as the one that moved the score most.
type reasons struct {
	noData             string
	red, yellow, green []string // [0]: bare; [1+i]: naming measure i
}

func (sc *Scorecard) makeReasons() {
	c := sc.Colours
	sc.reasons.noData = "not enough data: measures with values carry less than " + pct(sc.MinData) + " of the weight"
	base := [3]string{
		"score below " + num(c.RedBelow),
		"score from " + num(c.RedBelow) + " to below " + num(c.GreenFrom),
		"score " + num(c.GreenFrom) + " or more",
	}
	lists := [3]*[]string{&sc.reasons.red, &sc.reasons.yellow, &sc.reasons.green}
	for k, l := range lists {
		*l = []string{base[k]}
		verb := "; most lowered by "
		if k == 2 {
			verb = "; most raised by "
		}
		for _, cm := range sc.measures {
			*l = append(*l, base[k]+verb+cm.m.Name)
		}
	}
}

// pick is the reason naming the top measure when it pushed the score in
// direction dir (−1 down, +1 up).
func (rs *reasons) pick(list []string, r *Result, top, dir int) string {
	if top >= 0 {
		if c := r.Measures[top].Contribution; c < 0 && dir < 0 || c > 0 && dir > 0 {
			return list[1+top]
		}
	}
	return list[0]
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func pct(x float64) string { return strconv.FormatFloat(math.Round(x*100), 'f', 0, 64) + "%" }

// Change is what changed in one measure between two results.
type Change struct {
	Measure string `json:"measure"`
	// Before and After are the raw values (Has*: whether there was one).
	Before    float64 `json:"before"`
	HasBefore bool    `json:"has_before"`
	After     float64 `json:"after"`
	HasAfter  bool    `json:"has_after"`
	// PointsBefore, PointsAfter and Points: the measure's points and
	// their change; Contribution: the change of its effect on the score.
	PointsBefore float64 `json:"points_before"`
	PointsAfter  float64 `json:"points_after"`
	Contribution float64 `json:"contribution"`
}

// Difference is what changed between two results of an account.
type Difference struct {
	ScoreBefore  float64  `json:"score_before"`
	ScoreAfter   float64  `json:"score_after"`
	Score        float64  `json:"score"` // after − before
	ColourBefore Colour   `json:"colour_before"`
	ColourAfter  Colour   `json:"colour_after"`
	Scorecard    string   `json:"scorecard,omitempty"` // set when the scorecard changed: "old → new"
	Changes      []Change `json:"changes"`             // by size of contribution change, largest first
}

// Diff is what changed from a to b: the score, the colour, and every
// measure whose value, points or contribution changed (matched by name;
// a measure in one result only counts against nothing).
func Diff(a, b Result) Difference {
	d := Difference{ScoreBefore: a.Score, ScoreAfter: b.Score, Score: b.Score - a.Score, ColourBefore: a.Colour, ColourAfter: b.Colour}
	if a.Scorecard != b.Scorecard {
		d.Scorecard = a.Scorecard + " → " + b.Scorecard
	}
	seen := map[string]bool{}
	find := func(ms []MeasureResult, name string) *MeasureResult {
		for i := range ms {
			if ms[i].Name == name {
				return &ms[i]
			}
		}
		return nil
	}
	add := func(x, y *MeasureResult, name string) {
		c := Change{Measure: name}
		if x != nil {
			c.Before, c.HasBefore, c.PointsBefore = x.Value, x.HasValue, x.Points
			c.Contribution -= x.Contribution
		}
		if y != nil {
			c.After, c.HasAfter, c.PointsAfter = y.Value, y.HasValue, y.Points
			c.Contribution += y.Contribution
		}
		if c.Before != c.After || c.HasBefore != c.HasAfter || c.PointsBefore != c.PointsAfter || math.Abs(c.Contribution) > 1e-9 {
			d.Changes = append(d.Changes, c)
		}
	}
	for i := range a.Measures {
		seen[a.Measures[i].Name] = true
		add(&a.Measures[i], find(b.Measures, a.Measures[i].Name), a.Measures[i].Name)
	}
	for i := range b.Measures {
		if !seen[b.Measures[i].Name] {
			add(nil, &b.Measures[i], b.Measures[i].Name)
		}
	}
	slices.SortStableFunc(d.Changes, func(x, y Change) int { return cmp.Compare(math.Abs(y.Contribution), math.Abs(x.Contribution)) })
	return d
}

// Child is a child account's result and MRR, for a parent's rollup.
type Child struct {
	Result Result
	MRR    float64 // in one currency for all children
}

// Rollup is a parent account's score from its children.
type Rollup struct {
	Score  float64 `json:"score"`
	Colour Colour  `json:"colour"`
	Reason string  `json:"reason"`
	// Counted and Left out are the children used and those without
	// enough data.
	Counted int `json:"counted"`
	LeftOut int `json:"left_out"`
}

// RollUp is the MRR-weighted mean of the children's scores, coloured by
// c. Children with not enough data are left out; when all counted
// children have no MRR they weigh the same.
func RollUp(children []Child, c Colours) Rollup {
	var r Rollup
	var sum, w float64
	for _, ch := range children {
		if ch.Result.Colour == NotEnoughData {
			r.LeftOut++
			continue
		}
		r.Counted++
		m := max(ch.MRR, 0)
		sum += m * ch.Result.Score
		w += m
	}
	if r.Counted == 0 {
		r.Colour, r.Reason = NotEnoughData, "no child account has enough data"
		return r
	}
	how := "MRR-weighted mean of " + strconv.Itoa(r.Counted) + " children"
	if w == 0 {
		how = "mean of " + strconv.Itoa(r.Counted) + " children (none has MRR)"
		for _, ch := range children {
			if ch.Result.Colour != NotEnoughData {
				sum += ch.Result.Score
			}
		}
		w = float64(r.Counted)
	}
	r.Score = math.Round(sum/w*10) / 10
	switch {
	case r.Score < c.RedBelow:
		r.Colour = Red
	case r.Score >= c.GreenFrom:
		r.Colour = Green
	default:
		r.Colour = Yellow
	}
	r.Reason = how
	if r.LeftOut > 0 {
		r.Reason += "; " + strconv.Itoa(r.LeftOut) + " without enough data left out"
	}
	return r
}

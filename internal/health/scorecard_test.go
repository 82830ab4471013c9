package health

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/expr-lang/expr"
)

// card wraps measures YAML (indented for a group's measures list) into a
// one-scorecard set; the measures start on line 8.
func card(measures string) string {
	return `scorecards:
  - name: only
    colours: {red_below: 40, green_from: 70}
    min_data: 0.5
    groups:
      - name: G
        weight: 1
        measures:
` + measures
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src string
		want      []string // "line:col: substring"
	}{
		{"unknown metric", card(`          - name: M
            metric: usage.nope
            weight: 1
            linear: {at_risk: 1, healthy: 2}
`), []string{`10:21: unknown metric "usage.nope"`}},
		{"unknown metric in formula", card(`          - name: M
            formula: usage.mau + nps.bogus
            weight: 1
            linear: {at_risk: 1, healthy: 2}
`), []string{`10:38: unknown metric "nps.bogus"`}},
		{"formula syntax, quoted", card(`          - name: M
            formula: "usage.mau + )"
            weight: 1
            linear: {at_risk: 1, healthy: 2}
`), []string{`10:35: unexpected token`}},
		{"formula in a block scalar", card(`          - name: M
            formula: |
              usage.mau +
                 foo.bar
            weight: 1
            linear: {at_risk: 1, healthy: 2}
`), []string{`12:18: unknown name foo`}},
		{"formula not a number", card(`          - name: M
            formula: usage.mau > 3
            weight: 1
            linear: {at_risk: 1, healthy: 2}
`), []string{`10:22: expected float64`}},
		{"weights all zero", card(`          - name: M
            metric: usage.mau
            weight: 0
            linear: {at_risk: 1, healthy: 2}
`), []string{`9:11: weights of group "G" are all zero`}},
		{"overlapping bands", card(`          - name: M
            metric: usage.mau
            weight: 1
            bands:
              - {to: 5, points: 0}
              - {from: 5, to: 10, points: 50}
              - {from: 9, points: 100}
`), []string{`15:18: band overlaps bands[1]`}},
		{"negative weight", card(`          - name: M
            metric: usage.mau
            weight: -1
            linear: {at_risk: 1, healthy: 2}
`), []string{`11:21: weights are non-negative`}},
		{"unknown key", card(`          - name: M
            metric: usage.mau
            wieght: 1
            linear: {at_risk: 1, healthy: 2}
`), []string{`11:13: unknown key "wieght"`}},
		{"every unknown key", card(`          - name: M
            metric: usage.mau
            wieght: 1
            linear: {at_risk: 1, healty: 2}
            bands:
              - {from: 1, points: 3, colour: red}
`) + `    treshold: 3
`, []string{`11:13: unknown key "wieght"`, `12:34: unknown key "healty"`, `14:38: unknown key "colour"`, `15:5: unknown key "treshold"`}},
		{"wrong type", card(`          - name: M
            metric: usage.mau
            weight: lots
            linear: {at_risk: 1, healthy: 2}
`), []string{`11:21: cannot unmarshal string into Go struct field`}},
		{"not YAML", card(`          - name: M
            metric: [usage.mau
`), []string{`10:21: `}},
		{"go-yaml panics", card(`         !- {name: M, formula: 'usage.mau %/ (]sage.dau - 1)', weSght: 1, bands: [{to: 1, points: 3}]}
`), []string{`0:0: invalid YAML`}},
		{"bad missing", card(`          - name: M
            metric: usage.mau
            weight: 1
            linear: {at_risk: 1, healthy: 2}
            missing: zero
`), []string{"13:22: missing is `skip` or `{default: POINTS}`"}},
		{"several problems, in order", card(`          - name: M
            metric: usage.nope
            weight: 1
            linear: {at_risk: 2, healthy: 2}
          - name: N
            weight: 1
            bands:
              - {from: 3, to: 1, points: 120}
`), []string{`10:21: unknown metric`, `12:22: at_risk and healthy must differ`, `13:13: needs a metric or a formula`, `16:18: must be below its to`, `16:42: points run from 0 to 100`}},
		{"bad applies", `scorecards:
  - name: big
    applies: tier == "enterprise" && nope
    colours: {red_below: 40, green_from: 70}
    groups:
      - name: G
        weight: 1
        measures:
          - {name: M, metric: usage.mau, weight: 1, linear: {at_risk: 1, healthy: 2}}
  - name: rest
    colours: {red_below: 40, green_from: 70}
    groups:
      - name: G
        weight: 1
        measures:
          - {name: M, metric: usage.mau, weight: 1, linear: {at_risk: 1, healthy: 2}}
`, []string{`3:38: unknown name nope`}},
		{"fallback not last", `scorecards:
  - name: rest
    colours: {red_below: 40, green_from: 70}
    groups:
      - name: G
        weight: 1
        measures:
          - {name: M, metric: usage.mau, weight: 1, linear: {at_risk: 1, healthy: 2}}
  - name: big
    applies: tier == "enterprise"
    colours: {red_below: 80, green_from: 70}
    groups:
      - name: G
        weight: 1
        measures:
          - {name: M, metric: usage.mau, weight: 1, linear: {at_risk: 1, healthy: 2}}
`, []string{`2:5: only the last scorecard`, `10:14: the last scorecard is the fallback`, `11:15: red_below (80) ≤ green_from (70)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.src))
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Parse = %v, want Problems", err)
			}
			if len(ps) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(ps), len(tc.want), err)
			}
			for i, w := range tc.want {
				pos, sub, _ := strings.Cut(w, ": ")
				got := ps[i]
				if fmt.Sprintf("%d:%d", got.Line, got.Column) != pos || !strings.Contains(got.Message, sub) {
					t.Errorf("problem %d = %v, want %s", i, got, w)
				}
			}
		})
	}
}

func TestDefaultRoundTrip(t *testing.T) {
	t.Parallel()
	s := Default()
	n := 0
	for _, g := range s.Scorecards[len(s.Scorecards)-1].Groups {
		n += len(g.Measures)
	}
	if n < 12 || n > 15 {
		t.Errorf("the default scorecard has %d measures, want 12–15", n)
	}
	out, err := s.YAML()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Parse(out)
	if err != nil {
		t.Fatalf("exported YAML does not parse: %v\n%s", err, out)
	}
	out2, _ := s2.YAML()
	if string(out) != string(out2) {
		t.Errorf("export is not stable:\n%s\n---\n%s", out, out2)
	}
	j1, _ := json.Marshal(s)
	j2, _ := json.Marshal(s2)
	if string(j1) != string(j2) {
		t.Errorf("round trip changed the set:\n%s\n%s", j1, j2)
	}
	// JSON too: a set read back from its JSON compiles to the same set.
	var s3 Set
	if err := json.Unmarshal(j1, &s3); err != nil {
		t.Fatal(err)
	}
	if err := s3.Compile(); err != nil {
		t.Fatal(err)
	}
	if j3, _ := json.Marshal(&s3); string(j3) != string(j1) {
		t.Errorf("JSON round trip changed the set:\n%s\n%s", j1, j3)
	}
}

func mustParse(t testing.TB, src string) *Set {
	t.Helper()
	s, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// twoGroups: A (weight 3) with linear m1 (skip) and banded m2 (default 20),
// B (weight 1) with m3 (skip).
const twoGroups = `scorecards:
  - name: two
    colours: {red_below: 40, green_from: 70}
    min_data: 0.3
    groups:
      - name: A
        weight: 3
        measures:
          - name: m1
            metric: usage.seat_utilisation
            weight: 1
            linear: {at_risk: 0.2, healthy: 0.7}
          - name: m2
            metric: support.open_tickets
            weight: 1
            bands:
              - {to: 3, points: 100}
              - {from: 3, to: 6, points: 50}
              - {from: 6, points: 0}
            missing: {default: 20}
      - name: B
        weight: 1
        measures:
          - name: m3
            metric: engagement.days_since_csm_touch
            weight: 1
            linear: {at_risk: 90, healthy: 10}
            missing: skip
`

func vals(kv ...any) *Values {
	var v Values
	for i := 0; i < len(kv); i += 2 {
		m, ok := MetricByName(kv[i].(string))
		if !ok {
			panic(kv[i])
		}
		v.Set(m.ID, kv[i+1].(float64))
	}
	return &v
}

func TestScore(t *testing.T) {
	t.Parallel()
	sc := mustParse(t, twoGroups).Scorecards[0]
	for _, tc := range []struct {
		name   string
		v      *Values
		score  float64
		colour Colour
		points []float64
		scored []string
		data   float64
	}{
		// m1 = (0.45−0.2)/0.5 = 50; m2 = 50; A = 50. m3 = (90−50)/80 = 50.
		{"all present", vals("usage.seat_utilisation", 0.45, "support.open_tickets", 4.0, "engagement.days_since_csm_touch", 50.0),
			50, Yellow, []float64{50, 50, 50}, []string{"value", "value", "value"}, 1},
		// linear clamps; bands edges: 6 → 0 points. A = (100+0)/2 = 50; B = 100 (reversed linear).
		{"clamped", vals("usage.seat_utilisation", 2.0, "support.open_tickets", 6.0, "engagement.days_since_csm_touch", 0.0),
			62.5, Yellow, []float64{100, 0, 100}, []string{"value", "value", "value"}, 1},
		// m3 skipped: B has nothing, A takes all. m2 missing → default 20:
		// A = (100+20)/2 = 60; data = 3/8.
		{"skip and default", vals("usage.seat_utilisation", 0.9),
			60, Yellow, []float64{100, 20, 0}, []string{"value", "default", "skipped"}, 0.375},
		// Only m2's default: no data at all.
		{"not enough data", vals(), 0, NotEnoughData, []float64{0, 20, 0}, []string{"skipped", "default", "skipped"}, 0},
		{"green", vals("usage.seat_utilisation", 0.7, "support.open_tickets", 0.0, "engagement.days_since_csm_touch", 10.0),
			100, Green, []float64{100, 100, 100}, []string{"value", "value", "value"}, 1},
		{"red", vals("usage.seat_utilisation", 0.1, "support.open_tickets", 9.0),
			0, Red, []float64{0, 0, 0}, []string{"value", "value", "skipped"}, 0.75},
	} {
		r := sc.Score(tc.v)
		if r.Score != tc.score || r.Colour != tc.colour || math.Abs(r.DataShare-tc.data) > 1e-9 {
			t.Errorf("%s: score %v %s data %v, want %v %s %v (%s)", tc.name, r.Score, r.Colour, r.DataShare, tc.score, tc.colour, tc.data, r.Reason)
		}
		for i, m := range r.Measures {
			if math.Abs(m.Points-tc.points[i]) > 1e-9 || m.Scored != tc.scored[i] {
				t.Errorf("%s: %s = %v points (%s), want %v (%s)", tc.name, m.Name, m.Points, m.Scored, tc.points[i], tc.scored[i])
			}
		}
	}
	r := sc.Score(vals("usage.seat_utilisation", 0.1, "support.open_tickets", 9.0))
	if r.Reason != "score below 40; most lowered by m1" {
		t.Errorf("reason = %q", r.Reason)
	}
	if nd := r.NoData(); !reflect.DeepEqual(nd, []string{"m3"}) {
		t.Errorf("NoData = %v", nd)
	}
	r = sc.Score(vals())
	if r.Reason != "not enough data: measures with values carry less than 30% of the weight" {
		t.Errorf("reason = %q", r.Reason)
	}
}

// TestExplanation checks that contributions add up to score − 50 and are
// sorted by size, on random values of the default scorecards.
func TestExplanation(t *testing.T) {
	t.Parallel()
	s := Default()
	rng := rand.New(rand.NewPCG(3, 4))
	var reused Result
	for range 2000 {
		v := randomValues(rng)
		for _, sc := range s.Scorecards {
			r := sc.Score(&v)
			sc.ScoreInto(&v, &reused)
			if !reflect.DeepEqual(r, reused) {
				t.Fatalf("ScoreInto into a used Result differs:\n%+v\n%+v", reused, r)
			}
			if r.Colour == NotEnoughData {
				continue
			}
			sum := 0.0
			for _, m := range r.Measures {
				sum += m.Contribution
			}
			if math.Abs(sum+Neutral-r.Score) > 0.051 {
				t.Fatalf("contributions add to %v, score %v", sum+Neutral, r.Score)
			}
			for i := 1; i < len(r.Explanation); i++ {
				if math.Abs(r.Measures[r.Explanation[i]].Contribution) > math.Abs(r.Measures[r.Explanation[i-1]].Contribution) {
					t.Fatalf("explanation not sorted: %v", r.Explanation)
				}
			}
		}
	}
}

func randomValues(rng *rand.Rand) Values {
	var v Values
	for id := range numMetrics {
		if rng.IntN(4) == 0 {
			continue
		}
		var x float64
		switch catalogue[id].Unit {
		case "1 yes, 0 no":
			x = float64(rng.IntN(2))
		case "ratio 0–1", "ratio":
			x = rng.Float64()*1.4 - 0.4
		case "points: red 0, yellow 50, green 100":
			x = float64(rng.IntN(3) * 50)
		default:
			x = float64(rng.IntN(120))
		}
		v.Set(id, x)
	}
	return v
}

func TestChoose(t *testing.T) {
	t.Parallel()
	s := Default()
	r := s.Score(&Profile{TouchModel: "tech"}, vals("usage.seat_utilisation", 0.5))
	if r.Scorecard != "tech touch" || r.Why != `scorecard "tech touch" applies: touch_model == "tech"` {
		t.Errorf("tech: %s, %q", r.Scorecard, r.Why)
	}
	r = s.Score(&Profile{TouchModel: "high"}, vals("usage.seat_utilisation", 0.5))
	if r.Scorecard != "default" || !strings.Contains(r.Why, "fallback") {
		t.Errorf("high: %s, %q", r.Scorecard, r.Why)
	}
	// The first matching scorecard wins.
	two := mustParse(t, `scorecards:
  - name: first
    applies: mrr > 1000
    colours: {red_below: 40, green_from: 70}
    groups: [{name: G, weight: 1, measures: [{name: M, metric: pulse, weight: 1, linear: {at_risk: 0, healthy: 100}}]}]
  - name: second
    applies: mrr > 100
    colours: {red_below: 40, green_from: 70}
    groups: [{name: G, weight: 1, measures: [{name: M, metric: pulse, weight: 1, linear: {at_risk: 0, healthy: 100}}]}]
  - name: last
    colours: {red_below: 40, green_from: 70}
    groups: [{name: G, weight: 1, measures: [{name: M, metric: pulse, weight: 1, linear: {at_risk: 0, healthy: 100}}]}]
`)
	for mrr, want := range map[float64]string{5000: "first", 500: "second", 50: "last"} {
		if sc, _ := two.Choose(&Profile{MRR: mrr}); sc.Name != want {
			t.Errorf("mrr %v: %s, want %s", mrr, sc.Name, want)
		}
	}
}

// TestConditionClosures checks the condition closures against expr's VM.
func TestConditionClosures(t *testing.T) {
	t.Parallel()
	profiles := []Profile{{}, {Tier: "enterprise", TouchModel: "high", MRR: 5000}, {Tier: "smb", TouchModel: "tech", Lifecycle: "onboarding", MRR: 99.5},
		{Industry: "retail", Region: "emea", Currency: "EUR", MRR: 100}}
	for _, src := range []string{
		`tier == "enterprise"`, `touch_model != "tech" and mrr >= 100`, `not (lifecycle in ["onboarding", "adopting"])`,
		`region not in ["emea"] || currency == "EUR"`, `mrr < 100 or mrr > 1000 && industry == "retail"`, `mrr <= 99.5`, `true`,
		`tier startsWith "ent"`, // the VM only
	} {
		s := &Set{Scorecards: []*Scorecard{{Name: "a", Applies: src}, {Name: "b"}}}
		s.Compile() // the empty scorecards are problems; the condition still compiles
		sc := s.Scorecards[0]
		if sc.applies == nil {
			t.Fatalf("%s did not compile", src)
		}
		if (sc.cond == nil) != strings.Contains(src, "startsWith") {
			t.Errorf("%s: closure %v", src, sc.cond != nil)
		}
		for _, p := range profiles {
			want, err := expr.Run(sc.applies, p)
			if err != nil {
				t.Fatal(err)
			}
			if sc.cond != nil && sc.cond(&p) != want.(bool) {
				t.Errorf("%s on %+v: closure %v, VM %v", src, p, !want.(bool), want)
			}
		}
	}
}

// TestFormulaClosures checks the closures against expr's own VM.
func TestFormulaClosures(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, src := range []string{
		"usage.mau / usage.dau",
		"-usage.trend + 2 * (nps.latest - 7) ** 2",
		"usage.mau > 10 and not (pulse == 0) ? max(usage.dau, 3, nps.latest) : min(1, usage.wau)",
		"abs(usage.trend) + floor(nps.average) + ceil(csat.average) + round(ces.average)",
		"usage.mau >= 1 || usage.mau <= 0 || usage.mau != 3 ? 1.5 : 2",
		"int(usage.mau) % 7", // the VM only
	} {
		f, err := compileFormula(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if (f.fn == nil) != strings.Contains(src, "%") {
			t.Errorf("%s: closure %v", src, f.fn != nil)
		}
		vmOnly := *f
		vmOnly.fn = nil
		for range 500 {
			v := randomValues(rng)
			x, ok := f.eval(&v)
			y, ok2 := vmOnly.eval(&v)
			if ok != ok2 || x != y {
				t.Fatalf("%s on %v: closure %v %v, VM %v %v", src, v.Map(), x, ok, y, ok2)
			}
		}
	}
	// A division by zero is missing, not infinity.
	f, _ := compileFormula("usage.mau / usage.dau")
	if _, ok := f.eval(vals("usage.mau", 3.0, "usage.dau", 0.0)); ok {
		t.Error("3/0 is present")
	}
	if _, err := expr.Compile("1"); err != nil {
		t.Fatal(err)
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	sc := mustParse(t, twoGroups).Scorecards[0]
	a := sc.Score(vals("usage.seat_utilisation", 0.45, "support.open_tickets", 4.0, "engagement.days_since_csm_touch", 50.0))
	b := sc.Score(vals("usage.seat_utilisation", 0.45, "support.open_tickets", 7.0))
	d := Diff(a, b)
	if d.Score != b.Score-a.Score || d.ColourBefore != Yellow {
		t.Errorf("diff %+v", d)
	}
	if len(d.Changes) != 2 || d.Changes[0].Measure != "m2" || d.Changes[1].Measure != "m3" || d.Changes[1].HasAfter {
		t.Fatalf("changes %+v", d.Changes)
	}
	// m2 went from 50 to 0 points; its weight from 3/8 to 1/2.
	if c := d.Changes[0]; c.PointsBefore != 50 || c.PointsAfter != 0 || math.Abs(c.Contribution-(-25-0)) > 1e-9 {
		t.Errorf("m2 change %+v", c)
	}
}

func TestRollUp(t *testing.T) {
	t.Parallel()
	c := Colours{RedBelow: 40, GreenFrom: 70}
	res := func(score float64, col Colour) Result { return Result{Score: score, Colour: col} }
	r := RollUp([]Child{{res(80, Green), 300}, {res(20, Red), 100}, {res(0, NotEnoughData), 1000}}, c)
	if r.Score != 65 || r.Colour != Yellow || r.Counted != 2 || r.LeftOut != 1 {
		t.Errorf("rollup %+v", r)
	}
	r = RollUp([]Child{{res(80, Green), 0}, {res(30, Red), 0}}, c)
	if r.Score != 55 || !strings.Contains(r.Reason, "none has MRR") {
		t.Errorf("rollup without MRR %+v", r)
	}
	if r = RollUp(nil, c); r.Colour != NotEnoughData {
		t.Errorf("empty rollup %+v", r)
	}
}

func TestResultJSON(t *testing.T) {
	t.Parallel()
	r := Default().Score(&Profile{}, vals("usage.seat_utilisation", 0.5, "pulse", 100.0))
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	r.card = nil
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, r) {
		t.Errorf("JSON round trip: %v\n%+v\n%+v", err, back, r)
	}
}

// TestManyGroups takes the paths for more groups and measures than the
// stack buffers of ScoreInto hold.
func TestManyGroups(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("scorecards:\n  - name: big\n    colours: {red_below: 40, green_from: 70}\n    groups:\n")
	for g := range 20 {
		fmt.Fprintf(&b, "      - name: G%d\n        weight: 1\n        measures:\n", g)
		for m := range 2 {
			// Measure m of group g scores 2g + 50m points.
			fmt.Fprintf(&b, "          - {name: M%d.%d, formula: 'pulse * %d / 100 + %d', weight: 1, linear: {at_risk: 0, healthy: 100}}\n", g, m, 0, 2*g+50*m)
		}
	}
	s := mustParse(t, b.String())
	r := s.Scorecards[0].Score(vals("pulse", 100.0))
	// Group g: (2g + 2g+50)/2 = 2g + 25; the mean over g = 0…19 is 44.
	// M0.0 (0 points) moves the score most.
	if r.Score != 44 || r.Colour != Yellow || len(r.Explanation) != 40 || r.Measures[r.Explanation[0]].Name != "M0.0" {
		t.Errorf("score %v %s, explanation %v", r.Score, r.Colour, r.Explanation)
	}
}

// A set sent with CRLF line ends (a browser's textarea) reports its
// problems at the same lines as with LF.
func TestParseCRLFPositions(t *testing.T) {
	src := strings.Replace(string(DefaultYAML()), "metric: nps.latest", "metric: nps.lastest", 1)
	_, errLF := Parse([]byte(src))
	_, errCRLF := Parse([]byte(strings.ReplaceAll(src, "\n", "\r\n")))
	var lf, crlf Problems
	if !errors.As(errLF, &lf) || !errors.As(errCRLF, &crlf) || len(lf) != 1 || len(crlf) != 1 {
		t.Fatalf("want one problem each way, got %v and %v", errLF, errCRLF)
	}
	if lf[0].Line != crlf[0].Line || lf[0].Column != crlf[0].Column {
		t.Fatalf("LF reports %d:%d, CRLF %d:%d", lf[0].Line, lf[0].Column, crlf[0].Line, crlf[0].Column)
	}
}

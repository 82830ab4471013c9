package health

import (
	"math"
	"testing"
)

func TestEvaluate(t *testing.T) {
	t.Parallel()
	outs := []Outcome{
		{80, Green, false}, {60, Yellow, false}, {50, Yellow, false},
		{30, Red, true}, {50, Yellow, true},
		{0, NotEnoughData, true},
	}
	b := Evaluate(outs)
	if b.N != 6 || b.Churned != 3 || b.Scored != 5 {
		t.Errorf("counts %+v", b)
	}
	// Pairs (stay, churn): 80>30, 80>50, 60>30, 60>50, 50>30, 50=50 (half)
	// → 5.5 of 6.
	if !b.AUCDefined || math.Abs(b.AUC-5.5/6) > 1e-12 {
		t.Errorf("AUC = %v, want %v", b.AUC, 5.5/6)
	}
	// Hanley–McNeil by hand: A = 11/12, Q1 = A/(2−A) = 0.846154,
	// Q2 = 2A²/(1+A) = 0.876812; SE² = (A(1−A) + 2(Q1−A²) + 1(Q2−A²))/6
	// = 0.0207792; SE = 0.144150; A − 1.96 SE = 0.634133; the upper end is
	// clamped to 1.
	if math.Abs(b.AUCLow-0.634133) > 1e-5 || b.AUCHigh != 1 {
		t.Errorf("interval [%v, %v]", b.AUCLow, b.AUCHigh)
	}
	want := map[Colour][2]int{Red: {1, 1}, Yellow: {3, 1}, Green: {1, 0}, NotEnoughData: {1, 1}}
	for _, c := range b.Colours {
		if w := want[c.Colour]; c.N != w[0] || c.Churned != w[1] || c.Rate != rate(w[1], w[0]) {
			t.Errorf("%s: %+v, want %v", c.Colour, c, w)
		}
	}
	if b.LiftDefined { // green has no churn
		t.Errorf("lift defined: %v", b.Lift)
	}
	d := b.Calibration
	if d[5].N != 2 || d[5].Churned != 1 || d[5].Rate != 0.5 || d[5].MeanScore != 50 || d[8].N != 1 || d[3].Churned != 1 || d[0].N != 0 {
		t.Errorf("calibration %+v", d)
	}
}

func TestEvaluateLiftAndPerfect(t *testing.T) {
	t.Parallel()
	var outs []Outcome
	// 10 red, 4 churn; 20 green, 2 churn: lift (4/10)/(2/20) = 4.
	for i := range 10 {
		outs = append(outs, Outcome{10, Red, i < 4})
	}
	for i := range 20 {
		outs = append(outs, Outcome{90, Green, i < 2})
	}
	b := Evaluate(outs)
	if !b.LiftDefined || math.Abs(b.Lift-4) > 1e-12 {
		t.Errorf("lift = %v, %v", b.Lift, b.LiftDefined)
	}
	// Perfect separation: AUC 1; all equal: 0.5; none churned: undefined.
	b = Evaluate([]Outcome{{90, Green, false}, {80, Green, false}, {10, Red, true}})
	if b.AUC != 1 || b.AUCHigh != 1 {
		t.Errorf("perfect AUC = %v [%v, %v]", b.AUC, b.AUCLow, b.AUCHigh)
	}
	b = Evaluate([]Outcome{{50, Yellow, false}, {50, Yellow, true}})
	if b.AUC != 0.5 {
		t.Errorf("tied AUC = %v", b.AUC)
	}
	b = Evaluate([]Outcome{{50, Yellow, false}})
	if b.AUCDefined {
		t.Error("AUC defined with no churn")
	}
	if b := Evaluate([]Outcome{{100, Green, false}}); b.Calibration[9].N != 1 {
		t.Error("a score of 100 is not in the last decile")
	}
}

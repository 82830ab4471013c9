package health

import (
	"cmp"
	"math"
	"slices"
)

// Outcome is one account scored as of a past day, and whether it churned
// within the horizon after that day.
type Outcome struct {
	Score   float64
	Colour  Colour
	Churned bool
}

// Backtest is how well scores separated the accounts that churned from
// those that stayed.
type Backtest struct {
	N       int `json:"n"`       // outcomes
	Churned int `json:"churned"` // of which churned
	// Scored is the outcomes with enough data, which AUC and the
	// calibration read.
	Scored int `json:"scored"`
	// AUC is the probability that a staying account scored higher than a
	// churning one (ties count half; Mann–Whitney U ÷ pairs), with a 95%
	// confidence interval by Hanley & McNeil (1982). 0.5 is a coin toss.
	// AUCDefined is false without both kinds of account.
	AUC        float64 `json:"auc"`
	AUCLow     float64 `json:"auc_low"`
	AUCHigh    float64 `json:"auc_high"`
	AUCDefined bool    `json:"auc_defined"`
	// Colours is the churn rate by colour: red, yellow, green, not enough
	// data.
	Colours []ColourRate `json:"colours"`
	// Lift is red's churn rate ÷ green's; LiftDefined is false when either
	// colour has no account or green has no churn.
	Lift        float64 `json:"lift"`
	LiftDefined bool    `json:"lift_defined"`
	// Calibration is the churn rate by score decile (0–10, 10–20, …,
	// 90–100; the last includes 100).
	Calibration []Decile `json:"calibration"`
}

// ColourRate is the churn of the accounts of one colour.
type ColourRate struct {
	Colour  Colour  `json:"colour"`
	N       int     `json:"n"`
	Churned int     `json:"churned"`
	Rate    float64 `json:"rate"` // Churned ÷ N; 0 when N is 0
}

// Decile is the churn of the accounts scored in [From, To).
type Decile struct {
	From      float64 `json:"from"`
	To        float64 `json:"to"`
	N         int     `json:"n"`
	Churned   int     `json:"churned"`
	Rate      float64 `json:"rate"`
	MeanScore float64 `json:"mean_score"`
}

// Evaluate computes the backtest of outs.
func Evaluate(outs []Outcome) Backtest {
	b := Backtest{N: len(outs)}
	cols := []ColourRate{{Colour: Red}, {Colour: Yellow}, {Colour: Green}, {Colour: NotEnoughData}}
	b.Calibration = make([]Decile, 10)
	for i := range b.Calibration {
		b.Calibration[i].From, b.Calibration[i].To = float64(10*i), float64(10*i+10)
	}
	var scored []Outcome
	for _, o := range outs {
		if o.Churned {
			b.Churned++
		}
		for i := range cols {
			if cols[i].Colour == o.Colour {
				cols[i].N++
				if o.Churned {
					cols[i].Churned++
				}
			}
		}
		if o.Colour == NotEnoughData {
			continue
		}
		scored = append(scored, o)
		d := &b.Calibration[min(max(int(o.Score/10), 0), 9)]
		d.N++
		d.MeanScore += o.Score
		if o.Churned {
			d.Churned++
		}
	}
	b.Scored = len(scored)
	for i := range cols {
		cols[i].Rate = rate(cols[i].Churned, cols[i].N)
	}
	b.Colours = cols
	for i := range b.Calibration {
		d := &b.Calibration[i]
		d.Rate = rate(d.Churned, d.N)
		if d.N > 0 {
			d.MeanScore /= float64(d.N)
		}
	}
	if red, green := cols[0], cols[2]; red.N > 0 && green.N > 0 && green.Churned > 0 {
		b.Lift, b.LiftDefined = red.Rate/green.Rate, true
	}
	b.AUC, b.AUCLow, b.AUCHigh, b.AUCDefined = auc(scored)
	return b
}

func rate(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

// auc is the Mann–Whitney AUC of staying over churning accounts, from
// mid-ranks, with the Hanley–McNeil 95% interval.
func auc(os []Outcome) (a, lo, hi float64, ok bool) {
	os = slices.Clone(os)
	slices.SortFunc(os, func(x, y Outcome) int { return cmp.Compare(x.Score, y.Score) })
	var rankStay float64
	var nStay, nChurn float64
	for i := 0; i < len(os); {
		j := i
		for j < len(os) && os[j].Score == os[i].Score {
			j++
		}
		mid := float64(i+j+1) / 2 // mean of ranks i+1 … j
		for k := i; k < j; k++ {
			if os[k].Churned {
				nChurn++
			} else {
				nStay++
				rankStay += mid
			}
		}
		i = j
	}
	if nStay == 0 || nChurn == 0 {
		return 0, 0, 0, false
	}
	a = (rankStay - nStay*(nStay+1)/2) / (nStay * nChurn)
	q1, q2 := a/(2-a), 2*a*a/(1+a)
	se := math.Sqrt((a*(1-a) + (nStay-1)*(q1-a*a) + (nChurn-1)*(q2-a*a)) / (nStay * nChurn))
	return a, max(a-1.96*se, 0), min(a+1.96*se, 1), true
}

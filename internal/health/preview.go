package health

import "github.com/tendhq/tend/internal/civil"

// ScoreAccount computes f's metrics as of asOf and scores them by the
// scorecard that applies to f, into r (reusing its slices).
func (s *Set) ScoreAccount(f *Facts, asOf civil.Date, r *Result) {
	v := Metrics(f, asOf)
	p := ProfileOf(f)
	s.ScoreInto(&p, &v, r)
}

// Account is one account's profile and metric values, the input of a
// preview.
type Account struct {
	Profile Profile
	Values  Values
}

// Preview is how a change of scorecards would move accounts between
// colours: Moves[before][after] counts accounts, including those that stay.
type Preview struct {
	Moves map[Colour]map[Colour]int `json:"moves"`
	// Changed is the accounts whose colour would change.
	Changed int `json:"changed"`
	// Before and After count accounts by colour.
	Before map[Colour]int `json:"before"`
	After  map[Colour]int `json:"after"`
}

// PreviewChange scores accounts by both sets, for the scorecard editor's
// "how many accounts would move colour" before saving.
func PreviewChange(before, after *Set, accounts []Account) Preview {
	pv := Preview{Moves: map[Colour]map[Colour]int{}, Before: map[Colour]int{}, After: map[Colour]int{}}
	var a, b Result
	for i := range accounts {
		acc := &accounts[i]
		before.ScoreInto(&acc.Profile, &acc.Values, &a)
		after.ScoreInto(&acc.Profile, &acc.Values, &b)
		if pv.Moves[a.Colour] == nil {
			pv.Moves[a.Colour] = map[Colour]int{}
		}
		pv.Moves[a.Colour][b.Colour]++
		pv.Before[a.Colour]++
		pv.After[b.Colour]++
		if a.Colour != b.Colour {
			pv.Changed++
		}
	}
	return pv
}

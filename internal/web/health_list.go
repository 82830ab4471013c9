package web

import (
	"context"
	"math"
	"strconv"

	"github.com/tendhq/tend/internal/store"
)

// healthTrendDays is how far back a list's health trend looks.
const healthTrendDays = 30

// healthFilters are the accounts list's health filter values and labels:
// the three colours, scored without enough data, and never scored.
var healthFilters = []struct{ value, label string }{
	{store.ColourRed, "Red"},
	{store.ColourYellow, "Yellow"},
	{store.ColourGreen, "Green"},
	{store.NotEnoughData, "Not enough data"},
	{store.Unscored, "Not scored yet"},
}

// healthCell is an account's health as a list shows it: the colour as a
// class and in words (colour is never the only signal), the score, and
// how it moved since healthTrendDays ago.
type healthCell struct {
	Class, Label string // red, yellow, green, none or unscored
	Score        string // "72"; "" with no score
	// Trend is up, down or flat, or "" with no point that long ago;
	// Change the signed points ("+6", "−4"), Then the earlier score.
	Trend, Change, Then string
	// score is the stored score (nil: never scored), for an export.
	score *store.HealthScore
}

// healthCellOf builds the cell of an account scored cur (ok false: never
// scored), then (thenOK false: no point healthTrendDays ago).
func healthCellOf(cur store.HealthScore, ok bool, then store.HealthScore, thenOK bool) healthCell {
	if !ok {
		return healthCell{Class: "unscored", Label: "Not scored yet"}
	}
	c := healthCell{Class: "none", Label: "Not enough data"}
	switch cur.Colour {
	case store.ColourRed:
		c.Class, c.Label = "red", "Red"
	case store.ColourYellow:
		c.Class, c.Label = "yellow", "Yellow"
	case store.ColourGreen:
		c.Class, c.Label = "green", "Green"
	}
	if cur.Score == nil {
		return c
	}
	c.Score = strconv.Itoa(int(math.Round(*cur.Score)))
	if !thenOK || then.Score == nil {
		return c
	}
	c.Then = strconv.Itoa(int(math.Round(*then.Score)))
	d := int(math.Round(*cur.Score - *then.Score))
	switch {
	case d > 0:
		c.Trend, c.Change = "up", "+"+strconv.Itoa(d)
	case d < 0:
		c.Trend, c.Change = "down", "−"+strconv.Itoa(-d)
	default:
		c.Trend, c.Change = "flat", "±0"
	}
	return c
}

// healthCells reads the health of a page of accounts and their scores
// healthTrendDays ago: two statements for the whole page, run at once.
func (s *server) healthCells(ctx context.Context, ids []int64) (map[int64]healthCell, error) {
	var cur, then map[int64]store.HealthScore
	err := parallel(ctx,
		func(ctx context.Context) (err error) { cur, err = s.st.HealthScores(ctx, ids); return err },
		func(ctx context.Context) (err error) {
			then, err = s.st.HealthScoresAsOf(ctx, ids, s.today().AddDays(-healthTrendDays))
			return err
		},
	)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]healthCell, len(ids))
	for _, id := range ids {
		c, ok := cur[id]
		t, tok := then[id]
		out[id] = healthCellOf(c, ok, t, tok)
		if ok {
			cell := out[id]
			cell.score = &c
			out[id] = cell
		}
	}
	return out, nil
}

// healthCSV is an account's health as two export columns: the score (one
// decimal; empty with none) and the colour (red, yellow, green,
// not_enough_data, or unscored).
func healthCSV(cur store.HealthScore, ok bool) (score, colour string) {
	if !ok {
		return "", store.Unscored
	}
	if cur.Score != nil {
		score = strconv.FormatFloat(math.Round(*cur.Score*10)/10, 'f', -1, 64)
	}
	if cur.Colour == store.ColourNone {
		return score, store.NotEnoughData
	}
	return score, cur.Colour
}

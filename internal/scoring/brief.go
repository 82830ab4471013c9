package scoring

import (
	"context"
	"math"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/store"
)

// BriefTrendDays is how far back a Brief's trend looks.
const BriefTrendDays = 30

// Brief is an account's health as a list shows it beside the account:
// colour, score, and how the score moved over the last BriefTrendDays.
type Brief struct {
	// Colour is red, yellow, green, not_enough_data, or unscored (never
	// scored).
	Colour string `json:"colour"`
	// Score is 0–100 to one decimal; null with not enough data or never
	// scored.
	Score *float64 `json:"score"`
	// Trend is up, down or flat: the score's change since 30 days ago,
	// rounded to whole points; empty with no score then.
	Trend string `json:"trend,omitempty"`
	// Change is that change in points (one decimal).
	Change *float64 `json:"change,omitempty"`
	// ScoredAt is when the current score was computed.
	ScoredAt *time.Time `json:"scored_at,omitempty"`
}

// Briefs reads the health of a page of accounts (two statements for the
// whole page), every id in the result.
func Briefs(ctx context.Context, st store.Health, ids []int64, today civil.Date) (map[int64]Brief, error) {
	out := make(map[int64]Brief, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	cur, err := st.HealthScores(ctx, ids)
	if err != nil {
		return nil, err
	}
	then, err := st.HealthScoresAsOf(ctx, ids, today.AddDays(-BriefTrendDays))
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		c, ok := cur[id]
		if !ok {
			out[id] = Brief{Colour: store.Unscored}
			continue
		}
		at := c.ScoredAt
		b := Brief{Colour: c.Colour, Score: c.Score, ScoredAt: &at}
		if c.Score == nil {
			b.Colour = store.NotEnoughData
		}
		if t, ok := then[id]; ok && t.Score != nil && c.Score != nil {
			d := math.Round((*c.Score-*t.Score)*10) / 10
			b.Change = &d
			switch r := math.Round(d); {
			case r > 0:
				b.Trend = "up"
			case r < 0:
				b.Trend = "down"
			default:
				b.Trend = "flat"
			}
		}
		out[id] = b
	}
	return out, nil
}

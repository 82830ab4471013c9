package web

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/segment"
	"github.com/tendhq/tend/internal/store"
)

// moverDays is how far back the dashboard's movers of the week look, and
// moversShown how many drops and rises it lists.
const (
	moverDays   = 7
	moversShown = 5
)

// move is an account's score now and moverDays ago.
type move struct {
	ID        int64
	Name      string
	Then, Now float64
	Colour    string
}

// loadHealth reads the dashboard's health figures: the customers by colour,
// and the accounts whose score moved most since moverDays ago (the scores
// of that day, then the current ones of those accounts, then the names of
// the few shown).
func (s *server) loadHealth(ctx context.Context, f *figures, today civil.Date) error {
	var err error
	if f.health, err = s.st.HealthDistribution(ctx); err != nil {
		return err
	}
	past, err := s.st.HealthScoresOn(ctx, today.AddDays(-moverDays))
	if err != nil || len(past) == 0 {
		return err
	}
	f.compared = true
	ids := make([]int64, 0, len(past))
	for _, p := range past {
		ids = append(ids, p.AccountID)
	}
	cur, err := s.st.HealthScores(ctx, ids)
	if err != nil {
		return err
	}
	var moves []move
	for _, p := range past {
		c, ok := cur[p.AccountID]
		if !ok || p.Score == nil || c.Score == nil || math.Round(*c.Score) == math.Round(*p.Score) {
			continue
		}
		moves = append(moves, move{ID: p.AccountID, Then: *p.Score, Now: *c.Score, Colour: c.Colour})
	}
	delta := func(m move) float64 { return m.Now - m.Then }
	slices.SortFunc(moves, func(a, b move) int { return cmp.Or(cmp.Compare(delta(a), delta(b)), cmp.Compare(a.ID, b.ID)) })
	for i := 0; i < len(moves) && i < moversShown && delta(moves[i]) < 0; i++ {
		f.drops = append(f.drops, moves[i])
	}
	for i := len(moves) - 1; i >= 0 && len(f.rises) < moversShown && delta(moves[i]) > 0; i-- {
		f.rises = append(f.rises, moves[i])
	}
	for _, list := range [][]move{f.drops, f.rises} {
		for i := range list {
			a, err := s.st.Accounts().Get(ctx, list[i].ID)
			if err != nil {
				return err
			}
			list[i].Name = a.Name
		}
	}
	return nil
}

// healthSlice is the customers of one health colour.
type healthSlice struct {
	Class, Label string
	Customers    int
	ARR          int64 // of the reporting currency
	Share        int   // of the customers, in whole percent
	URL          string
	// X and Width place the slice on the stacked bar, out of 1000.
	X, Width int
}

// healthMover is an account whose score moved in the week.
type healthMover struct {
	Name, URL    string
	Then, Now    string
	Change       string // "−12", "+8"
	Class, Label string // the current colour
	Down         bool
}

// dashboardHealth is the dashboard's health section.
type dashboardHealth struct {
	Slices []healthSlice
	// Scored is false when no customer has a score yet.
	Scored       bool
	Drops, Rises []healthMover
	Since        civil.Date
	// Compared is false when no account had a score on Since.
	Compared bool
}

// health fills the health section from the distribution and the moves.
func (v *dashboardView) health(f *figures, today civil.Date) {
	h := &v.Health
	h.Since = today.AddDays(-moverDays)
	h.Compared = f.compared
	order := []struct{ colour, class, label, filter string }{
		{store.ColourRed, "red", "Red", store.ColourRed},
		{store.ColourYellow, "yellow", "Yellow", store.ColourYellow},
		{store.ColourGreen, "green", "Green", store.ColourGreen},
		{store.ColourNone, "none", "Not enough data", store.NotEnoughData},
		{store.Unscored, "unscored", "Not scored yet", store.Unscored},
	}
	total := 0
	for _, b := range f.health {
		total += b.Customers
	}
	for _, o := range order {
		sl := healthSlice{Class: o.class, Label: o.label, URL: listParams{Health: o.filter}.url()}
		for _, b := range f.health {
			if b.Colour != o.colour {
				continue
			}
			sl.Customers += b.Customers
			if b.Currency == v.Currency {
				sl.ARR += 12 * b.CustomerMRR
			}
		}
		sl.Share = segment.Share{Part: int64(sl.Customers), Whole: int64(total)}.Percent()
		if o.colour != store.Unscored && sl.Customers > 0 {
			h.Scored = true
		}
		h.Slices = append(h.Slices, sl)
	}
	at := 0
	for i := range h.Slices {
		if total == 0 {
			break
		}
		end := int(math.Round(1000 * float64(cumulative(h.Slices[:i+1])) / float64(total)))
		h.Slices[i].X, h.Slices[i].Width = at, end-at
		at = end
	}
	mover := func(m move) healthMover {
		c := healthCellOf(store.HealthScore{Colour: m.Colour, Score: &m.Now}, true, store.HealthScore{}, false)
		d := int(math.Round(m.Now - m.Then))
		out := healthMover{Name: m.Name, URL: "/accounts/" + strconv.FormatInt(m.ID, 10) + "#health",
			Then: strconv.Itoa(int(math.Round(m.Then))), Now: c.Score, Class: c.Class, Label: c.Label, Down: d < 0}
		if d < 0 {
			out.Change = "−" + strconv.Itoa(-d)
		} else {
			out.Change = "+" + strconv.Itoa(d)
		}
		return out
	}
	for _, m := range f.drops {
		h.Drops = append(h.Drops, mover(m))
	}
	for _, m := range f.rises {
		h.Rises = append(h.Rises, mover(m))
	}
}

// cumulative is how many customers the slices hold together.
func cumulative(slices []healthSlice) int {
	n := 0
	for _, s := range slices {
		n += s.Customers
	}
	return n
}

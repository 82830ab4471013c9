package scoring

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// One account's health as the account page and the API show it: the
// current score explained, the pulse beside it, the trend and history,
// and what changed in the last 30 days. Plain data, read once.

// Trend windows, in days, and the window "what changed" looks back over.
var TrendDays = []int{7, 30, 90}

const (
	// HistoryDays is how far back the history chart goes.
	HistoryDays = 90
	// ChangedDays is how far back "what changed" compares with.
	ChangedDays = 30
)

// AccountHealth is an account's health.
type AccountHealth struct {
	AccountID int64      `json:"account_id"`
	Today     civil.Date `json:"today"`
	// Scored is false until the account has a score; the rest but the
	// pulse is then empty.
	Scored bool `json:"scored"`
	// Score is the current score, without its detail (Result explains
	// it); History's points leave theirs out too.
	Score  *store.HealthScore `json:"score,omitempty"`
	Result *health.Result     `json:"result,omitempty"`
	// Raised and Lowered are the measures that moved the score from the
	// neutral 50, largest effect first; NoData the measures with no value.
	Raised  []MeasureLine `json:"raised"`
	Lowered []MeasureLine `json:"lowered"`
	NoData  []MeasureLine `json:"no_data"`
	// Pulse is the latest pulse set on the account, if any; PulseActive
	// says whether it counts today (set on or before today, not expired).
	Pulse       *store.Pulse `json:"pulse,omitempty"`
	PulseActive bool         `json:"pulse_active"`
	Trend       []Trend      `json:"trend"`
	// History is the account's points in the window asked for, by day.
	History []store.HealthScore `json:"history"`
	// Changed is what changed since the latest score on or before Since;
	// nil when there was none.
	Since   civil.Date         `json:"since"`
	Changed *health.Difference `json:"changed,omitempty"`
	// ChangedLines are Changed's measures with their units.
	ChangedLines []ChangeLine `json:"changed_lines,omitempty"`
}

// MeasureLine is one measure of the explanation, with its metric's unit
// and window from the catalogue.
type MeasureLine struct {
	health.MeasureResult
	Unit        string `json:"unit,omitempty"`
	Window      string `json:"window,omitempty"`
	Description string `json:"description,omitempty"`
}

// ChangeLine is one measure of what changed, with its unit.
type ChangeLine struct {
	health.Change
	Unit string `json:"unit,omitempty"`
}

// Trend is the score's change over the last Days days.
type Trend struct {
	Days int `json:"days"`
	// Then is the latest score on or before the day Days ago (nil: none,
	// or not enough data then); Change is now minus then.
	Then   *float64 `json:"then"`
	Change *float64 `json:"change"`
}

// ReadAccountHealth reads account id's health as of today, with the
// history from..to (both zero: the last HistoryDays days).
func ReadAccountHealth(ctx context.Context, st store.Health, id int64, today, from, to civil.Date) (AccountHealth, error) {
	h := AccountHealth{AccountID: id, Today: today, Since: today.AddDays(-ChangedDays)}
	pulses, err := st.Pulses(ctx, id)
	if err != nil {
		return h, err
	}
	if len(pulses) > 0 {
		h.Pulse = &pulses[0]
		h.PulseActive = PulseActive(pulses[0], today)
	}
	hs, err := st.HealthScore(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return h, nil
	}
	if err != nil {
		return h, err
	}
	r, err := Explain(ctx, st, hs)
	if err != nil {
		return h, err
	}
	// The kept values are in the result; the raw detail is the store's.
	shown := hs
	shown.Detail = nil
	h.Scored, h.Score = true, &shown
	h.Result = &r
	for _, i := range r.Explanation {
		m := r.Measures[i]
		switch {
		case m.Scored == health.ScoredSkipped || !m.HasValue && m.Scored != health.ScoredDefault:
		case m.Contribution >= 0.05:
			h.Raised = append(h.Raised, line(m))
		case m.Contribution <= -0.05:
			h.Lowered = append(h.Lowered, line(m))
		}
	}
	for _, m := range r.Measures {
		if !m.HasValue {
			h.NoData = append(h.NoData, line(m))
		}
	}

	// One read covers the trend, the chart and what changed.
	if from.IsZero() && to.IsZero() {
		from, to = today.AddDays(-HistoryDays), today
	}
	lo := today.AddDays(-TrendDays[len(TrendDays)-1] - 366)
	if from.Before(lo) {
		lo = from
	}
	hi := today
	if to.After(hi) {
		hi = to
	}
	all, err := st.HealthHistory(ctx, id, lo, hi)
	if err != nil {
		return h, err
	}
	// The store gives the order they were computed in; a day scored
	// later (a backfill) goes in its place.
	slices.SortStableFunc(all, func(x, y store.HealthScore) int {
		return cmp.Or(cmp.Compare(x.Day.String(), y.Day.String()), x.ScoredAt.Compare(y.ScoredAt))
	})
	h.History = []store.HealthScore{}
	for _, p := range all {
		if !p.Day.Before(from) && !p.Day.After(to) {
			p.Detail = nil
			h.History = append(h.History, p)
		}
	}
	for _, days := range TrendDays {
		t := Trend{Days: days}
		if then, ok := latestOn(all, today.AddDays(-days)); ok && then.Score != nil {
			t.Then = then.Score
			if hs.Score != nil {
				c := math.Round((*hs.Score-*then.Score)*10) / 10
				t.Change = &c
			}
		}
		h.Trend = append(h.Trend, t)
	}
	if then, ok := latestOn(all, h.Since); ok {
		before, err := Explain(ctx, st, then)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return h, err
		}
		if err == nil {
			d := health.Diff(before, r)
			h.Changed = &d
			for _, c := range d.Changes {
				h.ChangedLines = append(h.ChangedLines, ChangeLine{Change: c, Unit: unitOf(c.Measure, r, before)})
			}
		}
	}
	return h, nil
}

// latestOn is the latest point dated on or before day (points are in
// time order).
func latestOn(ps []store.HealthScore, day civil.Date) (store.HealthScore, bool) {
	for i := len(ps) - 1; i >= 0; i-- {
		if !ps[i].Day.After(day) {
			return ps[i], true
		}
	}
	return store.HealthScore{}, false
}

func line(m health.MeasureResult) MeasureLine {
	l := MeasureLine{MeasureResult: m}
	if c, ok := health.MetricByName(m.Metric); ok {
		l.Unit, l.Window, l.Description = c.Unit, c.Window, c.Description
	}
	return l
}

func unitOf(measure string, rs ...health.Result) string {
	for _, r := range rs {
		for _, m := range r.Measures {
			if m.Name == measure {
				if c, ok := health.MetricByName(m.Metric); ok {
					return c.Unit
				}
				return ""
			}
		}
	}
	return ""
}

// ValueText writes a measure's value for people: yes/no for flags, a
// percentage for ratios, the pulse's colour, a number otherwise.
func ValueText(v float64, has bool, unit string) string {
	if !has {
		return "no data"
	}
	switch {
	case unit == "1 yes, 0 no":
		if v >= 1 {
			return "yes"
		}
		return "no"
	case strings.HasPrefix(unit, "points: red"):
		switch v {
		case 0:
			return "red"
		case 50:
			return "yellow"
		case 100:
			return "green"
		}
	case strings.HasPrefix(unit, "ratio"):
		return strconv.FormatFloat(math.Round(v*1000)/10, 'f', -1, 64) + "%"
	}
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	if v == 1 && strings.HasSuffix(unit, "s") {
		unit = strings.TrimSuffix(unit, "s") // 1 day, 1 ticket
	}
	if unit != "" && !strings.HasPrefix(unit, "score") {
		s += " " + unit
	} else if strings.HasPrefix(unit, "score") {
		s += " (" + unit + ")"
	}
	return s
}

// PulseActive reports whether p counts on day: set on or before it and
// expiring after it.
func PulseActive(p store.Pulse, day civil.Date) bool {
	return !civil.Of(p.SetAt).After(day) && day.Before(p.ExpiresOn)
}

// SetPulse checks and stores a CSM's pulse on p.AccountID, then rescores
// the account as of today so the pulse counts at once. Problems are a
// validate.Errors naming colour, reason or expires_on.
func SetPulse(ctx context.Context, st store.Store, p *store.Pulse, today civil.Date) (store.HealthScore, error) {
	var errs validate.Errors
	p.Colour = strings.ToLower(strings.TrimSpace(p.Colour))
	p.Reason = strings.TrimSpace(p.Reason)
	if errs.Required("colour", p.Colour) {
		errs.OneOf("colour", p.Colour, []string{store.ColourRed, store.ColourYellow, store.ColourGreen})
	}
	errs.Required("reason", p.Reason)
	switch {
	case p.ExpiresOn.IsZero():
		errs.Add("expires_on", "required", "is required")
	case !today.Before(p.ExpiresOn):
		errs.Add("expires_on", "invalid", "must be after today (%s)", today)
	}
	if err := errs.Err(); err != nil {
		return store.HealthScore{}, err
	}
	if err := st.SetPulse(ctx, p); err != nil {
		return store.HealthScore{}, err
	}
	hs, _, err := Rescore(ctx, st, p.AccountID, today)
	return hs, err
}

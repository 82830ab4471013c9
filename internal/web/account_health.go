package web

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/chart"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// The account page's health panel: the score with its colour, why, the
// groups, the measures that raised and lowered it, those with no data,
// the trend, a 90-day chart, what changed in 30 days, and the CSM's
// pulse with the form that sets it. The data is scoring.ReadAccountHealth;
// this file only words it. The panel is the "health-panel" partial
// (templates/layout/account_health.html).

// HealthPanel is what the health-panel partial shows.
type HealthPanel struct {
	AccountID int64
	Scored    bool
	// CanEdit is whether the viewer may set the pulse.
	CanEdit bool
	Score   string // "72.4", or "—" with not enough data
	Colour  colourTag
	Reason  string
	// Scorecard and Why say which scorecard applied and why; Version is
	// the scorecards version that scored it (0: the one Tend ships).
	Scorecard, Why string
	Version        int
	ScoredAt       time.Time
	DataShare      string // "80%" of the weight had data
	Groups         []healthGroup
	Raised         []healthLine
	Lowered        []healthLine
	NoData         []healthLine
	Trend          []healthTrend
	Chart, Narrow  template.HTML
	Changed        *healthChanged
	Pulse          *healthPulse
	// PulseForm is the form that sets the pulse (when CanEdit); Saved says
	// a pulse was just set and the score recomputed.
	PulseForm *formState
	Saved     bool
}

// colourTag is a colour as a class and as words: colour is never the
// only signal.
type colourTag struct{ Class, Label string }

func colourOf(c string) colourTag {
	switch c {
	case store.ColourRed:
		return colourTag{"red", "Red"}
	case store.ColourYellow:
		return colourTag{"yellow", "Yellow"}
	case store.ColourGreen:
		return colourTag{"green", "Green"}
	}
	return colourTag{"none", "Not enough data"}
}

type healthGroup struct {
	Name, Points, Weight string
	Skipped              bool
}

type healthLine struct {
	Name, Value, Unit, Window, Points, Effect, Weight, Description string
	Formula                                                        string
	Defaulted, Skipped                                             bool
}

type healthTrend struct {
	Label, Change, Then string
	Dir                 string // up, down, flat or none
}

type healthChanged struct {
	Since                   civil.Date
	From, To, Change        string
	ColourFrom, ColourTo    colourTag
	ColourMoved, Scorecards bool
	ScorecardChange         string
	Lines                   []healthChange
}

type healthChange struct {
	Measure, Before, After, Effect string
	Dir                            string
	// Same is true when the value did not change: the effect moved
	// because weight moved between measures as others gained or lost data.
	Same bool
}

type healthPulse struct {
	Colour    colourTag
	Reason    string
	By        string
	SetAt     time.Time
	ExpiresOn civil.Date
	Active    bool
}

// one decimal, or a whole number without one.
func tenth(x float64) string {
	return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
}

// signed writes a change of points with its sign ("+4.2", "−1.5").
func signed(x float64) string {
	x = math.Round(x*10) / 10
	switch {
	case x > 0:
		return "+" + tenth(x)
	case x < 0:
		return "−" + tenth(-x)
	}
	return "0"
}

func direction(x float64) string {
	switch x = math.Round(x*10) / 10; {
	case x > 0:
		return "up"
	case x < 0:
		return "down"
	}
	return "flat"
}

func lineOf(m scoring.MeasureLine) healthLine {
	return healthLine{Name: m.Name, Value: scoring.ValueText(m.Value, m.HasValue, m.Unit), Unit: m.Unit, Window: m.Window,
		Points: tenth(m.Points), Effect: signed(m.Contribution), Weight: fmt.Sprintf("%.0f%%", m.Weight*100),
		Description: m.Description, Formula: m.Formula,
		Defaulted: m.Scored == health.ScoredDefault, Skipped: m.Scored == health.ScoredSkipped}
}

// healthPanel reads account a's health as of today and words it.
func (s *server) healthPanel(ctx context.Context, id int64, canEdit bool) (HealthPanel, error) {
	today := s.today()
	h, err := scoring.ReadAccountHealth(ctx, s.st, id, today, civil.Date{}, civil.Date{})
	if err != nil {
		return HealthPanel{}, err
	}
	p := HealthPanel{AccountID: id, Scored: h.Scored, CanEdit: canEdit}
	if h.Pulse != nil {
		p.Pulse = &healthPulse{Colour: colourOf(h.Pulse.Colour), Reason: h.Pulse.Reason,
			By: cmp.Or(h.Pulse.SetByEmail, "someone"), SetAt: h.Pulse.SetAt, ExpiresOn: h.Pulse.ExpiresOn, Active: h.PulseActive}
	}
	if canEdit {
		p.PulseForm = pulseForm(nil, today)
	}
	if !h.Scored {
		return p, nil
	}
	hs, r := h.Score, h.Result
	p.Colour, p.Reason, p.Scorecard, p.Why, p.Version, p.ScoredAt = colourOf(hs.Colour), r.Reason, r.Scorecard, r.Why, hs.Version, hs.ScoredAt
	p.Score = "—"
	if hs.Score != nil {
		p.Score = tenth(*hs.Score)
	}
	p.DataShare = fmt.Sprintf("%.0f%%", r.DataShare*100)
	for _, g := range r.Groups {
		p.Groups = append(p.Groups, healthGroup{Name: g.Name, Points: tenth(g.Points), Weight: fmt.Sprintf("%.0f%%", g.Weight*100), Skipped: g.Skipped})
	}
	for _, m := range h.Raised {
		p.Raised = append(p.Raised, lineOf(m))
	}
	for _, m := range h.Lowered {
		p.Lowered = append(p.Lowered, lineOf(m))
	}
	for _, m := range h.NoData {
		p.NoData = append(p.NoData, lineOf(m))
	}
	for _, t := range h.Trend {
		row := healthTrend{Label: strconv.Itoa(t.Days) + " days", Dir: "none", Change: "no score then"}
		if t.Change != nil {
			row.Change, row.Dir, row.Then = signed(*t.Change), direction(*t.Change), tenth(*t.Then)
		}
		p.Trend = append(p.Trend, row)
	}
	p.Chart, p.Narrow = historyChart(id, h.History, today)
	if d := h.Changed; d != nil {
		before, after := scoreText(d.ColourBefore, d.ScoreBefore), scoreText(d.ColourAfter, d.ScoreAfter)
		c := &healthChanged{Since: h.Since, From: before, To: after, Change: signed(d.Score),
			ColourFrom: colourOf(colourString(d.ColourBefore)), ColourTo: colourOf(colourString(d.ColourAfter)),
			ColourMoved: d.ColourBefore != d.ColourAfter, ScorecardChange: d.Scorecard}
		for _, l := range h.ChangedLines {
			c.Lines = append(c.Lines, healthChange{Measure: l.Measure,
				Before: scoring.ValueText(l.Before, l.HasBefore, l.Unit), After: scoring.ValueText(l.After, l.HasAfter, l.Unit),
				Effect: signed(l.Contribution), Dir: direction(l.Contribution),
				Same: l.HasBefore == l.HasAfter && l.Before == l.After})
		}
		p.Changed = c
	}
	return p, nil
}

func colourString(c health.Colour) string {
	if c == health.NotEnoughData {
		return ""
	}
	return string(c)
}

func scoreText(c health.Colour, x float64) string {
	if c == health.NotEnoughData {
		return "—"
	}
	return tenth(x)
}

// historyChart draws the score over the last 90 days: each day shows the
// latest score computed on or before it, so the line holds between
// recomputes; days before the first score are a gap.
func historyChart(id int64, points []store.HealthScore, today civil.Date) (wide, narrow template.HTML) {
	if len(points) == 0 {
		return "", ""
	}
	from := today.AddDays(-scoring.HistoryDays)
	c := chart.Lines{ID: "health-" + strconv.FormatInt(id, 10), Title: "Health score, last 90 days",
		Desc: fmt.Sprintf("The account's health score (0–100) per day from %s to %s.", from, today), Format: tenth}
	series := chart.Series{Name: "Score", Class: "health"}
	k, last := 0, chart.Value{}
	for d := from; !d.After(today); d = d.AddDays(1) {
		for k < len(points) && !points[k].Day.After(d) {
			last = chart.Value{}
			if points[k].Score != nil {
				last = chart.Value{V: *points[k].Score, OK: true}
			}
			k++
		}
		c.Labels = append(c.Labels, d.Time().Format("2 Jan"))
		series.Values = append(series.Values, last)
	}
	c.Series = []chart.Series{series}
	return c.SVG(chart.Wide), c.SVG(chart.Narrow)
}

// pulseForm is the form that sets the pulse, filled with what was sent
// (nil: a fresh form expiring in 30 days).
func pulseForm(sent url.Values, today civil.Date) *formState {
	get := func(k, def string) string {
		if sent == nil {
			return def
		}
		return sent.Get(k)
	}
	return &formState{Fields: []*field{
		{Name: "colour", ID: "pulse-colour", Label: "Colour", Type: "select", Value: get("colour", ""), Required: true,
			Options: []option{{Value: "", Label: "Choose a colour"}, {Value: "green", Label: "Green: healthy"},
				{Value: "yellow", Label: "Yellow: watch"}, {Value: "red", Label: "Red: at risk"}}},
		{Name: "expires_on", ID: "pulse-expires", Label: "Counts until", Type: "date", Value: get("expires_on", today.AddDays(30).String()),
			Required: true, Min: today.AddDays(1).String(), Hint: "The pulse stops counting on this day."},
		{Name: "reason", ID: "pulse-reason", Label: "Reason", Type: "textarea", Value: get("reason", ""), Required: true, MaxLen: 2000, Wide: true,
			Hint: "What you know that the data does not show."},
	}}
}

// setPulse is POST /accounts/{id}/pulse: the CSM's colour for the
// account, stored and counted at once (the account is rescored). A
// problem re-shows the account page (422) with each message beside its
// field.
func (s *server) setPulse(w http.ResponseWriter, r *http.Request) error {
	p, a, err := s.editableAccount(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	today := s.today()
	pulse := store.Pulse{AccountID: a.ID, Colour: f.Get("colour"), Reason: strings.ReplaceAll(f.Get("reason"), "\r\n", "\n"), SetBy: p.UserID}
	form := pulseForm(f, today)
	if on := strings.TrimSpace(f.Get("expires_on")); on != "" {
		d, err := civil.Parse(on)
		if err != nil {
			form.fail("expires_on", fmt.Sprintf("%q is not a date", clipText(on, 40)))
		}
		pulse.ExpiresOn = d
	}
	if !form.Failed() {
		_, err := scoring.SetPulse(r.Context(), s.st, &pulse, today)
		if errs, ok := validate.As(err); ok {
			form.addErrors(errs, nil)
		} else if err != nil {
			return err
		}
	}
	if form.Failed() {
		v, err := s.accountView(r.Context(), a, p)
		if err != nil {
			return err
		}
		v.Log = activityForm(nil, s.now())
		v.Health.PulseForm = form
		return s.render(w, r, http.StatusUnprocessableEntity, "account", v)
	}
	http.Redirect(w, r, "/accounts/"+strconv.FormatInt(a.ID, 10)+"?pulse=1#health", http.StatusSeeOther)
	return nil
}

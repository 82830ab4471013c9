package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/chart"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/scoring"
)

// The backtest page: how well the scorecards in force would have told the
// accounts that churned from those that stayed, scored on past days from
// what was known on each. It is computed on each request (about a second
// on the demo company) and says how long it took.

// backtestView is the backtest page.
type backtestView struct {
	Page
	Form struct{ Horizon, From, To, Every string }
	// Errors are the form's problems by field; Problem is the backtest's
	// refusal (a horizon that has not passed yet …).
	Errors  map[string]string
	Problem string
	Report  *scoring.BacktestReport
	Reading string // the AUC in plain words
	Colours []backtestColour
	Lift    string
	Wide    template.HTML
	Narrow  template.HTML
	Deciles []backtestDecile
	Took    string
	Today   civil.Date
	// First and Last are the first and last days scored.
	First, Last civil.Date
}

type backtestColour struct {
	Label      string
	N, Churned int
	Rate       string
}

type backtestDecile struct {
	Range, Rate, Mean string
	N, Churned        int
}

func (s *server) backtestPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.principal(r); err != nil {
		return err
	}
	today := s.today()
	v := backtestView{Page: Page{Title: "Health score backtest", Section: "retention"}, Errors: map[string]string{}, Today: today}
	o := scoring.DefaultBacktest(today)
	q := r.URL.Query()
	readInt := func(name string, into *int) {
		raw := strings.TrimSpace(q.Get(name))
		if raw == "" {
			return
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n <= 0 || n > 3650 {
			v.Errors[name] = "Enter a whole number of days, from 1 to 3650."
			return
		}
		*into = n
	}
	readDate := func(name string, into *civil.Date) {
		raw := strings.TrimSpace(q.Get(name))
		if raw == "" {
			return
		}
		d, err := civil.Parse(raw)
		if err != nil {
			v.Errors[name] = "Enter a date as YYYY-MM-DD."
			return
		}
		*into = d
	}
	// A new horizon moves the default days with it, unless they are given.
	readInt("horizon", &o.Horizon)
	if def := scoring.DefaultBacktest(today); o.Horizon != def.Horizon {
		o.To = today.AddDays(-o.Horizon)
		o.From = o.To.AddDays(def.From.DaysSince(def.To))
	}
	readInt("every", &o.Every)
	readDate("from", &o.From)
	readDate("to", &o.To)
	v.Form.Horizon, v.Form.Every = strconv.Itoa(o.Horizon), strconv.Itoa(o.Every)
	v.Form.From, v.Form.To = o.From.String(), o.To.String()
	if len(v.Errors) > 0 {
		for _, name := range []string{"horizon", "every", "from", "to"} {
			if raw := q.Get(name); raw != "" && v.Errors[name] != "" {
				v.setForm(name, raw)
			}
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "health_backtest", v)
	}
	if days := o.To.DaysSince(o.From)/o.Every + 1; days > 120 {
		v.Problem = fmt.Sprintf("That is %d days to score; choose at most 120 (a longer step, or a shorter span).", days)
		return s.render(w, r, http.StatusUnprocessableEntity, "health_backtest", v)
	}
	t0 := time.Now()
	rep, err := scoring.Backtest(r.Context(), s.st, today, o)
	if err != nil {
		if strings.HasPrefix(err.Error(), "backtest:") {
			v.Problem = strings.TrimPrefix(err.Error(), "backtest: ")
			return s.render(w, r, http.StatusUnprocessableEntity, "health_backtest", v)
		}
		return err
	}
	v.Took = time.Since(t0).Round(10 * time.Millisecond).String()
	v.describe(&rep)
	return s.render(w, r, http.StatusOK, "health_backtest", v)
}

func (v *backtestView) setForm(name, raw string) {
	switch name {
	case "horizon":
		v.Form.Horizon = raw
	case "every":
		v.Form.Every = raw
	case "from":
		v.Form.From = raw
	case "to":
		v.Form.To = raw
	}
}

// describe fills the view from the report.
func (v *backtestView) describe(rep *scoring.BacktestReport) {
	v.Report = rep
	if len(rep.Days) > 0 {
		v.First, v.Last = rep.Days[0], rep.Days[len(rep.Days)-1]
	}
	if rep.AUCDefined {
		v.Reading = aucReading(rep.AUC)
	}
	var bars []chart.Bar
	var desc []string
	for _, c := range rep.Colours {
		label := cardColourLabel(c.Colour)
		rate := "—"
		if c.N > 0 {
			rate = percent1(c.Rate)
		}
		v.Colours = append(v.Colours, backtestColour{Label: label, N: c.N, Churned: c.Churned, Rate: rate})
		bars = append(bars, chart.Bar{Label: label, Value: int64(c.Rate*1000 + 0.5), ValueText: rate,
			Note: fmt.Sprintf("%d of %s", c.Churned, plural(c.N, "score")), Muted: c.Colour == health.NotEnoughData})
		desc = append(desc, fmt.Sprintf("%s %s (%d of %d)", label, rate, c.Churned, c.N))
	}
	if rep.LiftDefined {
		v.Lift = strconv.FormatFloat(rep.Lift, 'f', 1, 64) + "×"
	}
	if rep.N > 0 {
		bc := chart.Bars{ID: "churn-by-colour", Title: fmt.Sprintf("Churn within %d days, by the colour scored", rep.Horizon), Bars: bars,
			Tick: func(x int64) string { return strconv.FormatFloat(float64(x)/10, 'f', -1, 64) + "%" }}
		bc.Desc = "Churn rate by colour: " + strings.Join(desc, "; ") + "."
		v.Wide, v.Narrow = bc.SVG(chart.Wide), bc.SVG(chart.Narrow)
	}
	for _, d := range rep.Calibration {
		row := backtestDecile{Range: fmt.Sprintf("%g–%g", d.From, d.To), N: d.N, Churned: d.Churned, Rate: "—", Mean: "—"}
		if d.N > 0 {
			row.Rate, row.Mean = percent1(d.Rate), strconv.FormatFloat(d.MeanScore, 'f', 1, 64)
		}
		v.Deciles = append(v.Deciles, row)
	}
}

// aucReading says what an AUC means, in words.
func aucReading(auc float64) string {
	switch {
	case auc >= 0.9:
		return "Excellent separation: almost every time, an account that stayed had scored higher than one that churned."
	case auc >= 0.8:
		return "Strong: an account that stayed had scored higher than one that churned most of the time."
	case auc >= 0.7:
		return "Useful: the score ranks accounts that stay above accounts that churn clearly more often than not."
	case auc >= 0.6:
		return "Weak: better than chance, but many churning accounts scored as well as staying ones."
	case auc > 0.5:
		return "Barely better than a coin toss."
	default:
		return "No better than a coin toss (or worse): the score does not tell churning accounts from staying ones."
	}
}

// cardColourLabel is a health colour as people read it.
func cardColourLabel(c health.Colour) string {
	for _, o := range cardColours {
		if o.c == c {
			return o.label
		}
	}
	return string(c)
}

// percent1 writes a rate 0–1 as a percentage with one decimal.
func percent1(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" }

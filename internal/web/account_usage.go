package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/chart"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// An account's product usage: active users over 90 days (SVG), seat
// utilisation, breadth, depth, trend and the top features. The page is
// /accounts/{id}/usage; the panel itself is the "usage-panel" partial
// (templates/layout/usage.html), ready for the account page to include
// with a UsagePanel.

// UsagePanel is what the usage-panel partial shows.
type UsagePanel struct {
	R                  adoption.Report
	ChartWide, Narrow  template.HTML
	Seat, Breadth      string // "62%", or "—" when undefined
	Depth, Trend       string
	Stickiness         string
	TopFeatures        []adoption.Feature
	HasUsage, Features bool
}

type accountUsageView struct {
	Page
	A     customer.Account
	Panel UsagePanel
}

func pctOf(f *float64, signed bool) string {
	if f == nil {
		return "—"
	}
	if signed {
		return fmt.Sprintf("%+.0f%%", *f*100)
	}
	return fmt.Sprintf("%.0f%%", *f*100)
}

// usagePanel builds the panel of account id as of today.
func (s *server) usagePanel(ctx context.Context, id int64, name string) (UsagePanel, error) {
	cat, err := adoption.LoadCatalog(ctx, s.st)
	if err != nil {
		return UsagePanel{}, err
	}
	const days = 90
	rep, err := adoption.Measure(ctx, s.st, cat, id, usage.DayOf(s.today().Time()), days)
	if err != nil {
		return UsagePanel{}, err
	}
	p := UsagePanel{R: rep, Seat: pctOf(rep.SeatUtilisation, false), Breadth: pctOf(rep.Breadth, false),
		Depth: pctOf(rep.Depth, false), Trend: pctOf(rep.Trend, true), Stickiness: pctOf(rep.Stickiness, false),
		HasUsage: rep.Events > 0 || rep.EventsPrev > 0, Features: rep.FeaturesDefined > 0}
	p.TopFeatures = rep.Features[:min(len(rep.Features), 8)]
	lines := chart.CountLines{ID: "usage-" + strconv.FormatInt(id, 10), Title: "Active users of " + name + ", last 90 days",
		Desc: fmt.Sprintf("Monthly, weekly and daily active users per day; today %d, %d and %d.", rep.MAU, rep.WAU, rep.DAU), YLabel: "Active users"}
	mau, wau, dau := chart.CountSeries{Name: "MAU", Class: "chart-line-1"}, chart.CountSeries{Name: "WAU", Class: "chart-line-2"}, chart.CountSeries{Name: "DAU", Class: "chart-line-3"}
	for _, d := range rep.Activity {
		lines.Labels = append(lines.Labels, d.Day)
		mau.Values, wau.Values, dau.Values = append(mau.Values, int64(d.MAU)), append(wau.Values, int64(d.WAU)), append(dau.Values, int64(d.DAU))
	}
	lines.Series = []chart.CountSeries{mau, wau, dau}
	p.ChartWide, p.Narrow = lines.SVG(chart.Wide), lines.SVG(chart.Narrow)
	return p, nil
}

func (s *server) accountUsagePage(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return notFound("Account not found", "There is no account at this address.")
	}
	a, err := s.st.Accounts().Get(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("Account not found", "No account has this id. It may have been deleted or merged.")
	}
	if err != nil {
		return err
	}
	p, err := s.usagePanel(r.Context(), id, a.Name)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "account_usage", accountUsageView{Page: Page{Title: a.Name + " · Usage", Section: "accounts"}, A: a, Panel: p})
}

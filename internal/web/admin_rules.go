package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/automation"
	"github.com/tendhq/tend/internal/rules"
	"github.com/tendhq/tend/internal/store"
)

// The Rules admin page: the automation rules in force, in a table; their
// YAML to edit, with every problem at its line and column or a dry run
// ("would open 37 CTAs", by rule, with the accounts) before saving; the
// versions before, the latest full evaluations and the latest firings.
// Admins change the rules; leaders read them and may dry-run a change.

type adminRulesView struct {
	Page
	Version  int
	Stored   store.Scorecard
	Rules    []ruleRow
	YAML     string
	Note     string
	Problems rules.Problems
	Warnings rules.Problems
	DryRun   *automation.Report
	DryRunBy []dryRunRule
	Versions []store.Scorecard
	Runs     []store.RuleRun
	Firings  []store.RuleFiring
	Notice   string
	CanSave  bool
}

type ruleRow struct {
	Name, Description, Trigger, When, Actions string
	Enabled                                   bool
}

type dryRunRule struct {
	automation.RuleReport
	Shown []automation.AccountRef
	More  int
}

func (s *server) rulesView(ctx context.Context, p auth.Principal) (adminRulesView, error) {
	v := adminRulesView{Page: Page{Title: "Rules", Section: "admin"}, CanSave: p.IsAdmin()}
	if !p.IsAdmin() {
		v.Section = "retention"
	}
	a, err := automation.Active(ctx, s.st)
	if err != nil {
		return v, err
	}
	v.Version, v.Stored = a.Version, a.Stored
	v.Rules = describeRules(a.Set)
	v.YAML = a.Stored.YAML
	if a.Version == 0 {
		v.YAML = string(rules.DefaultYAML())
	}
	if v.Versions, err = automation.Versions(ctx, s.st); err != nil {
		return v, err
	}
	if v.Runs, err = s.st.RuleRuns(ctx, 5); err != nil {
		return v, err
	}
	if v.Firings, err = s.st.RuleFirings(ctx, store.RuleFiringQuery{Limit: 20}); err != nil {
		return v, err
	}
	return v, nil
}

func describeRules(set *rules.Set) []ruleRow {
	var out []ruleRow
	for _, r := range set.Rules {
		t := r.Trigger
		var trig string
		switch t.On {
		case rules.HealthChanged:
			switch {
			case t.Drop > 0:
				trig = "Health score falls " + cardNum(t.Drop) + " points or more"
			case t.From != "" && t.To != "":
				trig = "Health goes from " + t.From + " to " + t.To
			case t.To != "":
				trig = "Health turns " + t.To
			case t.From != "":
				trig = "Health leaves " + t.From
			default:
				trig = "Health colour changes"
			}
		case rules.MetricCrossed:
			side := "at or over"
			if t.Direction == "below" {
				side = "at or under"
			}
			trig = fmt.Sprintf("%s reaches %s %s", t.Metric, side, cardNum(t.Threshold))
		case rules.EventReceived:
			trig = "Usage event " + strconv.Quote(t.Event)
		case rules.FieldChanged:
			trig = "Field " + t.Field + " changes"
		case rules.DateReached:
			if t.DaysBefore > 0 {
				trig = fmt.Sprintf("%d days before %s", t.DaysBefore, t.Date)
			} else {
				trig = fmt.Sprintf("%d days after %s", t.DaysAfter, t.Date)
			}
		case rules.Schedule:
			trig = "Every evaluation"
		}
		var acts []string
		for _, a := range r.Actions {
			switch {
			case a.OpenCTA != nil:
				s := "Open a " + a.OpenCTA.Type + " CTA"
				if a.OpenCTA.Playbook != "" {
					s += " with playbook " + a.OpenCTA.Playbook
				}
				acts = append(acts, s)
			case a.UpdateCTA != nil:
				acts = append(acts, "Update the open "+a.UpdateCTA.Type+" CTA")
			case a.CloseCTA != nil:
				target := a.CloseCTA.Rule
				if target == "" {
					target = r.Name
				}
				acts = append(acts, "Close the CTA of "+target)
			case a.SetField != nil:
				acts = append(acts, "Set "+a.SetField.Field+" to "+a.SetField.Value)
			case a.AddTag != "":
				acts = append(acts, "Tag "+a.AddTag)
			case a.SetPulse != nil:
				acts = append(acts, "Set the pulse to "+a.SetPulse.Colour)
			}
		}
		out = append(out, ruleRow{Name: r.Name, Description: r.Description, Trigger: trig, When: r.When,
			Actions: strings.Join(acts, "; "), Enabled: r.On()})
	}
	return out
}

func (s *server) adminRulesPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	if err := canViewScorecards(p); err != nil {
		return err
	}
	v, err := s.rulesView(r.Context(), p)
	if err != nil {
		return err
	}
	if n := r.URL.Query().Get("saved"); n != "" {
		v.Notice = fmt.Sprintf("Saved as version %s. It is used from the next evaluation (daily at 04:00 UTC, or `tend rules run`).", n)
	}
	return s.render(w, r, http.StatusOK, "admin_rules", v)
}

// dryRunRules checks the posted YAML and shows its problems, or what it
// would do over every account. It stores nothing.
func (s *server) dryRunRules(w http.ResponseWriter, r *http.Request) error {
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	if err := canViewScorecards(p); err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	v, err := s.rulesView(ctx, p)
	if err != nil {
		return err
	}
	v.YAML, v.Note = postedYAML(r), r.PostForm.Get("note")
	set, ws, err := automation.Check([]byte(v.YAML))
	if errors.As(err, &v.Problems) {
		return s.render(w, r, http.StatusUnprocessableEntity, "admin_rules", v)
	}
	if err != nil {
		return err
	}
	v.Warnings = ws
	rep, err := automation.DryRun(ctx, s.st, set, v.Version, s.today())
	if err != nil {
		return err
	}
	rep.Read, rep.Evaluate = rep.Read.Round(time.Millisecond), rep.Evaluate.Round(time.Millisecond)
	v.DryRun = &rep
	for _, rr := range rep.ByRule {
		d := dryRunRule{RuleReport: rr, Shown: rr.Accounts}
		if len(d.Shown) > 8 {
			d.Shown, d.More = d.Shown[:8], len(rr.Accounts)-8
		}
		v.DryRunBy = append(v.DryRunBy, d)
	}
	return s.render(w, r, http.StatusOK, "admin_rules", v)
}

// saveRules stores the posted YAML as the next version.
func (s *server) saveRules(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	return s.applyRules(w, r, p, postedYAML(r), strings.TrimSpace(r.PostForm.Get("note")))
}

// restoreRules applies an earlier version again (0: Tend's rules).
func (s *server) restoreRules(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 0 {
		return notFound("No such version", "There is no rules version at this address.")
	}
	src, err := automation.Source(r.Context(), s.st, n)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("No such version", fmt.Sprintf("There is no rules version %d.", n))
	}
	if err != nil {
		return err
	}
	note := "Restored version " + strconv.Itoa(n)
	if n == 0 {
		note = "Restored Tend's rules"
	}
	return s.applyRules(w, r, p, string(src), note)
}

func (s *server) applyRules(w http.ResponseWriter, r *http.Request, p auth.Principal, src, note string) error {
	ctx := r.Context()
	c, err := automation.Apply(ctx, s.st, []byte(src), p.UserID, note)
	var problems rules.Problems
	if errors.As(err, &problems) {
		v, verr := s.rulesView(ctx, p)
		if verr != nil {
			return verr
		}
		v.YAML, v.Note, v.Problems = src, note, problems
		return s.render(w, r, http.StatusUnprocessableEntity, "admin_rules", v)
	}
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "rules applied", "by", p.Email, "version", c.Version)
	http.Redirect(w, r, "/admin/rules?"+url.Values{"saved": {strconv.Itoa(c.Version)}}.Encode(), http.StatusSeeOther)
	return nil
}

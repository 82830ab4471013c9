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
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
)

// The Scorecards admin page: the scorecard set in force, read out in
// words; its YAML to edit, with every problem at its line and column or a
// preview of how many accounts would change colour; saving a new version
// (which rescores every account) and the versions before it. Admins
// change the set; leaders read it and may preview a change.

// adminScorecardsView is the scorecards page.
type adminScorecardsView struct {
	Page
	Version  int // in force; 0: Tend's default
	Stored   store.Scorecard
	Cards    []scorecardView
	YAML     string // the textarea
	Note     string
	Problems health.Problems
	Preview  *previewView
	Versions []store.Scorecard
	Notice   string
	CanSave  bool
	// Recompute is the last full rescore of every account (nil: none
	// recorded), with its progress while it runs.
	Recompute *store.Recompute
}

// healthRecomputer is the job queue's way to rescore every account in
// the background; without it a saved version is rescored in the request.
type healthRecomputer interface {
	RecomputeHealth(ctx context.Context) error
}

// scorecardView is one scorecard in words.
type scorecardView struct {
	Name, Applies       string
	RedBelow, GreenFrom string
	MinData             string
	Groups              []groupView
}

type groupView struct {
	Name, Share string
	Measures    []measureView
}

type measureView struct {
	Name, Metric, Formula, Share, Missing string
	Linear                                string
	Bands                                 []string
}

// previewView is a valid change's effect on the colours.
type previewView struct {
	scoring.PreviewReport
	Rows  []previewRow
	Moves []string // "12 yellow → red"
	Took  string
}

type previewRow struct {
	Colour, Label string
	Before, After int
	Change        string
}

// canViewScorecards fails unless p is an admin or a leader.
func canViewScorecards(p auth.Principal) error {
	if p.UserID == 0 {
		return auth.ErrUnauthenticated
	}
	if p.Role != customer.RoleAdmin && p.Role != customer.RoleLeader {
		return auth.Forbid("only administrators and leaders can see the scorecards")
	}
	return nil
}

func (s *server) scorecardsView(ctx context.Context, p auth.Principal) (adminScorecardsView, error) {
	v := adminScorecardsView{Page: Page{Title: "Scorecards", Section: "admin"}, CanSave: p.IsAdmin()}
	if !p.IsAdmin() {
		v.Section = "retention"
	}
	cards, err := scoring.Active(ctx, s.st)
	if err != nil {
		return v, err
	}
	v.Version, v.Stored = cards.Version, cards.Stored
	v.Cards = describeSet(cards.Set)
	v.YAML = cards.Stored.YAML
	if cards.Version == 0 {
		v.YAML = string(health.DefaultYAML())
	}
	if v.Versions, err = s.st.ScorecardVersions(ctx, scoring.SetName); err != nil {
		return v, err
	}
	if rs, ok := s.st.(store.Recomputes); ok {
		r, err := rs.LatestRecompute(ctx)
		switch {
		case err == nil:
			v.Recompute = &r
		case !errors.Is(err, store.ErrNotFound):
			return v, err
		}
	}
	return v, nil
}

func (s *server) adminScorecardsPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	if err := canViewScorecards(p); err != nil {
		return err
	}
	v, err := s.scorecardsView(r.Context(), p)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if n := q.Get("saved"); n != "" && q.Get("queued") != "" {
		v.Notice = fmt.Sprintf("Saved as version %s. Every account is being rescored in the background; until each is, its score stays the one the previous version gave.", n)
	} else if n != "" {
		v.Notice = fmt.Sprintf("Saved as version %s. Every account was rescored (%s accounts, in %s).", n, q.Get("accounts"), q.Get("took"))
	}
	return s.render(w, r, http.StatusOK, "admin_scorecards", v)
}

// previewScorecards checks the posted YAML and shows its problems, or how
// many accounts it would move between colours. It stores nothing.
func (s *server) previewScorecards(w http.ResponseWriter, r *http.Request) error {
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
	v, err := s.scorecardsView(ctx, p)
	if err != nil {
		return err
	}
	v.YAML, v.Note = postedYAML(r), r.PostForm.Get("note")
	set, err := health.Parse([]byte(v.YAML))
	if errors.As(err, &v.Problems) {
		return s.render(w, r, http.StatusUnprocessableEntity, "admin_scorecards", v)
	}
	if err != nil {
		return err
	}
	rep, err := scoring.Preview(ctx, s.st, set, s.today())
	if err != nil {
		return err
	}
	v.Preview = describePreview(rep)
	return s.render(w, r, http.StatusOK, "admin_scorecards", v)
}

// saveScorecards stores the posted YAML as the next version and rescores
// every account with it.
func (s *server) saveScorecards(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	src, note := postedYAML(r), strings.TrimSpace(r.PostForm.Get("note"))
	return s.applyScorecards(w, r, p, string(src), note)
}

// postedYAML is the posted scorecards text with its lines ending in LF:
// browsers send a textarea's lines ending in CRLF, which the YAML parser
// counts as more lines than there are, so problems would point below
// where they are, and a restored version would differ in every line.
func postedYAML(r *http.Request) string {
	return strings.ReplaceAll(r.PostForm.Get("yaml"), "\r\n", "\n")
}

// restoreScorecards applies an earlier version again (0: Tend's default).
func (s *server) restoreScorecards(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 0 {
		return notFound("No such version", "There is no scorecards version at this address.")
	}
	src, err := scoring.Source(r.Context(), s.st, n)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("No such version", fmt.Sprintf("There is no scorecards version %d.", n))
	}
	if err != nil {
		return err
	}
	note := "Restored version " + strconv.Itoa(n)
	if n == 0 {
		note = "Restored Tend's default"
	}
	return s.applyScorecards(w, r, p, string(src), note)
}

// applyScorecards saves src as a new version and rescores every account;
// invalid YAML is shown with its problems and nothing is saved.
func (s *server) applyScorecards(w http.ResponseWriter, r *http.Request, p auth.Principal, src, note string) error {
	ctx := r.Context()
	c, err := scoring.Apply(ctx, s.st, []byte(src), p.UserID, note)
	var problems health.Problems
	if errors.As(err, &problems) {
		v, verr := s.scorecardsView(ctx, p)
		if verr != nil {
			return verr
		}
		v.YAML, v.Note, v.Problems = src, note, problems
		return s.render(w, r, http.StatusUnprocessableEntity, "admin_scorecards", v)
	}
	if err != nil {
		return err
	}
	if rq, ok := s.jobs.(healthRecomputer); ok && s.jobs != nil {
		if err := rq.RecomputeHealth(ctx); err != nil {
			return fmt.Errorf("scorecards version %d saved, but rescoring could not be queued: %w", c.Version, err)
		}
		s.log.InfoContext(ctx, "scorecards applied; every account queued for rescoring", "by", p.Email, "version", c.Version)
		q := url.Values{"saved": {strconv.Itoa(c.Version)}, "queued": {"1"}}
		http.Redirect(w, r, "/admin/scorecards?"+q.Encode(), http.StatusSeeOther)
		return nil
	}
	t0 := time.Now()
	sum, err := scoring.Recompute(ctx, s.st, s.today())
	if err != nil {
		return fmt.Errorf("scorecards version %d saved, but rescoring failed: %w", c.Version, err)
	}
	took := time.Since(t0).Round(time.Millisecond)
	s.log.InfoContext(ctx, "scorecards applied", "by", p.Email, "version", c.Version, "accounts", sum.Accounts, "recompute", took)
	q := url.Values{"saved": {strconv.Itoa(c.Version)}, "accounts": {thousands(sum.Accounts)}, "took": {took.String()}}
	http.Redirect(w, r, "/admin/scorecards?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// describeSet is the set in words.
func describeSet(set *health.Set) []scorecardView {
	var out []scorecardView
	for _, sc := range set.Scorecards {
		cv := scorecardView{Name: sc.Name, Applies: sc.Applies,
			RedBelow: cardNum(sc.Colours.RedBelow), GreenFrom: cardNum(sc.Colours.GreenFrom), MinData: cardPct(sc.MinData)}
		var gw float64
		for _, g := range sc.Groups {
			gw += g.Weight
		}
		for _, g := range sc.Groups {
			gv := groupView{Name: g.Name, Share: cardPct(cardShare(g.Weight, gw))}
			var mw float64
			for _, m := range g.Measures {
				mw += m.Weight
			}
			for _, m := range g.Measures {
				gv.Measures = append(gv.Measures, describeMeasure(m, cardShare(m.Weight, mw)))
			}
			cv.Groups = append(cv.Groups, gv)
		}
		out = append(out, cv)
	}
	return out
}

func describeMeasure(m *health.Measure, sh float64) measureView {
	mv := measureView{Name: m.Name, Metric: m.Metric, Formula: m.Formula, Share: cardPct(sh)}
	if m.Linear != nil {
		lo, hi := cardNum(m.Linear.AtRisk), cardNum(m.Linear.Healthy)
		if m.Linear.AtRisk > m.Linear.Healthy {
			mv.Linear = fmt.Sprintf("Lower is better: 100 points at %s or less, 0 at %s or more, in a straight line between.", hi, lo)
		} else {
			mv.Linear = fmt.Sprintf("100 points at %s or more, 0 at %s or less, in a straight line between.", hi, lo)
		}
	}
	for _, b := range m.Bands {
		var rng string
		switch {
		case b.From == nil && b.To == nil:
			rng = "Any value"
		case b.From == nil:
			rng = "Below " + cardNum(*b.To)
		case b.To == nil:
			rng = cardNum(*b.From) + " or more"
		default:
			rng = "From " + cardNum(*b.From) + " to below " + cardNum(*b.To)
		}
		mv.Bands = append(mv.Bands, fmt.Sprintf("%s: %s points", rng, cardNum(b.Points)))
	}
	if m.Missing.Default != nil {
		mv.Missing = "Scored " + cardNum(*m.Missing.Default) + " points (not counted as data)"
	} else {
		mv.Missing = "Skipped: its weight goes to the others"
	}
	return mv
}

// cardColours is how colours are listed, with their labels.
var cardColours = []struct {
	c     health.Colour
	label string
}{{health.Red, "Red"}, {health.Yellow, "Yellow"}, {health.Green, "Green"}, {health.NotEnoughData, "Not enough data"}}

func describePreview(rep scoring.PreviewReport) *previewView {
	pv := &previewView{PreviewReport: rep, Took: rep.Took.Round(time.Millisecond).String()}
	for _, o := range cardColours {
		b, a := rep.Before[o.c], rep.After[o.c]
		row := previewRow{Colour: string(o.c), Label: o.label, Before: b, After: a, Change: "no change"}
		if a != b {
			row.Change = fmt.Sprintf("%+d", a-b)
		}
		pv.Rows = append(pv.Rows, row)
		for _, to := range cardColours {
			if n := rep.Moves[o.c][to.c]; n > 0 && to.c != o.c {
				pv.Moves = append(pv.Moves, fmt.Sprintf("%s from %s to %s", plural(n, "account"), strings.ToLower(o.label), strings.ToLower(to.label)))
			}
		}
	}
	return pv
}

func cardShare(w, total float64) float64 {
	if total <= 0 {
		return 0
	}
	return w / total
}

// cardNum writes a threshold as people write it: 0.3, 40, -0.25.
func cardNum(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// cardPct writes a share 0–1 as a whole percentage.
func cardPct(x float64) string { return strconv.FormatFloat(x*100, 'f', 0, 64) + "%" }

package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
)

// Health scores (tend health recompute | explain | backtest) and the
// scorecards behind them (tend scorecard apply | export | versions).

func healthCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Score accounts' health, explain a score, and check the scores against churn",
		Args:  cobra.NoArgs,
	}
	var asOf string
	recompute := &cobra.Command{
		Use:   "recompute",
		Short: "Score every account with the scorecards in force and store the scores and their history",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			day, err := dayFlag("--as-of", asOf, civil.Today())
			if err != nil {
				return err
			}
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			t0 := time.Now()
			var sum scoring.Summary
			if rs, ok := st.(scoring.RecomputeStore); ok {
				bar := newProgress(e.errOut)
				sum, err = scoring.RecomputeTracked(ctx, rs, day, bar.show)
				bar.done()
			} else {
				sum, err = scoring.Recompute(ctx, st, day)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "scored %d accounts as of %s with scorecards version %d in %v (read %v, score %v, write %v)\n",
				sum.Accounts, sum.AsOf, sum.Version, time.Since(t0).Round(time.Millisecond),
				sum.Read.Round(time.Millisecond), sum.Score.Round(time.Millisecond), sum.Write.Round(time.Millisecond))
			fmt.Fprintf(e.out, "  red %d  yellow %d  green %d  not enough data %d\n",
				sum.Colours[string(health.Red)], sum.Colours[string(health.Yellow)], sum.Colours[string(health.Green)], sum.Colours[string(health.NotEnoughData)])
			return nil
		},
	}
	recompute.Flags().StringVar(&asOf, "as-of", "", "the day to score as of (YYYY-MM-DD; default today)")

	var asJSON bool
	explain := &cobra.Command{
		Use:   "explain EXTERNAL_ID",
		Short: "Show an account's score: the scorecard that applied and why, each group, and the measures that raised or lowered it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			a, err := st.Accounts().GetByExternalID(ctx, args[0])
			if err != nil {
				return fmt.Errorf("account %q: %w", args[0], err)
			}
			ex, err := scoring.ExplainAccount(ctx, st, a.ID)
			if err != nil {
				return fmt.Errorf("account %q has no score yet (run `tend health recompute`): %w", args[0], err)
			}
			if asJSON {
				return writeJSON(e.out, ex)
			}
			writeExplanation(e.out, a.Name, a.ExternalID, ex)
			return nil
		},
	}
	explain.Flags().BoolVar(&asJSON, "json", false, "print the score and its explanation as JSON")

	var (
		horizon, every int
		from, to       string
		btJSON         bool
	)
	backtest := &cobra.Command{
		Use:   "backtest",
		Short: "Score every account as of past days and report how well the scores separated those that churned within the horizon",
		Long: `Score every paying account as of past days (monthly by default, over the
year ending a horizon before today), using only what was known on each day,
and report how well the scores separated the accounts whose MRR fell to zero
within the horizon from those that stayed: AUC with a 95% confidence
interval, churn rate by colour, the lift of red over green, and churn by
score decile.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			today := civil.Today()
			o := scoring.DefaultBacktest(today)
			if horizon > 0 {
				o.Horizon = horizon
				o.To = today.AddDays(-horizon)
				o.From = o.To.AddDays(-360)
			}
			if every > 0 {
				o.Every = every
			}
			var err error
			if o.From, err = dayFlag("--from", from, o.From); err != nil {
				return err
			}
			if o.To, err = dayFlag("--to", to, o.To); err != nil {
				return err
			}
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			rep, err := scoring.Backtest(ctx, st, today, o)
			if err != nil {
				return err
			}
			if btJSON {
				return writeJSON(e.out, rep)
			}
			writeBacktest(e.out, rep)
			return nil
		},
	}
	backtest.Flags().IntVar(&horizon, "horizon", 0, "days after each scored day in which a churn counts (default 90)")
	backtest.Flags().IntVar(&every, "every", 0, "days between the days scored (default 30)")
	backtest.Flags().StringVar(&from, "from", "", "the first day scored (YYYY-MM-DD)")
	backtest.Flags().StringVar(&to, "to", "", "the last day scored (YYYY-MM-DD; its horizon must have passed)")
	backtest.Flags().BoolVar(&btJSON, "json", false, "print the report as JSON")
	cmd.AddCommand(recompute, explain, backtest)
	return cmd
}

func scorecardCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scorecard",
		Short: "Apply, export and list versions of the health scorecards (YAML)",
		Args:  cobra.NoArgs,
	}
	var note string
	apply := &cobra.Command{
		Use:   "apply FILE",
		Short: "Check a scorecard set in YAML and make it the next version in force (- reads standard input)",
		Long: `Check a scorecard set written in YAML and store it as the next version in
force. An invalid set (an unknown metric, a formula that does not compile,
weights all zero, overlapping bands, an unknown key) is refused with the
line and column of every problem, and nothing changes. Scores are not
recomputed: run 'tend health recompute'. 'tend scorecard export' prints the
set in force, to start from.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var src []byte
			var err error
			if args[0] == "-" {
				src, err = io.ReadAll(cmd.InOrStdin())
			} else {
				src, err = os.ReadFile(args[0])
			}
			if err != nil {
				return err
			}
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			c, err := scoring.Apply(ctx, st, src, 0, note)
			var ps health.Problems
			if errors.As(err, &ps) {
				var b strings.Builder
				fmt.Fprintf(&b, "%s: %d problem(s); nothing was changed:", args[0], len(ps))
				for _, p := range ps {
					fmt.Fprintf(&b, "\n  %s:%s", args[0], p)
				}
				return exitError{code: 2, msg: b.String()}
			}
			if err != nil {
				return err
			}
			// tend serve's workers rescore every account in the background.
			where, err := e.jobsWhere(st)
			if err != nil {
				return err
			}
			q, err := jobs.Open(ctx, where, jobs.Options{Log: e.log})
			if err == nil {
				err = q.RecomputeHealth(ctx)
				q.Close(ctx)
			}
			if err != nil {
				return fmt.Errorf("scorecards version %d is in force, but the rescore of every account could not be queued (run 'tend health recompute'): %w", c.Version, err)
			}
			fmt.Fprintf(e.out, "scorecards version %d is in force; every account will be rescored in the background by tend serve's workers (or now: 'tend health recompute')\n", c.Version)
			return nil
		},
	}
	apply.Flags().StringVar(&note, "note", "", "what changed, kept with the version")

	var version int
	export := &cobra.Command{
		Use:   "export",
		Short: "Print the scorecard set in force (or --version N) as YAML",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			if !cmd.Flags().Changed("version") {
				cards, err := scoring.Active(ctx, st)
				if err != nil {
					return err
				}
				version = cards.Version
			}
			src, err := scoring.Source(ctx, st, version)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no scorecards version %d (see 'tend scorecard versions')", version)
			}
			if err != nil {
				return err
			}
			_, err = e.out.Write(src)
			return err
		},
	}
	export.Flags().IntVar(&version, "version", 0, "a stored version (0: the set Tend ships with)")

	versions := &cobra.Command{
		Use:   "versions",
		Short: "List every version of the scorecard set: who applied it, when and why",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			vs, err := st.ScorecardVersions(ctx, scoring.SetName)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tIN FORCE\tAPPLIED\tBY\tNOTE")
			for _, c := range vs {
				by := c.ByEmail
				if by == "" {
					by = "command line"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", c.Version, yesNo(c.Active), c.CreatedAt.Format(time.DateTime), by, c.Note)
			}
			active := false
			for _, c := range vs {
				active = active || c.Active
			}
			fmt.Fprintf(tw, "0\t%s\t\tTend\tthe scorecards Tend ships with\n", yesNo(!active))
			return tw.Flush()
		},
	}
	cmd.AddCommand(apply, export, versions)
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

// dayFlag parses a YYYY-MM-DD flag value, or gives def when it is empty.
func dayFlag(name, v string, def civil.Date) (civil.Date, error) {
	if v == "" {
		return def, nil
	}
	d, err := civil.Parse(v)
	if err != nil {
		return civil.Date{}, fmt.Errorf("%s: want a day as YYYY-MM-DD, got %q", name, v)
	}
	return d, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func colourWord(c health.Colour) string {
	if c == health.NotEnoughData {
		return "not enough data"
	}
	return string(c)
}

func writeExplanation(w io.Writer, name, ext string, ex scoring.Explanation) {
	r := ex.Result
	score := "—"
	if ex.Score.Score != nil {
		score = strconv.FormatFloat(*ex.Score.Score, 'f', 1, 64)
	}
	fmt.Fprintf(w, "%s (%s): %s, %s — %s\n", name, ext, score, colourWord(r.Colour), r.Reason)
	fmt.Fprintf(w, "  scored %s as of %s by %q (version %d): %s\n", ex.Score.ScoredAt.Format(time.DateTime), ex.Score.Day, r.Scorecard, ex.Score.Version, r.Why)
	fmt.Fprintf(w, "  data for %.0f%% of the weight\n\n", r.DataShare*100)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tPOINTS\tWEIGHT")
	for _, g := range r.Groups {
		pts := strconv.FormatFloat(g.Points, 'f', 0, 64)
		if g.Skipped {
			pts = "no data"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f%%\n", g.Name, pts, g.Weight*100)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MEASURE\tVALUE\tPOINTS\tWEIGHT\tEFFECT")
	for _, i := range r.Explanation {
		m := r.Measures[i]
		val := "no data"
		if m.HasValue {
			val = strconv.FormatFloat(m.Value, 'g', 4, 64)
		}
		pts := strconv.FormatFloat(m.Points, 'f', 0, 64)
		switch m.Scored {
		case health.ScoredSkipped:
			pts = "skipped"
		case health.ScoredDefault:
			pts += " (default)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f%%\t%+.1f\n", m.Name, val, pts, m.Weight*100, m.Contribution)
	}
	tw.Flush()
	if nd := r.NoData(); len(nd) > 0 {
		fmt.Fprintf(w, "\nno data: %s\n", strings.Join(nd, ", "))
	}
}

func writeBacktest(w io.Writer, rep scoring.BacktestReport) {
	fmt.Fprintf(w, "%d scores of paying accounts on %d days from %s to %s, scorecards version %d; %d churned within %d days\n",
		rep.N, len(rep.Days), first(rep.Days), last(rep.Days), rep.Version, rep.Churned, rep.Horizon)
	if rep.AUCDefined {
		fmt.Fprintf(w, "AUC %.3f (95%% CI %.3f–%.3f) over the %d scores with enough data; 0.5 is a coin toss\n", rep.AUC, rep.AUCLow, rep.AUCHigh, rep.Scored)
	} else {
		fmt.Fprintln(w, "AUC undefined: the days scored need both accounts that churned and accounts that stayed")
	}
	if rep.LiftDefined {
		fmt.Fprintf(w, "red accounts churned %.1f× as often as green ones\n", rep.Lift)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLOUR\tSCORES\tCHURNED\tRATE")
	for _, c := range rep.Colours {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f%%\n", colourWord(c.Colour), c.N, c.Churned, c.Rate*100)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCORE\tSCORES\tCHURNED\tRATE")
	for _, d := range rep.Calibration {
		fmt.Fprintf(tw, "%.0f–%.0f\t%d\t%d\t%.1f%%\n", d.From, d.To, d.N, d.Churned, d.Rate*100)
	}
	tw.Flush()
}

func first(ds []civil.Date) civil.Date {
	if len(ds) == 0 {
		return civil.Date{}
	}
	return ds[0]
}

func last(ds []civil.Date) civil.Date {
	if len(ds) == 0 {
		return civil.Date{}
	}
	return ds[len(ds)-1]
}

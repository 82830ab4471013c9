package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/automation"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/rules"
	"github.com/tendhq/tend/internal/store"
)

// Automation rules (tend rules apply | export | versions | dry-run | run |
// firings).

// ruleSink is where rules' CTA intents and other actions go: the work
// list (CTAs with their playbooks' tasks), pulses and fields.
func ruleSink(st store.Store) *automation.StoreSink { return &automation.StoreSink{St: st} }

func rulesCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Apply, export, dry-run and run the automation rules (YAML) that open CTAs",
		Args:  cobra.NoArgs,
	}
	var (
		note, asOf string
		dry        bool
	)
	readSrc := func(cmd *cobra.Command, name string) ([]byte, error) {
		if name == "-" {
			return io.ReadAll(cmd.InOrStdin())
		}
		return os.ReadFile(name)
	}
	problems := func(name string, err error) error {
		var ps rules.Problems
		if !errors.As(err, &ps) {
			return err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %d problem(s); nothing was changed:", name, len(ps))
		for _, p := range ps {
			fmt.Fprintf(&b, "\n  %s:%s", name, p)
		}
		return exitError{code: 2, msg: b.String()}
	}
	warn := func(name string, ws rules.Problems) {
		for _, w := range ws {
			fmt.Fprintf(e.out, "warning: %s:%s\n", name, w)
		}
	}
	apply := &cobra.Command{
		Use:   "apply FILE",
		Short: "Check a rule set in YAML and make it the next version in force (- reads standard input)",
		Long: `Check a rule set written in YAML and store it as the next version in force.
An invalid set (an unknown metric or field, a condition that does not
compile or is not true/false, an unknown template variable, an unknown key)
is refused with the line and column of every problem, and nothing changes.
A playbook Tend does not know is a warning. With --dry-run nothing is
stored: the set is checked and evaluated over every account, and what it
would do is printed. 'tend rules export' prints the set in force.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			src, err := readSrc(cmd, args[0])
			if err != nil {
				return err
			}
			set, ws, err := automation.Check(src)
			if err != nil {
				return problems(args[0], err)
			}
			warn(args[0], ws)
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			if dry {
				day, err := dayFlag("--as-of", asOf, civil.Today())
				if err != nil {
					return err
				}
				rep, err := automation.DryRun(ctx, st, set, 0, day)
				if err != nil {
					return err
				}
				fmt.Fprint(e.out, rep.Summary(5))
				fmt.Fprintln(e.out, "dry run: nothing was stored")
				return nil
			}
			c, err := automation.Apply(ctx, st, src, 0, note)
			if err != nil {
				return problems(args[0], err)
			}
			fmt.Fprintf(e.out, "rules version %d is in force from the next evaluation ('tend rules run' runs one now)\n", c.Version)
			return nil
		},
	}
	apply.Flags().StringVar(&note, "note", "", "what changed, kept with the version")
	apply.Flags().BoolVar(&dry, "dry-run", false, "check and evaluate the set without storing it")
	apply.Flags().StringVar(&asOf, "as-of", "", "with --dry-run: the day to evaluate as of (YYYY-MM-DD; default today)")

	var version int
	export := &cobra.Command{
		Use:   "export",
		Short: "Print the rule set in force (or --version N) as YAML",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			if !cmd.Flags().Changed("version") {
				a, err := automation.Active(ctx, st)
				if err != nil {
					return err
				}
				version = a.Version
			}
			src, err := automation.Source(ctx, st, version)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no rules version %d (see 'tend rules versions')", version)
			}
			if err != nil {
				return err
			}
			_, err = e.out.Write(src)
			return err
		},
	}
	export.Flags().IntVar(&version, "version", 0, "a stored version (0: the rules Tend ships with)")

	versions := &cobra.Command{
		Use:   "versions",
		Short: "List every version of the rule set: who applied it, when and why",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			vs, err := automation.Versions(ctx, st)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tIN FORCE\tAPPLIED\tBY\tNOTE")
			active := false
			for _, c := range vs {
				by := c.ByEmail
				if by == "" {
					by = "command line"
				}
				active = active || c.Active
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", c.Version, yesNo(c.Active), c.CreatedAt.Format(time.DateTime), by, c.Note)
			}
			fmt.Fprintf(tw, "0\t%s\t\tTend\tthe rules Tend ships with\n", yesNo(!active))
			return tw.Flush()
		},
	}

	dryRun := &cobra.Command{
		Use:   "dry-run [FILE]",
		Short: "Evaluate the rules in force (or FILE) over every account and print what they would do, changing nothing",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
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
			a, err := automation.Active(ctx, st)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				src, err := readSrc(cmd, args[0])
				if err != nil {
					return err
				}
				set, ws, err := automation.Check(src)
				if err != nil {
					return problems(args[0], err)
				}
				warn(args[0], ws)
				a = automation.Rules{Set: set}
			}
			rep, err := automation.DryRun(ctx, st, a.Set, a.Version, day)
			if err != nil {
				return err
			}
			fmt.Fprint(e.out, rep.Summary(5))
			fmt.Fprintf(e.out, "read %v, evaluated %v; nothing was changed\n", rep.Read.Round(time.Millisecond), rep.Evaluate.Round(time.Millisecond))
			return nil
		},
	}
	dryRun.Flags().StringVar(&asOf, "as-of", "", "the day to evaluate as of (YYYY-MM-DD; default today)")

	runCmd := &cobra.Command{
		Use:   "run",
		Short: "Run a full evaluation of the rules in force now: open, update and close CTAs, and audit every firing",
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
			sink := ruleSink(st)
			sink.Today = func() civil.Date { return day }
			rep, err := automation.Evaluate(ctx, st, sink, day)
			if err != nil {
				return err
			}
			fmt.Fprint(e.out, rep.Summary(5))
			a := sink.Applied
			fmt.Fprintf(e.out, "CTAs: %d created, %d updated, %d reopened, %d closed, %d unchanged, %d skipped\n",
				a.Created, a.Updated, a.Reopened, a.Closed, a.Unchanged, a.Skipped)
			fmt.Fprintf(e.out, "read %v, evaluated %v, applied %v\n", rep.Read.Round(time.Millisecond), rep.Evaluate.Round(time.Millisecond), rep.Apply.Round(time.Millisecond))
			return nil
		},
	}
	runCmd.Flags().StringVar(&asOf, "as-of", "", "the day to evaluate as of (YYYY-MM-DD; default today)")

	var (
		account, rule string
		limit         int
	)
	firings := &cobra.Command{
		Use:   "firings",
		Short: "List the audit of rules that fired: which rule, on which account, what it saw and what it did",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			q := store.RuleFiringQuery{Rule: rule, Limit: limit}
			if account != "" {
				a, err := st.Accounts().GetByExternalID(ctx, account)
				if err != nil {
					return fmt.Errorf("account %q: %w", account, err)
				}
				q.AccountID = a.ID
			}
			fs, err := st.RuleFirings(ctx, q)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "AT\tRULE\tVERSION\tACCOUNT\tTRIGGER\tSAW\tDID")
			for _, f := range fs {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", f.At.Format(time.DateTime), f.Rule, f.RulesVersion, f.AccountID, f.Trigger, f.Saw, f.Did)
			}
			return tw.Flush()
		},
	}
	firings.Flags().StringVar(&account, "account", "", "only this account (external id)")
	firings.Flags().StringVar(&rule, "rule", "", "only this rule")
	firings.Flags().IntVar(&limit, "limit", 50, "at most this many, newest first")

	cmd.AddCommand(apply, export, versions, dryRun, runCmd, firings)
	return cmd
}

// evaluateDemoRules runs the first full evaluation of the rules on a
// freshly loaded demo, so its cockpit has work from the first page.
func evaluateDemoRules(ctx context.Context, log *slog.Logger, st store.Store, today civil.Date) (automation.Report, error) {
	rep, err := automation.Evaluate(ctx, st, ruleSink(st), today)
	if err != nil {
		return rep, fmt.Errorf("demo rules: %w", err)
	}
	log.Info("demo rules evaluated", "ctas_opened", rep.TotalOpens(), "firings", rep.Firings, "took", (rep.Read + rep.Evaluate + rep.Apply).Round(time.Millisecond))
	return rep, nil
}

// ctaCounts is "37 risk, 8 renewal, …" in the order pages show types.
func ctaCounts(rep automation.Report) string {
	var parts []string
	for _, t := range cta.Types {
		if n := rep.Opens[t]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, t))
		}
	}
	return strings.Join(parts, ", ")
}

package cli

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/store"
)

// The work list from the command line: tend cta list | report.

func ctaCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cta",
		Short: "List calls to action and report on the work done",
		Args:  cobra.NoArgs,
	}
	var (
		owner, status, typ string
		all, asJSON        bool
		limit              int
	)
	list := &cobra.Command{
		Use:   "list",
		Short: "List calls to action, overdue first, then by priority and due date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			f := store.CTAFilter{Type: cta.Type(typ), Today: civil.Today(), Limit: limit}
			if status != "" {
				for _, s := range strings.Split(status, ",") {
					f.Statuses = append(f.Statuses, cta.Status(strings.TrimSpace(s)))
				}
			} else if all {
				f.Statuses = cta.Statuses
			}
			if owner != "" {
				if pool, ok := strings.CutPrefix(owner, "pool:"); ok {
					f.Pool = pool
				} else {
					u, err := st.Users().GetByExternalID(ctx, owner)
					if err != nil {
						return fmt.Errorf("--owner %s: %w", owner, err)
					}
					f.OwnerID = u.ID
				}
			}
			page, err := st.ListCTAs(ctx, f)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(e.out, page.Items)
			}
			if len(page.Items) == 0 {
				fmt.Fprintln(e.out, "no calls to action")
				return nil
			}
			tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tDUE\tPRIORITY\tTYPE\tSTATUS\tACCOUNT\tOWNER\tTASKS\tREASON")
			for _, c := range page.Items {
				due := c.Due.String()
				if c.Overdue(f.Today) {
					due += " (overdue)"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\n", c.ID, due, c.Priority, c.Type, c.Status, c.AccountName,
					cmp.Or(c.OwnerEmail, ctaPoolName(c.Pool), "-"), c.TasksDone, c.TasksTotal, ctaClip(c.Reason, 60))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if page.NextCursor != "" {
				fmt.Fprintf(e.out, "(the first %d; --limit shows more)\n", len(page.Items))
			}
			return nil
		},
	}
	list.Flags().StringVar(&owner, "owner", "", "only this owner's (a user's email, or pool:NAME)")
	list.Flags().StringVar(&status, "status", "", "open, in_progress, snoozed or closed (comma-separated; default: all but closed)")
	list.Flags().StringVar(&typ, "type", "", "only this type: "+ctaTypeNames())
	list.Flags().BoolVar(&all, "all", false, "closed ones too")
	list.Flags().IntVar(&limit, "limit", 100, "at most this many (up to 1000)")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var (
		from, to string
		repJSON  bool
	)
	report := &cobra.Command{
		Use:   "report",
		Short: "CTAs opened and closed by type and outcome, time to close, and whether the risk CTAs' accounts renewed",
		Long: `CTAs opened and closed in a period (the last 90 days by default) by
type and outcome, the median days from open to close, what is open and
overdue now, and for the accounts of the risk CTAs opened in the period
whether they renewed: the first term end on or after the CTA opened has
passed and a live subscription runs beyond it (renewed); the account is no
longer a customer, or nothing live runs beyond that date (churned); or the
renewal is not yet due (pending).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			today := civil.Today()
			f, err := dayFlag("--from", from, today.AddDays(-89))
			if err != nil {
				return err
			}
			t, err := dayFlag("--to", to, today)
			if err != nil {
				return err
			}
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			rep, err := st.CTAReport(ctx, f, t, today)
			if err != nil {
				return err
			}
			if repJSON {
				return writeJSON(e.out, rep)
			}
			writeCTAReport(e, rep)
			return nil
		},
	}
	report.Flags().StringVar(&from, "from", "", "first day (YYYY-MM-DD; default 89 days before --to)")
	report.Flags().StringVar(&to, "to", "", "last day (YYYY-MM-DD; default today)")
	report.Flags().BoolVar(&repJSON, "json", false, "print JSON")
	cmd.AddCommand(list, report, playbookCmd(e))
	return cmd
}

// playbookCmd is tend cta playbook list | export NAME | apply FILE | reset NAME.
func playbookCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "playbook",
		Short: "The playbooks CTAs carry: list them, export one as YAML, apply an edited one, or go back to the shipped one",
		Args:  cobra.NoArgs,
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the playbooks, and which are edited in Tend",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			pbs, err := st.Playbooks(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTYPE\tTASKS\tSOURCE\tTITLE")
			for _, p := range pbs {
				src := "shipped"
				if p.Stored {
					src = "edited " + p.UpdatedAt.Format("2006-01-02")
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", p.Name, p.Type, len(p.Steps), src, p.Title)
			}
			return tw.Flush()
		},
	}
	export := &cobra.Command{
		Use:   "export NAME",
		Short: "Print a playbook as YAML (the one in force: edited, else shipped)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			p, err := st.Playbook(ctx, args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(e.out, p.YAML())
			return err
		},
	}
	apply := &cobra.Command{
		Use:   "apply FILE",
		Short: "Save a playbook's YAML (- reads standard input); it replaces the shipped one of its name",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			src, err := readFileArg(cmd, args[0])
			if err != nil {
				return err
			}
			st, err := e.openStore(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			p, err := st.SavePlaybook(ctx, string(src), 0)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Fprintf(e.out, "saved playbook %s (%d tasks)\n", p.Name, len(p.Steps))
			return nil
		},
	}
	reset := &cobra.Command{
		Use:   "reset NAME",
		Short: "Remove the edited playbook of that name (the shipped one, if any, is in force again)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.ResetPlaybook(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(e.out, "playbook %s reset\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(list, export, apply, reset)
	return cmd
}

// readFileArg reads a file named on the command line, or standard input for -.
func readFileArg(cmd *cobra.Command, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(cmd.InOrStdin())
	}
	return os.ReadFile(name)
}

func writeCTAReport(e *env, rep store.CTAReport) {
	opened, closed := 0, 0
	for _, c := range rep.Opened {
		opened += c.Count
	}
	for _, c := range rep.Closed {
		closed += c.Count
	}
	fmt.Fprintf(e.out, "CTAs %s to %s: %d opened, %d closed (median %.1f days to close); %d open now, %d overdue\n",
		rep.From, rep.To, opened, closed, rep.MedianDaysToClose, rep.OpenNow, rep.OverdueNow)
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	if len(rep.Opened) > 0 {
		fmt.Fprintln(tw, "\nOPENED\tTYPE\tCTAS")
		for _, c := range rep.Opened {
			fmt.Fprintf(tw, "\t%s\t%d\n", c.Type, c.Count)
		}
	}
	if len(rep.Closed) > 0 {
		fmt.Fprintln(tw, "\nCLOSED\tTYPE\tOUTCOME\tCTAS\tMEDIAN DAYS")
		for _, c := range rep.Closed {
			fmt.Fprintf(tw, "\t%s\t%s\t%d\t%.1f\n", c.Type, c.Outcome, c.Count, c.MedianDays)
		}
	}
	tw.Flush()
	r := rep.Risk
	fmt.Fprintf(e.out, "\nrisk CTAs' accounts: %d — renewed %d, churned %d, renewal not yet due %d\n", r.Accounts, r.Renewed, r.Churned, r.Pending)
}

func ctaPoolName(pool string) string {
	if pool == "" {
		return ""
	}
	return "pool:" + pool
}

func ctaTypeNames() string {
	var s []string
	for _, t := range cta.Types {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}

func ctaClip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

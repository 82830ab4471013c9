package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store"
)

// tend metrics churn | pipeline | cohorts: the rest of the retention
// dashboard from the command line, from the same reports as the API.

// reportFlags are what the three commands share.
type reportFlags struct {
	asOf, format string
}

func (f *reportFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.asOf, "as-of", "", "close the books on this day, YYYY-MM-DD (default: today)")
	cmd.Flags().StringVar(&f.format, "format", "table", "table or json")
}

// open checks the flags, then opens the store and loads the book as of
// the chosen day for use.
func (f *reportFlags) open(cmd *cobra.Command, e *env, use func(store.Store, *revenue.Book, []customer.Account) error) error {
	day := civil.Today()
	if f.asOf != "" {
		d, err := civil.Parse(f.asOf)
		if err != nil || d.IsZero() {
			return fmt.Errorf("--as-of: want a day as YYYY-MM-DD, got %q", f.asOf)
		}
		day = d
	}
	if f.format != "table" && f.format != "json" {
		return fmt.Errorf("--format: %q is not a format (want table or json)", f.format)
	}
	ctx := cmd.Context()
	st, err := e.openExisting(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	book, accounts, err := retention.Load(ctx, st, day)
	if err != nil {
		return err
	}
	return use(st, book, accounts)
}

func writeJSONOut(e *env, v any) error {
	enc := json.NewEncoder(e.out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func churnCmd(e *env) *cobra.Command {
	var f reportFlags
	var period, by string
	cmd := &cobra.Command{
		Use:   "churn",
		Short: "Why customers left in a period: churn by recorded reason, by slice",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.open(cmd, e, func(st store.Store, book *revenue.Book, accounts []customer.Account) error {
				p := revenue.QuarterOf(book.AsOf())
				if period != "" {
					var err error
					if p, err = revenue.ParsePeriod(period); err != nil {
						return fmt.Errorf("--period: %w", err)
					}
				}
				if err := p.KnownBy(book.AsOf()); err != nil {
					return fmt.Errorf("--period: %w", err)
				}
				records, err := retention.ChurnRecords(cmd.Context(), st)
				if err != nil {
					return err
				}
				rep, err := retention.Churn(book, accounts, records, p, by)
				if err != nil {
					return fmt.Errorf("--by: %w", err)
				}
				if f.format == "json" {
					return writeJSONOut(e, rep)
				}
				cur := rep.Currency
				fmt.Fprintf(e.out, "Churn %s (%s to %s), by %s, as of %s, in %s\n\n", p.Name, p.From, p.Last(), rep.Dimension, rep.AsOf, cur)
				tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, strings.ToUpper(rep.Dimension)+"\tREASON\tCHURNS\tMRR LOST\tSHARE OF MRR")
				for _, s := range rep.Slices {
					for _, r := range s.Reasons {
						fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.Slice, r.Reason.Label(), r.Count, money.Display(r.MRR, cur), percent(r.MRRShare))
					}
					fmt.Fprintf(tw, "%s\t(controllable)\t%d\t%s\t%s\n", s.Slice, s.Controllable.Count, money.Display(s.Controllable.MRR, cur), percent(s.Controllable.MRRShare))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				if len(rep.Slices) == 0 {
					fmt.Fprintln(e.out, "(no churn in this period)")
				}
				skippedNote(e, rep.Skipped)
				return nil
			})
		},
	}
	f.bind(cmd)
	cmd.Flags().StringVar(&period, "period", "", "2025-07, 2025-Q3, 2025, TTM-2025-07 or 2025-07-01..2025-09-30 (default: the quarter of --as-of)")
	cmd.Flags().StringVar(&by, "by", "all", "slice by: "+strings.Join(revenue.DimensionNames, ", "))
	return cmd
}

func pipelineCmd(e *env) *cobra.Command {
	var f reportFlags
	var months int
	cmd := &cobra.Command{
		Use:   "pipeline",
		Short: "Renewals due by month with their forecasts, and the quarter's implied GRR and NRR",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if months < 1 || months > 36 {
				return fmt.Errorf("--months: want 1 to 36, got %d", months)
			}
			return f.open(cmd, e, func(st store.Store, book *revenue.Book, _ []customer.Account) error {
				o, err := retention.Outlook(cmd.Context(), st)
				if err != nil {
					return err
				}
				rep := retention.PipelineFor(book, o, months)
				if f.format == "json" {
					return writeJSONOut(e, rep)
				}
				cur := rep.Currency
				fc := rep.Forecast
				fmt.Fprintf(e.out, "Renewal pipeline as of %s, in %s\n%s if every renewal lands as forecast: GRR %s, NRR %s (downside: GRR %s)\n\n",
					rep.AsOf, cur, fc.Period.Name, percent(fc.Implied.GRR()), percent(fc.Implied.NRR()), percent(fc.Downside.GRR()))
				tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', tabwriter.AlignRight)
				fmt.Fprintln(tw, "MONTH\tRENEWALS\tDUE\tEXPECTED\tRENEW\tEXPAND\tAT RISK\tCHURN\t")
				for _, m := range rep.Pipeline.Months {
					b := m.ByForecast
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", m.Month.Name, m.Count, money.Display(m.Due, cur), money.Display(m.Expected, cur),
						money.Display(b.Renew, cur), money.Display(b.Expand, cur), money.Display(b.AtRisk, cur), money.Display(b.Churn, cur))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				skippedNote(e, rep.Skipped)
				return nil
			})
		},
	}
	f.bind(cmd)
	cmd.Flags().IntVar(&months, "months", 6, "how many months, counting this one")
	return cmd
}

func cohortsCmd(e *env) *cobra.Command {
	var f reportFlags
	var months int
	var logos bool
	cmd := &cobra.Command{
		Use:   "cohorts",
		Short: "Revenue (or --logos) retention of each monthly cohort of new customers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if months < 1 || months > 120 {
				return fmt.Errorf("--months: want 1 to 120, got %d", months)
			}
			return f.open(cmd, e, func(_ store.Store, book *revenue.Book, _ []customer.Account) error {
				rep := retention.CohortsFor(book, months)
				if f.format == "json" {
					return writeJSONOut(e, rep)
				}
				what := "Revenue retention (MRR at the end of month k ÷ at the end of M0)"
				if logos {
					what = "Logo retention (accounts paying at the end of month k ÷ in the cohort)"
				}
				fmt.Fprintf(e.out, "%s, as of %s; an account's cohort is the month of its first payment\n\n", what, rep.AsOf)
				tw := tabwriter.NewWriter(e.out, 0, 0, 1, ' ', tabwriter.AlignRight)
				head := []string{"COHORT", "ACCOUNTS"}
				for k := range months {
					head = append(head, fmt.Sprintf("M%d", k))
				}
				fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
				for i := range rep.Cohorts.Rows {
					r := &rep.Cohorts.Rows[i]
					row := []string{r.Cohort, fmt.Sprint(r.Customers)}
					for k := range r.MRR {
						if logos {
							row = append(row, percent(r.LogoRetention(k)))
						} else {
							row = append(row, percent(r.RevenueRetention(k)))
						}
					}
					fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				skippedNote(e, rep.Skipped)
				return nil
			})
		},
	}
	f.bind(cmd)
	cmd.Flags().IntVar(&months, "months", retention.CohortMonths, "cohorts of the last N months")
	cmd.Flags().BoolVar(&logos, "logos", false, "logo retention instead of revenue retention")
	return cmd
}

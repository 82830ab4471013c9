package cli

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/revenue"
)

func metricsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Show retention metrics computed from the subscriptions",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(retentionCmd(e), churnCmd(e), pipelineCmd(e), cohortsCmd(e))
	return cmd
}

func retentionCmd(e *env) *cobra.Command {
	var period, by, asOf, format, open, slice string
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "MRR waterfall, GRR, NRR, logo churn, GDRR, quick ratio and ARPA of a period, by slice",
		Long: `Compute the retention of one period from the stored subscriptions, in the
reporting currency (` + retention.Currency + `), for every slice of one dimension:

  start + new + expansion − contraction − churn + reactivation = end
  GRR = (S − C − X) / S          NRR = (S + E − C − X) / S
  logo churn = customers lost / customers at the start
  GDRR = $ renewed / $ due, on renewals due in the period
  quick ratio = (new + expansion + reactivation) / (contraction + churn)
  ARPA = ending MRR / customers at the end

S is the MRR at the start of the customers present then; E, C and X their
expansion, contraction and churn, netted per customer. "—" marks a ratio
with nothing to divide by. The rules are in docs/revenue.md.

--open COMPONENT lists the accounts behind one number of one slice
(--slice, default all) instead: start, new, expansion, contraction, churn,
reactivation, end, retention_churn (customers lost), retention_contraction,
retention_expansion, product_churn, renewal_due, renewed… Their amounts add
up to the number.`,
		Example: `  tend metrics retention --period 2025-Q3 --by tier
  tend metrics retention --period TTM-2025-09 --by region --format csv
  tend metrics retention --period 2025-Q3 --by tier --slice SMB --open churn`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			day := civil.Today()
			if asOf != "" {
				d, err := civil.Parse(asOf)
				if err != nil || d.IsZero() {
					return fmt.Errorf("--as-of: want a day as YYYY-MM-DD, got %q", asOf)
				}
				day = d
			}
			p := revenue.QuarterOf(day)
			if period != "" {
				var err error
				if p, err = revenue.ParsePeriod(period); err != nil {
					return fmt.Errorf("--period: %w", err)
				}
			}
			if err := p.KnownBy(day); err != nil {
				return fmt.Errorf("--period: %w", err)
			}
			if _, err := revenue.DimensionByName(by, nil); err != nil {
				return fmt.Errorf("--by: %w", err)
			}
			switch format {
			case "table", "csv", "json":
			default:
				return fmt.Errorf("--format: %q is not a format (want table, csv or json)", format)
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
			if open != "" {
				var churns retention.Churns
				if c := revenue.Component(open); retention.ChurnComponent(c) {
					records, err := retention.ChurnRecords(ctx, st)
					if err != nil {
						return err
					}
					churns = retention.ChurnsOf(book, p, records)
				}
				return writeContributors(e, book, accounts, p, by, slice, revenue.Component(open), format, churns)
			}
			rep, err := retention.Measure(book, accounts, p, by)
			if err != nil {
				return fmt.Errorf("--by: %w", err)
			}
			switch format {
			case "json":
				enc := json.NewEncoder(e.out)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			case "csv":
				return writeRetentionCSV(e, rep)
			}
			return writeRetentionTable(e, rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&period, "period", "", "2025-07, 2025-Q3, 2025, TTM-2025-07 or 2025-07-01..2025-09-30 (default: the quarter of --as-of, to date)")
	f.StringVar(&by, "by", "all", "slice by: "+strings.Join(revenue.DimensionNames, ", "))
	f.StringVar(&asOf, "as-of", "", "close the books on this day, YYYY-MM-DD (default: today)")
	f.StringVar(&format, "format", "table", "table, csv or json")
	f.StringVar(&open, "open", "", "list the accounts behind one number (a component such as churn or retention_churn)")
	f.StringVar(&slice, "slice", "all", "with --open: the slice of --by")
	return cmd
}

// writeContributors prints the accounts behind component c of one slice,
// largest first, and their total (the number itself). churns, given for a
// churn component, adds each churn's date and reason, and the CSM.
func writeContributors(e *env, book *revenue.Book, accounts []customer.Account, p revenue.Period, by, slice string, c revenue.Component, format string, churns retention.Churns) error {
	dim, err := revenue.DimensionByName(by, accounts)
	if err != nil {
		return fmt.Errorf("--by: %w", err)
	}
	items, err := book.Contributors(p, dim, slice, c)
	if err != nil {
		return fmt.Errorf("--open: %w", err)
	}
	names := make(map[int64]customer.Account, len(accounts))
	for _, a := range accounts {
		names[a.ID] = a
	}
	cur := book.Currency()
	var amount int64
	var count int
	for _, it := range items {
		amount += it.Amount
		count += it.Count
	}
	switch format {
	case "json":
		enc := json.NewEncoder(e.out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if items == nil {
			items = []revenue.Contribution{}
		}
		return enc.Encode(map[string]any{"period": p, "dimension": dim.Name, "slice": slice, "component": c,
			"currency": cur, "amount": amount, "count": count, "items": items})
	case "csv":
		w := csv.NewWriter(e.out)
		head := []string{"account_id", "account", "external_id", "product", "amount", "currency", "count"}
		if churns != nil {
			head = append(head, "date", "reason", "csm")
		}
		w.Write(head)
		for _, it := range items {
			a := names[it.Account]
			row := []string{strconv.FormatInt(it.Account, 10), a.Name, a.ExternalID, it.Product, money.FormatMinor(it.Amount, cur), cur, strconv.Itoa(it.Count)}
			if churns != nil {
				ev, _ := churns.Find(it.Account, it.Product)
				row = append(row, dateOrBlank(ev.Date), string(ev.Reason), a.CSMEmail)
			}
			w.Write(row)
		}
		w.Flush()
		return w.Error()
	}
	fmt.Fprintf(e.out, "%s of %s=%s, %s (%s to %s), as of %s: %s in %d\n\n", c, dim.Name, slice, p.Name, p.From, p.Last(),
		book.AsOf(), money.Display(amount, cur), count)
	// A count column where every row counts one says nothing: the total
	// above carries it.
	counts := false
	for _, it := range items {
		counts = counts || it.Count != 1
	}
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	head := []string{"ID", "ACCOUNT", "PRODUCT", "AMOUNT"}
	if counts {
		head = append(head, "COUNT")
	}
	if churns != nil {
		head = append(head, "CHURNED ON", "REASON", "CSM")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, it := range items {
		a := names[it.Account]
		row := []string{strconv.FormatInt(it.Account, 10), a.Name, it.Product, money.Display(it.Amount, cur)}
		if counts {
			row = append(row, strconv.Itoa(it.Count))
		}
		if churns != nil {
			ev, ok := churns.Find(it.Account, it.Product)
			reason := "—"
			if ok {
				reason = ev.Reason.Label()
			}
			row = append(row, cmp.Or(dateOrBlank(ev.Date), "—"), reason, cmp.Or(a.CSMEmail, "—"))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// dateOrBlank writes d, or "" for no date.
func dateOrBlank(d civil.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// retentionCSVHeader names the CSV's columns.
var retentionCSVHeader = []string{"period", "dimension", "slice", "currency",
	"start", "new", "expansion", "contraction", "churn", "reactivation", "end",
	"customers_start", "customers_end", "grr", "nrr", "logo_churn", "gdrr", "quick_ratio", "arpa"}

// writeRetentionTable prints rep for people: money as "$1,234.50", ratios as
// percentages, "—" for undefined.
func writeRetentionTable(e *env, rep *retention.Report) error {
	cur := rep.Currency
	fmt.Fprintf(e.out, "Retention %s (%s to %s), by %s, as of %s, in %s\n\n",
		rep.Period.Name, rep.Period.From, rep.Period.Last(), rep.Dimension, rep.AsOf, cur)
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := append([]string{strings.ToUpper(rep.Dimension)}, "START", "NEW", "EXPANSION", "CONTRACTION", "CHURN",
		"REACTIVATION", "END", "CUSTOMERS", "GRR", "NRR", "LOGO CHURN", "GDRR", "QUICK RATIO", "ARPA")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, s := range rep.Slices {
		r := s.Ratios
		row := []string{s.Slice,
			money.Display(s.Start, cur), money.Display(s.New, cur), money.Display(s.Expansion, cur),
			neg(s.Contraction, cur), neg(s.Churn, cur), money.Display(s.Reactivation, cur), money.Display(s.End, cur),
			fmt.Sprintf("%d→%d", s.CustomersStart, s.CustomersEnd),
			percent(r.GRR), percent(r.NRR), percent(r.LogoChurn), percent(r.GDRR), times(r.QuickRatio), perAccount(r.ARPA, cur)}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Slices) == 0 {
		fmt.Fprintln(e.out, "(no MRR, movements or renewals in this period)")
	}
	skippedNote(e, rep.Skipped)
	return nil
}

// skippedNote prints which subscription rows the figures leave out, if any.
func skippedNote(e *env, s revenue.Skipped) {
	if n := retention.SkippedNote(s); n != "" {
		fmt.Fprintln(e.out, "\n"+n)
	}
}

// writeRetentionCSV prints rep for spreadsheets: amounts as decimals of the
// currency, ratios as fractions (0.9731), empty when undefined.
func writeRetentionCSV(e *env, rep *retention.Report) error {
	cur := rep.Currency
	w := csv.NewWriter(e.out)
	w.Write(retentionCSVHeader)
	for _, s := range rep.Slices {
		r := s.Ratios
		row := []string{rep.Period.Name, rep.Dimension, s.Slice, cur}
		for _, v := range []int64{s.Start, s.New, s.Expansion, s.Contraction, s.Churn, s.Reactivation, s.End} {
			row = append(row, money.FormatMinor(v, cur))
		}
		row = append(row, strconv.Itoa(s.CustomersStart), strconv.Itoa(s.CustomersEnd))
		for _, x := range []revenue.Ratio{r.GRR, r.NRR, r.LogoChurn, r.GDRR, r.QuickRatio} {
			row = append(row, fraction(x))
		}
		arpa := ""
		if r.ARPA.Defined() {
			arpa = money.FormatMinor(roundDiv(r.ARPA), cur)
		}
		w.Write(append(row, arpa))
	}
	w.Flush()
	return w.Error()
}

// undefined stands for a ratio with a zero denominator.
const undefined = "—"

func percent(r revenue.Ratio) string {
	if !r.Defined() {
		return undefined
	}
	return r.Percent()
}

func times(r revenue.Ratio) string {
	v, ok := r.Float()
	if !ok {
		return undefined
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "×"
}

func fraction(r revenue.Ratio) string {
	if !r.Defined() {
		return ""
	}
	return r.String()
}

// perAccount writes a money-per-account ratio rounded to the minor unit.
func perAccount(r revenue.Ratio, cur string) string {
	if !r.Defined() {
		return undefined
	}
	return money.Display(roundDiv(r), cur)
}

// roundDiv is Num/Den rounded half away from zero; Den must not be 0.
func roundDiv(r revenue.Ratio) int64 {
	n, d := r.Num, r.Den
	if d < 0 {
		n, d = -n, -d
	}
	if n < 0 {
		return -((-n + d/2) / d)
	}
	return (n + d/2) / d
}

// neg writes an amount that reduces MRR with a minus sign (zero plain).
func neg(v int64, cur string) string {
	if v == 0 {
		return money.Display(0, cur)
	}
	return money.Display(-v, cur)
}

package cli

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/transfer"
)

// importCmd is `tend import <object> FILE`.
func importCmd(e *env) *cobra.Command {
	var (
		format     string
		maps, sets []string
		dryRun     bool
		errorsFile string
		batchSize  int
		show       int
	)
	cmd := &cobra.Command{
		Use:   "import <object> FILE",
		Short: "Import " + strings.Join(transfer.Names(), ", ") + " or events from CSV or JSON lines",
		Long: `Import objects from a CSV or JSON lines file ("-" reads standard input).

Columns are matched to fields by name (case, spaces, underscores and dashes
ignored), by common synonyms and by Salesforce export names (Id, AccountId,
NumberOfEmployees, ParentId, BillingCountry…). --map overrides the matching,
--set gives a field the same value on every row. Each row is all or
nothing: bad rows are reported with their line and column, good rows are
imported, and rows that match an existing object by external id (email
for users) update it, so a rerun after fixing the file is safe.

Events (product usage) come as Segment JSON lines (one message per line, as
Segment and warehouses export them; receivedAt is trusted) or as CSV: columns
map to message_id, type, event, name, user_id, anonymous_id, group_id,
account or subscription (an external id naming the account), timestamp and
count (the event repeated); other columns become properties. A re-import
is deduplicated by message id.

Exit status: 0 when every row was imported, 2 when some were rejected,
1 on any other failure. See docs/import.md.`,
		Example: `  tend import accounts accounts.csv
  tend import subscriptions subs.csv --map account_id=account_external_id --set product=RavenStack
  tend import accounts crm.csv --map "Plan=attributes.plan,Seats=attributes.seats:number" --dry-run
  tend import events segment-export.jsonl
  tend import events ravenstack_feature_usage.csv \
    --map usage_id=message_id,subscription_id=subscription,usage_date=timestamp,feature_name=event,usage_count=count`,
		Args: usageArgs(2, "tend import <object> FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			events := args[0] == "events"
			obj, err := transfer.Lookup(args[0])
			if err != nil && !events {
				return fmt.Errorf("%w (or events)", err)
			}
			path := args[1]
			if format == "" {
				if path == "-" {
					return errors.New("reading standard input needs --format csv, tsv or jsonl")
				}
				if format, err = transfer.FormatOf(path); err != nil {
					return err
				}
			}
			in, size, err := openInput(path)
			if err != nil {
				return err
			}
			defer in.Close()

			st, err := e.importStore(ctx, dryRun)
			if err != nil {
				return err
			}
			if st != nil {
				defer st.Close()
			}

			opts := transfer.Options{
				Format: format, Map: maps, Set: sets, DryRun: dryRun,
				BatchSize: batchSize, KeepRejects: show, Size: size,
			}
			if show <= 0 {
				opts.KeepRejects = -1
			}
			if events && !cmd.Flags().Changed("batch-size") {
				opts.BatchSize = 10000 // events are small and go through one committer: fewer, larger commits
			}
			var ef *rejectFile
			if errorsFile != "" {
				if ef, err = newRejectFile(errorsFile); err != nil {
					return err
				}
				defer ef.f.Close()
				opts.OnReject = ef.write
			}
			var bar *transfer.Bar
			if f, ok := e.errOut.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				bar = transfer.NewBar(f)
				opts.Progress = bar.Update
			}
			var rep transfer.Report
			if events {
				rep, err = e.importEvents(ctx, st, in, opts)
			} else {
				rep, err = obj.Import(ctx, st, in, opts)
			}
			if bar != nil {
				bar.Done()
			}
			if ef != nil {
				if cerr := ef.close(); err == nil {
					err = cerr
				}
			}
			if err == nil || rep.Rows > 0 {
				e.printReport(rep, path, errorsFile)
			}
			// After a bulk load the planner's statistics are stale until
			// autovacuum comes round; refresh them now.
			if err == nil && !dryRun && rep.Rows >= 10000 {
				if aerr := st.Analyze(ctx); aerr != nil {
					e.log.Warn("refreshing planner statistics after import", "err", aerr)
				}
			}
			if err != nil {
				return err
			}
			if rep.Rejected > 0 {
				return exitError{code: 2, msg: fmt.Sprintf("%d of %d rows rejected", rep.Rejected, rep.Rows)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "", "csv, tsv or jsonl (default: from the file name)")
	f.StringSliceVar(&maps, "map", nil, `column=field pairs, comma-separated or repeated; field may be attributes.<key>[:number|boolean|date|text], or "-" to ignore the column`)
	f.StringArrayVar(&sets, "set", nil, "field=value given to every row (repeatable), e.g. --set product=RavenStack")
	f.BoolVar(&dryRun, "dry-run", false, "check every row but write nothing")
	f.StringVar(&errorsFile, "errors-file", "", "write every rejected row, with its line and error, to this CSV file")
	f.IntVar(&batchSize, "batch-size", 1000, "rows written per transaction")
	f.IntVar(&show, "show-errors", 20, "how many rejected rows to print")
	config.Bind(&e.cfg, cmd.Flags(), config.Ingestion, config.Matching) // import events ingests as the server does
	return cmd
}

// exportCmd is `tend export <object> [-o FILE]`.
func exportCmd(e *env) *cobra.Command {
	var output string
	var opt transfer.ExportOptions
	cmd := &cobra.Command{
		Use:   "export <object>",
		Short: "Export " + strings.Join(transfer.Names(), ", ") + " as CSV that imports back unchanged",
		Long: `Export every object of one kind as CSV, to standard output or to -o FILE.

The header names the fields; money is a decimal amount in the object's
currency, dates are YYYY-MM-DD, times RFC 3339, lists are joined with ";",
and custom account attributes are attributes.<key> columns. Importing the
file again changes nothing. See docs/import.md.

For a file to open in a spreadsheet, --safe-formulas starts any text cell
that a spreadsheet would run as a formula with an apostrophe, as the web
UI's downloads do.`,
		Example: `  tend export accounts -o accounts.csv
  tend export contacts --safe-formulas -o contacts-for-excel.csv`,
		Args: usageArgs(1, "tend export <object> [-o FILE]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			obj, err := transfer.Lookup(args[0])
			if err != nil {
				return err
			}
			st, err := e.openExisting(ctx, false)
			if err != nil {
				return err
			}
			defer st.Close()
			if output == "" || output == "-" {
				_, err := obj.Export(ctx, st, e.out, opt)
				return err
			}
			// Write beside the target and rename, so a failed export never
			// leaves half a file where a whole one was expected.
			tmp, err := os.CreateTemp(filepath.Dir(output), "."+filepath.Base(output)+".*")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			n, err := obj.Export(ctx, st, tmp, opt)
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if err := os.Rename(tmp.Name(), output); err != nil {
				return err
			}
			fmt.Fprintf(e.errOut, "exported %d %s to %s\n", n, obj.Name, output)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default: standard output)")
	cmd.Flags().BoolVar(&opt.SafeFormulas, "safe-formulas", false,
		"start text cells a spreadsheet would run as a formula (=, +, -, @) with an apostrophe, for a file opened in a spreadsheet rather than imported again")
	return cmd
}

// importEvents imports usage through an ingestion service of its own, so
// dedupe, linking and rollups are those of live ingestion.
func (e *env) importEvents(ctx context.Context, st store.Store, in io.Reader, opts transfer.Options) (transfer.Report, error) {
	if opts.DryRun {
		return transfer.ImportEvents(ctx, st, nil, in, opts)
	}
	svc, err := ingest.New(ctx, st, e.log, e.ingestOptions())
	if err != nil {
		return transfer.Report{}, err
	}
	defer svc.Close()
	return transfer.ImportEvents(ctx, st, svc, in, opts)
}

// importStore opens the store an import writes to. A dry run writes
// nothing, so it uses the database only if there already is one (to read
// attribute definitions and existing objects) and never migrates it.
func (e *env) importStore(ctx context.Context, dryRun bool) (store.Store, error) {
	if !dryRun {
		return e.openStore(ctx, true)
	}
	if e.cfg.DatabaseURL == "" {
		if _, err := os.Stat(e.sqlitePath()); err != nil {
			return nil, nil
		}
	}
	st, err := e.openStore(ctx, false)
	if err != nil {
		e.log.Info("dry run without the database", "reason", err)
		return nil, nil
	}
	return st, nil
}

func openInput(path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// printReport writes what an import did: ignored columns, the first
// rejected rows (on the error stream) and a one-line summary.
func (e *env) printReport(r transfer.Report, path, errorsFile string) {
	if len(r.Ignored) > 0 {
		parts := make([]string, len(r.Ignored))
		for i, ig := range r.Ignored {
			parts[i] = fmt.Sprintf("%q (%s)", ig.Column, ig.Reason)
		}
		fmt.Fprintf(e.errOut, "warning: columns not imported: %s\n", strings.Join(parts, ", "))
	}
	for _, rj := range r.Rejects {
		fmt.Fprintln(e.errOut, rj.Error())
	}
	if more := r.Rejected - len(r.Rejects); more > 0 {
		if errorsFile != "" {
			fmt.Fprintf(e.errOut, "… and %d more rejected rows in %s\n", more, errorsFile)
		} else {
			fmt.Fprintf(e.errOut, "… and %d more rejected rows (all of them with --errors-file FILE)\n", more)
		}
	}
	for _, w := range r.Warnings {
		fmt.Fprintln(e.errOut, "warning: "+w.String())
	}
	if more := r.Warned - len(r.Warnings); more > 0 {
		fmt.Fprintf(e.errOut, "… and %d more rows with warnings\n", more)
	}
	var extra strings.Builder
	if r.Warned > 0 {
		fmt.Fprintf(&extra, ", %d with warnings", r.Warned)
	}
	if r.Duplicates > 0 {
		fmt.Fprintf(&extra, ", %d duplicates skipped", r.Duplicates)
	}
	rate := 0.0
	if s := r.Elapsed.Seconds(); s > 0 {
		rate = float64(r.Rows) / s
	}
	if r.DryRun {
		fmt.Fprintf(e.out, "dry run of %s from %s: %d rows, %d valid, %d rejected%s; nothing written\n",
			r.Object, path, r.Rows, r.Valid, r.Rejected, extra.String())
		return
	}
	fmt.Fprintf(e.out, "imported %s from %s: %d created, %d updated, %d rejected%s (%d rows in %s, %.0f rows/s)\n",
		r.Object, path, r.Created, r.Updated, r.Rejected, extra.String(), r.Rows, r.Elapsed.Round(1e6), rate)
}

// rejectFile collects rejected rows as CSV: line, error, then the row as
// it was read, under the file's own header.
type rejectFile struct {
	f      *os.File
	w      *csv.Writer
	header bool
}

func newRejectFile(path string) (*rejectFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("errors file: %w", err)
	}
	return &rejectFile{f: f, w: csv.NewWriter(f)}, nil
}

func (ef *rejectFile) write(r transfer.Reject) error {
	if !ef.header {
		ef.header = true
		if err := ef.w.Write(append([]string{"line", "error"}, r.Names...)); err != nil {
			return fmt.Errorf("errors file: %w", err)
		}
	}
	msg := strings.TrimPrefix(r.Error(), fmt.Sprintf("line %d", r.Line))
	msg = strings.TrimLeft(msg, ",: ")
	if err := ef.w.Write(append([]string{fmt.Sprint(r.Line), msg}, r.Record...)); err != nil {
		return fmt.Errorf("errors file: %w", err)
	}
	return nil
}

func (ef *rejectFile) close() error {
	ef.w.Flush()
	if err := ef.w.Error(); err != nil {
		return fmt.Errorf("errors file: %w", err)
	}
	if err := ef.f.Close(); err != nil {
		return fmt.Errorf("errors file: %w", err)
	}
	return nil
}

// usageArgs wants exactly n arguments, and says how the command is used
// and which objects there are when it gets something else.
func usageArgs(n int, usage string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		return fmt.Errorf("usage: %s (objects: %s)", usage, strings.Join(transfer.Names(), ", "))
	}
}

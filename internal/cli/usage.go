package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/usage"
)

// Write keys (tend writekey create | list | revoke) and usage upkeep
// (tend usage features | rebuild | prune).

func writeKeyCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "writekey",
		Short: "Manage the write keys products send usage with (Segment-compatible ingestion)",
		Args:  cobra.NoArgs,
	}
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a write key and print it once",
		Long: `Create a write key. Point a Segment library at Tend (endpoint
http(s)://your-tend/) with this key as its write key; it can only send usage.
The key is printed once: Tend keeps only its hash.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := e.openStore(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			k, secret := auth.NewWriteKey(args[0], time.Now().UTC().Truncate(time.Microsecond))
			if err := st.CreateWriteKey(ctx, &k); err != nil {
				return err
			}
			fmt.Fprintf(e.errOut, "created write key %d (%s); it is shown once, keep it now:\n", k.ID, k.Name)
			fmt.Fprintln(e.out, secret)
			return nil
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List write keys (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			keys, err := st.WriteKeys(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tSTARTS\tCREATED\tLAST USED\tSTATE")
			for _, k := range keys {
				state, used := "live", "never"
				if k.RevokedAt != nil {
					state = "revoked " + k.RevokedAt.Format(time.DateOnly)
				}
				if k.LastUsedAt != nil {
					used = k.LastUsedAt.Format(time.DateTime)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s…\t%s\t%s\t%s\n", k.ID, k.Name, k.Hint, k.CreatedAt.Format(time.DateOnly), used, state)
			}
			return tw.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a write key (refused within a second by running servers)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("write key id: %q is not a number (see `tend writekey list`)", args[0])
			}
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.RevokeWriteKey(ctx, id, time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(e.out, "revoked write key %d\n", id)
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func usageCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "usage",
		Short: "Product usage upkeep: feature definitions, rebuilding rollups, retention",
		Args:  cobra.NoArgs,
	}
	features := &cobra.Command{
		Use:   "features [FILE]",
		Short: "Show the feature definitions, or replace them from a JSON file",
		Long: `Features turn event names into product features (docs/usage.md):

  {"features": [
    {"key": "reports", "events": ["Report Created", "Report Exported"], "high_value": true},
    {"key": "dashboards", "events": ["Dashboard *", "page:Dashboards*"]}
  ]}

Every problem is reported at once, located. After a change, run
'tend usage rebuild' so past usage is classified the new way; running
servers pick the change up when restarted.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			open := e.openExisting // showing them reads only
			if len(args) == 1 {
				open = e.openStore
			}
			st, err := open(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			if len(args) == 0 {
				cat, err := adoption.LoadCatalog(ctx, st)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "KEY\tNAME\tHIGH VALUE\tEVENTS")
				for _, f := range cat.Features() {
					fmt.Fprintf(tw, "%s\t%s\t%v\t%q\n", f.Key, f.Name, f.HighValue, f.Events)
				}
				return tw.Flush()
			}
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var cfg usage.FeatureConfig
			if err := json.Unmarshal(b, &cfg); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if _, err := cfg.Compile(); err != nil {
				var ce usage.ConfigErrors
				if errors.As(err, &ce) {
					for _, x := range ce {
						fmt.Fprintf(e.errOut, "%s: %s\n", args[0], x)
					}
					return exitError{code: 1, msg: fmt.Sprintf("%s: %d problems; nothing changed", args[0], len(ce))}
				}
				return err
			}
			norm, _ := json.Marshal(cfg)
			if err := st.SetUsageSetting(ctx, adoption.FeaturesSetting, string(norm), time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(e.out, "%d features saved; run `tend usage rebuild` to reclassify past usage\n", len(cfg.Features))
			return nil
		},
	}
	rebuild := &cobra.Command{
		Use:   "rebuild",
		Short: "Recompute every usage rollup from the stored messages",
		Long: `Recompute the per-account-per-day rollups from the stored messages, with
the current feature definitions and links, in one transaction. Run it after
changing the features. Messages older than the retention are gone and
count no more.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			cat, err := adoption.LoadCatalog(ctx, st)
			if err != nil {
				return err
			}
			start := time.Now()
			rs, err := st.RebuildUsage(ctx, cat, usage.MatchField(e.cfg.UsageMatchField))
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "rebuilt usage: %d events over %d accounts in %s\n", rs.Events, rs.Accounts, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	var asOf string
	var asJSON bool
	account := &cobra.Command{
		Use:   "account EXTERNAL_ID",
		Short: "Show an account's product adoption (DAU/WAU/MAU, seats, breadth, depth, trend, features)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			day := usage.DayOf(time.Now())
			if asOf != "" {
				d, err := usage.ParseDay(asOf)
				if err != nil {
					return fmt.Errorf("--as-of: want YYYY-MM-DD, got %q", asOf)
				}
				day = d
			}
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			a, err := st.Accounts().GetByExternalID(ctx, args[0])
			if err != nil {
				return fmt.Errorf("account %q: %w", args[0], err)
			}
			cat, err := adoption.LoadCatalog(ctx, st)
			if err != nil {
				return err
			}
			rep, err := adoption.Measure(ctx, st, cat, a.ID, day, 0)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			pct := func(f *float64) string {
				if f == nil {
					return "—"
				}
				return fmt.Sprintf("%.0f%%", *f*100)
			}
			fmt.Fprintf(e.out, "%s (%s), as of %s\n", a.Name, a.ExternalID, rep.AsOf)
			fmt.Fprintf(e.out, "  active users     DAU %d  WAU %d  MAU %d (previous 30 days %d)\n", rep.DAU, rep.WAU, rep.MAU, rep.MAUPrev)
			fmt.Fprintf(e.out, "  seats            %s of %d\n", pct(rep.SeatUtilisation), rep.Seats)
			fmt.Fprintf(e.out, "  breadth          %s (%d of %d features)\n", pct(rep.Breadth), rep.FeaturesUsed, rep.FeaturesDefined)
			fmt.Fprintf(e.out, "  depth            %s (%d users of high-value features)\n", pct(rep.Depth), rep.HighValueUsers)
			fmt.Fprintf(e.out, "  trend            %s (%d events in 30 days, %d before)\n", pct(rep.Trend), rep.Events, rep.EventsPrev)
			fmt.Fprintf(e.out, "  stickiness       %s\n", pct(rep.Stickiness))
			for _, f := range rep.Features {
				fmt.Fprintf(e.out, "  %-16s %d events, %d users\n", f.Key, f.Events, f.Users)
			}
			return nil
		},
	}
	account.Flags().StringVar(&asOf, "as-of", "", "the last day of the 30-day window (YYYY-MM-DD, UTC; default today)")
	account.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	config.Bind(&e.cfg, rebuild.Flags(), config.Matching)
	cmd.AddCommand(features, rebuild, account)
	return cmd
}

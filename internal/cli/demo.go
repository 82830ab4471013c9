package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/demo"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/store"
)

func demoCmd(e *env) *cobra.Command {
	var (
		seed      int64
		accounts  int
		force     bool
		usageDays int
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Fill the database with a made-up demo company",
		Long: `Fill the configured database with Lumora, an invented B2B SaaS company:
about 2,000 customer accounts with 24 months of subscriptions, contacts,
invoices, support tickets, survey answers and a CSM timeline. Accounts that
churned show warning signs beforehand, and some live accounts are at risk
now. Everything is fictional, and every email address is on the reserved
.example domain, so nothing can ever reach a real person.

The same --seed gives the same company; dates are relative to today.
A database that already has accounts is refused unless --force is given;
with --force the demo is loaded alongside them, and loading the same seed
again updates its objects in place.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if accounts < 1 || accounts > 100_000 {
				return fmt.Errorf("--accounts must be between 1 and 100000 (got %d)", accounts)
			}
			ctx := cmd.Context()
			st, err := e.openStore(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			n, err := st.Accounts().Count(ctx, store.Query{})
			if err != nil {
				return err
			}
			if n > 0 && !force {
				return fmt.Errorf("the database already has %d accounts; the demo wants an empty one (use --force to load it anyway, or `tend serve --demo` for a separate demo database)", n)
			}
			start := time.Now()
			e.log.Info("building the demo company", "seed", seed, "accounts", accounts)
			c := demo.Build(demo.Options{Seed: seed, Accounts: accounts, Today: civil.Today()})
			sum, err := demo.Load(ctx, st, c)
			if err != nil {
				return err
			}
			events := 0
			if usageDays > 0 {
				if events, err = demo.LoadUsage(ctx, st, c, usageDays); err != nil {
					return err
				}
			}
			fmt.Fprintf(e.out, "Loaded the demo company %s (seed %d, as of %s) into %s in %s.\n",
				sum.Company, sum.Seed, sum.AsOf, st.Engine(), time.Since(start).Round(time.Millisecond))
			fmt.Fprintf(e.out, "  %d accounts: %d live (%d at risk now), %d churned\n",
				sum.Accounts, sum.LiveAccounts, sum.AtRisk, sum.Accounts-sum.LiveAccounts)
			fmt.Fprintf(e.out, "  MRR %s (ARR %s) across %d products; the top 10%% of accounts carry %.0f%% of it\n",
				dollars(sum.MRR), dollars(sum.MRR*12), len(c.Products), sum.Top10Share*100)
			fmt.Fprintf(e.out, "  %d CSMs among %d users; %d contacts, %d subscriptions, %d invoices, %d tickets, %d survey answers, %d timeline entries\n",
				sum.CSMs, sum.Users, sum.Contacts, sum.Subscriptions, sum.Invoices, sum.Tickets, sum.Surveys, sum.Activities)
			if events > 0 {
				fmt.Fprintf(e.out, "  %d product usage events over %d days (usage fades before churn, rises before expansion)\n", events, usageDays)
			}
			hs, err := scoreDemo(ctx, e.log, st, civil.Today())
			if err != nil {
				return fmt.Errorf("demo health scores: %w", err)
			}
			fmt.Fprintf(e.out, "  health scores: %d red, %d yellow, %d green, %d with not enough data (history from 90 days ago)\n",
				hs.Colours[string(health.Red)], hs.Colours[string(health.Yellow)], hs.Colours[string(health.Green)], hs.Colours[string(health.NotEnoughData)])
			rr, err := evaluateDemoRules(ctx, e.log, st, civil.Today())
			if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "  rules: %d CTAs opened (%s)\n", rr.TotalOpens(), ctaCounts(rr))
			fmt.Fprintln(e.out, "All of it is invented: no real company, person or number.")
			return nil
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 1, "which demo company: the same seed gives the same data")
	cmd.Flags().IntVar(&accounts, "accounts", demo.DefaultAccounts, "how many customer accounts to invent")
	cmd.Flags().BoolVar(&force, "force", false, "load even if the database already has accounts")
	cmd.Flags().IntVar(&usageDays, "usage-days", demoUsageDays, "days of product usage to invent (0: none)")
	return cmd
}

// dollars writes cents compactly: "$3.59M", "$412K", "$950".
func dollars(cents int64) string {
	d := float64(cents) / 100
	switch {
	case d >= 1e6:
		return fmt.Sprintf("$%.2fM", d/1e6)
	case d >= 1e4:
		return fmt.Sprintf("$%.0fK", d/1e3)
	}
	return fmt.Sprintf("$%.0f", d)
}

package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// tend rates list | set | delete: the exchange rates retention converts
// subscriptions in other currencies with, kept in the database so every
// surface (web, API, CLI) and every replica reads the same ones.

func ratesCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rates",
		Short: "Manage the exchange rates retention converts other currencies into " + retention.Currency + " with",
		Long: `Retention is reported in one currency, ` + retention.Currency + `. A subscription in another
currency is converted with the rate set here: what one unit of it is worth in
` + retention.Currency + `, fixed for the whole history (constant-currency reporting, so
exchange-rate swings never show up as expansion or contraction). Without a
rate, retention refuses the currency and names it. See docs/revenue.md.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(ratesListCmd(e), ratesSetCmd(e), ratesDeleteCmd(e))
	return cmd
}

func ratesListCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the exchange rates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			rs, err := st.ExchangeRates(ctx)
			if err != nil {
				return err
			}
			if len(rs) == 0 {
				fmt.Fprintf(e.out, "no exchange rates: every subscription must be in %s (set one with `tend rates set EUR 1.0845`)\n", retention.Currency)
				return nil
			}
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "CURRENCY\tIN %s\tSET\n", retention.Currency)
			for _, r := range rs {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Currency, r.Rate, r.UpdatedAt.UTC().Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		},
	}
}

func ratesSetCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:     "set CURRENCY RATE",
		Short:   "Set what one unit of CURRENCY is worth in " + retention.Currency,
		Example: "  tend rates set EUR 1.0845\n  tend rates set JPY 0.0067",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := e.openStore(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			r := store.ExchangeRate{Currency: args[0], Rate: args[1]}
			if err := st.PutExchangeRate(ctx, &r); err != nil {
				if errs, ok := validate.As(err); ok {
					return fmt.Errorf("%s", errs.Error())
				}
				return err
			}
			fmt.Fprintf(e.out, "1 %s = %s %s\n", r.Currency, r.Rate, retention.Currency)
			return nil
		},
	}
}

func ratesDeleteCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "delete CURRENCY",
		Short: "Remove a currency's exchange rate",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.DeleteExchangeRate(ctx, args[0]); errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no exchange rate for %s", args[0])
			} else if err != nil {
				return err
			}
			fmt.Fprintf(e.out, "deleted the exchange rate for %s\n", args[0])
			return nil
		},
	}
}

package cli

import (
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/auth"
)

// tend token create | list | revoke: API tokens from the command line, as
// on the admin page. A new token's secret is printed once.

func tokenCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens for /api/v1", Args: cobra.NoArgs}
	cmd.AddCommand(tokenCreateCmd(e), tokenListCmd(e), tokenRevokeCmd(e))
	return cmd
}

func tokenCreateCmd(e *env) *cobra.Command {
	var user, scope string
	var days int
	cmd := &cobra.Command{
		Use:   "create NAME --user EMAIL",
		Short: "Create an API token acting for a user and print it once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := e.openStore(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			u, err := st.Users().GetByExternalID(ctx, user)
			if err != nil {
				return userError(err)
			}
			now := time.Now()
			tok, secret := auth.NewToken(args[0], u.ID, scope, now)
			if days > 0 {
				exp := now.AddDate(0, 0, days)
				tok.ExpiresAt = &exp
			}
			if err := st.CreateToken(ctx, &tok); err != nil {
				return err
			}
			fmt.Fprintf(e.out, "created token %d %q for %s (%s)\n\n  %s\n\n  It is shown only now: Tend keeps only a hash.\n", tok.ID, tok.Name, u.Email, tok.Scope, secret)
			return nil
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "email of the user the token acts for (required)")
	cmd.Flags().StringVar(&scope, "scope", auth.ScopeRead, "read or write")
	cmd.Flags().IntVar(&days, "days", 0, "expire after this many days (0: never)")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}

func tokenListCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List API tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			toks, err := st.Tokens(ctx)
			if err != nil {
				return err
			}
			now := time.Now()
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tUSER\tSCOPE\tSTARTS\tLAST USED\tSTATE")
			for _, t := range toks {
				used, state := "never", "active"
				if t.LastUsedAt != nil {
					used = t.LastUsedAt.UTC().Format(time.DateTime)
				}
				switch {
				case t.RevokedAt != nil:
					state = "revoked"
				case !t.Live(now):
					state = "expired"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s…\t%s\t%s\n", t.ID, t.Name, t.UserEmail, t.Scope, t.Hint, used, state)
			}
			return tw.Flush()
		},
	}
}

func tokenRevokeCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token; it stops working at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("%q is not a token id (see `tend token list`)", args[0])
			}
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.RevokeToken(ctx, id, time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(e.out, "revoked token %d\n", id)
			return nil
		},
	}
}

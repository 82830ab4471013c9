package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// The people who use Tend: tend user create | list | reset-password |
// disable | enable. Passwords are never taken as arguments (they would
// land in shell history): a new or reset password is a one-time password
// printed once, or read from standard input with --password-stdin.

func userCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage the people who sign in to Tend",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(userCreateCmd(e), userListCmd(e), userResetCmd(e), userDisableCmd(e, true), userDisableCmd(e, false))
	return cmd
}

func userCreateCmd(e *env) *cobra.Command {
	var u customer.User
	var stdin bool
	cmd := &cobra.Command{
		Use:   "create EMAIL",
		Short: "Create a user and print a one-time password",
		Long: `Create a user who can sign in. Roles: admin (configuration, users, tokens),
leader (everything except users and configuration), csm (edits their own
book, reads all), read_only.

Without --password-stdin, a one-time password is printed once; the user
chooses their own at the first sign-in.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			u.Email = args[0]
			pw, oneTime, err := newPassword(e, cmd.InOrStdin(), stdin)
			if err != nil {
				return err
			}
			hash, err := auth.HashPassword(pw)
			if err != nil {
				return err
			}
			st, err := e.openStore(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.Users().Create(ctx, &u); err != nil {
				return userError(err)
			}
			if err := st.SetPassword(ctx, u.ID, hash, oneTime, nil); err != nil {
				return err
			}
			fmt.Fprintf(e.out, "created %s (%s)\n", u.Email, u.Role)
			if oneTime {
				printOneTime(e.out, u.Email, pw)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&u.Name, "name", "", "full name")
	cmd.Flags().StringVar(&u.Role, "role", customer.RoleCSM, "admin, leader, csm or read_only")
	cmd.Flags().StringVar(&u.Title, "title", "", "job title")
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input instead of printing a one-time one")
	return cmd
}

func userListCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List users, their roles and whether they can sign in",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tSIGN-IN")
			users, err := store.All(ctx, st.Users(), store.Query{Sort: "email", Limit: 1000})
			if err != nil {
				return err
			}
			for _, u := range users {
				_, hash, mustChange, err := st.Password(ctx, u.Email)
				if err != nil {
					return err
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Email, u.Name, u.Role, signInWords[auth.SignInState(u.Disabled, hash, mustChange)])
			}
			return tw.Flush()
		},
	}
}

// signInWords say in `tend user list` whether a user can sign in.
var signInWords = map[string]string{auth.SignInActive: "yes", auth.SignInOneTime: "one-time password",
	auth.SignInNoPassword: "no password", auth.SignInDisabled: "disabled"}

func userResetCmd(e *env) *cobra.Command {
	var stdin bool
	cmd := &cobra.Command{
		Use:   "reset-password EMAIL",
		Short: "Give a user a new password and sign them out everywhere",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			pw, oneTime, err := newPassword(e, cmd.InOrStdin(), stdin)
			if err != nil {
				return err
			}
			hash, err := auth.HashPassword(pw)
			if err != nil {
				return err
			}
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			u, err := st.Users().GetByExternalID(ctx, args[0])
			if err != nil {
				return userError(err)
			}
			if err := st.SetPassword(ctx, u.ID, hash, oneTime, nil); err != nil {
				return err
			}
			fmt.Fprintf(e.out, "reset the password of %s; their sessions are ended\n", u.Email)
			if u.Disabled {
				fmt.Fprintf(e.out, "note: %s is disabled; `tend user enable %s` lets them sign in\n", u.Email, u.Email)
			}
			if oneTime {
				printOneTime(e.out, u.Email, pw)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input instead of printing a one-time one")
	return cmd
}

func userDisableCmd(e *env, disable bool) *cobra.Command {
	use, short := "enable EMAIL", "Let a disabled user sign in again"
	if disable {
		use, short = "disable EMAIL", "Stop a user signing in: ends their sessions and stops their API tokens (history is kept)"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := e.openExisting(ctx, true)
			if err != nil {
				return err
			}
			defer st.Close()
			u, err := st.Users().GetByExternalID(ctx, args[0])
			if err != nil {
				return userError(err)
			}
			if disable && u.Role == customer.RoleAdmin {
				if err := keepOneAdmin(ctx, st, u.ID); err != nil {
					return err
				}
			}
			u.Disabled = disable
			if err := st.Users().Update(ctx, &u); err != nil {
				return err
			}
			if disable {
				if err := st.DeleteSessions(ctx, u.ID); err != nil {
					return err
				}
				fmt.Fprintf(e.out, "disabled %s: signed out everywhere, API tokens stopped\n", u.Email)
			} else {
				fmt.Fprintf(e.out, "enabled %s\n", u.Email)
			}
			return nil
		},
	}
}

// keepOneAdmin refuses to disable the last active administrator.
func keepOneAdmin(ctx context.Context, st store.Store, except int64) error {
	ok, err := store.OtherActiveAdmin(ctx, st, except)
	if err == nil && !ok {
		err = errors.New("that is the last active administrator; make another user admin first")
	}
	return err
}

// newPassword is a one-time password, or one read from in.
func newPassword(e *env, in io.Reader, fromStdin bool) (pw string, oneTime bool, err error) {
	if !fromStdin {
		return auth.NewPassword(), true, nil
	}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.errOut, "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.errOut)
		if err != nil {
			return "", false, err
		}
		pw = string(b)
	} else {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", false, err
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	return pw, false, auth.CheckPasswordRules("password", pw)
}

func printOneTime(w io.Writer, email, pw string) {
	fmt.Fprintf(w, "\n  One-time password for %s:  %s\n  It is shown only now; they choose their own at the first sign-in.\n\n", email, pw)
}

// userError says which user was not found, or passes err on.
func userError(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errors.New("no user with that email (see `tend user list`)")
	}
	return err
}

package cli

import (
	"context"
	"fmt"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// FirstAdminEmail is the administrator Tend creates on first start.
const FirstAdminEmail = "admin@tend.localhost"

// DemoPassword signs in every user of the demo company. It is printed at
// every demo start and is only ever set on the demo's own database.
const DemoPassword = "tend-demo-password"

// firstAdmin creates an administrator with a one-time password when the
// database has no users at all, and prints the password once, so a fresh
// install can be signed in to without any other step.
func firstAdmin(ctx context.Context, e *env, st store.Store) error {
	n, err := st.Users().Count(ctx, store.Query{})
	if err != nil || n > 0 {
		return err
	}
	pw := auth.NewPassword()
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	u := customer.User{Email: FirstAdminEmail, Name: "Administrator", Role: customer.RoleAdmin}
	if err := st.Users().Create(ctx, &u); err != nil {
		return err
	}
	if err := st.SetPassword(ctx, u.ID, hash, true, nil); err != nil {
		return err
	}
	e.log.Info("first start: created an administrator", "email", u.Email)
	fmt.Fprintf(e.errOut, "\n  First start: Tend created the administrator %s\n  One-time password:  %s\n"+
		"  It is shown only now; choose your own at the first sign-in.\n"+
		"  (Lost it? `tend user reset-password %s` prints a new one.)\n", u.Email, pw, u.Email)
	return nil
}

// demoSignIns gives every demo user the demo password, prints who to sign
// in as, and returns the leader's email.
func demoSignIns(ctx context.Context, e *env, st store.Store) (string, error) {
	hash, err := auth.HashPassword(DemoPassword)
	if err != nil {
		return "", err
	}
	users, err := store.All(ctx, st.Users(), store.Query{Sort: "email", Limit: 1000})
	if err != nil {
		return "", err
	}
	pick := map[string]string{}
	for _, u := range users {
		if err := st.SetPassword(ctx, u.ID, hash, false, nil); err != nil {
			return "", err
		}
		if pick[u.Role] == "" {
			pick[u.Role] = u.Email
		}
	}
	fmt.Fprintf(e.errOut, "\n  Demo sign-in (for this demo only), password %q for everyone:\n", DemoPassword)
	for _, role := range customer.Roles {
		if email := pick[role]; email != "" {
			fmt.Fprintf(e.errOut, "    %-9s %s\n", role, email)
		}
	}
	return pick[customer.RoleLeader], nil
}

package demo

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// batchSize is how many objects Load hands to one Import call.
const batchSize = 2000

// Summary counts what a demo company holds (or what Load wrote).
type Summary struct {
	Company string
	Seed    int64
	AsOf    string // the demo's "today", YYYY-MM-DD

	Accounts      int
	LiveAccounts  int
	AtRisk        int     // live accounts showing warning signs now
	MRR           int64   // cents, of live accounts
	Top10Share    float64 // share of MRR carried by the largest 10% of live accounts
	CSMs          int
	Users         int
	Contacts      int
	Subscriptions int
	Invoices      int
	Tickets       int
	Surveys       int
	Activities    int

	// Took is how long Load took (zero from Summarize).
	Took time.Duration
}

// Summarize counts c.
func Summarize(c *Company) Summary {
	s := Summary{
		Company: c.Name, Seed: c.Seed, AsOf: c.Today.String(),
		Accounts: len(c.Accounts), Users: len(c.Users), Contacts: len(c.Contacts),
		Subscriptions: len(c.Subscriptions), Invoices: len(c.Invoices), Tickets: len(c.Tickets),
		Surveys: len(c.Surveys), Activities: len(c.Activities),
	}
	for i := range c.Accounts {
		if c.Accounts[i].MRR > 0 {
			s.LiveAccounts++
			s.MRR += c.Accounts[i].MRR
		}
		if c.Truth[i].Fate == FateAtRisk {
			s.AtRisk++
		}
	}
	var mrrs []int64
	for _, a := range c.Accounts {
		if a.MRR > 0 {
			mrrs = append(mrrs, a.MRR)
		}
	}
	slices.SortFunc(mrrs, func(x, y int64) int { return cmp.Compare(y, x) })
	var top int64
	for _, m := range mrrs[:len(mrrs)/10] {
		top += m
	}
	if s.MRR > 0 {
		s.Top10Share = float64(top) / float64(s.MRR)
	}
	for _, u := range c.Users {
		if u.Role == customer.RoleCSM {
			s.CSMs++
		}
	}
	return s
}

// Generate builds the demo company described by opts and loads it into st.
func Generate(ctx context.Context, st store.Store, opts Options) (Summary, error) {
	return Load(ctx, st, Build(opts))
}

// Load writes c into st: attribute definitions, users, accounts (parents
// before their subsidiaries), then everything that refers to them, in
// batches through Import. Any object the store rejects fails the load,
// naming the object and the reason. c itself is not modified. Objects are
// upserted by external id, so loading the same company again updates it
// in place.
func Load(ctx context.Context, st store.Store, c *Company) (Summary, error) {
	start := time.Now()
	sum := Summarize(c)
	for _, d := range c.AttributeDefs {
		if err := st.PutAttribute(ctx, &d); err != nil {
			return sum, fmt.Errorf("demo: attribute %s: %w", d.Key, err)
		}
	}
	if err := importAll(ctx, "users", st.Users(), c.Users, func(u *customer.User) string { return u.Email }); err != nil {
		return sum, err
	}
	accounts := make([]customer.Account, 0, len(c.Accounts))
	for _, a := range c.Accounts {
		a.Attributes = maps.Clone(a.Attributes)
		accounts = append(accounts, a)
	}
	// Parents first, so the store can resolve parent_external_id.
	slices.SortStableFunc(accounts, func(x, y customer.Account) int {
		return boolInt(x.ParentExternalID != "") - boolInt(y.ParentExternalID != "")
	})
	if err := importAll(ctx, "accounts", st.Accounts(), accounts, func(a *customer.Account) string { return a.ExternalID }); err != nil {
		return sum, err
	}
	for _, step := range []func() error{
		func() error {
			return importAll(ctx, "contacts", st.Contacts(), c.Contacts, func(v *customer.Contact) string { return v.ExternalID })
		},
		func() error {
			return importAll(ctx, "subscriptions", st.Subscriptions(), c.Subscriptions, func(v *customer.Subscription) string { return v.ExternalID })
		},
		func() error {
			return importAll(ctx, "invoices", st.Invoices(), c.Invoices, func(v *customer.Invoice) string { return v.ExternalID })
		},
		func() error {
			return importAll(ctx, "tickets", st.Tickets(), c.Tickets, func(v *customer.Ticket) string { return v.ExternalID })
		},
		func() error {
			return importAll(ctx, "survey responses", st.Surveys(), c.Surveys, func(v *customer.SurveyResponse) string { return v.ExternalID })
		},
		func() error {
			return importAll(ctx, "activities", st.Activities(), c.Activities, func(v *customer.Activity) string { return v.ExternalID })
		},
		func() error {
			return importAll(ctx, "churn records", st.ChurnRecords(), c.ChurnRecords, func(v *customer.ChurnRecord) string { return v.ExternalID })
		},
	} {
		if err := step(); err != nil {
			return sum, err
		}
	}
	sum.Took = time.Since(start)
	return sum, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// importAll imports vs in batches and fails on the first batch with any
// rejected object, naming up to five of them by key.
func importAll[T any](ctx context.Context, what string, col store.Collection[T], vs []T, key func(*T) string) error {
	for lo := 0; lo < len(vs); lo += batchSize {
		hi := min(lo+batchSize, len(vs))
		batch := slices.Clone(vs[lo:hi])
		res, err := col.Import(ctx, batch)
		if err != nil {
			return fmt.Errorf("demo: importing %s %d–%d of %d: %w", what, lo+1, hi, len(vs), err)
		}
		if len(res) != len(batch) {
			return fmt.Errorf("demo: importing %s %d–%d: the store returned %d results for %d objects", what, lo+1, hi, len(res), len(batch))
		}
		var (
			first error
			bad   int
			shown []string
		)
		for i, r := range res {
			if r.Err == nil {
				continue
			}
			if bad++; first == nil {
				first = r.Err
			}
			if len(shown) < 5 {
				shown = append(shown, fmt.Sprintf("%s: %v", key(&vs[lo+i]), r.Err))
			}
		}
		if bad > 0 {
			return fmt.Errorf("demo: the store rejected %d of %d %s in %d–%d (%s): %w",
				bad, len(batch), what, lo+1, hi, strings.Join(shown, "; "), first)
		}
	}
	return nil
}

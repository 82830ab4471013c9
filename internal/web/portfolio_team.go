package web

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// A leader's portfolio: a CS leader or an administrator who owns no
// account sees their team's books instead of an empty page — each CSM's
// customers, ARR, renewals due and accounts at risk, with a link into the
// book. Everything comes from two figure reads (the books and the
// renewals by CSM), whatever the number of CSMs.

// teamBook is one CSM's book in the team table.
type teamBook struct {
	Name, Email string
	// URL is the CSM's book in the accounts list; RenewingURL and
	// AtRiskURL the same narrowed to what those columns count.
	URL, RenewingURL, AtRiskURL string
	// Customers counts the customers (customer.IsCustomer), Others the
	// CSM's other accounts (churned or prospects).
	Customers, Others int
	ARR               int64
	Renewing          int
	RenewingARR       int64
	AtRisk            int
}

// teamView is the team part of templates/portfolio.html.
type teamView struct {
	Currency string
	Days     int
	Until    civil.Date
	Books    []teamBook
	// Unassigned is the accounts no CSM owns; Total the whole team.
	Unassigned, Total teamBook
	// OtherCurrencies names the currencies left out of the money and how
	// many customers are billed in them.
	OtherCurrencies string
	OtherCustomers  int
}

// canSeeTeam reports whether someone of role sees their team's books when
// they own no account.
func canSeeTeam(role string) bool {
	return role == customer.RoleLeader || role == customer.RoleAdmin
}

// teamView reads the team's books: every CSM's figures as of today.
func (s *server) teamView(ctx context.Context, today civil.Date) (*teamView, error) {
	until := today.AddDays(portfolioRenewals)
	var (
		groups   []store.AccountGroup
		renewals []store.CSMRenewals
		users    []customer.User
	)
	err := parallel(ctx,
		func(ctx context.Context) (err error) { groups, err = s.st.AccountGroups(ctx); return err },
		func(ctx context.Context) (err error) {
			renewals, err = s.st.RenewalsByCSM(ctx, today, until)
			return err
		},
		func(ctx context.Context) (err error) { users, err = s.users(ctx); return err },
	)
	if err != nil {
		return nil, err
	}
	return buildTeam(groups, renewals, users, today, until), nil
}

// buildTeam assembles the team's books from the figures: one book per CSM
// who owns accounts or is an enabled CSM, largest ARR first, the accounts
// nobody owns apart. Money is in the currency most customers are billed
// in; other currencies are counted, never added in.
func buildTeam(groups []store.AccountGroup, renewals []store.CSMRenewals, users []customer.User, today, until civil.Date) *teamView {
	byCurrency := map[string]int{}
	for _, g := range groups {
		byCurrency[g.Currency] += g.Customers
	}
	cur := reportingCurrency(byCurrency)
	v := &teamView{Currency: cur, Days: portfolioRenewals, Until: until}
	var others []string
	for _, c := range slices.Sorted(maps.Keys(byCurrency)) {
		if c != cur && byCurrency[c] > 0 {
			others = append(others, c)
			v.OtherCustomers += byCurrency[c]
		}
	}
	v.OtherCurrencies = strings.Join(others, ", ")

	byID := map[int64]customer.User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	books := map[int64]*teamBook{}
	book := func(id int64, email string) *teamBook {
		b, ok := books[id]
		if !ok {
			u := byID[id]
			b = &teamBook{Email: cmp.Or(u.Email, email), Name: cmp.Or(u.Name, u.Email, email)}
			books[id] = b
		}
		return b
	}
	for _, u := range users {
		if u.Role == customer.RoleCSM && !u.Disabled {
			book(u.ID, u.Email)
		}
	}
	for _, g := range groups {
		b := book(g.CSMID, g.CSMEmail)
		b.Customers += g.Customers
		b.Others += g.Accounts - g.Customers
		if g.Lifecycle == customer.StageAtRisk {
			b.AtRisk += g.Customers
		}
		if g.Currency == cur && g.Lifecycle != customer.StageChurned {
			b.ARR += 12 * g.MRR
		}
	}
	for _, r := range renewals {
		b := book(r.CSMID, "")
		b.Renewing += r.Accounts
		if r.Currency == cur {
			b.RenewingARR += 12 * r.MRR
		}
	}
	for id, b := range books {
		csm := b.Email
		if id == 0 {
			csm, b.Name = noCSM, "No CSM"
		}
		b.URL = listParams{CSM: csm}.url()
		b.RenewingURL = listParams{CSM: csm, Sort: "renewal", RenewalFrom: today, RenewalTo: until}.url()
		b.AtRiskURL = listParams{CSM: csm, Lifecycle: customer.StageAtRisk}.url()
		v.Total.Customers += b.Customers
		v.Total.Others += b.Others
		v.Total.ARR += b.ARR
		v.Total.Renewing += b.Renewing
		v.Total.RenewingARR += b.RenewingARR
		v.Total.AtRisk += b.AtRisk
		if id == 0 {
			v.Unassigned = *b
			continue
		}
		v.Books = append(v.Books, *b)
	}
	slices.SortFunc(v.Books, func(x, y teamBook) int {
		return cmp.Or(cmp.Compare(y.ARR, x.ARR), strings.Compare(x.Name, y.Name), strings.Compare(x.Email, y.Email))
	})
	return v
}

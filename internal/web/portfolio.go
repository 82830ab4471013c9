package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// portfolioRenewals is how many days ahead the portfolio's headline counts
// renewals.
const portfolioRenewals = 90

// amount is a sum of money in one currency.
type amount struct {
	Value    int64
	Currency string
}

// portfolioRow is one account of a CSM's book.
type portfolioRow struct {
	ID                     int64
	Name                   string
	Tier, Touch, Lifecycle string
	MRR                    int64
	Currency               string
	Renewal                renewal
	OpenTickets            int
	// LastTouch is when the latest activity on the timeline happened
	// (zero: none yet), TouchDays how many days ago that was.
	LastTouch time.Time
	TouchDays int
	Health    healthCell
}

// portfolioView is what templates/portfolio.html shows.
type portfolioView struct {
	Page
	listControls
	Who string // whose book: the principal's name
	// The headline: the customers among the accounts shown (the others
	// churned or prospects), their ARR, and those renewing in the next
	// portfolioRenewals days with their ARR, per currency.
	Customers    int
	Others       int
	ARR          []amount
	Renewing     int
	RenewingARR  []amount
	RenewingURL  string
	RenewalsDays int
	// Empty is true when no account at all has the principal as its CSM.
	Empty bool
	Rows  []portfolioRow
	// Team is the team's books, shown to a leader or an administrator
	// whose own portfolio is empty; nil otherwise.
	Team *teamView
}

// portfolioPage is the signed-in user's book: the accounts they are the
// CSM of, with what needs their attention, filtered and sorted like the
// accounts list.
func (s *server) portfolioPage(w http.ResponseWriter, r *http.Request) error {
	who, err := s.principal(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	defs, err := s.st.Attributes(ctx)
	if err != nil {
		return err
	}
	p, err := parsePortfolioParams(r, defs, s.today())
	if err != nil {
		return err
	}
	v, err := s.portfolioView(ctx, p, defs, who)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "portfolio", v)
}

// parsePortfolioParams reads the portfolio's query parameters: those of
// the accounts list, less the CSM, which is always the principal.
func parsePortfolioParams(r *http.Request, defs []customer.AttributeDef, today civil.Date) (listParams, error) {
	p, err := parseListParams(r.URL.Query(), defs, today)
	p.CSM = ""
	return p, err
}

// mine is the filter that keeps the accounts whose CSM is who.
func mine(who auth.Principal) store.Filter {
	return store.Filter{Field: "csm_id", Op: store.Eq, Value: strconv.FormatInt(who.UserID, 10)}
}

// portfolioView reads who's book as p filters and sorts it.
func (s *server) portfolioView(ctx context.Context, p listParams, defs []customer.AttributeDef, who auth.Principal) (portfolioView, error) {
	today := s.today()
	// The page of rows and the headline over every account the filters
	// select (not one page) are independent reads: run them at once.
	all := p.query(0)
	all.Filters = append(all.Filters, mine(who))
	all.Cursor, all.Limit = "", 0
	soon := all
	soon.Filters = append(soon.Filters[:len(soon.Filters):len(soon.Filters)],
		store.Filter{Field: "renewal_on", Op: store.Gte, Value: today.String()},
		store.Filter{Field: "renewal_on", Op: store.Lte, Value: today.AddDays(portfolioRenewals).String()})
	var (
		lp               listPage
		totals, renewing []store.Total
	)
	err := parallel(ctx,
		func(ctx context.Context) (err error) { lp, err = s.readList(ctx, p, mine(who)); return err },
		func(ctx context.Context) (err error) { totals, err = s.st.AccountTotals(ctx, all); return err },
		func(ctx context.Context) (err error) { renewing, err = s.st.AccountTotals(ctx, soon); return err },
	)
	if err != nil {
		return portfolioView{}, err
	}
	v := portfolioView{
		Page:         Page{Title: "My portfolio", Section: "portfolio"},
		listControls: s.controls(ctx, "/portfolio", p, lp, defs),
		Who:          who.Label(),
		RenewalsDays: portfolioRenewals,
		Empty:        lp.total == 0 && !p.filtered(),
	}
	if v.Empty && canSeeTeam(who.Role) {
		v.Title = "Your team's portfolio"
		v.Team, err = s.teamView(ctx, today)
		return v, err
	}
	if v.Views, err = s.savedViews(ctx, who, pagePortfolio, p); err != nil {
		return v, err
	}
	sp := split{}
	for _, t := range totals {
		sp.Customers += t.Customers
		sp.Others += t.Accounts - t.Customers
		if t.MRR != 0 {
			v.ARR = append(v.ARR, amount{t.MRR * 12, t.Currency})
		}
	}
	v.Customers, v.Others, v.Split = sp.Customers, sp.Others, &sp
	for _, t := range renewing {
		v.Renewing += t.Accounts
		if t.MRR != 0 {
			v.RenewingARR = append(v.RenewingARR, amount{t.MRR * 12, t.Currency})
		}
	}
	within := p
	within.Within, within.Cursor, within.PageNo = portfolioRenewals, "", 1
	v.RenewingURL = within.urlAt("/portfolio")

	rows, err := s.portfolioRows(ctx, lp.items)
	if err != nil {
		return v, err
	}
	v.Rows = rows
	return v, nil
}

// portfolioRows adds each account's open tickets, last touch and health,
// read for the whole batch in four statements.
func (s *server) portfolioRows(ctx context.Context, accounts []customer.Account) ([]portfolioRow, error) {
	ids := accountIDs(accounts)
	touches, err := s.st.LastTouches(ctx, ids)
	if err != nil {
		return nil, err
	}
	tickets, err := s.st.OpenTickets(ctx, ids)
	if err != nil {
		return nil, err
	}
	health, err := s.healthCells(ctx, ids)
	if err != nil {
		return nil, err
	}
	today := s.today()
	rows := make([]portfolioRow, 0, len(accounts))
	for _, a := range accounts {
		row := portfolioRow{
			ID: a.ID, Name: a.Name, Tier: a.Tier, Touch: a.TouchModel, Lifecycle: a.Lifecycle,
			MRR: a.MRR, Currency: currencyOr(a.Currency), Renewal: renewalOf(a.RenewalOn, today),
			OpenTickets: tickets[a.ID], LastTouch: touches[a.ID], Health: health[a.ID],
		}
		if !row.LastTouch.IsZero() {
			row.TouchDays = today.DaysSince(civil.Of(row.LastTouch))
		}
		rows = append(rows, row)
	}
	return rows, nil
}

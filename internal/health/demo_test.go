package health

import (
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/demo"
)

// demoFacts converts the demo company's records to Facts by account, as
// the store's bulk reader would (without usage, MRR history and pulses,
// which the demo's records here do not carry). Contacts have no creation
// day in the built company, so they count as known from the start.
func demoFacts(c *demo.Company) map[string]*Facts {
	fs := map[string]*Facts{}
	csm := map[string]string{}
	for _, a := range c.Accounts {
		fs[a.ExternalID] = &Facts{ExternalID: a.ExternalID, Tier: a.Tier, TouchModel: a.TouchModel, Lifecycle: a.Lifecycle,
			Industry: a.Industry, Region: a.Region, CustomerSince: a.CustomerSince, MRR: a.MRR, Currency: a.Currency}
		csm[a.ExternalID] = a.CSMEmail
	}
	for _, s := range c.Surveys {
		if f := fs[s.AccountExternalID]; f != nil {
			f.Surveys = append(f.Surveys, Survey{On: civil.Of(s.RespondedAt), Kind: s.Kind, Score: s.Score})
		}
	}
	for _, t := range c.Tickets {
		if f := fs[t.AccountExternalID]; f != nil {
			tk := Ticket{Opened: civil.Of(t.OpenedAt), Priority: t.Priority, Escalated: t.Escalated}
			if !t.ClosedAt.IsZero() {
				tk.Closed = civil.Of(t.ClosedAt)
			}
			f.Tickets = append(f.Tickets, tk)
		}
	}
	for _, in := range c.Invoices {
		if f := fs[in.AccountExternalID]; f != nil {
			f.Invoices = append(f.Invoices, Invoice{Issued: in.IssuedOn, Due: in.DueOn, Paid: in.PaidOn, Amount: in.Amount})
		}
	}
	for _, p := range c.Contacts {
		if f := fs[p.AccountExternalID]; f != nil {
			f.Contacts = append(f.Contacts, Contact{Roles: p.Roles, Left: p.LeftOn})
		}
	}
	for _, a := range c.Activities {
		if f := fs[a.AccountExternalID]; f != nil {
			f.Touches = append(f.Touches, Touch{On: civil.Of(a.OccurredAt), Kind: a.Kind, ByCSM: a.AuthorEmail != "" && a.AuthorEmail == csm[a.AccountExternalID]})
		}
	}
	return fs
}

// TestDemoBacktest scores the demo company as of past days with the
// default set and checks the score separates the accounts that churned in
// the next 90 days from the others, as the demo plants warning signs
// before churn. It logs the figures.
func TestDemoBacktest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo company")
	}
	t.Parallel()
	today := date("2026-12-01")
	c := demo.Build(demo.Options{Seed: 1, Today: today})
	fs := demoFacts(c)
	s := Default()
	var outs []Outcome
	for _, back := range []int{120, 210, 300, 390} {
		asOf := today.AddDays(-back)
		horizon := asOf.AddDays(90)
		for _, tr := range c.Truth {
			f := fs[tr.AccountExternalID]
			if f.CustomerSince.IsZero() || f.CustomerSince.After(asOf) {
				continue
			}
			if !tr.ChurnedOn.IsZero() && !tr.ChurnedOn.After(asOf) && (tr.ReactivatedOn.IsZero() || tr.ReactivatedOn.After(asOf)) {
				continue // already gone
			}
			v := Metrics(f, asOf)
			p := ProfileOf(f)
			r := s.Score(&p, &v)
			churned := !tr.ChurnedOn.IsZero() && tr.ChurnedOn.After(asOf) && !tr.ChurnedOn.After(horizon)
			outs = append(outs, Outcome{Score: r.Score, Colour: r.Colour, Churned: churned})
		}
	}
	b := Evaluate(outs)
	t.Logf("outcomes %d, churned %d, scored %d; AUC %.3f [%.3f, %.3f]; lift red/green %.2f (%v)", b.N, b.Churned, b.Scored, b.AUC, b.AUCLow, b.AUCHigh, b.Lift, b.LiftDefined)
	for _, c := range b.Colours {
		t.Logf("  %-16s n %5d churned %4d rate %.3f", c.Colour, c.N, c.Churned, c.Rate)
	}
	for _, d := range b.Calibration {
		t.Logf("  %3.0f–%3.0f n %5d churned %4d rate %.3f", d.From, d.To, d.N, d.Churned, d.Rate)
	}
	if !b.AUCDefined || b.AUCLow <= 0.5 {
		t.Errorf("the default score does not separate churn on the demo: AUC %.3f [%.3f, %.3f]", b.AUC, b.AUCLow, b.AUCHigh)
	}
	if !b.LiftDefined || b.Lift < 3 {
		t.Errorf("red accounts churn %.2f times as often as green ones, want several", b.Lift)
	}
	if b.Colours[3].N*5 > b.N {
		t.Errorf("%d of %d outcomes have not enough data", b.Colours[3].N, b.N)
	}
}

package customer

import (
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/validate"
)

func day(s string) civil.Date { d, _ := civil.Parse(s); return d }

func TestRollup(t *testing.T) {
	t.Parallel()
	subs := []Subscription{
		{MRR: 1000, Currency: "USD", Status: SubActive, EndOn: day("2026-06-01")},
		{MRR: 500, Currency: "USD", Status: SubCanceled, EndOn: day("2026-03-01")},
		{MRR: 9000, Currency: "USD", Status: SubEnded, EndOn: day("2025-01-01")},
		{MRR: 700, Currency: "USD", Status: SubActive, Trial: true},
		{MRR: 300, Currency: "EUR", Status: SubActive},
	}
	r := Rollup(subs)
	if r.MRR != 1500 || r.Currency != "USD" || r.RenewalOn != day("2026-03-01") {
		t.Fatalf("Rollup = %+v", r)
	}
	if r := Rollup(nil); r.MRR != 0 || r.Currency != "USD" || !r.RenewalOn.IsZero() {
		t.Fatalf("Rollup(nil) = %+v", r)
	}
}

func TestChecksNormaliseAndReport(t *testing.T) {
	t.Parallel()
	a := Account{Name: "  Acme  ", Lifecycle: "At-Risk", TouchModel: "HIGH", Employees: -1, CSMEmail: "nope"}
	errs, _ := validate.As(a.Check())
	if a.Name != "Acme" || a.Lifecycle != "at_risk" || a.TouchModel != "high" {
		t.Fatalf("not normalised: %+v", a)
	}
	fields := map[string]bool{}
	for _, e := range errs {
		fields[e.Field] = true
	}
	if !fields["employees"] || !fields["csm_email"] || len(errs) != 2 {
		t.Fatalf("errors: %v", errs)
	}
	s := Subscription{AccountID: 1, Product: "Core", StartOn: day("2025-01-01"), EndOn: day("2024-01-01"), Currency: "usd", BillingPeriod: "Yearly"}
	errs, _ = validate.As(s.Check())
	if len(errs) != 2 || s.BillingPeriod != "annual" {
		t.Fatalf("subscription errors: %v (%s)", errs, s.BillingPeriod)
	}
	c := Contact{AccountExternalID: "A", Name: "Kim", Roles: []string{"Champion", "champion", "Economic Buyer", "wizard"}}
	errs, _ = validate.As(c.Check())
	if len(errs) != 1 || errs[0].Field != "roles[3]" || len(c.Roles) != 2 {
		t.Fatalf("contact roles: %v %v", errs, c.Roles)
	}
	if (&Invoice{AccountID: 1, DueOn: day("2025-01-10"), PaidOn: day("2025-01-05")}).DaysOverdue(day("2025-02-01")) != 0 {
		t.Fatal("a paid invoice is overdue")
	}
	if n := (&Invoice{AccountID: 1, DueOn: day("2025-01-10")}).DaysOverdue(day("2025-02-01")); n != 22 {
		t.Fatalf("days overdue %d", n)
	}
}

func TestIsCustomer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stage string
		mrr   int64
		want  bool
	}{
		{StageMature, 1, true},
		{StageAtRisk, 50_000, true},
		{StageOnboarding, 0, false}, // a prospect: nothing live yet
		{StageAdopting, -1, false},
		{StageChurned, 0, false},
		{StageChurned, 10_000, false}, // churned, a subscription not yet ended
	} {
		if got := IsCustomer(tc.stage, tc.mrr); got != tc.want {
			t.Errorf("IsCustomer(%q, %d) = %v, want %v", tc.stage, tc.mrr, got, tc.want)
		}
	}
}

package customer

import (
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/validate"
)

// checker is any object with a Check.
type checker interface{ Check() error }

func TestBoundsAtInput(t *testing.T) {
	t.Parallel()
	day := func(s string) civil.Date {
		d, err := civil.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	at := func(s string) time.Time { return day(s).Time() }
	ok := day("2026-01-01")
	for _, tc := range []struct {
		name  string
		obj   checker
		field string // "" when the object is fine
	}{
		{"mrr at the bound", &Subscription{AccountID: 1, Product: "P", MRR: money.MaxAmount, StartOn: ok}, ""},
		{"mrr past the bound", &Subscription{AccountID: 1, Product: "P", MRR: money.MaxAmount + 1, StartOn: ok}, "mrr"},
		{"mrr 2^62", &Subscription{AccountID: 1, Product: "P", MRR: 4611686018427387904, StartOn: ok}, "mrr"},
		{"mrr max int64", &Subscription{AccountID: 1, Product: "P", MRR: 9223372036854775807, StartOn: ok}, "mrr"},
		{"quantity past the bound", &Subscription{AccountID: 1, Product: "P", Quantity: MaxQuantity + 1, StartOn: ok}, "quantity"},
		{"invoice amount", &Invoice{AccountID: 1, Amount: money.MaxAmount + 1, DueOn: ok}, "amount"},
		{"invoice credit", &Invoice{AccountID: 1, Amount: -money.MaxAmount - 1, DueOn: ok}, "amount"},
		{"forecast", &RenewalCall{AccountID: 1, DueOn: ok, Forecast: "renew", Expected: 1 << 62}, "expected"},
		{"capacity", &User{Email: "a@b.test", CapacityARR: 1 << 62}, "capacity_arr"},

		{"NUL in a name", &Account{Name: "Ac\x00me"}, "name"},
		{"NUL in a note", &Activity{AccountID: 1, Kind: "note", Body: "hi\x00", OccurredAt: at("2026-01-01")}, "body"},
		{"NUL in a list", &Activity{AccountID: 1, Kind: "note", Body: "hi", OccurredAt: at("2026-01-01"), Attendees: []string{"a\x00"}}, "attendees"},
		{"NUL in an attribute", &Account{Name: "A", Attributes: map[string]any{"plan": "x\x00"}}, "attributes.plan"},

		{"date 9999-12-31", &Subscription{AccountID: 1, Product: "P", StartOn: ok, EndOn: day("9999-12-31")}, "end_on"},
		{"date 1900-01-01", &Account{Name: "A", CustomerSince: day("1900-01-01")}, "customer_since"},
		{"first plausible day", &Account{Name: "A", CustomerSince: day("1970-01-01")}, ""},
		{"last plausible day", &Subscription{AccountID: 1, Product: "P", StartOn: ok, EndOn: day("2100-12-31")}, ""},
		{"time 1900", &Ticket{AccountID: 1, OpenedAt: at("1900-01-01")}, "opened_at"},
		{"time 9999", &Ticket{AccountID: 1, OpenedAt: at("2026-01-01"), ClosedAt: at("9999-12-31")}, "closed_at"},
		{"churn 1969", &ChurnRecord{AccountID: 1, ChurnedOn: day("1969-12-31"), Reason: "price"}, "churned_on"},
		{"invoice paid in 2101", &Invoice{AccountID: 1, DueOn: ok, PaidOn: day("2101-01-01")}, "paid_on"},
	} {
		err := tc.obj.Check()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		errs, _ := validate.As(err)
		found := false
		for _, e := range errs {
			found = found || e.Field == tc.field
		}
		if !found {
			t.Errorf("%s: %v, want a problem with %s", tc.name, err, tc.field)
		}
	}
}

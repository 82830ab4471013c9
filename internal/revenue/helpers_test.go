package revenue

import (
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// d parses a day or fails the test run.
func d(s string) civil.Date {
	v, err := civil.Parse(s)
	if err != nil || v.IsZero() {
		panic("bad date " + s)
	}
	return v
}

// sub is a paid USD subscription row; end "" is open-ended.
func sub(acct int64, product string, mrr int64, start, end string) customer.Subscription {
	s := customer.Subscription{AccountID: acct, Product: product, MRR: mrr, Currency: "USD", StartOn: d(start), Status: customer.SubActive}
	if end != "" {
		s.EndOn = d(end)
	}
	return s
}

// handAsOf closes the hand-worked books.
var handAsOf = civil.Date{Year: 2025, Month: 12, Day: 31}

func mustBuild(t *testing.T, subs []customer.Subscription, opt Options) *Book {
	t.Helper()
	if opt.AsOf.IsZero() {
		opt.AsOf = handAsOf
	}
	b, err := Build(subs, opt)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mv is a movement in the compact form the tables use.
type mv struct {
	date     string
	product  string
	kind     Kind
	from, to int64
}

func movesOf(ms []Movement) []mv {
	out := make([]mv, len(ms))
	for i, m := range ms {
		out[i] = mv{m.Date.String(), m.Product, m.Kind, m.From, m.To}
	}
	return out
}

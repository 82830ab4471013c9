package retention

import "github.com/tendhq/tend/internal/revenue"

// ChurnComponent reports whether component c counts churned MRR or lost
// customers, whose contributors each have a churn behind them.
func ChurnComponent(c revenue.Component) bool {
	return c == revenue.CompChurn || c == revenue.CompLost || c == revenue.CompProductChurn
}

// Churns finds the churn behind a contributor of a churn component: its
// date and the reason recorded for it. Drill-downs on the web and the CLI
// read it, so both say the same.
type Churns map[churnKey]revenue.ChurnEvent

type churnKey struct {
	account int64
	product string
}

// ChurnsOf indexes the churn events of period p, explained by records.
func ChurnsOf(book *revenue.Book, p revenue.Period, records []revenue.ChurnRecord) Churns {
	out := Churns{}
	for _, ev := range book.ChurnEvents(p, records) {
		out[churnKey{ev.Account, ev.Product}] = ev // the period's last churn of the line
	}
	return out
}

// Find is the churn of account's product line (product "" for the whole
// account) in the period, falling back to the whole account's: a line
// that went with its account has no churn of its own.
func (c Churns) Find(account int64, product string) (revenue.ChurnEvent, bool) {
	if ev, ok := c[churnKey{account, product}]; ok {
		return ev, true
	}
	ev, ok := c[churnKey{account, ""}]
	return ev, ok
}

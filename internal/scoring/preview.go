package scoring

import (
	"context"
	"time"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/store"
)

// PreviewReport is how many accounts a new scorecard set would move
// between colours, against the set in force, scored from today's inputs.
type PreviewReport struct {
	health.Preview
	AsOf     civil.Date    `json:"as_of"`
	Version  int           `json:"scorecards_version"` // the set in force it is compared with
	Accounts int           `json:"accounts"`
	Took     time.Duration `json:"took_ns"` // reading and scoring both sets
}

// Preview scores every account as of day by the set in force and by next,
// from the same inputs Recompute reads (facts and adoption in bulk), and
// counts the colour moves. It stores nothing.
func Preview(ctx context.Context, st store.Store, next *health.Set, day civil.Date) (PreviewReport, error) {
	t0 := time.Now()
	rep := PreviewReport{AsOf: day}
	cards, err := Active(ctx, st)
	if err != nil {
		return rep, err
	}
	rep.Version = cards.Version
	cat, err := adoption.LoadCatalog(ctx, st)
	if err != nil {
		return rep, err
	}
	use, err := usageOn(ctx, st, cat, day)
	if err != nil {
		return rep, err
	}
	var accounts []health.Account
	err = st.EachHealthFacts(ctx, day, func(f *health.Facts) error {
		f.Usage = f.Usage[:0]
		if u, ok := use[f.AccountID]; ok {
			f.Usage = append(f.Usage, health.UsageSnapshot{AsOf: day, Values: u})
		}
		accounts = append(accounts, health.Account{Profile: health.ProfileOf(f), Values: health.Metrics(f, day)})
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.Preview = health.PreviewChange(cards.Set, next, accounts)
	rep.Accounts = len(accounts)
	rep.Took = time.Since(t0)
	return rep, nil
}

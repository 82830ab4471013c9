package scoring

import (
	"context"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// DirtyStore is what rescoring the accounts marked dirty uses: the store,
// and its list of accounts whose inputs changed.
type DirtyStore interface {
	store.Store
	store.Dirty
}

// Rescored is what one RescoreDirty did.
type Rescored struct {
	// IDs are the accounts scored (in id order); accounts claimed that no
	// longer exist are cleared and not listed.
	IDs []int64
	// Claimed is how many marks were claimed (a full batch means more may
	// be waiting).
	Claimed int
	// Oldest is when the oldest mark claimed was made.
	Oldest time.Time
	// Held is when the claim was known held (the claim returned) and when
	// its release began (the scores were stored): two rescores holding one
	// account have overlapping spans.
	Held [2]time.Time
}

// RescoreLease is how long a rescore holds the accounts it claimed: past
// it (a process that died mid-batch) another rescore takes them.
const RescoreLease = time.Minute

// RescoreDirty claims up to limit accounts marked dirty, scores them as of
// today with the set in force — each with its history point and
// explanation, like Recompute — stores the scores and clears the marks
// that did not change meanwhile (a change that arrived while scoring leaves
// its account marked for the next rescore). Facts are read in bulk for the
// batch, and so are their usage rollups.
func RescoreDirty(ctx context.Context, st DirtyStore, limit int) (Rescored, error) {
	var out Rescored
	claimed, err := st.ClaimDirty(ctx, limit, RescoreLease)
	if err != nil || len(claimed) == 0 {
		return out, err
	}
	out.Claimed, out.Held[0] = len(claimed), time.Now()
	ids := make([]int64, len(claimed))
	for i, d := range claimed {
		ids[i] = d.AccountID
		if out.Oldest.IsZero() || d.MarkedAt.Before(out.Oldest) {
			out.Oldest = d.MarkedAt
		}
	}
	scores, err := scoreAccounts(ctx, st, ids, civil.Today())
	if err != nil {
		return out, err
	}
	if err := st.PutHealthScores(ctx, scores); err != nil {
		return out, err
	}
	out.Held[1] = time.Now()
	if err := st.DoneDirty(ctx, claimed); err != nil {
		return out, err
	}
	for _, s := range scores {
		out.IDs = append(out.IDs, s.AccountID)
	}
	return out, nil
}

// scoreAccounts scores the accounts of ids that exist, as of day.
func scoreAccounts(ctx context.Context, st DirtyStore, ids []int64, day civil.Date) ([]store.HealthScore, error) {
	cards, err := activeCards(ctx, st)
	if err != nil {
		return nil, err
	}
	var facts []*health.Facts
	// The scans hold read connections: collect the facts, then read usage.
	if err := st.EachHealthFactsOf(ctx, ids, day, func(f *health.Facts) error {
		facts = append(facts, f)
		return nil
	}); err != nil {
		return nil, err
	}
	cat, err := adoption.LoadCatalog(ctx, st)
	if err != nil {
		return nil, err
	}
	use := map[int64]map[string]float64{}
	err = adoption.MeasureSome(ctx, st, cat, ids, usage.DayOf(day.Time()), func(r adoption.Report) error {
		use[r.AccountID] = r.Values
		return nil
	})
	if err != nil {
		return nil, err
	}
	var (
		r   health.Result
		enc detailEncoder
		now = time.Now().UTC()
	)
	scores := make([]store.HealthScore, 0, len(facts))
	for _, f := range facts {
		// As Recompute: adoption values for the accounts with usage in the
		// window.
		if u, ok := use[f.AccountID]; ok {
			f.Usage = []health.UsageSnapshot{{AsOf: day, Values: u}}
		}
		scores = append(scores, scoreOne(cards, f, day, now, &r, &enc))
	}
	return scores, nil
}

// activeCards is Active with the parsed set shared between calls (a
// rescore runs many times a second; parsing a set costs milliseconds).
func activeCards(ctx context.Context, st store.Health) (Scorecards, error) {
	all, err := st.ActiveScorecards(ctx)
	if err != nil {
		return Scorecards{}, err
	}
	for _, c := range all {
		if c.Name != SetName {
			continue
		}
		set, err := parsed([]byte(c.YAML))
		if err != nil {
			return Scorecards{}, fmt.Errorf("the stored scorecards, version %d: %w", c.Version, err)
		}
		return Scorecards{Set: set, Version: c.Version, Stored: c}, nil
	}
	return Scorecards{Set: health.Default()}, nil
}

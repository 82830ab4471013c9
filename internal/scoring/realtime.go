package scoring

import (
	"context"
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
	scores, err := scoreFamilies(ctx, st, ids, civil.Today())
	if err != nil {
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

// scoreFamilies scores and stores the accounts of ids that exist, as of
// day, as Rescore does for one: a parent's score is rolled up from its
// children's current scores (the batch's other accounts are written
// first, so its children count with their new scores), and a child whose score or colour moved marks
// its parent, when the parent is not in the batch, for the next rescore
// (a parent whose children did not move is not marked, so even a cycle of
// parents settles).
func scoreFamilies(ctx context.Context, st DirtyStore, ids []int64, day civil.Date) ([]store.HealthScore, error) {
	before, err := st.HealthScores(ctx, ids)
	if err != nil {
		return nil, err
	}
	cards, scores, facts, err := scoreAccounts(ctx, st, ids, day)
	if err != nil {
		return nil, err
	}
	in := make(map[int64]bool, len(facts))
	for _, f := range facts {
		in[f.AccountID] = true
	}
	var plain []store.HealthScore
	for i, f := range facts {
		if !f.HasChildren {
			plain = append(plain, scores[i])
		}
	}
	if err := st.PutHealthScores(ctx, plain); err != nil {
		return nil, err
	}
	var parents []store.HealthScore
	for i, f := range facts {
		if !f.HasChildren {
			continue
		}
		var r health.Result
		var enc detailEncoder
		hs := scoreOne(cards, f, day, scores[i].ScoredAt, &r, &enc)
		if scores[i], err = rollUpOne(ctx, st, cards, f, &r, hs); err != nil {
			return nil, err
		}
		parents = append(parents, scores[i])
	}
	if err := st.PutHealthScores(ctx, parents); err != nil {
		return nil, err
	}
	var mark []int64
	for i, f := range facts {
		if f.ParentID != 0 && !in[f.ParentID] && moved(before[f.AccountID], scores[i]) {
			mark = append(mark, f.ParentID)
		}
	}
	if len(mark) > 0 {
		if err := st.MarkDirty(ctx, mark); err != nil {
			return nil, err
		}
	}
	return scores, nil
}

// moved says whether a score differs from the one before it in score or
// colour (or there was none).
func moved(before, after store.HealthScore) bool {
	if before.AccountID == 0 || before.Colour != after.Colour || (before.Score == nil) != (after.Score == nil) {
		return true
	}
	return before.Score != nil && *before.Score != *after.Score
}

// scoreAccounts scores the accounts of ids that exist, as of day, each
// with its facts; parents are scored as themselves (scoreFamilies rolls
// them up).
func scoreAccounts(ctx context.Context, st DirtyStore, ids []int64, day civil.Date) (Scorecards, []store.HealthScore, []*health.Facts, error) {
	cards, err := Active(ctx, st)
	if err != nil {
		return Scorecards{}, nil, nil, err
	}
	var facts []*health.Facts
	// The scans hold read connections: collect the facts, then read usage.
	if err := st.EachHealthFactsOf(ctx, ids, day, func(f *health.Facts) error {
		facts = append(facts, f)
		return nil
	}); err != nil {
		return Scorecards{}, nil, nil, err
	}
	cat, err := adoption.LoadCatalog(ctx, st)
	if err != nil {
		return Scorecards{}, nil, nil, err
	}
	use := map[int64]map[string]float64{}
	err = adoption.MeasureSome(ctx, st, cat, ids, usage.DayOf(day.Time()), func(r adoption.Report) error {
		use[r.AccountID] = r.Values
		return nil
	})
	if err != nil {
		return Scorecards{}, nil, nil, err
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
	return cards, scores, facts, nil
}


// Package scoring joins the store and the health core: it reads every
// account's Facts and adoption in bulk, scores them with the active
// scorecard set, and writes the scores and their history; it rebuilds a
// stored score's explanation, and backtests the scorecards against the
// churn that followed past days. The arithmetic is internal/health's; this
// package only moves data.
package scoring

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
	"golang.org/x/sync/errgroup"
)

// SetName is the name the scorecard set is versioned under in the store:
// the set is one document, so a change to any scorecard in it is one new
// version of the whole.
const SetName = "scorecards"

// Scorecards is the scorecard set in force and where it came from.
type Scorecards struct {
	Set *health.Set
	// Version is the stored version; 0 is the set Tend ships with, in
	// force while none has been applied.
	Version int
	// Stored is the stored version's record (zero for the default).
	Stored store.Scorecard
}

// Active reads the scorecard set in force. The set is shared (parsed
// once per version) and must not be changed.
func Active(ctx context.Context, st store.Health) (Scorecards, error) {
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
	set, err := parsed(health.DefaultYAML())
	if err != nil {
		return Scorecards{}, fmt.Errorf("the default scorecards: %w", err)
	}
	return Scorecards{Set: set}, nil
}

// Source is the YAML of one version of the set: 0 is the set Tend ships
// with; a version never stored is store.ErrNotFound.
func Source(ctx context.Context, st store.Health, version int) ([]byte, error) {
	if version == 0 {
		return health.DefaultYAML(), nil
	}
	all, err := st.ScorecardVersions(ctx, SetName)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.Version == version {
			return []byte(c.YAML), nil
		}
	}
	return nil, fmt.Errorf("scorecards version %d: %w", version, store.ErrNotFound)
}

// Version reads one stored version of the set (0: the default). The set
// returned is shared and must not be changed.
func Version(ctx context.Context, st store.Health, version int) (*health.Set, error) {
	src, err := Source(ctx, st, version)
	if err != nil {
		return nil, err
	}
	return parsed(src)
}

// parsedSets keeps every set Version parsed, by its YAML: a version never
// changes once stored, and parsing and compiling one costs milliseconds,
// twice on every account page (the score now and 30 days ago).
var parsedSets sync.Map

func parsed(src []byte) (*health.Set, error) {
	if s, ok := parsedSets.Load(string(src)); ok {
		return s.(*health.Set), nil
	}
	set, err := health.Parse(src)
	if err != nil {
		return nil, err
	}
	parsedSets.Store(string(src), set)
	return set, nil
}

// Apply checks src and stores it as the next version of the set. An
// invalid set is refused with health.Problems (each at its line and
// column) and nothing is stored.
func Apply(ctx context.Context, st store.Health, src []byte, by int64, note string) (store.Scorecard, error) {
	if _, err := health.Parse(src); err != nil {
		return store.Scorecard{}, err
	}
	c := store.Scorecard{Name: SetName, YAML: string(src), Note: note, CreatedBy: by}
	if err := st.SaveScorecard(ctx, &c); err != nil {
		return store.Scorecard{}, err
	}
	return c, nil
}

// Detail is what a stored score keeps besides its number: the metric
// values it read and the scorecard that applied, from which Explain
// rebuilds every point with the version the score names. Keeping values
// rather than the whole explanation keeps a score a few hundred bytes.
type Detail struct {
	Values    health.Values `json:"values"`
	Scorecard string        `json:"scorecard"`
	Why       string        `json:"why"`
	// Rollup is a parent's family score (its score and colour).
	Rollup *health.Rollup `json:"rollup,omitempty"`
}

// Summary is what a full recompute did.
type Summary struct {
	AsOf     civil.Date     `json:"as_of"`
	Version  int            `json:"scorecards_version"`
	Accounts int            `json:"accounts"`
	Colours  map[string]int `json:"colours"` // red, yellow, green, not_enough_data
	// Read, Score and Write are the time spent reading inputs, scoring
	// and writing. Writing runs beside reading and scoring, so they add
	// up to more than the recompute took.
	Read  time.Duration `json:"read_ns"`
	Score time.Duration `json:"score_ns"`
	Write time.Duration `json:"write_ns"`
}

// writeChunk is how many scores go to the store per call while a full
// recompute writes; writeAhead is how many chunks may wait for the writer
// (memory holds at most that many besides the one being filled).
const (
	writeChunk = 5000
	writeAhead = 2
)

// usageOn reads every account's adoption values as of day, by account.
func usageOn(ctx context.Context, st store.Store, cat *usage.Catalog, day civil.Date) (map[int64]map[string]float64, error) {
	out := map[int64]map[string]float64{}
	err := adoption.MeasureAll(ctx, st, cat, usage.DayOf(day.Time()), func(r adoption.Report) error {
		out[r.AccountID] = r.Values
		return nil
	})
	return out, err
}

// Recompute scores every account as of asOf with the set in force and
// stores the scores (each one's current score and a history point). The
// scores are written a chunk at a time by a second goroutine while the
// inputs are still being read and scored, so the two halves use both
// cores and memory holds a few chunks, not every score.
func Recompute(ctx context.Context, st store.Store, asOf civil.Date) (Summary, error) {
	sum := Summary{AsOf: asOf, Colours: map[string]int{}}
	cards, err := Active(ctx, st)
	if err != nil {
		return sum, err
	}
	sum.Version = cards.Version
	t0 := time.Now()
	cat, err := adoption.LoadCatalog(ctx, st)
	if err != nil {
		return sum, err
	}
	use, err := usageOn(ctx, st, cat, asOf)
	if err != nil {
		return sum, err
	}
	rates, err := exchangeRates(ctx, st)
	if err != nil {
		return sum, err
	}
	fam := newFamily(rates)
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g, gctx := errgroup.WithContext(wctx)
	chunks := make(chan []store.HealthScore, writeAhead)
	g.Go(func() error {
		for c := range chunks {
			t := time.Now()
			if err := st.PutHealthScores(gctx, c); err != nil {
				return err
			}
			sum.Write += time.Since(t)
		}
		return nil
	})
	var (
		r       health.Result
		enc     detailEncoder
		scoring time.Duration
		now     = time.Now().UTC()
		chunk   = make([]store.HealthScore, 0, writeChunk)
	)
	// send hands a full chunk to the writer, or gives up when it failed.
	send := func() error {
		select {
		case chunks <- chunk:
		case <-gctx.Done():
			return context.Cause(gctx)
		}
		chunk = make([]store.HealthScore, 0, writeChunk)
		return nil
	}
	readErr := st.EachHealthFacts(gctx, asOf, func(f *health.Facts) error {
		s0 := time.Now()
		if u, ok := use[f.AccountID]; ok {
			f.Usage = append(f.Usage[:0], health.UsageSnapshot{AsOf: asOf, Values: u})
		} else {
			f.Usage = f.Usage[:0]
		}
		hs := scoreOne(cards, f, asOf, now, &r, &enc)
		sum.Accounts++
		held := fam.add(cards, f, &r, hs) // a parent waits for its children
		if !held {
			sum.Colours[string(r.Colour)]++
			chunk = append(chunk, hs)
		}
		scoring += time.Since(s0)
		if len(chunk) == writeChunk {
			return send()
		}
		return nil
	})
	if readErr == nil {
		var parents []store.HealthScore
		parents, readErr = fam.scores()
		for _, hs := range parents {
			if readErr != nil {
				break
			}
			sum.Colours[cmp.Or(hs.Colour, string(health.NotEnoughData))]++
			if chunk = append(chunk, hs); len(chunk) == writeChunk {
				readErr = send()
			}
		}
	}
	if readErr == nil && len(chunk) > 0 {
		readErr = send()
	}
	sum.Score = scoring
	sum.Read = time.Since(t0) - scoring
	// A read that failed on its own stops the writer: no chunk after the
	// failure is written. Otherwise the writer's error, when it failed, is
	// why the read stopped.
	readOwn := readErr != nil && gctx.Err() == nil
	if readOwn {
		cancel(readErr)
	}
	close(chunks)
	werr := g.Wait()
	switch {
	case readOwn:
		return sum, readErr
	case werr != nil:
		return sum, werr
	}
	return sum, readErr
}

// scoreOne scores f as of day into r and returns it as the store keeps it.
func scoreOne(cards Scorecards, f *health.Facts, day civil.Date, now time.Time, r *health.Result, enc *detailEncoder) store.HealthScore {
	v := health.Metrics(f, day)
	p := health.ProfileOf(f)
	cards.Set.ScoreInto(&p, &v, r)
	hs := store.HealthScore{AccountID: f.AccountID, ScoredAt: now, Day: day, Scorecard: r.Scorecard,
		Version: cards.Version, Detail: enc.encode(&v, r.Scorecard, r.Why)}
	if r.Colour != health.NotEnoughData {
		score := math.Round(r.Score*10) / 10
		hs.Score, hs.Colour = &score, string(r.Colour)
	}
	return hs
}

// detailEncoder writes a score's Detail as JSON by hand (reflection over
// the values' map was nine tenths of scoring an account). Scorecard names
// and reasons repeat from account to account, so their quoted forms are
// kept.
type detailEncoder struct {
	quoted map[string][]byte
}

// encode is the JSON of Detail{v, scorecard, why}, in a new slice.
func (e *detailEncoder) encode(v *health.Values, scorecard, why string) []byte {
	b := make([]byte, 0, 768)
	b = append(b, `{"values":`...)
	b = v.AppendJSON(b)
	b = append(b, `,"scorecard":`...)
	b = append(b, e.quote(scorecard)...)
	b = append(b, `,"why":`...)
	b = append(b, e.quote(why)...)
	return append(b, '}')
}

func (e *detailEncoder) quote(s string) []byte {
	if q, ok := e.quoted[s]; ok {
		return q
	}
	q, _ := json.Marshal(s) // a string always marshals
	if e.quoted == nil {
		e.quoted = map[string][]byte{}
	}
	if len(e.quoted) < 256 {
		e.quoted[s] = q
	}
	return q
}

// Rescore scores one account as of day from the store and stores the
// score: what a change to its inputs sets off.
// A parent's score is rolled up from its children's current scores, and
// a child's rescore rolls its parent (and theirs) up again.
func Rescore(ctx context.Context, st store.Store, accountID int64, day civil.Date) (store.HealthScore, health.Result, error) {
	return rescore(ctx, st, accountID, day, 0)
}

func rescore(ctx context.Context, st store.Store, accountID int64, day civil.Date, depth int) (store.HealthScore, health.Result, error) {
	var r health.Result
	cards, err := Active(ctx, st)
	if err != nil {
		return store.HealthScore{}, r, err
	}
	f, err := st.HealthFacts(ctx, accountID, day)
	if err != nil {
		return store.HealthScore{}, r, err
	}
	cat, err := adoption.LoadCatalog(ctx, st)
	if err != nil {
		return store.HealthScore{}, r, err
	}
	rep, err := adoption.Measure(ctx, st, cat, accountID, usage.DayOf(day.Time()), 0)
	if err != nil {
		return store.HealthScore{}, r, err
	}
	if rep.MAU > 0 || rep.Events > 0 || rep.EventsPrev > 0 {
		f.Usage = []health.UsageSnapshot{{AsOf: day, Values: rep.Values}}
	}
	var enc detailEncoder
	hs := scoreOne(cards, f, day, time.Now().UTC(), &r, &enc)
	if f.HasChildren {
		if hs, err = rollUpOne(ctx, st, cards, f, &r, hs); err != nil {
			return hs, r, err
		}
	}
	if err := st.PutHealthScores(ctx, []store.HealthScore{hs}); err != nil {
		return hs, r, err
	}
	if f.ParentID != 0 && f.ParentID != accountID && depth < maxDepth {
		if _, _, err := rescore(ctx, st, f.ParentID, day, depth+1); err != nil && !errors.Is(err, store.ErrNotFound) {
			return hs, r, fmt.Errorf("rolling up parent account %d: %w", f.ParentID, err)
		}
	}
	return hs, r, nil
}

// Explanation is a stored score with every point explained.
type Explanation struct {
	Score  store.HealthScore `json:"score"`
	Result health.Result     `json:"result"`
}

// Explain rebuilds the explanation of a stored score from the values it
// kept, with the scorecard version it was scored by.
func Explain(ctx context.Context, st store.Health, hs store.HealthScore) (health.Result, error) {
	var d Detail
	if err := json.Unmarshal(hs.Detail, &d); err != nil {
		return health.Result{}, fmt.Errorf("score of account %d: %w", hs.AccountID, err)
	}
	set, err := Version(ctx, st, hs.Version)
	if err != nil {
		return health.Result{}, err
	}
	for _, sc := range set.Scorecards {
		if sc.Name == d.Scorecard {
			r := sc.Score(&d.Values)
			r.Why = d.Why
			if d.Rollup != nil {
				r.Rollup = d.Rollup
				r.Score, r.Colour = d.Rollup.Score, d.Rollup.Colour
				r.Reason = "the family's score (" + d.Rollup.Reason + "); the measures are the account's own, scoring " +
					strconv.FormatFloat(math.Round(r.Score*10)/10, 'f', -1, 64)
			}
			return r, nil
		}
	}
	return health.Result{}, fmt.Errorf("score of account %d: scorecard %q is not in version %d", hs.AccountID, d.Scorecard, hs.Version)
}

// ExplainAccount is the account's current score explained.
func ExplainAccount(ctx context.Context, st store.Health, accountID int64) (Explanation, error) {
	hs, err := st.HealthScore(ctx, accountID)
	if err != nil {
		return Explanation{}, err
	}
	r, err := Explain(ctx, st, hs)
	return Explanation{Score: hs, Result: r}, err
}

// ErrNoScores is returned when nothing has been scored yet.
var ErrNoScores = errors.New("no account has been scored yet: run `tend health recompute`")

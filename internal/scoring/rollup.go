package scoring

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/money"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store"
)

// A parent account's score is its family's: health.RollUp over its own
// result and each child's, weighted by MRR in the reporting currency. The
// parent's detail keeps its own values (its measures explain its own
// part) and the rollup.

// member is one account's result as a rollup uses it.
type member struct {
	score  float64
	colour health.Colour
	mrr    float64 // reporting currency, major units
}

// family gathers what a full recompute needs to roll parents up: every
// parent's own score (held back from writing until its children are
// scored) and each member's result.
type family struct {
	rates   map[string]revenue.Rate
	parents map[int64]*heldParent
	kids    map[int64][]int64 // parent → children
	members map[int64]member  // accounts in a family: own results
	rolled  map[int64]member  // parents' family results, once rolled up
}

type heldParent struct {
	hs      store.HealthScore
	colours health.Colours
}

func newFamily(rates map[string]revenue.Rate) *family {
	return &family{rates: rates, parents: map[int64]*heldParent{}, kids: map[int64][]int64{},
		members: map[int64]member{}, rolled: map[int64]member{}}
}

// add notes f's result; it reports whether f's score must wait for its
// children (f is a parent).
func (fm *family) add(cards Scorecards, f *health.Facts, r *health.Result, hs store.HealthScore) bool {
	if f.ParentID == 0 && !f.HasChildren {
		return false
	}
	fm.members[f.AccountID] = member{score: r.Score, colour: r.Colour, mrr: mrrWeight(f.MRR, f.Currency, fm.rates)}
	if f.ParentID != 0 && f.ParentID != f.AccountID {
		fm.kids[f.ParentID] = append(fm.kids[f.ParentID], f.AccountID)
	}
	if !f.HasChildren {
		return false
	}
	fm.parents[f.AccountID] = &heldParent{hs: hs, colours: coloursOf(cards.Set, r.Scorecard)}
	return true
}

// scores is every held parent's score, rolled up.
func (fm *family) scores() ([]store.HealthScore, error) {
	out := make([]store.HealthScore, 0, len(fm.parents))
	for id, p := range fm.parents {
		ru := fm.rollUp(id, 0)
		hs, err := withRollup(p.hs, ru)
		if err != nil {
			return nil, err
		}
		out = append(out, hs)
	}
	return out, nil
}

// maxDepth bounds a family tree (and breaks a cycle of parents).
const maxDepth = 8

// rollUp is parent id's family result: its own and each child's, a child
// that is itself a parent counting with its family's result.
func (fm *family) rollUp(id int64, depth int) health.Rollup {
	self := fm.members[id]
	children := []health.Child{{Result: health.Result{Score: self.score, Colour: self.colour}, MRR: self.mrr}}
	for _, k := range fm.kids[id] {
		m, ok := fm.members[k]
		if !ok {
			continue
		}
		if _, parent := fm.parents[k]; parent && depth < maxDepth {
			if r, done := fm.rolled[k]; done {
				m = r
			} else {
				ru := fm.rollUp(k, depth+1)
				m = member{score: ru.Score, colour: ru.Colour, mrr: m.mrr}
			}
		}
		children = append(children, health.Child{Result: health.Result{Score: m.score, Colour: m.colour}, MRR: m.mrr})
	}
	ru := health.RollUp(children, fm.parents[id].colours)
	fm.rolled[id] = member{score: ru.Score, colour: ru.Colour, mrr: self.mrr}
	return ru
}

// withRollup is hs scored as its family: the rollup's score and colour,
// and the rollup added to its detail.
func withRollup(hs store.HealthScore, ru health.Rollup) (store.HealthScore, error) {
	hs.Score, hs.Colour = nil, store.ColourNone
	if ru.Colour != health.NotEnoughData {
		score := ru.Score
		hs.Score, hs.Colour = &score, string(ru.Colour)
	}
	b, err := json.Marshal(ru)
	if err != nil {
		return hs, err
	}
	d := hs.Detail
	if len(d) < 2 || d[len(d)-1] != '}' {
		d = []byte("{}")
	}
	out := make([]byte, 0, len(d)+len(b)+16)
	out = append(out, d[:len(d)-1]...)
	if len(d) > 2 {
		out = append(out, ',')
	}
	out = append(out, `"rollup":`...)
	out = append(out, b...)
	hs.Detail = append(out, '}')
	return hs, nil
}

// coloursOf is the colour thresholds of the named scorecard of set (the
// first scorecard's when none has the name: a parent with not enough data
// of its own).
func coloursOf(set *health.Set, name string) health.Colours {
	for _, sc := range set.Scorecards {
		if sc.Name == name {
			return sc.Colours
		}
	}
	if len(set.Scorecards) > 0 {
		return set.Scorecards[0].Colours
	}
	return health.Colours{}
}

// mrrWeight is mrr (minor units of currency) in major units of the
// reporting currency; 0 without a rate.
func mrrWeight(mrr int64, currency string, rates map[string]revenue.Rate) float64 {
	if currency == "" {
		currency = revenue.DefaultCurrency
	}
	v := float64(mrr) / math.Pow10(money.Exponent(currency))
	if strings.EqualFold(currency, revenue.DefaultCurrency) {
		return v
	}
	r, ok := rates[currency]
	if !ok || r.Num <= 0 || r.Den <= 0 {
		return 0
	}
	return v * float64(r.Num) / float64(r.Den)
}

// exchangeRates reads the stored rates in the revenue core's form.
func exchangeRates(ctx context.Context, st store.Store) (map[string]revenue.Rate, error) {
	rs, err := st.ExchangeRates(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]revenue.Rate, len(rs))
	for _, r := range rs {
		rate, err := revenue.ParseRate(r.Rate)
		if err != nil {
			return nil, err
		}
		out[r.Currency] = rate
	}
	return out, nil
}

// rollUpOne is parent's score rolled up from its own result and its
// children's current scores, as a rescore of one account does it.
func rollUpOne(ctx context.Context, st store.Store, cards Scorecards, f *health.Facts, r *health.Result, hs store.HealthScore) (store.HealthScore, error) {
	rates, err := exchangeRates(ctx, st)
	if err != nil {
		return hs, err
	}
	children := []health.Child{{Result: health.Result{Score: r.Score, Colour: r.Colour}, MRR: mrrWeight(f.MRR, f.Currency, rates)}}
	q := store.Query{Filters: []store.Filter{{Field: "parent_id", Op: store.Eq, Value: strconv.FormatInt(f.AccountID, 10)}}, Limit: 1000}
	for {
		page, err := st.Accounts().List(ctx, q)
		if err != nil {
			return hs, err
		}
		ids := make([]int64, 0, len(page.Items))
		for _, a := range page.Items {
			ids = append(ids, a.ID)
		}
		cur, err := st.HealthScores(ctx, ids)
		if err != nil {
			return hs, err
		}
		for _, a := range page.Items {
			c, ok := cur[a.ID]
			if !ok {
				continue
			}
			res := health.Result{Colour: health.NotEnoughData}
			if c.Score != nil {
				res = health.Result{Score: *c.Score, Colour: health.Colour(c.Colour)}
			}
			children = append(children, health.Child{Result: res, MRR: mrrWeight(a.MRR, a.Currency, rates)})
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	ru := health.RollUp(children, coloursOf(cards.Set, r.Scorecard))
	r.Rollup = &ru
	return withRollup(hs, ru)
}

// Package automation joins the store and the rules core, as
// internal/scoring does for health: it keeps the rule set's versions,
// reads every account's inputs in bulk (fields, metrics, the current and
// previous health), evaluates the rule set, and hands what fired to a Sink
// (the CTA store) and to the audit. The rules are internal/rules'; this
// package only moves data.
package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/rules"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// SetName is the name the rule set is versioned under, beside the
// scorecards (store.Health's scorecard versions).
const SetName = "rules"

// Rules is the rule set in force and where it came from.
type Rules struct {
	Set *rules.Set
	// Version is the stored version; 0 is the set Tend ships with, in
	// force while none has been applied.
	Version int
	Stored  store.Scorecard
}

// Active reads the rule set in force.
func Active(ctx context.Context, st store.Health) (Rules, error) {
	all, err := st.ActiveScorecards(ctx)
	if err != nil {
		return Rules{}, err
	}
	for _, c := range all {
		if c.Name != SetName {
			continue
		}
		set, err := parsed(c.YAML)
		if err != nil {
			return Rules{}, fmt.Errorf("the stored rules, version %d: %w", c.Version, err)
		}
		return Rules{Set: set, Version: c.Version, Stored: c}, nil
	}
	return Rules{Set: rules.Default()}, nil
}

// parsedSets keeps every stored set Active parsed, by its YAML: a version
// never changes once stored, and real-time evaluation reads the set in
// force after every rescore. A set is only read once compiled.
var parsedSets sync.Map

func parsed(src string) (*rules.Set, error) {
	if s, ok := parsedSets.Load(src); ok {
		return s.(*rules.Set), nil
	}
	set, err := rules.Parse([]byte(src))
	if err != nil {
		return nil, err
	}
	parsedSets.Store(src, set)
	return set, nil
}

// Source is the YAML of one version of the rule set: 0 is the set Tend
// ships with; a version never stored is store.ErrNotFound.
func Source(ctx context.Context, st store.Health, version int) ([]byte, error) {
	if version == 0 {
		return rules.DefaultYAML(), nil
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
	return nil, fmt.Errorf("rules version %d: %w", version, store.ErrNotFound)
}

// Versions lists every stored version of the rule set, newest first.
func Versions(ctx context.Context, st store.Health) ([]store.Scorecard, error) {
	return st.ScorecardVersions(ctx, SetName)
}

// Playbooks are the names of the playbooks Tend ships, which rules may
// name; any other is a warning (the CTA opens without a playbook unless
// one of that name is stored by then).
func Playbooks() []string {
	var out []string
	for _, p := range cta.Shipped() {
		out = append(out, p.Name)
	}
	return out
}

// Check parses src as a rule set: the set, and warnings (with positions)
// that do not stop it; an invalid set is rules.Problems.
func Check(src []byte) (*rules.Set, rules.Problems, error) {
	set, err := rules.Parse(src)
	if err != nil {
		return nil, nil, err
	}
	w := set.CheckPlaybooks(Playbooks())
	rules.Locate(src, w)
	return set, w, nil
}

// Apply checks src and stores it as the next version of the rule set. An
// invalid set is refused with rules.Problems (each at its line and column)
// and nothing is stored.
func Apply(ctx context.Context, st store.Health, src []byte, by int64, note string) (store.Scorecard, error) {
	if _, _, err := Check(src); err != nil {
		return store.Scorecard{}, err
	}
	c := store.Scorecard{Name: SetName, YAML: string(src), Note: note, CreatedBy: by}
	if err := st.SaveScorecard(ctx, &c); err != nil {
		return store.Scorecard{}, err
	}
	return c, nil
}

// Sink applies what rules asked for.
type Sink interface {
	// ApplyIntents opens, updates and closes CTAs.
	ApplyIntents(ctx context.Context, intents []cta.Intent) error
	// ApplyEffects sets fields, tags and pulses.
	ApplyEffects(ctx context.Context, effects []rules.Effect) error
}

// NopSink applies nothing: the firings are still audited.
type NopSink struct{}

// ApplyIntents does nothing.
func (NopSink) ApplyIntents(context.Context, []cta.Intent) error { return nil }

// ApplyEffects does nothing.
func (NopSink) ApplyEffects(context.Context, []rules.Effect) error { return nil }

// Report is what an evaluation found (and, unless it was a dry run, did).
type Report struct {
	AsOf     civil.Date `json:"as_of"`
	Version  int        `json:"rules_version"`
	DryRun   bool       `json:"dry_run"`
	Accounts int        `json:"accounts"`
	Firings  int        `json:"firings"`
	// Opens counts the CTAs opened (or updated, when one is already open)
	// by type.
	Opens  map[cta.Type]int `json:"opens"`
	ByRule []RuleReport     `json:"by_rule"`
	// Read, Evaluate and Apply are the time spent reading inputs,
	// evaluating and applying (with the audit).
	Read     time.Duration `json:"read_ns"`
	Evaluate time.Duration `json:"evaluate_ns"`
	Apply    time.Duration `json:"apply_ns"`
}

// RuleReport is what one rule did.
type RuleReport struct {
	Rule     string       `json:"rule"`
	Opens    int          `json:"opens"`
	Updates  int          `json:"updates"`
	Closes   int          `json:"closes"`
	Effects  int          `json:"effects"`
	Accounts []AccountRef `json:"accounts"`
}

// AccountRef names an account in a report.
type AccountRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// TotalOpens is how many CTAs the evaluation opens (or updates when open).
func (r Report) TotalOpens() int {
	n := 0
	for _, c := range r.Opens {
		n += c
	}
	return n
}

// Summary is the report in a few lines: "would open 37 CTAs: …", each
// rule with up to max of its accounts.
func (r Report) Summary(max int) string {
	var b strings.Builder
	verb := "opened or updated"
	if r.DryRun {
		verb = "would open (or update)"
	}
	fmt.Fprintf(&b, "%d accounts, rules version %d: %s %d CTAs", r.Accounts, r.Version, verb, r.TotalOpens())
	var types []string
	for _, t := range cta.Types {
		if r.Opens[t] > 0 {
			types = append(types, fmt.Sprintf("%d %s", r.Opens[t], t))
		}
	}
	if len(types) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(types, ", "))
	}
	fmt.Fprintf(&b, "; %d firings\n", r.Firings)
	for _, rr := range r.ByRule {
		var what []string
		for _, x := range []struct {
			n int
			s string
		}{{rr.Opens, "open"}, {rr.Updates, "update"}, {rr.Closes, "close"}, {rr.Effects, "other action"}} {
			if x.n > 0 {
				what = append(what, fmt.Sprintf("%d %s", x.n, x.s))
			}
		}
		names := make([]string, 0, max)
		for i, a := range rr.Accounts {
			if i == max {
				names = append(names, fmt.Sprintf("… %d more", len(rr.Accounts)-max))
				break
			}
			names = append(names, a.Name)
		}
		fmt.Fprintf(&b, "  %s: %s — %s\n", rr.Rule, strings.Join(what, ", "), strings.Join(names, ", "))
	}
	return b.String()
}

// previous is what a full evaluation compares with: the day of the latest
// full evaluation (Before is the score as of that day, date triggers fire
// for the days since), or none before the first (Before is nil: every
// account is seen for the first time, and date triggers fire for today).
func previous(ctx context.Context, st store.Rules) (civil.Date, bool, error) {
	runs, err := st.RuleRuns(ctx, 1)
	if err != nil || len(runs) == 0 {
		return civil.Date{}, false, err
	}
	return runs[0].Day, true, nil
}

// readAll reads every account's inputs as of today in bulk: fields and
// metrics from the health facts and adoption, the current score as After's
// health, and as Before the latest score as of the previous full
// evaluation's day.
func readAll(ctx context.Context, st store.Store, today civil.Date) ([]rules.Input, error) {
	last, ok, err := previous(ctx, st)
	if err != nil {
		return nil, err
	}
	cat, err := adoption.LoadCatalog(ctx, st)
	if err != nil {
		return nil, err
	}
	since := civil.Date{}
	if ok {
		since = last
	}
	use := map[int64]map[string]float64{}
	err = adoption.MeasureAll(ctx, st, cat, usage.DayOf(today.Time()), func(r adoption.Report) error {
		use[r.AccountID] = r.Values
		return nil
	})
	if err != nil {
		return nil, err
	}
	var ins []rules.Input
	err = st.EachHealthFacts(ctx, today, func(f *health.Facts) error {
		if u, ok := use[f.AccountID]; ok {
			f.Usage = append(f.Usage[:0], health.UsageSnapshot{AsOf: today, Values: u})
		}
		ins = append(ins, rules.Input{Account: rules.AccountOf(f), After: rules.State{Metrics: health.Metrics(f, today)}, Today: today, Since: since})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return ins, withHealth(ctx, st, ins, civil.Date{})
	}
	return ins, withHealth(ctx, st, ins, last)
}

// fewAccounts is up to how many accounts the previous scores are read
// for the accounts themselves rather than for the whole day.
const fewAccounts = 2000

// withHealth fills each input's current health and its Before from the
// latest score dated before on or before, none when before is zero.
func withHealth(ctx context.Context, st store.Health, ins []rules.Input, before civil.Date) error {
	ids := make([]int64, len(ins))
	for i := range ins {
		ids[i] = ins[i].Account.ID
	}
	now, err := st.HealthScores(ctx, ids)
	if err != nil {
		return err
	}
	prev := map[int64]store.HealthScore{}
	if !before.IsZero() && len(ids) <= fewAccounts {
		if prev, err = st.HealthScoresAsOf(ctx, ids, before); err != nil {
			return err
		}
	} else if !before.IsZero() {
		// The day's points in one scan (the nightly snapshot scores every
		// account each day); the latest before it for the accounts with
		// none that day, one by one in chunks.
		on, err := st.HealthScoresOn(ctx, before)
		if err != nil {
			return err
		}
		for _, hs := range on {
			prev[hs.AccountID] = hs
		}
		var rest []int64
		for _, id := range ids {
			if _, ok := prev[id]; !ok {
				rest = append(rest, id)
			}
		}
		if len(rest) > 0 {
			older, err := st.HealthScoresAsOf(ctx, rest, before)
			if err != nil {
				return err
			}
			for id, hs := range older {
				prev[id] = hs
			}
		}
	}
	for i := range ins {
		in := &ins[i]
		if hs, ok := now[in.Account.ID]; ok && hs.Score != nil {
			in.After.Score, in.After.HasScore, in.After.Colour = *hs.Score, true, hs.Colour
		}
		hs, ok := prev[in.Account.ID]
		if !ok {
			if before.IsZero() {
				continue // the first evaluation: seen for the first time
			}
			// Not scored then: nothing was seen of its health.
			in.Before = &rules.State{}
			continue
		}
		b := &rules.State{Colour: hs.Colour}
		if hs.Score != nil {
			b.Score, b.HasScore = *hs.Score, true
		}
		if v, ok := detailValues(hs.Detail); ok {
			b.Metrics = v
		}
		in.Before = b
	}
	return nil
}

// firedKey is a rule that fired on an account.
type firedKey struct {
	account int64
	rule    string
}

// firedToday is every (account, rule) that fired today: a rule fires at
// most once a day on an account, so a real-time change after the night's
// evaluation (or another change the same day) does not fire it again.
func firedToday(ctx context.Context, st store.Rules, today civil.Date) (map[firedKey]bool, error) {
	fs, err := st.RuleFirings(ctx, store.RuleFiringQuery{Since: today.Time(), Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	out := make(map[firedKey]bool, len(fs))
	for _, f := range fs {
		out[firedKey{f.AccountID, f.Rule}] = true
	}
	return out, nil
}

// run evaluates set over ins, leaving out what already fired today, and
// builds the report and the audit.
func run(set *rules.Set, version int, ins []rules.Input, today civil.Date, dry bool, fired map[firedKey]bool) (Report, []rules.Firing) {
	rep := Report{AsOf: today, Version: version, DryRun: dry, Accounts: len(ins), Opens: map[cta.Type]int{}}
	t0 := time.Now()
	var all []rules.Firing
	for i := range ins {
		for _, f := range set.Evaluate(&ins[i]) {
			if !fired[firedKey{f.AccountID, f.Rule}] {
				all = append(all, f)
			}
		}
	}
	rep.Evaluate = time.Since(t0)
	rep.Firings = len(all)
	names := make(map[int64]string, len(ins))
	for i := range ins {
		names[ins[i].Account.ID] = ins[i].Account.Name
	}
	by := map[string]*RuleReport{}
	for _, f := range all {
		rr := by[f.Rule]
		if rr == nil {
			rr = &RuleReport{Rule: f.Rule}
			by[f.Rule] = rr
		}
		rr.Accounts = append(rr.Accounts, AccountRef{ID: f.AccountID, Name: names[f.AccountID]})
		for _, it := range f.Intents {
			switch it.Action {
			case cta.OpenAction:
				rr.Opens++
				rep.Opens[it.Type]++
			case cta.UpdateAction:
				rr.Updates++
			case cta.CloseAction:
				rr.Closes++
			}
		}
		rr.Effects += len(f.Effects)
	}
	for _, r := range set.Rules {
		if rr := by[r.Name]; rr != nil {
			rep.ByRule = append(rep.ByRule, *rr)
		}
	}
	return rep, all
}

// DryRun evaluates set over every account as of today, applying nothing
// and auditing nothing: what would happen.
func DryRun(ctx context.Context, st store.Store, set *rules.Set, version int, today civil.Date) (Report, error) {
	t0 := time.Now()
	ins, err := readAll(ctx, st, today)
	if err != nil {
		return Report{}, err
	}
	fired, err := firedToday(ctx, st, today)
	if err != nil {
		return Report{}, err
	}
	read := time.Since(t0)
	rep, _ := run(set, version, ins, today, true, fired)
	rep.Read = read
	return rep, nil
}

// Evaluate runs the full (scheduled) evaluation of the rule set in force
// over every account as of today: what fires goes to sink and to the
// audit.
func Evaluate(ctx context.Context, st store.Store, sink Sink, today civil.Date) (Report, error) {
	active, err := Active(ctx, st)
	if err != nil {
		return Report{}, err
	}
	t0 := time.Now()
	ins, err := readAll(ctx, st, today)
	if err != nil {
		return Report{}, err
	}
	already, err := firedToday(ctx, st, today)
	if err != nil {
		return Report{}, err
	}
	read := time.Since(t0)
	rep, fired := run(active.Set, active.Version, ins, today, false, already)
	rep.Read = read
	t1 := time.Now()
	err = apply(ctx, st, sink, active.Version, fired)
	rep.Apply = time.Since(t1)
	if err != nil {
		return rep, err
	}
	run := store.RuleRun{Day: today, RulesVersion: active.Version, Accounts: rep.Accounts, Firings: rep.Firings, StartedAt: t0,
		Took: time.Since(t0)}
	return rep, st.PutRuleRun(ctx, &run)
}

// EvaluateAccounts evaluates the rule set in force on a few accounts as
// of today, after a real-time change to them (an empty Change after a
// rescore; nil evaluates as a full evaluation would, schedule triggers
// included): what a rescore sets off. Before
// is the latest score dated before today. Date triggers do not fire here;
// the full evaluation fires them.
func EvaluateAccounts(ctx context.Context, st store.Store, sink Sink, ids []int64, today civil.Date, change *rules.Change) (Report, error) {
	active, err := Active(ctx, st)
	if err != nil {
		return Report{}, err
	}
	t0 := time.Now()
	ins, err := readSome(ctx, st, ids, today)
	if err != nil {
		return Report{}, err
	}
	for i := range ins {
		ins[i].Change, ins[i].Since = change, today
	}
	if err := withHealth(ctx, st, ins, today.AddDays(-1)); err != nil {
		return Report{}, err
	}
	already, err := firedToday(ctx, st, today)
	if err != nil {
		return Report{}, err
	}
	read := time.Since(t0)
	rep, fired := run(active.Set, active.Version, ins, today, false, already)
	rep.Read = read
	t1 := time.Now()
	err = apply(ctx, st, sink, active.Version, fired)
	rep.Apply = time.Since(t1)
	return rep, err
}

// someStore reads a list of accounts in bulk (the rescore's readers).
type someStore interface {
	EachHealthFactsOf(ctx context.Context, accountIDs []int64, asOf civil.Date, each func(f *health.Facts) error) error
	adoption.Some
}

// readSome reads the accounts of ids (those that exist) as of today: in
// bulk when the store can, else one by one.
func readSome(ctx context.Context, st store.Store, ids []int64, today civil.Date) ([]rules.Input, error) {
	cat, err := adoption.LoadCatalog(ctx, st)
	if err != nil {
		return nil, err
	}
	var ins []rules.Input
	add := func(f *health.Facts) {
		ins = append(ins, rules.Input{Account: rules.AccountOf(f), After: rules.State{Metrics: health.Metrics(f, today)}, Today: today})
	}
	if ss, ok := st.(someStore); ok {
		use := map[int64]map[string]float64{}
		err := adoption.MeasureSome(ctx, ss, cat, ids, usage.DayOf(today.Time()), func(r adoption.Report) error {
			use[r.AccountID] = r.Values
			return nil
		})
		if err != nil {
			return nil, err
		}
		err = ss.EachHealthFactsOf(ctx, ids, today, func(f *health.Facts) error {
			if u, ok := use[f.AccountID]; ok {
				f.Usage = []health.UsageSnapshot{{AsOf: today, Values: u}}
			}
			add(f)
			return nil
		})
		return ins, err
	}
	for _, id := range ids {
		f, err := st.HealthFacts(ctx, id, today)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		rep, err := adoption.Measure(ctx, st, cat, id, usage.DayOf(today.Time()), 0)
		if err != nil {
			return nil, err
		}
		if rep.MAU > 0 || rep.Events > 0 || rep.EventsPrev > 0 {
			f.Usage = []health.UsageSnapshot{{AsOf: today, Values: rep.Values}}
		}
		add(f)
	}
	return ins, nil
}

// auditChunk is how many firings go to the audit per call.
const auditChunk = 5000

// did is what a firing did, as the audit keeps it.
type did struct {
	Intents []cta.Intent   `json:"intents,omitempty"`
	Effects []rules.Effect `json:"effects,omitempty"`
}

func apply(ctx context.Context, st store.Rules, sink Sink, version int, fired []rules.Firing) error {
	var (
		intents []cta.Intent
		effects []rules.Effect
		audit   = make([]store.RuleFiring, 0, len(fired))
		now     = time.Now().UTC()
	)
	for _, f := range fired {
		intents = append(intents, f.Intents...)
		effects = append(effects, f.Effects...)
		saw, err := json.Marshal(f.Saw)
		if err != nil {
			return fmt.Errorf("rule %s on account %d: %w", f.Rule, f.AccountID, err)
		}
		d, err := json.Marshal(did{f.Intents, f.Effects})
		if err != nil {
			return fmt.Errorf("rule %s on account %d: %w", f.Rule, f.AccountID, err)
		}
		audit = append(audit, store.RuleFiring{Rule: f.Rule, RulesVersion: version, AccountID: f.AccountID, At: now, Trigger: f.Trigger, Saw: saw, Did: d})
	}
	if len(intents) > 0 {
		if err := sink.ApplyIntents(ctx, intents); err != nil {
			return fmt.Errorf("apply CTA intents: %w", err)
		}
	}
	if len(effects) > 0 {
		if err := sink.ApplyEffects(ctx, effects); err != nil {
			return fmt.Errorf("apply rule actions: %w", err)
		}
	}
	for i := 0; i < len(audit); i += auditChunk {
		if err := st.PutRuleFirings(ctx, audit[i:min(i+auditChunk, len(audit))]); err != nil {
			return fmt.Errorf("rule audit: %w", err)
		}
	}
	return nil
}

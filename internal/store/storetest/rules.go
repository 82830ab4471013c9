package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// testRuleFirings: the audit keeps each firing as written, lists newest
// first by account or rule, refuses firings of unknown accounts and bad
// JSON by field, and goes with its account.
func testRuleFirings(t *testing.T, st store.Store) {
	a := seedAccount(t, st, "rf-1", "Acme")
	b := seedAccount(t, st, "rf-2", "Bolt")
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 123456789, time.UTC)
	fs := []store.RuleFiring{
		{Rule: "health-red", RulesVersion: 2, AccountID: a.ID, At: t0, Trigger: "health_changed",
			Saw: []byte(`{"health.colour":"red","health.score":31.5}`), Did: []byte(`{"intents":[{"Action":"open"}]}`)},
		{Rule: "usage-drop", RulesVersion: 2, AccountID: a.ID, At: t0.Add(time.Minute), Trigger: "metric_crossed", Saw: []byte(`{"usage.trend":-0.4}`)},
		{Rule: "health-red", AccountID: b.ID, At: t0.Add(2 * time.Minute), Trigger: "health_changed"},
	}
	must(t, st.PutRuleFirings(ctx, fs))
	for _, f := range fs {
		if f.ID == 0 {
			t.Fatalf("no id: %+v", f)
		}
	}
	got, err := st.RuleFirings(ctx, store.RuleFiringQuery{AccountID: a.ID})
	must(t, err)
	if len(got) != 2 || got[0].Rule != "usage-drop" || got[1].Rule != "health-red" {
		t.Fatalf("by account: %+v", got)
	}
	h := got[1]
	var saw map[string]any
	must(t, json.Unmarshal(h.Saw, &saw))
	if h.RulesVersion != 2 || h.Trigger != "health_changed" || !h.At.Equal(t0.Truncate(time.Microsecond)) || saw["health.score"] != 31.5 || string(got[0].Did) != "{}" {
		t.Errorf("firing came back as %+v (saw %s, did %s)", h, h.Saw, h.Did)
	}
	got, err = st.RuleFirings(ctx, store.RuleFiringQuery{Since: t0.Add(time.Minute)})
	must(t, err)
	if len(got) != 2 || got[1].Rule != "usage-drop" {
		t.Fatalf("since a minute later: %+v", got)
	}
	got, err = st.RuleFirings(ctx, store.RuleFiringQuery{Rule: "health-red", Limit: 1})
	must(t, err)
	if len(got) != 1 || got[0].AccountID != b.ID {
		t.Fatalf("by rule, newest: %+v", got)
	}

	err = st.PutRuleFirings(ctx, []store.RuleFiring{{Rule: "x", AccountID: a.ID}, {Rule: "x", AccountID: 999999}})
	fieldErr(t, err, "firings[1].account_id")
	err = st.PutRuleFirings(ctx, []store.RuleFiring{{Rule: "x", AccountID: a.ID, Saw: []byte("{")}})
	fieldErr(t, err, "firings[0].saw")
	got, err = st.RuleFirings(ctx, store.RuleFiringQuery{Rule: "x"})
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("a refused batch left %d firings", len(got))
	}

	must(t, st.Accounts().Delete(ctx, a.ID))
	got, err = st.RuleFirings(ctx, store.RuleFiringQuery{AccountID: a.ID})
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("firings outlived their account: %+v", got)
	}
}

// testRuleRuns: full evaluations come back newest first, as written.
func testRuleRuns(t *testing.T, st store.Store) {
	runs, err := st.RuleRuns(ctx, 0)
	must(t, err)
	if len(runs) != 0 {
		t.Fatalf("runs before any: %+v", runs)
	}
	t0 := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	first := store.RuleRun{Day: d("2026-12-05"), RulesVersion: 1, Accounts: 3000, Firings: 41, StartedAt: t0, Took: 1234567 * time.Microsecond}
	must(t, st.PutRuleRun(ctx, &first))
	second := store.RuleRun{Day: d("2026-12-06"), RulesVersion: 2, Accounts: 3001, Firings: 7, StartedAt: t0.Add(24 * time.Hour)}
	must(t, st.PutRuleRun(ctx, &second))
	runs, err = st.RuleRuns(ctx, 0)
	must(t, err)
	if len(runs) != 2 || runs[0].ID != second.ID || runs[1].Day != d("2026-12-05") || runs[1].Took != 1234*time.Millisecond ||
		runs[1].Firings != 41 || runs[1].Accounts != 3000 || runs[1].RulesVersion != 1 || !runs[1].StartedAt.Equal(t0) {
		t.Fatalf("runs %+v", runs)
	}
	fieldErr(t, st.PutRuleRun(ctx, &store.RuleRun{}), "day")
}

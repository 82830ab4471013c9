package cli

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/demo"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// TestScoresAtStart: a server started on accounts never scored scores them
// once and logs the summary; started again, it leaves the scores alone. A
// fresh demo is scored with a history.
func TestScoresAtStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	today := civil.Today()
	st := sqlitetest.Open(t)
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))

	// No accounts: nothing to do.
	if err := scoreIfNeverScored(ctx, log, st, today); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Fatalf("an empty database was scored: %s", buf.String())
	}

	c := demo.Build(demo.Options{Seed: 3, Accounts: 60, Today: today})
	if _, err := demo.Load(ctx, st, c); err != nil {
		t.Fatal(err)
	}
	if err := scoreIfNeverScored(ctx, log, st, today); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "health scores computed") || !strings.Contains(buf.String(), "accounts=60") {
		t.Fatalf("the log does not give the summary: %s", buf.String())
	}
	if n := unscored(t, st); n != 0 {
		t.Fatalf("%d accounts left unscored", n)
	}

	// Scored before: a second start leaves the scores as they are.
	res, err := st.Accounts().List(ctx, store.Query{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	before, err := st.HealthScore(ctx, res.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := scoreIfNeverScored(ctx, log, st, today); err != nil {
		t.Fatal(err)
	}
	after, err := st.HealthScore(ctx, res.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 || !after.ScoredAt.Equal(before.ScoredAt) {
		t.Fatalf("scored again at start: %s (scored at %v, then %v)", buf.String(), before.ScoredAt, after.ScoredAt)
	}

	// The demo: scored now, with a point 90 days back.
	if _, err := scoreDemo(ctx, log, st, today); err != nil {
		t.Fatal(err)
	}
	hist, err := st.HealthHistory(ctx, res.Items[0].ID, today.AddDays(-90), today)
	if err != nil {
		t.Fatal(err)
	}
	days := map[civil.Date]bool{}
	for _, p := range hist {
		days[p.Day] = true
	}
	for _, d := range demoScoreDays {
		if !days[today.AddDays(d)] {
			t.Errorf("the demo's history has no point %d days from today: %v", d, days)
		}
	}
}

// unscored counts the accounts with no score.
func unscored(t *testing.T, st store.Store) int {
	t.Helper()
	bs, err := st.HealthDistribution(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, b := range bs {
		if b.Colour == store.Unscored {
			n += b.Accounts
		}
	}
	return n
}

package scoring_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/scoring"
)

func TestPreview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := demoStore(t, 200)
	sum, err := scoring.Recompute(ctx, st, today)
	if err != nil {
		t.Fatal(err)
	}

	// The set in force against itself moves nobody, and counts what
	// Recompute stored.
	same, err := scoring.Preview(ctx, st, health.Default(), today)
	if err != nil {
		t.Fatal(err)
	}
	if same.Changed != 0 || same.Accounts != sum.Accounts {
		t.Fatalf("the same set: %d changed of %d accounts, want 0 of %d", same.Changed, same.Accounts, sum.Accounts)
	}
	for c, n := range sum.Colours {
		if same.Before[health.Colour(c)] != n || same.After[health.Colour(c)] != n {
			t.Errorf("%s: before %d, after %d, recompute stored %d", c, same.Before[health.Colour(c)], same.After[health.Colour(c)], n)
		}
	}

	// Raising red's threshold can only turn yellow accounts red.
	src := bytes.ReplaceAll(health.DefaultYAML(), []byte("red_below: 40"), []byte("red_below: 60"))
	stricter, err := health.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	pv, err := scoring.Preview(ctx, st, stricter, today)
	if err != nil {
		t.Fatal(err)
	}
	moved := pv.Moves[health.Yellow][health.Red]
	if pv.Changed == 0 || pv.Changed != moved {
		t.Errorf("red below 60: %d changed, %d yellow → red (%v); want the same, more than 0", pv.Changed, moved, pv.Moves)
	}
	if pv.After[health.Red] != pv.Before[health.Red]+moved {
		t.Errorf("red before %d, after %d, moved %d", pv.Before[health.Red], pv.After[health.Red], moved)
	}
}

package sqlstore_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
	"github.com/tendhq/tend/internal/store/sqlstore"
	"github.com/tendhq/tend/internal/store/storetest"
)

// TestFactsInRanges: reading every account's Facts a few ids at a time
// (so the reads cross many ranges, some with no account) gives what one
// range over them all gives, every account once, in id order.
func TestFactsInRanges(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	storetest.SeedHealth(t, st, 60)
	read := func(n int64) []*health.Facts {
		sqlstore.SetFactsRange(st, n)
		var out []*health.Facts
		if err := st.EachHealthFacts(context.Background(), civil.Today(), func(f *health.Facts) error {
			out = append(out, f)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	all := read(1_000_000)
	if len(all) != 60 {
		t.Fatalf("%d accounts read, want 60", len(all))
	}
	for _, n := range []int64{1, 7, 59} {
		got := read(n)
		if len(got) != len(all) {
			t.Fatalf("range %d: %d accounts, want %d", n, len(got), len(all))
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], all[i]) {
				t.Fatalf("range %d: account %d differs:\n%+v\n%+v", n, all[i].AccountID, got[i], all[i])
			}
		}
	}
}

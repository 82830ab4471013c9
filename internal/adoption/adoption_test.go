package adoption_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/demo"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres/pgtest"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
	"github.com/tendhq/tend/internal/usage"
)

func TestMeasureAllSQLite(t *testing.T) {
	t.Parallel()
	testMeasureAll(t, sqlitetest.Open(t))
}

func TestMeasureAllPostgres(t *testing.T) {
	t.Parallel()
	testMeasureAll(t, pgtest.Open(t))
}

// testMeasureAll: reading every account in one pass gives, account by
// account, exactly what Measure gives for one.
func testMeasureAll(t *testing.T, st store.Store) {
	ctx := context.Background()
	today := civil.Date{Year: 2026, Month: 11, Day: 20}
	c := demo.Build(demo.Options{Seed: 9, Accounts: 80, Today: today})
	if _, err := demo.Load(ctx, st, c); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadUsage(ctx, st, c, 60); err != nil {
		t.Fatal(err)
	}
	cat, err := adoption.LoadCatalog(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	asOf := usage.DayOf(today.Time())
	var reps []adoption.Report
	err = adoption.MeasureAll(ctx, st, cat, asOf, func(r adoption.Report) error {
		reps = append(reps, r) // each may not use the store (its scans hold read connections)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, withSeats := len(reps), 0
	for _, all := range reps {
		one, err := adoption.Measure(ctx, st, cat, all.AccountID, asOf, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(all, one) {
			t.Fatalf("account %d: MeasureAll %+v\nMeasure %+v", all.AccountID, all, one)
		}
		if all.Seats > 0 {
			withSeats++
		}
	}
	if n < 40 || withSeats == 0 {
		t.Fatalf("measured %d accounts (%d with seats): want most of the 80", n, withSeats)
	}
}

package retention_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/demo"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/retention/retentiontest"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

func TestLoadAndMeasureKnownAnswers(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	retentiontest.Seed(t, st)
	book, accounts, err := retention.Load(context.Background(), st, retentiontest.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 3 || len(book.Accounts()) != 3 {
		t.Fatalf("%d accounts, %d in the book", len(accounts), len(book.Accounts()))
	}
	q3, _ := revenue.ParsePeriod("2025-Q3")
	rep, err := retention.Measure(book, accounts, q3, "")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Dimension != "all" || len(rep.Slices) != 1 || rep.Currency != "USD" {
		t.Fatalf("report %+v", rep)
	}
	s := rep.Slices[0]
	if s.Start != 300000 || s.New != 30000 || s.Expansion != 50000 || s.Contraction != 0 || s.Churn != 200000 ||
		s.Reactivation != 0 || s.End != 180000 || s.CustomersStart != 2 || s.CustomersEnd != 2 {
		t.Errorf("waterfall %+v", s)
	}
	r := s.Ratios
	for name, c := range map[string]struct {
		got      revenue.Ratio
		num, den int64
	}{
		"grr": {r.GRR, 100000, 300000}, "nrr": {r.NRR, 150000, 300000}, "logo churn": {r.LogoChurn, 1, 2},
		"gdrr": {r.GDRR, 0, 200000}, "quick ratio": {r.QuickRatio, 80000, 200000}, "arpa": {r.ARPA, 180000, 2},
	} {
		if c.got != (revenue.Ratio{Num: c.num, Den: c.den}) {
			t.Errorf("%s = %d/%d, want %d/%d", name, c.got.Num, c.got.Den, c.num, c.den)
		}
	}

	byTier, err := retention.Measure(book, accounts, q3, "tier")
	if err != nil {
		t.Fatal(err)
	}
	if len(byTier.Slices) != 2 {
		t.Fatalf("tiers: %+v", byTier.Slices)
	}
	ent, smb := byTier.Slices[0], byTier.Slices[1]
	if ent.Slice != "Enterprise" || ent.Ratios.GRR.Percent() != "100.0%" || ent.Ratios.NRR.Percent() != "150.0%" {
		t.Errorf("Enterprise %+v", ent)
	}
	if smb.Slice != "SMB" || smb.Ratios.GRR.Percent() != "0.0%" || smb.Ratios.NRR.Percent() != "0.0%" || smb.End != 30000 {
		t.Errorf("SMB %+v", smb)
	}

	if _, err := retention.Measure(book, accounts, q3, "colour"); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("bad dimension: %v", err)
	}
}

func TestLoadRefusesAnotherCurrency(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	retentiontest.Seed(t, st)
	retentiontest.AddEuro(t, st)
	_, _, err := retention.Load(context.Background(), st, retentiontest.AsOf)
	var ce *retention.CurrencyError
	if !errors.As(err, &ce) || ce.Currency != "EUR" || ce.Subscription != "cove-eur" || ce.Subscriptions != 1 {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "EUR") || !strings.Contains(err.Error(), "USD") {
		t.Errorf("message does not name the currencies: %v", err)
	}
}

// TestLoadConvertsWithStoredRates: with a rate for euros, cove's 99.00 EUR
// add-on from 2025-09-01 is 107.37 USD (99 × 1.0845 = 107.3655, rounded
// half away from zero) — an expansion of Q3 — and the message names the
// command when a rate is missing.
func TestLoadConvertsWithStoredRates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	retentiontest.Seed(t, st)
	retentiontest.AddEuro(t, st)
	if _, _, err := retention.Load(ctx, st, retentiontest.AsOf); err == nil || !strings.Contains(err.Error(), "tend rates set EUR") {
		t.Fatalf("without a rate: %v", err)
	}
	if err := st.PutExchangeRate(ctx, &store.ExchangeRate{Currency: "eur", Rate: "1.0845"}); err != nil {
		t.Fatal(err)
	}
	book, accounts, err := retention.Load(ctx, st, retentiontest.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := retention.Measure(book, accounts, revenue.Quarter(2025, 3), "all")
	if err != nil {
		t.Fatal(err)
	}
	all := rep.Slices[0]
	if all.Expansion != 50000+10737 || all.End != 180000+10737 || all.Start+all.New+all.Expansion-all.Contraction-all.Churn+all.Reactivation != all.End {
		t.Errorf("Q3 with the euro add-on: %+v", all)
	}
}

// TestDemoIdentity loads the demo company (more than one page of
// subscriptions) and checks the waterfall identity in every slice of every
// dimension for a quarter.
func TestDemoIdentity(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("loads the demo company")
	}
	ctx := context.Background()
	st := sqlitetest.Open(t)
	today := civil.Date{Year: 2026, Month: 3, Day: 15}
	sum, err := demo.Generate(ctx, st, demo.Options{Seed: 1, Accounts: 300, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	book, accounts, err := retention.Load(ctx, st, today)
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) != sum.Accounts {
		t.Errorf("loaded %d accounts, the demo has %d", len(accounts), sum.Accounts)
	}
	if sum.Subscriptions <= 1000 {
		t.Errorf("only %d subscriptions: paging is not exercised", sum.Subscriptions)
	}
	q, _ := revenue.ParsePeriod("2025-Q4")
	for _, by := range revenue.DimensionNames {
		rep, err := retention.Measure(book, accounts, q, by)
		if err != nil {
			t.Fatal(err)
		}
		var start, end, moves int64
		for _, s := range rep.Slices {
			if got := s.Start + s.New + s.Expansion - s.Contraction - s.Churn + s.Reactivation; got != s.End {
				t.Errorf("%s %s: start+new+exp−con−churn+react = %d, end %d", by, s.Slice, got, s.End)
			}
			start, end, moves = start+s.Start, end+s.End, moves+s.New+s.Churn
		}
		if start == 0 || end == 0 || moves == 0 {
			t.Errorf("%s: nothing measured (start %d, end %d)", by, start, end)
		}
		if by != "product" && end != book.TotalMRR(q.Last()) {
			t.Errorf("%s: slices end at %d, the book at %d", by, end, book.TotalMRR(q.Last()))
		}
	}
}

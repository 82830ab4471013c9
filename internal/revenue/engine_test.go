package revenue

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/tendhq/tend/internal/customer"
)

// TestSplitAccumulate: a book big enough to be split across cores gives
// the numbers the account-by-account reference (Contributors) gives.
func TestSplitAccumulate(t *testing.T) {
	t.Parallel()
	s := makeSynthetic(45_000, 400_000)
	b, err := Build(s.subs, Options{AsOf: benchAsOf, Rates: s.rates})
	if err != nil {
		t.Fatal(err)
	}
	p := Month(2025, 11)
	dims := s.dims()
	for _, dim := range []Dimension{dims[0], dims[4]} { // tier, product
		for _, m := range b.Metrics([]Period{Month(2025, 9), Quarter(2025, 4), p}, dim) {
			if m.Period != p {
				continue
			}
			for c, want := range map[Component]int64{CompStart: m.Start, CompEnd: m.End, CompExpansion: m.Expansion, CompChurn: m.Churn,
				CompRetainedContraction: m.Retention.Contraction, CompProductChurn: m.ProductRetention.Churn, CompRenewed: m.Renewals.Renewed} {
				cs, err := b.Contributors(p, dim, m.Slice, c)
				if err != nil {
					t.Fatal(err)
				}
				var got int64
				for _, ct := range cs {
					got += ct.Amount
				}
				if got != want {
					t.Errorf("%s=%s %s: metrics %d, contributors %d", dim.Name, m.Slice, c, want, got)
				}
			}
		}
	}
}

// buildIn builds a book from subs in nw parts, as Build does on a machine
// with nw cores.
func buildIn(t *testing.T, subs []customer.Subscription, opt Options, nw int) *Book {
	t.Helper()
	b := &Book{asOf: dayOf(opt.AsOf), currency: "USD", grace: DefaultRenewalGrace, window: DefaultReactivationWindow}
	whole, parts, sorted, err := b.readParts(subs, nil, opt.Rates, nw)
	if err == nil && !sorted {
		whole, parts, _, err = b.readParts(subs, accountOrder(subs), opt.Rates, nw)
	}
	if err != nil {
		t.Fatal(err)
	}
	b.join(whole, parts)
	return b
}

// TestPartsBuildTheSameBook: reading in parallel parts — in order or not,
// with parts that outgrow their regions — gives exactly the book read in
// one part.
func TestPartsBuildTheSameBook(t *testing.T) {
	t.Parallel()
	s := makeSynthetic(3000, 30_000)
	shuffled := slices.Clone(s.subs)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	opt := Options{AsOf: benchAsOf, Rates: s.rates}
	for name, subs := range map[string][]customer.Subscription{"ordered": s.subs, "shuffled": shuffled, "hand": handSubs(), "tiny": handSubs()[:3]} {
		want := buildIn(t, subs, opt, 1)
		for nw := 2; nw <= 5; nw++ {
			if got := buildIn(t, subs, opt, nw); !reflect.DeepEqual(got, want) {
				t.Errorf("%s in %d parts differs from one part", name, nw)
			}
		}
	}
	b, err := Build(s.subs, opt)
	if err != nil || !reflect.DeepEqual(b, buildIn(t, s.subs, opt, 1)) {
		t.Errorf("Build differs from a one-part read: %v", err)
	}
	if !reflect.DeepEqual(buildIn(t, shuffled, opt, 1), buildIn(t, s.subs, opt, 3)) {
		t.Errorf("rows in another order give another book")
	}
}

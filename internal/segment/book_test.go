package segment

import (
	"fmt"
	"testing"
)

func TestByACV(t *testing.T) {
	t.Parallel()
	transactional := Benchmark{"ACV", "Transactional (ACV under $25K)", 180_000_000, 380_000_000, 780_000_000}
	solution := Benchmark{"ACV", "Solution (ACV $25K–$75K)", 100_000_000, 160_000_000, 320_000_000}
	consultative := Benchmark{"ACV", "Consultative (ACV over $75K)", 200_000_000, 320_000_000, 570_000_000}
	for _, tc := range []struct {
		acv  int64 // cents
		want Benchmark
	}{
		{0, transactional},
		{2_499_999, transactional}, // $24,999.99
		{2_500_000, solution},      // $25,000.00
		{7_500_000, solution},      // $75,000.00
		{7_500_001, consultative},
		{100_000_000, consultative},
	} {
		if got := ByACV(tc.acv); got != tc.want {
			t.Errorf("ByACV(%d) = %+v, want %+v", tc.acv, got, tc.want)
		}
	}
}

func TestByCompanyARR(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		arr           int64 // cents
		band          string
		p25, p50, p75 int64
	}{
		{0, "Company ARR up to $10M", 140_000_000, 200_000_000, 280_000_000},
		{1_000_000_000, "Company ARR up to $10M", 140_000_000, 200_000_000, 280_000_000}, // $10M
		{1_000_000_001, "Company ARR $10M–$20M", 120_000_000, 230_000_000, 450_000_000},
		{2_000_000_000, "Company ARR $10M–$20M", 120_000_000, 230_000_000, 450_000_000},
		{3_300_000_000, "Company ARR $20M–$50M", 220_000_000, 330_000_000, 590_000_000},
		{10_000_000_000, "Company ARR $50M–$100M", 240_000_000, 510_000_000, 860_000_000},
		{10_000_000_001, "Company ARR over $100M", 450_000_000, 900_000_000, 2_480_000_000},
	} {
		got := ByCompanyARR(tc.arr)
		if got.Basis != "company ARR" || got.Band != tc.band || got.P25 != tc.p25 || got.P50 != tc.p50 || got.P75 != tc.p75 {
			t.Errorf("ByCompanyARR(%d) = %+v, want %s %d/%d/%d", tc.arr, got, tc.band, tc.p25, tc.p50, tc.p75)
		}
	}
}

func TestPlace(t *testing.T) {
	t.Parallel()
	b := Benchmark{P25: 100, P50: 200, P75: 300}
	for _, tc := range []struct {
		arr  int64
		want Quartile
		word string
	}{
		{0, BelowP25, "below the 25th percentile"}, {99, BelowP25, "below the 25th percentile"},
		{100, P25toP50, "25th–50th percentile"}, {199, P25toP50, "25th–50th percentile"},
		{200, P50toP75, "50th–75th percentile"}, {299, P50toP75, "50th–75th percentile"},
		{300, AboveP75, "above the 75th percentile"}, {10_000, AboveP75, "above the 75th percentile"},
	} {
		got := b.Place(tc.arr)
		if got != tc.want || got.String() != tc.word {
			t.Errorf("Place(%d) = %v (%q), want %v (%q)", tc.arr, int(got), got, int(tc.want), tc.word)
		}
	}
}

func TestCover(t *testing.T) {
	t.Parallel()
	books := []Book{
		{Owner: "a@x", Accounts: 10, AtRisk: 1, MRR: 100},
		{Owner: "b@x", Accounts: 5, MRR: 300},
		{Owner: "c@x"}, // every account churned: carries nothing
		{Owner: "", Accounts: 50, AtRisk: 4, MRR: 20},
		{Owner: "d@x", Accounts: 3, AtRisk: 2, MRR: 200},
	}
	got := Cover(books)
	want := Coverage{CSMs: 3, Accounts: 18, ARR: 7200, MedianARR: 2400, MeanARR: 2400,
		Unassigned: Book{Accounts: 50, AtRisk: 4, MRR: 20}}
	if got != want {
		t.Errorf("Cover = %+v, want %+v", got, want)
	}
	// An even number of books: the median is the mean of the middle two.
	got = Cover(append(books, Book{Owner: "e@x", Accounts: 1, MRR: 400}))
	if got.CSMs != 4 || got.MedianARR != 3000 || got.MeanARR != 3000 || got.ARR != 12000 {
		t.Errorf("Cover with four books = %+v, want median 3000, mean 3000, ARR 12000", got)
	}
	if got := Cover(nil); got != (Coverage{}) {
		t.Errorf("Cover(nil) = %+v", got)
	}
}

func TestBookLoadAndOrder(t *testing.T) {
	t.Parallel()
	b := Book{MRR: 1000, Capacity: 24000}
	if s, ok := b.Load(); !ok || s != (Share{12000, 24000}) || s.Percent() != 50 || b.ARR() != 12000 {
		t.Errorf("Load() = %v %v, ARR %d", s, ok, b.ARR())
	}
	if _, ok := (Book{MRR: 1000}).Load(); ok {
		t.Error("Load() with no capacity reported ok")
	}
	books := []Book{
		{Owner: "", Name: "", MRR: 9999},
		{Owner: "z@x", Name: "Zed", MRR: 100},
		{Owner: "b@x", Name: "Bea", MRR: 500},
		{Owner: "a@x", Name: "Al", MRR: 100},
	}
	SortBooks(books)
	var order []string
	for _, b := range books {
		order = append(order, b.Owner)
	}
	if fmt.Sprint(order) != "[b@x a@x z@x ]" {
		t.Errorf("order %q, want largest first, then by name, unowned last", order)
	}
	if ACV(1000, 3) != 333 || ACV(1000, 0) != 0 {
		t.Errorf("ACV: %d, %d", ACV(1000, 3), ACV(1000, 0))
	}
}

// TestSizeOf: one rule sizes every book. With a capacity the load shown
// (whole percent) decides, at its boundaries, whatever the benchmark says;
// without one the benchmark decides; with neither the size is unknown.
func TestSizeOf(t *testing.T) {
	t.Parallel()
	const capacity = 120_000 // ARR; a load of p% is an MRR of 100·p
	bench := &Benchmark{P25: 1200, P50: 2400, P75: 3600}
	high := &Benchmark{P25: 1_000_000, P50: 2_000_000, P75: 3_000_000} // every book below its 25th percentile
	for _, tc := range []struct {
		name  string
		book  Book
		bench *Benchmark
		want  Size
	}{
		{"empty book with capacity", Book{Capacity: capacity}, bench, Light},
		{"59.4% shows 59%", Book{MRR: 5940, Capacity: capacity}, bench, Light},
		{"59.5% shows 60%", Book{MRR: 5950, Capacity: capacity}, bench, Typical},
		{"82%", Book{MRR: 8200, Capacity: capacity}, nil, Typical},
		{"83% below the benchmark's 25th percentile", Book{MRR: 8300, Capacity: capacity}, high, Typical},
		{"84%", Book{MRR: 8400, Capacity: capacity}, bench, Typical},
		{"100.4% shows 100%", Book{MRR: 10040, Capacity: capacity}, bench, Typical},
		{"100.5% shows 101%", Book{MRR: 10050, Capacity: capacity}, nil, Heavy},
		{"no capacity, under the 25th percentile", Book{MRR: 99}, bench, Light},
		{"no capacity, on the 25th percentile", Book{MRR: 100}, bench, Typical},
		{"no capacity, under the 75th percentile", Book{MRR: 299}, bench, Typical},
		{"no capacity, on the 75th percentile", Book{MRR: 300}, bench, Heavy},
		{"no capacity, no benchmark", Book{MRR: 300}, nil, SizeUnknown},
	} {
		if got := SizeOf(tc.book, tc.bench); got != tc.want {
			t.Errorf("%s: SizeOf = %v, want %v", tc.name, got, tc.want)
		}
	}
	// The same shown load always gets the same word, from 0% to 150%.
	words := map[int]Size{}
	for mrr := int64(0); mrr <= 15_000; mrr++ {
		b := Book{MRR: mrr, Capacity: capacity}
		load, _ := b.Load()
		p, s := load.Percent(), SizeOf(b, high)
		if w, ok := words[p]; ok && w != s {
			t.Fatalf("load %d%% is both %v and %v", p, w, s)
		}
		words[p] = s
	}
}

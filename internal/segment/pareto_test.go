package segment

import (
	"fmt"
	"testing"
)

// seedsMRRs are twenty accounts shaped like the seeds' example: the top
// 10% (2 accounts) carry 45% of MRR with a floor of 20,000; the next 20%
// (4 accounts) bring it to 75% with a floor of 6,000; the other 14
// carry 25%. The total is 100,000.
var seedsMRRs = []int64{
	600, 2500, 9000, 1800, 25000, 2400, 1000, 8000, 2300, 1400,
	20000, 2200, 7000, 2100, 1500, 6000, 2000, 1600, 1900, 1700,
}

func TestTopCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, pct, want int }{
		{2000, 10, 200}, {2000, 30, 600}, {100, 10, 10}, {101, 10, 11},
		{15, 10, 2}, {1, 10, 1}, {3, 33, 1}, {10, 100, 10}, {10, 150, 10},
		{0, 10, 0}, {7, 0, 0}, {-1, 10, 0},
	} {
		if got := TopCount(tc.n, tc.pct); got != tc.want {
			t.Errorf("TopCount(%d, %d) = %d, want %d", tc.n, tc.pct, got, tc.want)
		}
	}
}

func TestShare(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    Share
		pct  int
		frac float64
	}{
		{Share{455, 1000}, 46, 0.455}, {Share{454, 1000}, 45, 0.454}, {Share{1, 3}, 33, 1.0 / 3},
		{Share{2, 3}, 67, 2.0 / 3}, {Share{0, 0}, 0, 0}, {Share{5, 5}, 100, 1}, {Share{3, 2}, 150, 1.5},
	} {
		if got := tc.s.Percent(); got != tc.pct {
			t.Errorf("%v.Percent() = %d, want %d", tc.s, got, tc.pct)
		}
		if got := tc.s.Float(); got != tc.frac {
			t.Errorf("%v.Float() = %v, want %v", tc.s, got, tc.frac)
		}
	}
}

func TestFromMRRs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mrrs       []int64
		accounts   int
		total      int64
		top10      Mark
		top30      Mark
		wantPoints string
	}{
		{
			name: "five accounts, the non-paying left out", mrrs: []int64{100, 500, 200, 0, 300, -5, 400},
			accounts: 5, total: 1500,
			top10:      Mark{Percent: 10, Accounts: 1, MRR: 500, Share: Share{500, 1500}, Floor: 500, Exact: true},
			top30:      Mark{Percent: 30, Accounts: 2, MRR: 900, Share: Share{900, 1500}, Floor: 400, Exact: true},
			wantPoints: "[{0 0 0} {1 500 500} {2 900 400} {3 1200 300} {4 1400 200} {5 1500 100}]",
		},
		{
			name: "the seeds' shape", mrrs: seedsMRRs, accounts: 20, total: 100000,
			top10: Mark{Percent: 10, Accounts: 2, MRR: 45000, Share: Share{45000, 100000}, Floor: 20000, Exact: true},
			top30: Mark{Percent: 30, Accounts: 6, MRR: 75000, Share: Share{75000, 100000}, Floor: 6000, Exact: true},
		},
		{
			name: "ties", mrrs: []int64{100, 100, 100, 100}, accounts: 4, total: 400,
			top10:      Mark{Percent: 10, Accounts: 1, MRR: 100, Share: Share{100, 400}, Floor: 100, Exact: true},
			top30:      Mark{Percent: 30, Accounts: 2, MRR: 200, Share: Share{200, 400}, Floor: 100, Exact: true},
			wantPoints: "[{0 0 0} {1 100 100} {2 200 100} {3 300 100} {4 400 100}]",
		},
		{
			name: "nobody pays", mrrs: []int64{0, 0}, accounts: 0, total: 0,
			top10:      Mark{Percent: 10, Exact: true},
			top30:      Mark{Percent: 30, Exact: true},
			wantPoints: "[{0 0 0}]",
		},
		{
			name: "no accounts", mrrs: nil,
			top10: Mark{Percent: 10, Exact: true}, top30: Mark{Percent: 30, Exact: true}, wantPoints: "[{0 0 0}]",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := FromMRRs(tc.mrrs)
			if c.Accounts != tc.accounts || c.MRR != tc.total {
				t.Errorf("totals %d accounts, %d MRR; want %d, %d", c.Accounts, c.MRR, tc.accounts, tc.total)
			}
			if c.Empty() != (tc.accounts == 0) {
				t.Errorf("Empty() = %v", c.Empty())
			}
			if got := c.Top(10); got != tc.top10 {
				t.Errorf("Top(10) = %+v, want %+v", got, tc.top10)
			}
			if got := c.Top(30); got != tc.top30 {
				t.Errorf("Top(30) = %+v, want %+v", got, tc.top30)
			}
			if tc.wantPoints != "" {
				if got := fmt.Sprint(c.Points()); got != tc.wantPoints {
					t.Errorf("points %s, want %s", got, tc.wantPoints)
				}
			}
		})
	}
}

func TestSeedsTiers(t *testing.T) {
	t.Parallel()
	c := FromMRRs(seedsMRRs)
	got := c.Tiers(10, 30)
	want := []Tier{
		{FromPercent: 0, ToPercent: 10, Accounts: 2, MRR: 45000, Share: Share{45000, 100000}, Floor: 20000, Exact: true},
		{FromPercent: 10, ToPercent: 30, Accounts: 4, MRR: 30000, Share: Share{30000, 100000}, Floor: 6000, Exact: true},
		{FromPercent: 30, ToPercent: 100, Accounts: 14, MRR: 25000, Share: Share{25000, 100000}, Floor: 600, Exact: true},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("tiers\n got %+v\nwant %+v", got, want)
	}
	if p := []int{got[0].Share.Percent(), got[1].Share.Percent(), got[2].Share.Percent()}; fmt.Sprint(p) != "[45 30 25]" {
		t.Errorf("tier shares %v, want [45 30 25]", p)
	}
	// Cuts out of order or repeated are skipped, not doubled.
	if n := len(c.Tiers(30, 10, 30)); n != 2 {
		t.Errorf("Tiers(30, 10, 30) gave %d tiers, want 2 (0–30, 30–100)", n)
	}
}

func TestCurveFromBands(t *testing.T) {
	t.Parallel()
	// The seeds' accounts counted in three bands, as a database would.
	bands := []Band{{2, 45000}, {0, 0}, {4, 30000}, {14, 25000}}
	pts := Cumulate(bands)
	if fmt.Sprint(pts) != "[{2 45000 0} {6 75000 0} {20 100000 0}]" {
		t.Fatalf("cumulated %v", pts)
	}
	// The marks measured exactly, with their floors.
	pts = append(pts, Point{Accounts: 2, MRR: 45000, Floor: 20000}, Point{Accounts: 6, MRR: 75000, Floor: 6000})
	c, err := FromPoints(pts)
	if err != nil {
		t.Fatal(err)
	}
	if c.Accounts != 20 || c.MRR != 100000 {
		t.Fatalf("totals %d, %d", c.Accounts, c.MRR)
	}
	exact := FromMRRs(seedsMRRs)
	for _, pct := range []int{10, 30} {
		if got, want := c.Top(pct), exact.Top(pct); got != want {
			t.Errorf("Top(%d) from bands %+v, exact %+v", pct, got, want)
		}
	}
	// Between known points the curve is a straight line: the top 50% (10
	// accounts) is 4/14 of the way from 75,000 to 100,000: 82,142.86.
	half := c.Top(50)
	if half.Accounts != 10 || half.MRR != 82143 || half.Exact || half.Floor != 0 {
		t.Errorf("Top(50) = %+v, want 10 accounts, 82143, inexact, no floor", half)
	}
	if p, ok := c.At(-3); p != (Point{}) || !ok {
		t.Errorf("At(-3) = %+v %v", p, ok)
	}
	if p, ok := c.At(99); p.Accounts != 20 || p.MRR != 100000 || !ok {
		t.Errorf("At(99) = %+v %v", p, ok)
	}
	// The exact curve read between its own points agrees with itself.
	if p, ok := exact.At(7); !ok || p.MRR != 77500 || p.Floor != 2500 {
		t.Errorf("exact At(7) = %+v %v", p, ok)
	}
}

func TestFromPointsRefusesImpossibleCurves(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		pts  []Point
	}{
		{"MRR falls", []Point{{2, 100, 0}, {3, 50, 0}}},
		{"two totals for one count", []Point{{2, 100, 0}, {2, 200, 0}}},
		{"negative", []Point{{-1, 100, 0}}},
		{"top accounts pay nothing", []Point{{3, 0, 0}}},
	} {
		if _, err := FromPoints(tc.pts); err == nil {
			t.Errorf("%s: FromPoints(%v) accepted", tc.name, tc.pts)
		}
	}
	c, err := FromPoints(nil)
	if err != nil || !c.Empty() || fmt.Sprint(c.Points()) != "[{0 0 0}]" {
		t.Errorf("no points: %+v, %v", c, err)
	}
}

func TestBandFloors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		top     int64
		decades int
		want    string
	}{
		{123456, 1, "[100000 80000 63000 50000 40000 32000 25000 20000 16000 12500]"},
		{80000, 1, "[80000 63000 50000 40000 32000 25000 20000 16000 12500 10000]"},
		{79999, 1, "[63000 50000 40000 32000 25000 20000 16000 12500 10000 8000]"},
		{5, 2, "[5 4 3 2 1]"},
		{1, 6, "[1]"},
		{0, 6, "[]"},
		{100, 0, "[]"},
	} {
		if got := fmt.Sprint(BandFloors(tc.top, tc.decades)); got != tc.want {
			t.Errorf("BandFloors(%d, %d) = %s, want %s", tc.top, tc.decades, got, tc.want)
		}
	}
	// Six decades under $50,000.00 a month: sixty floors, strictly falling.
	fs := BandFloors(5_000_000, 6)
	if len(fs) != 60 || fs[0] != 5_000_000 || fs[59] != 6 {
		t.Fatalf("BandFloors(5,000,000, 6): %d floors, %d … %d", len(fs), fs[0], fs[len(fs)-1])
	}
	for i := 1; i < len(fs); i++ {
		if fs[i] >= fs[i-1] {
			t.Fatalf("floors not falling at %d: %v", i, fs)
		}
	}
}

func TestLocate(t *testing.T) {
	t.Parallel()
	bands := []Band{{2, 45000}, {0, 0}, {4, 30000}, {14, 25000}}
	for _, tc := range []struct {
		k     int
		i     int
		above Point
		ok    bool
	}{
		{0, 0, Point{}, false},
		{1, 0, Point{}, true},
		{2, 0, Point{}, true},
		{3, 2, Point{Accounts: 2, MRR: 45000}, true}, // the empty band is skipped
		{6, 2, Point{Accounts: 2, MRR: 45000}, true},
		{7, 3, Point{Accounts: 6, MRR: 75000}, true},
		{20, 3, Point{Accounts: 6, MRR: 75000}, true},
		{21, 0, Point{}, false},
	} {
		i, above, ok := Locate(bands, tc.k)
		if i != tc.i || above != tc.above || ok != tc.ok {
			t.Errorf("Locate(%d) = %d, %+v, %v; want %d, %+v, %v", tc.k, i, above, ok, tc.i, tc.above, tc.ok)
		}
	}
}

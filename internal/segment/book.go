package segment

import (
	"cmp"
	"slices"
)

// Book is one CSM's book of business: the accounts they own and what
// those pay. Books are sized by ARR, not by account count.
type Book struct {
	// Owner is the CSM's email; "" collects the accounts nobody owns.
	Owner string
	Name  string
	// Accounts and AtRisk count the customers in the book
	// (customer.IsCustomer: churned accounts and prospects left out) and
	// those of them at risk.
	Accounts, AtRisk int
	// MRR is what the book's accounts pay a month, in the reporting
	// currency.
	MRR int64
	// Capacity is the ARR the CSM is sized to carry; 0 when not set.
	Capacity int64
}

// ARR is the book's annual recurring revenue: twelve times its MRR.
func (b Book) ARR() int64 { return 12 * b.MRR }

// Load is the book's ARR as a share of the CSM's capacity; ok is false
// when no capacity is set.
func (b Book) Load() (s Share, ok bool) {
	if b.Capacity <= 0 {
		return Share{}, false
	}
	return Share{b.ARR(), b.Capacity}, true
}

// SortBooks orders books largest ARR first (then by name, then by email),
// with the unowned accounts, if any, last.
func SortBooks(books []Book) {
	slices.SortStableFunc(books, func(x, y Book) int {
		if (x.Owner == "") != (y.Owner == "") {
			if x.Owner == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(y.MRR, x.MRR), cmp.Compare(x.Name, y.Name), cmp.Compare(x.Owner, y.Owner))
	})
}

// Coverage sums the books that have an owner: how many CSMs carry
// accounts, and the median and mean ARR they carry (minor units; the
// median of an even count is the mean of the middle two, rounded down).
type Coverage struct {
	CSMs       int
	Accounts   int
	ARR        int64
	MedianARR  int64
	MeanARR    int64
	Unassigned Book // the accounts no CSM owns
}

// Cover summarises books. Books with no account and no MRR (a CSM whose
// accounts all churned) do not count as carrying a book.
func Cover(books []Book) Coverage {
	var c Coverage
	var arrs []int64
	for _, b := range books {
		if b.Owner == "" {
			c.Unassigned.Accounts += b.Accounts
			c.Unassigned.AtRisk += b.AtRisk
			c.Unassigned.MRR += b.MRR
			continue
		}
		if b.Accounts == 0 && b.MRR == 0 {
			continue
		}
		c.CSMs++
		c.Accounts += b.Accounts
		c.ARR += b.ARR()
		arrs = append(arrs, b.ARR())
	}
	if n := len(arrs); n > 0 {
		slices.Sort(arrs)
		c.MedianARR = arrs[n/2]
		if n%2 == 0 {
			c.MedianARR = (arrs[n/2-1] + arrs[n/2]) / 2
		}
		c.MeanARR = c.ARR / int64(n)
	}
	return c
}

// Benchmark is the staffing benchmark for one kind of company: ARR carried
// per CSM at the 25th, 50th and 75th percentile of CS teams surveyed, in
// US cents (the survey is in dollars).
type Benchmark struct {
	// Basis is what the company is classed by ("ACV" or "company ARR");
	// Band names its class ("Solution ($25K–$75K ACV)").
	Basis, Band   string
	P25, P50, P75 int64
}

const (
	kUSD = 100 * 1000        // $1K in cents
	mUSD = 100 * 1000 * 1000 // $1M in cents
)

// m is tenths of a million dollars in cents: m(18) is $1.8M.
func m(tenths int64) int64 { return tenths * mUSD / 10 }

// ByACV is the staffing benchmark for a company whose average annual
// contract value is acv (US cents): transactional under $25K,
// solution from $25K to $75K, consultative over $75K.
func ByACV(acv int64) Benchmark {
	switch {
	case acv < 25*kUSD:
		return Benchmark{"ACV", "Transactional (ACV under $25K)", m(18), m(38), m(78)}
	case acv <= 75*kUSD:
		return Benchmark{"ACV", "Solution (ACV $25K–$75K)", m(10), m(16), m(32)}
	default:
		return Benchmark{"ACV", "Consultative (ACV over $75K)", m(20), m(32), m(57)}
	}
}

// ByCompanyARR is the staffing benchmark for a company with total ARR arr
// (US cents), in the survey's bands: up to $10M, $10–20M, $20–50M,
// $50–100M and over $100M, each band including its upper bound.
func ByCompanyARR(arr int64) Benchmark {
	switch {
	case arr <= 10*mUSD:
		return Benchmark{"company ARR", "Company ARR up to $10M", m(14), m(20), m(28)}
	case arr <= 20*mUSD:
		return Benchmark{"company ARR", "Company ARR $10M–$20M", m(12), m(23), m(45)}
	case arr <= 50*mUSD:
		return Benchmark{"company ARR", "Company ARR $20M–$50M", m(22), m(33), m(59)}
	case arr <= 100*mUSD:
		return Benchmark{"company ARR", "Company ARR $50M–$100M", m(24), m(51), m(86)}
	default:
		return Benchmark{"company ARR", "Company ARR over $100M", m(45), m(90), m(248)}
	}
}

// Quartile says where an ARR per CSM falls against a benchmark.
type Quartile int

// Where a book falls against the benchmark.
const (
	BelowP25 Quartile = iota // lighter than three teams in four
	P25toP50                 // between the 25th percentile and the median
	P50toP75                 // between the median and the 75th percentile
	AboveP75                 // heavier than three teams in four
)

// Place says where arr falls against b. A value on a percentile counts
// in the band above it.
func (b Benchmark) Place(arr int64) Quartile {
	switch {
	case arr < b.P25:
		return BelowP25
	case arr < b.P50:
		return P25toP50
	case arr < b.P75:
		return P50toP75
	default:
		return AboveP75
	}
}

// String words the quartile for people.
func (q Quartile) String() string {
	switch q {
	case BelowP25:
		return "below the 25th percentile"
	case P25toP50:
		return "25th–50th percentile"
	case P50toP75:
		return "50th–75th percentile"
	default:
		return "above the 75th percentile"
	}
}

// ACV is the average annual contract value: ARR over the paying accounts
// (0 when none pay).
func ACV(arr int64, accounts int) int64 {
	if accounts <= 0 {
		return 0
	}
	return arr / int64(accounts)
}

// Size is how full a book is, in one word for a table: light (room for
// more), typical, or heavy (a CSM stretched too thin).
type Size int

// Book sizes. SizeUnknown is a book with nothing to measure it against.
const (
	SizeUnknown Size = iota
	Light
	Typical
	Heavy
)

// String is the size's word, as the dashboard shows it.
func (s Size) String() string {
	switch s {
	case Light:
		return "Light"
	case Typical:
		return "Typical"
	case Heavy:
		return "Heavy"
	default:
		return "Unknown"
	}
}

// The loads, in whole percent of a CSM's capacity, that bound a typical
// book: under LightBelow is light, over HeavyAbove heavy.
const (
	LightBelow = 60
	HeavyAbove = 100
)

// SizeOf is the one rule that sizes a book. A CSM's own capacity, when
// set, decides: the load in whole percent, rounded as it is shown, is
// light under LightBelow, heavy over HeavyAbove and typical from one to
// the other, both included — so two books showing the same load always
// get the same word. A book with no capacity is set against the staffing
// benchmark bench, when there is one (nil: none): light under its 25th
// percentile, heavy from its 75th, typical between.
func SizeOf(b Book, bench *Benchmark) Size {
	if load, ok := b.Load(); ok {
		switch p := load.Percent(); {
		case p < LightBelow:
			return Light
		case p > HeavyAbove:
			return Heavy
		default:
			return Typical
		}
	}
	if bench == nil {
		return SizeUnknown
	}
	switch bench.Place(b.ARR()) {
	case BelowP25:
		return Light
	case AboveP75:
		return Heavy
	default:
		return Typical
	}
}

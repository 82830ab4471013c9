package revenue

import (
	"fmt"
	"strconv"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
)

// NoSlice is the slice of an account whose key is empty (no tier, no CSM…).
const NoSlice = "(none)"

// dimKind says where a dimension's slices come from.
type dimKind uint8

const (
	dimAccount dimKind = iota // Key / KeyAt of the account
	dimProduct                // the product line
	dimCohort                 // the month the account started
)

// Dimension splits the book into slices: every account (or, for the
// product dimension, every product line) belongs to exactly one slice of
// it for a given period.
//
// An account is counted in the slice it belonged to at the start of the
// period for the whole period, even if its attribute changes during it —
// so the period's starting MRR, its movements and its ending MRR all refer
// to the same set of accounts, and the waterfall identity holds in every
// slice. Attributes kept without history (Key) are the same in every
// period; attributes with history give KeyAt, which is asked for the value
// on the period's first day.
type Dimension struct {
	// Name names the dimension ("tier", "region", …).
	Name string
	// Key is the account's slice. An empty key is reported as NoSlice.
	Key func(account int64) string
	// KeyAt, when set, is used instead of Key: the account's slice on day
	// d, the first day of the period being measured.
	KeyAt func(account int64, d civil.Date) string

	kind  dimKind
	since func(account int64) civil.Date
}

// All is the dimension with one slice, "all": the whole book.
func All() Dimension {
	return Dimension{Name: "all", Key: func(int64) string { return "all" }}
}

// ByAccount is a dimension over an account attribute without history.
func ByAccount(name string, key func(account int64) string) Dimension {
	return Dimension{Name: name, Key: key}
}

// ByProduct slices by product line: each slice is one product's wallet.
// Its movements are the product view (a line dropped by a continuing
// account is churn here), and its customers are the accounts paying for
// the product.
func ByProduct() Dimension { return Dimension{Name: "product", kind: dimProduct} }

// ByCohort slices accounts by the month they became customers, as
// "YYYY-MM". since gives that day (e.g. Account.CustomerSince); when it is
// nil or returns the zero Date, the account's first paid day in the book is
// used.
func ByCohort(since func(account int64) civil.Date) Dimension {
	return Dimension{Name: "cohort", kind: dimCohort, since: since}
}

// DimensionNames lists the dimensions DimensionByName knows.
var DimensionNames = []string{"all", "tier", "touch_model", "industry", "region", "csm", "lifecycle", "product", "cohort"}

// DimensionByName is the named standard dimension over accounts (their
// current attribute values; Tend keeps no attribute history yet). "cohort"
// is the month of the first paid day, as in the cohort table (CohortBasis).
func DimensionByName(name string, accounts []customer.Account) (Dimension, error) {
	attr := func(get func(a *customer.Account) string) Dimension {
		m := make(map[int64]string, len(accounts))
		for i := range accounts {
			m[accounts[i].ID] = get(&accounts[i])
		}
		return ByAccount(name, func(id int64) string { return m[id] })
	}
	switch name {
	case "all":
		return All(), nil
	case "tier":
		return attr(func(a *customer.Account) string { return a.Tier }), nil
	case "touch_model":
		return attr(func(a *customer.Account) string { return a.TouchModel }), nil
	case "industry":
		return attr(func(a *customer.Account) string { return a.Industry }), nil
	case "region":
		return attr(func(a *customer.Account) string { return a.Region }), nil
	case "lifecycle":
		return attr(func(a *customer.Account) string { return a.Lifecycle }), nil
	case "csm":
		return attr(func(a *customer.Account) string {
			switch {
			case a.CSMEmail != "":
				return a.CSMEmail
			case a.CSMID != 0:
				return strconv.FormatInt(a.CSMID, 10)
			}
			return ""
		}), nil
	case "product":
		return ByProduct(), nil
	case "cohort":
		return ByCohort(nil), nil
	}
	return Dimension{}, fmt.Errorf("%q is not a dimension (want one of %v)", name, DimensionNames)
}

// interner numbers slice names in order of first appearance.
type interner struct {
	idx   map[string]int32
	names []string
	last  string
	lastI int32
}

func newInterner() *interner { return &interner{idx: map[string]int32{}, lastI: -1} }

func (in *interner) id(s string) int32 {
	if s == "" {
		s = NoSlice
	}
	if in.lastI >= 0 && s == in.last {
		return in.lastI
	}
	i, ok := in.idx[s]
	if !ok {
		i = int32(len(in.names))
		in.idx[s] = i
		in.names = append(in.names, s)
	}
	in.last, in.lastI = s, i
	return i
}

// resolved is a dimension with every account's slice looked up once.
type resolved struct {
	name    string
	product bool
	keys    []string
	static  []int32 // slice of account a
	dynamic []int32 // slice of account a in sorted period q: dynamic[q*nA+a]
}

// resolve looks up the slices of every account (per period for KeyAt).
func (b *Book) resolve(d Dimension, periods []Period) *resolved {
	r := &resolved{name: d.Name}
	in := newInterner()
	switch {
	case d.kind == dimProduct:
		r.product = true
		r.keys = b.products
		return r
	case d.kind == dimCohort:
		r.static = make([]int32, len(b.ids))
		byMonth := map[int]int32{}
		for a, id := range b.ids {
			var since civil.Date
			if d.since != nil {
				since = d.since(id)
			}
			if since.IsZero() && b.acctSteps[a] < b.acctSteps[a+1] {
				since = dateOf(b.as.day[b.acctSteps[a]])
			}
			if since.IsZero() {
				r.static[a] = in.id("")
				continue
			}
			m := since.Year*12 + int(since.Month) - 1
			k, ok := byMonth[m]
			if !ok {
				k = in.id(fmt.Sprintf("%04d-%02d", since.Year, int(since.Month)))
				byMonth[m] = k
			}
			r.static[a] = k
		}
	case d.KeyAt != nil:
		r.dynamic = make([]int32, len(periods)*len(b.ids))
		for q, p := range periods {
			for a, id := range b.ids {
				r.dynamic[q*len(b.ids)+a] = in.id(d.KeyAt(id, p.From))
			}
		}
	default:
		key := d.Key
		if key == nil {
			key = func(int64) string { return "all" }
		}
		r.static = make([]int32, len(b.ids))
		for a, id := range b.ids {
			r.static[a] = in.id(key(id))
		}
	}
	r.keys = in.names
	return r
}

// slice is the slice index of account a in sorted period q.
func (r *resolved) slice(q, a, nA int) int32 {
	if r.static != nil {
		return r.static[a]
	}
	return r.dynamic[q*nA+a]
}

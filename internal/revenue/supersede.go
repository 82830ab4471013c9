package revenue

import (
	"cmp"
	"slices"

	"github.com/tendhq/tend/internal/customer"
)

// Supersede reads rows as successive versions of one subscription per
// product line rather than as concurrent subscriptions: each paid row ends,
// at the latest, when the next paid row of the same account and product
// starts (trials and zero-MRR rows neither end nor get ended). Build adds
// up overlapping rows, which is right for a billing system that keeps
// mid-term add-ons as rows of their own; exports where every change of
// plan or seats is a new row that leaves the old one open need this first.
// It returns new rows; subs is not changed.
func Supersede(subs []customer.Subscription) []customer.Subscription {
	out := slices.Clone(subs)
	idx := make([]int, 0, len(out))
	for i := range out {
		if !out[i].Trial && out[i].MRR != 0 && !out[i].StartOn.IsZero() {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(x, y int) int {
		a, b := &out[x], &out[y]
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.Product, b.Product), cmp.Compare(dayOf(a.StartOn), dayOf(b.StartOn)))
	})
	for k := 0; k+1 < len(idx); k++ {
		cur, next := &out[idx[k]], &out[idx[k+1]]
		if cur.AccountID != next.AccountID || cur.Product != next.Product {
			continue
		}
		if cur.EndOn.IsZero() || next.StartOn.Before(cur.EndOn) {
			cur.EndOn = next.StartOn
			if cur.Status != customer.SubEnded {
				cur.Status = customer.SubEnded
			}
		}
	}
	return out
}

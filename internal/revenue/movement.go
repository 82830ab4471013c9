package revenue

import (
	"fmt"

	"github.com/tendhq/tend/internal/civil"
)

// Kind is the kind of an MRR movement.
type Kind uint8

// The kinds of movement. Every change of an account's (or a product line's)
// MRR is exactly one of these.
const (
	// New: MRR from zero, for the first time, or after more than the
	// reactivation window since the last churn. In the product view a new
	// line of an existing account is New for the product (a cross-sell) and
	// Expansion for the account.
	New Kind = iota + 1
	// Expansion: MRR up while already paying.
	Expansion
	// Contraction: MRR down but not to zero (a downsell, or a product line
	// dropped while others continue).
	Contraction
	// Churn: MRR to zero, recognised at the end of the paid period.
	Churn
	// Reactivation: MRR from zero within the reactivation window after a
	// churn.
	Reactivation
)

// Kinds lists the movement kinds in waterfall order.
var Kinds = []Kind{New, Expansion, Contraction, Churn, Reactivation}

var kindNames = [...]string{"", "new", "expansion", "contraction", "churn", "reactivation"}

// String is the kind's name: new, expansion, contraction, churn or
// reactivation.
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if i > 0 && n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("%q is not a movement kind (want new, expansion, contraction, churn or reactivation)", b)
}

// Movement is one entry of the MRR ledger: on Date the MRR of an account
// (account view) or of one product line of an account (product view) went
// from From to To. Amounts are minor units of the reporting currency.
//
// In the account view all of an account's changes on one day are netted
// into one movement; Product then names the product line that changed, or
// is "" when several lines changed that day (see the product view for
// them).
type Movement struct {
	Date    civil.Date `json:"date"`
	Account int64      `json:"account_id"`
	Product string     `json:"product"`
	Kind    Kind       `json:"kind"`
	From    int64      `json:"from"`
	To      int64      `json:"to"`
}

// Amount is the signed change, To − From.
func (m Movement) Amount() int64 { return m.To - m.From }

// Step is one point of an MRR timeline: from Date on (until the next step)
// MRR is the amount in force.
type Step struct {
	Date civil.Date `json:"date"`
	MRR  int64      `json:"mrr"`
}

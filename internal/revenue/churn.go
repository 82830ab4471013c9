package revenue

import (
	"cmp"
	"slices"
	"strings"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/validate"
)

// Reason is why an account or a product line churned.
type Reason string

// The churn reasons (domain.md).
const (
	ReasonPoorAdoption  Reason = "poor_adoption"   // never got value: low usage, stalled onboarding
	ReasonProductFit    Reason = "product_fit"     // a gap or misfit in the product
	ReasonPrice         Reason = "price"           // too expensive for the value
	ReasonCompetitor    Reason = "competitor"      // left for a competitor
	ReasonBudget        Reason = "budget"          // budget cut
	ReasonMAndA         Reason = "m_and_a"         // acquired or merged
	ReasonRestructuring Reason = "restructuring"   // reorganised, team or unit gone
	ReasonBankruptcy    Reason = "bankruptcy"      // out of business
	ReasonKeyPersonLeft Reason = "key_person_left" // champion or sponsor left
	ReasonOther         Reason = "other"           // none of the above (say why in the note)
	// ReasonUnknown marks a churn with no churn record; it is not a
	// reason a record may carry.
	ReasonUnknown Reason = "unknown"
)

// Reasons lists the churn reasons a record may carry, in reporting order.
var Reasons = []Reason{ReasonPoorAdoption, ReasonProductFit, ReasonPrice, ReasonCompetitor, ReasonBudget,
	ReasonMAndA, ReasonRestructuring, ReasonBankruptcy, ReasonKeyPersonLeft, ReasonOther}

// ParseReason reads a reason in the taxonomy's spelling or a common
// alias ("product gap", "acquired", "M&A"), case-insensitively. The
// taxonomy and its aliases are customer.ChurnReasons, so stored records
// Label names the reason for people, as every surface shows it: "Poor
// adoption", "M&A", "No reason recorded".
func (r Reason) Label() string {
	switch r {
	case ReasonMAndA:
		return "M&A"
	case ReasonProductFit:
		return "Product fit or gap"
	case ReasonUnknown:
		return "No reason recorded"
	case "":
		return ""
	}
	s := strings.ReplaceAll(string(r), "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// and the core read reasons alike.
func ParseReason(s string) (Reason, bool) {
	r, ok := customer.ParseChurnReason(s)
	return Reason(r), ok
}

// HardToAffect reports whether CS could hardly have prevented churn for
// this reason: M&A, restructuring, bankruptcy.
func (r Reason) HardToAffect() bool {
	return r == ReasonMAndA || r == ReasonRestructuring || r == ReasonBankruptcy
}

// ChurnRecord says why an account (Product "") or one of its product
// lines churned. Controllable defaults to !Reason.HardToAffect() where the
// record is made; it is kept as given so a team can judge case by case.
type ChurnRecord struct {
	AccountID    int64      `json:"account_id"`
	Product      string     `json:"product"`
	Date         civil.Date `json:"date"`
	Reason       Reason     `json:"reason"`
	Controllable bool       `json:"controllable"`
	Note         string     `json:"note"`
}

// Check normalises the record (a known alias becomes its reason) and
// reports every problem with it.
func (c *ChurnRecord) Check() error {
	var errs validate.Errors
	c.Product = strings.TrimSpace(c.Product)
	if c.AccountID <= 0 {
		errs.Add("account_id", "required", "is required")
	}
	if c.Date.IsZero() {
		errs.Add("date", "required", "is required")
	}
	if r, ok := ParseReason(string(c.Reason)); ok {
		c.Reason = r
	} else {
		names := make([]string, len(Reasons))
		for i, r := range Reasons {
			names[i] = string(r)
		}
		errs.OneOf("reason", string(c.Reason), names)
	}
	return errs.Err()
}

// ChurnEvent is one churn of the ledger with the reason recorded for it:
// an account's churn (Product "") or the churn of one product line of an
// account that stayed.
type ChurnEvent struct {
	Account      int64      `json:"account_id"`
	Product      string     `json:"product"`
	Date         civil.Date `json:"date"`
	MRR          int64      `json:"mrr"` // lost
	Reason       Reason     `json:"reason"`
	Controllable bool       `json:"controllable"`
}

// RecordWindow is how far (in days) a churn record's date may be from the
// ledger's churn date and still explain it: records are written when the
// customer says so, the ledger recognises churn at the end of the term.
const RecordWindow = 180

// ChurnEvents lists the churns dated in period p — accounts that churned,
// and product lines churned by accounts that stayed — each explained by
// the nearest record (within RecordWindow days) of the same account and
// product; an account's churn falls back to a record naming any of its
// products. Churns without a record have ReasonUnknown and count as
// controllable.
func (b *Book) ChurnEvents(p Period, records []ChurnRecord) []ChurnEvent {
	byAcct := map[int64][]*ChurnRecord{}
	for i := range records {
		r := &records[i]
		byAcct[r.AccountID] = append(byAcct[r.AccountID], r)
	}
	from, to := dayOf(p.From), dayOf(p.To)
	var out []ChurnEvent
	for a, id := range b.ids {
		lo, hi := b.acctSteps[a], b.acctSteps[a+1]
		var churnDays []day
		for k := lo; k < hi; k++ {
			if d := b.as.day[k]; d >= from && d < to && b.as.kind[k] == Churn {
				churnDays = append(churnDays, d)
				out = append(out, explain(ChurnEvent{Account: id, Date: dateOf(d), MRR: b.as.mrr[k-1]}, byAcct[id]))
			}
		}
		for l := b.acctLines[a]; l < b.acctLines[a+1]; l++ {
			llo, lhi := b.lineSteps[l], b.lineSteps[l+1]
			for k := llo; k < lhi; k++ {
				if d := b.ls.day[k]; d >= from && d < to && b.ls.kind[k] == Churn && !slices.Contains(churnDays, d) {
					ev := ChurnEvent{Account: id, Product: b.products[b.lines[l].prod], Date: dateOf(d), MRR: b.ls.mrr[k-1]}
					out = append(out, explain(ev, byAcct[id]))
				}
			}
		}
	}
	slices.SortFunc(out, func(x, y ChurnEvent) int {
		return cmp.Or(cmp.Compare(dayOf(x.Date), dayOf(y.Date)), cmp.Compare(x.Account, y.Account), cmp.Compare(x.Product, y.Product))
	})
	return out
}

// explain attaches the best record to ev.
func explain(ev ChurnEvent, recs []*ChurnRecord) ChurnEvent {
	d := dayOf(ev.Date)
	var best *ChurnRecord
	bestScore := int64(1 << 62)
	for _, r := range recs {
		gap := int64(d - dayOf(r.Date))
		if gap < 0 {
			gap = -gap
		}
		if gap > RecordWindow {
			continue
		}
		score := gap
		if r.Product != ev.Product {
			if ev.Product != "" {
				continue // a product line needs a record of its own
			}
			score += 1 << 32 // an account's churn prefers a whole-account record
		}
		if score < bestScore {
			best, bestScore = r, score
		}
	}
	ev.Reason, ev.Controllable = ReasonUnknown, true
	if best != nil {
		ev.Reason, ev.Controllable = best.Reason, best.Controllable
	}
	return ev
}

// ReasonShare is one reason's share of churn.
type ReasonShare struct {
	Reason   Reason  `json:"reason"`
	Count    int     `json:"count"`
	MRR      int64   `json:"mrr"`
	Accounts []int64 `json:"accounts"`  // ascending, each once
	Share    Ratio   `json:"share"`     // of the churns
	MRRShare Ratio   `json:"mrr_share"` // of the MRR lost
}

// ChurnAnalysis is the make-up of churn in one slice: by reason, and the
// shares that were controllable and hard to affect.
type ChurnAnalysis struct {
	Slice        string        `json:"slice"`
	Count        int           `json:"count"`
	MRR          int64         `json:"mrr"`
	Reasons      []ReasonShare `json:"reasons"` // taxonomy order, then unknown; only reasons seen
	Controllable ReasonShare   `json:"controllable"`
	HardToAffect ReasonShare   `json:"hard_to_affect"` // M&A, restructuring, bankruptcy
}

// AnalyseChurn sums churn events by reason.
func AnalyseChurn(slice string, events []ChurnEvent) ChurnAnalysis {
	out := ChurnAnalysis{Slice: slice, Controllable: ReasonShare{Reason: "controllable"}, HardToAffect: ReasonShare{Reason: "hard_to_affect"}}
	by := map[Reason]*ReasonShare{}
	for _, ev := range events {
		out.Count++
		out.MRR += ev.MRR
		rs := by[ev.Reason]
		if rs == nil {
			rs = &ReasonShare{Reason: ev.Reason}
			by[ev.Reason] = rs
		}
		tally := func(rs *ReasonShare) {
			rs.Count++
			rs.MRR += ev.MRR
			rs.Accounts = append(rs.Accounts, ev.Account)
		}
		tally(rs)
		if ev.Controllable {
			tally(&out.Controllable)
		}
		if ev.Reason.HardToAffect() {
			tally(&out.HardToAffect)
		}
	}
	for _, r := range append(slices.Clone(Reasons), ReasonUnknown) {
		if rs := by[r]; rs != nil {
			out.Reasons = append(out.Reasons, *rs)
		}
	}
	for _, rs := range append([]*ReasonShare{&out.Controllable, &out.HardToAffect}, ptrs(out.Reasons)...) {
		slices.Sort(rs.Accounts)
		rs.Accounts = slices.Compact(rs.Accounts)
		rs.Share, rs.MRRShare = Ratio{int64(rs.Count), int64(out.Count)}, Ratio{rs.MRR, out.MRR}
	}
	return out
}

func ptrs(rs []ReasonShare) []*ReasonShare {
	out := make([]*ReasonShare, len(rs))
	for i := range rs {
		out[i] = &rs[i]
	}
	return out
}

// ReasonShares is the make-up of the records alone, by count (for when
// there is no ledger to weigh them by MRR).
func ReasonShares(records []ChurnRecord) []ReasonShare {
	events := make([]ChurnEvent, len(records))
	for i, r := range records {
		events[i] = ChurnEvent{Account: r.AccountID, Product: r.Product, Date: r.Date, Reason: r.Reason, Controllable: r.Controllable}
	}
	return AnalyseChurn("all", events).Reasons
}

// ChurnBySlice analyses the churn of period p by slice of dimension d
// (churn by industry, by segment, by CSM…): each event counts in its
// account's slice at the period's start; for the product dimension every
// product line's churn counts in its product's slice, whether or not the
// account stayed.
func (b *Book) ChurnBySlice(p Period, records []ChurnRecord, d Dimension) []ChurnAnalysis {
	var out []ChurnAnalysis
	for s, evs := range b.churnsBySlice(p, records, d) {
		out = append(out, AnalyseChurn(s, evs))
	}
	slices.SortFunc(out, func(x, y ChurnAnalysis) int { return cmp.Compare(x.Slice, y.Slice) })
	return out
}

// ChurnEventsIn lists the churn events ChurnBySlice counts in one slice
// of d, by date, then account, then product: the drill-down behind a
// slice's churn analysis.
func (b *Book) ChurnEventsIn(p Period, records []ChurnRecord, d Dimension, slice string) []ChurnEvent {
	out := b.churnsBySlice(p, records, d)[slice]
	slices.SortFunc(out, func(x, y ChurnEvent) int {
		return cmp.Or(cmp.Compare(dayOf(x.Date), dayOf(y.Date)), cmp.Compare(x.Account, y.Account), cmp.Compare(x.Product, y.Product))
	})
	return out
}

// churnsBySlice groups the period's churn events by slice of d.
func (b *Book) churnsBySlice(p Period, records []ChurnRecord, d Dimension) map[string][]ChurnEvent {
	r := b.resolve(d, []Period{p})
	bySlice := map[string][]ChurnEvent{}
	if r.product {
		for _, ev := range b.productChurns(p, records) {
			bySlice[ev.Product] = append(bySlice[ev.Product], ev)
		}
	} else {
		for _, ev := range b.ChurnEvents(p, records) {
			key := r.keys[r.slice(0, int(b.acct(ev.Account)), len(b.ids))]
			bySlice[key] = append(bySlice[key], ev)
		}
	}
	return bySlice
}

// productChurns is every product line's churn in p, explained.
func (b *Book) productChurns(p Period, records []ChurnRecord) []ChurnEvent {
	byAcct := map[int64][]*ChurnRecord{}
	for i := range records {
		byAcct[records[i].AccountID] = append(byAcct[records[i].AccountID], &records[i])
	}
	from, to := dayOf(p.From), dayOf(p.To)
	var out []ChurnEvent
	for l, ln := range b.lines {
		id := b.ids[ln.acct]
		for k := b.lineSteps[l]; k < b.lineSteps[l+1]; k++ {
			if d := b.ls.day[k]; d >= from && d < to && b.ls.kind[k] == Churn {
				ev := explain(ChurnEvent{Account: id, Product: b.products[ln.prod], Date: dateOf(d), MRR: b.ls.mrr[k-1]}, byAcct[id])
				if ev.Reason == ReasonUnknown { // the whole account's record explains its lines too
					acctEv := explain(ChurnEvent{Account: id, Date: ev.Date}, byAcct[id])
					ev.Reason, ev.Controllable = acctEv.Reason, acctEv.Controllable
				}
				out = append(out, ev)
			}
		}
	}
	return out
}

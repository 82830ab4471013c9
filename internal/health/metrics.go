package health

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tendhq/tend/internal/civil"
)

// MetricID indexes the metric catalogue and Values.
type MetricID uint8

// The built-in metrics. Their order is the catalogue's order.
const (
	NPSLatest MetricID = iota
	NPSAverage
	CSATAverage
	CESAverage
	WouldRenew
	UsageDAU
	UsageWAU
	UsageMAU
	UsageEvents30d
	UsageFeaturesUsed30d
	UsageHighValueUsers
	UsageStickiness
	UsageSeatUtilisation
	UsageBreadth
	UsageDepth
	UsageTrend
	Tickets30d
	OpenTickets
	Escalations90d
	AvgResolutionDays
	DaysOverdue
	MRRTrend90d
	DaysToRenewal
	TenureDays
	KeyContactsLeft90d
	ChampionPresent
	SponsorPresent
	DaysSinceCSMTouch
	QBR90d
	SuccessPlan
	PulseMetric
	numMetrics
)

// Metric describes one built-in account metric: the name formulas and
// scorecards use, its unit, the window it is computed over and what it
// means.
type Metric struct {
	ID          MetricID `json:"-"`
	Name        string   `json:"name"`
	Unit        string   `json:"unit"`
	Window      string   `json:"window"`
	Description string   `json:"description"`
}

// Windows of the dated metrics, in days.
const (
	surveyWindow  = 365
	ticketWindow  = 30
	escalWindow   = 90
	resolveWindow = 90
	mrrWindow     = 90
	peopleWindow  = 90
	qbrWindow     = 90
)

var catalogue = [numMetrics]Metric{
	{NPSLatest, "nps.latest", "score 0–10", "latest answer", "The account's most recent NPS answer (the mean when several were given that day)."},
	{NPSAverage, "nps.average", "score 0–10", "365 days", "Mean of the NPS answers of the last 365 days."},
	{CSATAverage, "csat.average", "score 1–5", "365 days", "Mean of the CSAT survey answers of the last 365 days."},
	{CESAverage, "ces.average", "score 1–7", "365 days", "Mean Customer Effort Score of the last 365 days (higher is more effort)."},
	{WouldRenew, "survey.would_renew", "1 yes, 0 no", "latest answer", "The latest answer to \"would you renew today?\"."},
	{UsageDAU, "usage.dau", "users", "the day", "Users active on the day (internal/usage)."},
	{UsageWAU, "usage.wau", "users", "7 days", "Users active in the 7 days ending the day."},
	{UsageMAU, "usage.mau", "users", "30 days", "Users active in the 30 days ending the day."},
	{UsageEvents30d, "usage.events_30d", "events", "30 days", "Usage events in the 30 days ending the day."},
	{UsageFeaturesUsed30d, "usage.features_used_30d", "features", "30 days", "Catalogue features used in the 30 days ending the day."},
	{UsageHighValueUsers, "usage.high_value_users", "users", "30 days", "Active users who used a high-value feature."},
	{UsageStickiness, "usage.stickiness", "ratio 0–1", "30 days", "Average DAU over the window ÷ MAU."},
	{UsageSeatUtilisation, "usage.seat_utilisation", "ratio", "30 days", "MAU ÷ licensed seats (missing without seats)."},
	{UsageBreadth, "usage.breadth", "ratio 0–1", "30 days", "Features used ÷ features defined."},
	{UsageDepth, "usage.depth", "ratio 0–1", "30 days", "High-value users ÷ MAU."},
	{UsageTrend, "usage.trend", "ratio", "30 days vs the 30 before", "(events − previous events) ÷ previous events."},
	{Tickets30d, "support.tickets_30d", "tickets", "30 days", "Support tickets opened in the last 30 days."},
	{OpenTickets, "support.open_tickets", "tickets", "the day", "Tickets open on the day."},
	{Escalations90d, "support.escalations_90d", "tickets", "90 days", "Tickets escalated in the last 90 days."},
	{AvgResolutionDays, "support.avg_resolution_days", "days", "90 days", "Mean days from opening to closing of the tickets closed in the last 90 days."},
	{DaysOverdue, "billing.days_overdue", "days", "the day", "Days the oldest unpaid invoice is past due (0 when none is; missing with no invoice issued yet)."},
	{MRRTrend90d, "revenue.mrr_trend_90d", "ratio", "90 days", "(MRR on the day − MRR 90 days before) ÷ MRR 90 days before, in USD."},
	{DaysToRenewal, "renewal.days_to", "days", "the day", "Days from the day to the next renewal as stored today (missing when none or past). Not for backtests: today's renewal date is later knowledge."},
	{TenureDays, "account.tenure_days", "days", "the day", "Days since the account became a customer."},
	{KeyContactsLeft90d, "people.key_contacts_left_90d", "contacts", "90 days", "Key contacts (champion, economic buyer, decision maker, executive, power user) who left in the last 90 days."},
	{ChampionPresent, "people.champion_present", "1 yes, 0 no", "the day", "A champion is at the account (missing when no contact is known)."},
	{SponsorPresent, "people.sponsor_present", "1 yes, 0 no", "the day", "An economic buyer or executive is at the account (missing when no contact is known)."},
	{DaysSinceCSMTouch, "engagement.days_since_csm_touch", "days", "the day", "Days since the account's CSM last logged a note, call, meeting, email, QBR, EBR or visit (missing when never)."},
	{QBR90d, "engagement.qbr_90d", "1 yes, 0 no", "90 days", "A QBR or EBR was held in the last 90 days."},
	{SuccessPlan, "engagement.success_plan", "1 yes, 0 no", "the day", "A success plan is in place. Always missing: Tend has no success plans yet."},
	{PulseMetric, "pulse", "points: red 0, yellow 50, green 100", "until it expires", "The CSM's manual pulse in force on the day (missing when none, or expired)."},
}

// Catalogue is the built-in metrics in id order.
func Catalogue() []Metric { return catalogue[:] }

// MetricByName finds a metric by its name.
func MetricByName(name string) (Metric, bool) {
	for _, m := range catalogue {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// String is the metric's name.
func (id MetricID) String() string {
	if id < numMetrics {
		return catalogue[id].Name
	}
	return fmt.Sprintf("metric(%d)", id)
}

// Values are an account's metrics as of a day, indexed by MetricID. A
// metric is present or missing; missing is not zero. The zero Values has
// every metric missing.
type Values struct {
	v   [numMetrics]float64
	has uint64 // bit i: metric i is present
}

// Get is metric id's value, and false when it is missing.
func (v *Values) Get(id MetricID) (float64, bool) {
	return v.v[id], v.has&(1<<id) != 0
}

// Set sets metric id; NaN and infinities make it missing.
func (v *Values) Set(id MetricID, x float64) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		v.Clear(id)
		return
	}
	v.v[id] = x
	v.has |= 1 << id
}

// Clear makes metric id missing.
func (v *Values) Clear(id MetricID) { v.v[id], v.has = 0, v.has&^(1<<id) }

// Map is the present metrics by name.
func (v *Values) Map() map[string]float64 {
	m := make(map[string]float64, numMetrics)
	for id := range numMetrics {
		if x, ok := v.Get(id); ok {
			m[catalogue[id].Name] = x
		}
	}
	return m
}

// MarshalJSON writes the present metrics as an object by name.
func (v Values) MarshalJSON() ([]byte, error) { return v.AppendJSON(nil), nil }

// AppendJSON appends the present metrics to b as a JSON object by name:
// byte for byte what encoding/json writes for Map(), without the map or
// reflection (a full recompute writes one per account). Values never holds
// NaN or infinities, and metric names need no escaping.
func (v *Values) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	first := true
	for _, id := range idsByName {
		x, ok := v.Get(id)
		if !ok {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, catalogue[id].Name...)
		b = append(b, '"', ':')
		b = appendFloat(b, x)
	}
	return append(b, '}')
}

// idsByName is the metrics in the order of their names, the order
// encoding/json writes a map's keys in.
var idsByName = func() []MetricID {
	ids := make([]MetricID, numMetrics)
	for i := range ids {
		ids[i] = MetricID(i)
	}
	slices.SortFunc(ids, func(a, b MetricID) int { return strings.Compare(catalogue[a].Name, catalogue[b].Name) })
	return ids
}()

// appendFloat formats x as encoding/json does: plain decimals between
// 1e-6 and 1e21, the shortest exponent form outside (e-7, not e-07).
func appendFloat(b []byte, x float64) []byte {
	if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
		n := len(b)
		b = strconv.AppendFloat(b, x, 'e', -1, 64)
		if m := len(b) - n; m >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
		return b
	}
	return strconv.AppendFloat(b, x, 'f', -1, 64)
}

// UnmarshalJSON reads an object by metric name; unknown names are errors.
func (v *Values) UnmarshalJSON(b []byte) error {
	var m map[string]float64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*v = Values{}
	for name, x := range m {
		mt, ok := MetricByName(name)
		if !ok {
			return fmt.Errorf("health: unknown metric %q", name)
		}
		v.Set(mt.ID, x)
	}
	return nil
}

// day is a calendar day as a number of days since 1970-01-01.
type day int32

// never stands for a zero date used as "not yet" (not closed, not left,
// not paid, no expiry): after every real day.
const never day = math.MaxInt32

// dayOf is d's day number, computed with integer arithmetic (the civil
// from-days algorithm) rather than through time.Time.
func dayOf(d civil.Date) day {
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return day(era*146097 + doe - 719468)
}

// dayOrNever is dayOf, with the zero date as never.
func dayOrNever(d civil.Date) day {
	if d.IsZero() {
		return never
	}
	return dayOf(d)
}

// Metrics computes every built-in metric of f as of asOf. Records dated
// after asOf are ignored, so a past day's values are what could have been
// known on that day (except renewal.days_to, which reads today's renewal
// date).
func Metrics(f *Facts, asOf civil.Date) Values {
	var v Values
	d := dayOf(asOf)
	surveys(&v, f.Surveys, d)
	usageValues(&v, f.Usage, d)
	support(&v, f.Tickets, d)
	billing(&v, f.Invoices, d)
	if t, ok := mrrTrend(f.MRRChanges, d); ok {
		v.Set(MRRTrend90d, t)
	}
	if !f.RenewalOn.IsZero() {
		if r := dayOf(f.RenewalOn); r >= d {
			v.Set(DaysToRenewal, float64(r-d))
		}
	}
	if !f.CustomerSince.IsZero() {
		if s := dayOf(f.CustomerSince); s <= d {
			v.Set(TenureDays, float64(d-s))
		}
	}
	people(&v, f.Contacts, d)
	engagement(&v, f.Touches, d)
	if p, ok := pulseOn(f.Pulses, d); ok {
		v.Set(PulseMetric, PulsePoints(p.Colour))
	}
	return v
}

// PulsePoints is a pulse colour as points: red 0, yellow 50, green 100,
// and NaN for anything else.
func PulsePoints(colour string) float64 {
	switch colour {
	case "red":
		return 0
	case "yellow":
		return 50
	case "green":
		return 100
	}
	return math.NaN()
}

func surveys(v *Values, ss []Survey, d day) {
	type acc struct {
		sum, n   int
		last     day
		lastSum  int
		lastN    int
		inWindow bool
	}
	var nps, csat, ces, renew acc
	for i := range ss {
		s := &ss[i]
		on := dayOf(s.On)
		if on > d {
			continue
		}
		var a *acc
		switch s.Kind {
		case "nps":
			a = &nps
		case "csat":
			a = &csat
		case "ces":
			a = &ces
		case "would_renew":
			a = &renew
		default:
			continue
		}
		if on > d-surveyWindow {
			a.sum += s.Score
			a.n++
		}
		switch {
		case a.lastN == 0 || on > a.last:
			a.last, a.lastSum, a.lastN = on, s.Score, 1
		case on == a.last:
			a.lastSum += s.Score
			a.lastN++
		}
	}
	if nps.lastN > 0 {
		v.Set(NPSLatest, float64(nps.lastSum)/float64(nps.lastN))
	}
	if nps.n > 0 {
		v.Set(NPSAverage, float64(nps.sum)/float64(nps.n))
	}
	if csat.n > 0 {
		v.Set(CSATAverage, float64(csat.sum)/float64(csat.n))
	}
	if ces.n > 0 {
		v.Set(CESAverage, float64(ces.sum)/float64(ces.n))
	}
	if renew.lastN > 0 {
		// Several answers on the latest day: yes only when most said yes.
		yes := 0.0
		if 2*renew.lastSum > renew.lastN {
			yes = 1
		}
		v.Set(WouldRenew, yes)
	}
}

// usageIDs maps usage.Adoption.Values names to metric ids.
var usageIDs = [...]MetricID{UsageDAU, UsageWAU, UsageMAU, UsageEvents30d, UsageFeaturesUsed30d, UsageHighValueUsers, UsageStickiness, UsageSeatUtilisation, UsageBreadth, UsageDepth, UsageTrend}

func usageValues(v *Values, us []UsageSnapshot, d day) {
	i, ok := slices.BinarySearchFunc(us, d, func(u UsageSnapshot, d day) int { return int(dayOf(u.AsOf)) - int(d) })
	if !ok {
		return
	}
	for _, id := range usageIDs {
		if x, ok := us[i].Values[catalogue[id].Name]; ok {
			v.Set(id, x)
		}
	}
}

func support(v *Values, ts []Ticket, d day) {
	var opened30, open, escal, resolved, resolveDays int
	for i := range ts {
		t := &ts[i]
		o := dayOf(t.Opened)
		if o > d {
			continue
		}
		c := dayOrNever(t.Closed)
		if o > d-ticketWindow {
			opened30++
		}
		if c > d {
			open++
		} else if c > d-resolveWindow {
			resolved++
			resolveDays += int(c - o)
		}
		if t.Escalated {
			e := o
			if !t.EscalatedOn.IsZero() {
				e = dayOf(t.EscalatedOn)
			}
			if e <= d && e > d-escalWindow {
				escal++
			}
		}
	}
	v.Set(Tickets30d, float64(opened30))
	v.Set(OpenTickets, float64(open))
	v.Set(Escalations90d, float64(escal))
	if resolved > 0 {
		v.Set(AvgResolutionDays, float64(resolveDays)/float64(resolved))
	}
}

func billing(v *Values, is []Invoice, d day) {
	issued, overdue := false, day(0)
	for i := range is {
		inv := &is[i]
		if dayOf(inv.Issued) > d {
			continue
		}
		issued = true
		due := dayOf(inv.Due)
		if due < d && dayOrNever(inv.Paid) > d && d-due > overdue {
			overdue = d - due
		}
	}
	if issued {
		v.Set(DaysOverdue, float64(overdue))
	}
}

// mrrAt is the MRR in force on day d, and false before the first point.
func mrrAt(ps []MRRPoint, d day) (int64, bool) {
	i, found := slices.BinarySearchFunc(ps, d, func(p MRRPoint, d day) int { return int(dayOf(p.From)) - int(d) })
	if found {
		return ps[i].MRR, true
	}
	if i == 0 {
		return 0, false
	}
	return ps[i-1].MRR, true
}

func mrrTrend(ps []MRRPoint, d day) (float64, bool) {
	then, ok := mrrAt(ps, d-mrrWindow)
	if !ok || then <= 0 {
		return 0, false
	}
	now, _ := mrrAt(ps, d)
	return float64(now-then) / float64(then), true
}

// roleBits are the contact roles the people metrics read.
const (
	roleChampion = 1 << iota
	roleSponsor
	roleKey
)

func roleMask(roles []string) int {
	m := 0
	for _, r := range roles {
		switch r {
		case "champion":
			m |= roleChampion | roleKey
		case "economic_buyer", "executive":
			m |= roleSponsor | roleKey
		case "decision_maker", "power_user":
			m |= roleKey
		}
	}
	return m
}

func people(v *Values, cs []Contact, d day) {
	known, left, present := false, 0, 0
	for i := range cs {
		c := &cs[i]
		if dayOf(c.Since) > d {
			continue
		}
		known = true
		roles := roleMask(c.Roles)
		l := dayOrNever(c.Left)
		if l > d {
			present |= roles
		} else if l > d-peopleWindow && roles&roleKey != 0 {
			left++
		}
	}
	v.Set(KeyContactsLeft90d, float64(left))
	if known {
		v.Set(ChampionPresent, b2f(present&roleChampion != 0))
		v.Set(SponsorPresent, b2f(present&roleSponsor != 0))
	}
}

func engagement(v *Values, ts []Touch, d day) {
	last, qbr := day(-1<<31), false
	touched := false
	for i := range ts {
		t := &ts[i]
		on := dayOf(t.On)
		if on > d {
			continue
		}
		if t.ByCSM && (!touched || on > last) {
			last, touched = on, true
		}
		if (t.Kind == "qbr" || t.Kind == "ebr") && on > d-qbrWindow {
			qbr = true
		}
	}
	if touched {
		v.Set(DaysSinceCSMTouch, float64(d-last))
	}
	v.Set(QBR90d, b2f(qbr))
}

// pulseOn is the pulse in force on day d: the latest set on or before d
// that has not expired by d.
func pulseOn(ps []Pulse, d day) (Pulse, bool) {
	best, found := -1, day(0)
	for i := range ps {
		p := &ps[i]
		s := dayOf(p.Set)
		if s > d || dayOrNever(p.Expires) <= d || math.IsNaN(PulsePoints(p.Colour)) {
			continue
		}
		// The latest set wins; on the same day, the more cautious colour.
		if best < 0 || s > found || s == found && PulsePoints(p.Colour) < PulsePoints(ps[best].Colour) {
			best, found = i, s
		}
	}
	if best < 0 {
		return Pulse{}, false
	}
	return ps[best], true
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

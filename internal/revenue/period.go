package revenue

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/civil"
)

// day is a calendar day as a count of days since 1970-01-01. The core works
// on days, not civil.Date, because comparing and subtracting small integers
// is what the hot loops do.
type day = int32

// noEnd is the day of a term that has no end (open-ended or not yet due).
const noEnd day = 1<<31 - 1

// dayOf converts a calendar date to a day number (the proleptic Gregorian
// calendar; days beyond the month's length roll over as time.Date does).
func dayOf(d civil.Date) day {
	y, m := d.Year, int(d.Month)
	if m < 1 || m > 12 { // normalise odd months the way time.Date would
		return day(d.Time().Unix() / 86400)
	}
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

// dateOf converts a day number back to a calendar date.
func dateOf(z day) civil.Date {
	n := int(z) + 719468
	era := n / 146097
	if n < 0 && n%146097 != 0 {
		era--
	}
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return civil.Date{Year: y, Month: time.Month(m), Day: d}
}

// Period is a span of calendar days [From, To): From is its first day and
// To the first day after it. Metrics for a period read MRR just before From
// (the start) and at the end of its last day (the end), and count the
// movements dated From through To−1.
type Period struct {
	Name string     `json:"name"` // e.g. "2025-07", "2025-Q3", "TTM-2025-07", "2025"
	From civil.Date `json:"from"`
	To   civil.Date `json:"to"` // exclusive
}

// Last is the period's last day.
func (p Period) Last() civil.Date { return p.To.AddDays(-1) }

// MarshalJSON writes the period with its last day: "from" and "last" are
// the first and last days it covers (what tables and CSV files show as
// "from … to …"), "to" the day after the last, kept for the half-open
// arithmetic [from, to).
func (p Period) MarshalJSON() ([]byte, error) {
	type plain struct {
		Name string     `json:"name"`
		From civil.Date `json:"from"`
		To   civil.Date `json:"to"`
		Last civil.Date `json:"last"`
	}
	v := plain{Name: p.Name, From: p.From, To: p.To}
	if !p.To.IsZero() {
		v.Last = p.Last()
	}
	return json.Marshal(v)
}

// Contains reports whether d falls in the period.
func (p Period) Contains(d civil.Date) bool { return !d.Before(p.From) && d.Before(p.To) }

// KnownBy is an error when p starts after asOf: nothing of it has
// happened, and measured anyway it would read as a flawless 100%.
func (p Period) KnownBy(asOf civil.Date) error {
	if asOf.Before(p.From) {
		return fmt.Errorf("%s starts on %s, after the as-of day %s: nothing of it is known yet", p.Name, p.From, asOf)
	}
	return nil
}

// Month is the calendar month m of year y.
func Month(y int, m time.Month) Period {
	from := civil.Date{Year: y, Month: m, Day: 1}
	return Period{Name: fmt.Sprintf("%04d-%02d", y, int(m)), From: from, To: from.AddMonths(1)}
}

// MonthOf is the calendar month that contains d.
func MonthOf(d civil.Date) Period { return Month(d.Year, d.Month) }

// Quarter is quarter q (1–4) of year y.
func Quarter(y, q int) Period {
	from := civil.Date{Year: y, Month: time.Month(3*(q-1) + 1), Day: 1}
	return Period{Name: fmt.Sprintf("%04d-Q%d", y, q), From: from, To: from.AddMonths(3)}
}

// QuarterOf is the calendar quarter that contains d.
func QuarterOf(d civil.Date) Period { return Quarter(d.Year, (int(d.Month)-1)/3+1) }

// Year is calendar year y.
func Year(y int) Period {
	from := civil.Date{Year: y, Month: time.January, Day: 1}
	return Period{Name: fmt.Sprintf("%04d", y), From: from, To: from.AddMonths(12)}
}

// TrailingTwelveMonths is the twelve calendar months ending with month m of
// year y (TTM-2025-07 runs from 2024-08-01 to 2025-07-31).
func TrailingTwelveMonths(y int, m time.Month) Period {
	end := Month(y, m)
	return Period{Name: "TTM-" + end.Name, From: end.To.AddMonths(-12), To: end.To}
}

// Months is n consecutive calendar months, the first being the month that
// contains from.
func Months(from civil.Date, n int) []Period {
	out := make([]Period, n)
	for i := range out {
		d := civil.Date{Year: from.Year, Month: from.Month, Day: 1}.AddMonths(i)
		out[i] = Month(d.Year, d.Month)
	}
	return out
}

// ParsePeriod reads a period as people write it: "2025-07" (a month),
// "2025-Q3" (a quarter), "2025" (a year), "TTM-2025-07" (trailing twelve
// months ending July 2025) or "2025-07-01..2025-09-30" (inclusive days).
func ParsePeriod(s string) (Period, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	bad := fmt.Errorf("%q is not a period (want 2025-07, 2025-Q3, 2025, TTM-2025-07 or 2025-07-01..2025-09-30)", s)
	if a, b, ok := strings.Cut(s, ".."); ok {
		from, err1 := civil.Parse(a)
		last, err2 := civil.Parse(b)
		if err1 != nil || err2 != nil || from.IsZero() || last.IsZero() || last.Before(from) {
			return Period{}, bad
		}
		return Period{Name: from.String() + ".." + last.String(), From: from, To: last.AddDays(1)}, nil
	}
	ttm := strings.HasPrefix(s, "TTM-")
	s = strings.TrimPrefix(s, "TTM-")
	ys, rest, hasRest := strings.Cut(s, "-")
	y, err := strconv.Atoi(ys)
	if err != nil || len(ys) != 4 {
		return Period{}, bad
	}
	switch {
	case !hasRest && !ttm:
		return Year(y), nil
	case strings.HasPrefix(rest, "Q") && !ttm:
		q, err := strconv.Atoi(rest[1:])
		if err != nil || q < 1 || q > 4 {
			return Period{}, bad
		}
		return Quarter(y, q), nil
	case hasRest:
		m, err := strconv.Atoi(rest)
		if err != nil || m < 1 || m > 12 || len(rest) != 2 {
			return Period{}, bad
		}
		if ttm {
			return TrailingTwelveMonths(y, time.Month(m)), nil
		}
		return Month(y, time.Month(m)), nil
	}
	return Period{}, bad
}

// monthOf is the calendar month of month index m.
func monthOf(m int) time.Month { return time.Month(m%12 + 1) }

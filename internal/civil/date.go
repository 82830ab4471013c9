// Package civil holds Date, a calendar day with no time of day or zone:
// contract start and end dates, invoice due dates and the like.
package civil

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"time"
)

// Date is a calendar day. The zero Date means "no date" and is stored as NULL.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Of returns the UTC calendar day of t.
func Of(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{y, m, d}
}

// Today is the current UTC calendar day.
func Today() Date { return Of(time.Now()) }

// Parse reads YYYY-MM-DD, or any timestamp layout Tend accepts, and returns
// its UTC day.
func Parse(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return Of(t), nil
	}
	t, err := ParseTime(s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD)", s)
	}
	return Of(t), nil
}

// timeLayouts are the timestamp shapes real exports use: RFC 3339, with or
// without zone or seconds, and spreadsheet forms like "2023-07-28 3:00".
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999-0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02 3:04",
	"2006-01-02 3:04:05",
	"2006-01-02 3:04 PM",
	"2006-01-02 3:04:05 PM",
	time.DateOnly,
	"2006/01/02",
	"2006/01/02 15:04",
}

// ParseTime reads a timestamp in any layout Tend accepts. A timestamp with
// no zone is taken as UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp (want e.g. 2024-03-01T14:00:00Z)", s)
}

// IsZero reports whether d is "no date".
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as YYYY-MM-DD, or "" for no date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Time is midnight UTC at the start of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return Of(d.Time().AddDate(0, 0, n)) }

// AddMonths returns d moved by n months (normalised like time.AddDate).
func (d Date) AddMonths(n int) Date { return Of(d.Time().AddDate(0, n, 0)) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Time().Before(e.Time()) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Time().After(e.Time()) }

// DaysSince is the number of days from e to d (negative if d is earlier).
func (d Date) DaysSince(e Date) int { return int(d.Time().Sub(e.Time()).Hours() / 24) }

// MarshalText writes YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads what Parse reads.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON writes "YYYY-MM-DD", or null for no date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON reads a date string or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*d = Date{}
		return nil
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return fmt.Errorf("%s is not a date string (want \"YYYY-MM-DD\")", s)
	}
	return d.UnmarshalText([]byte(s[1 : len(s)-1]))
}

// Value stores d as "YYYY-MM-DD" text, or NULL for no date. Both engines
// accept that text for their date columns.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a date from either engine (text, bytes or time.Time).
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = Of(v)
	case string:
		return d.UnmarshalText([]byte(v))
	case []byte:
		return d.UnmarshalText(v)
	default:
		return fmt.Errorf("civil: cannot scan %T into Date", src)
	}
	return nil
}

package usage

import (
	"errors"
	"time"
)

var errBadTime = errors.New("not an ISO-8601 date-time")

// ParseTime reads the ISO-8601 date-times Segment's libraries and the HTTP
// API send: 2009-11-10T23:00:00Z, 2015-12-10T04:08:31.905Z,
// 2015-12-10T04:08:31.905000+00:00 (Python), offsets as ±hh:mm, ±hhmm or ±hh,
// any number of fraction digits (beyond nanoseconds they are truncated), a
// space instead of the T, and a bare date (midnight UTC). Month and day may
// have one digit ("2015-2-02", as in Segment's own batch example). The result
// is in UTC.
func ParseTime(s string) (time.Time, error) { return parseTime(s) }

// parseTime is ParseTime over text or bytes, so the decoder parses
// timestamps without making strings of them.
func parseTime[S ~string | ~[]byte](s S) (time.Time, error) {
	i := 0
	num := func(min, max int) (int, bool) {
		n, j := 0, i
		for j < len(s) && j-i < max && '0' <= s[j] && s[j] <= '9' {
			n = n*10 + int(s[j]-'0')
			j++
		}
		if j-i < min {
			return 0, false
		}
		i = j
		return n, true
	}
	sep := func(c byte) bool {
		if i < len(s) && s[i] == c {
			i++
			return true
		}
		return false
	}
	year, ok := num(4, 4)
	if !ok || !sep('-') {
		return time.Time{}, errBadTime
	}
	month, ok := num(1, 2)
	if !ok || !sep('-') {
		return time.Time{}, errBadTime
	}
	day, ok := num(1, 2)
	if !ok || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return time.Time{}, errBadTime
	}
	if i == len(s) {
		return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), nil
	}
	if s[i] != 'T' && s[i] != 't' && s[i] != ' ' {
		return time.Time{}, errBadTime
	}
	i++
	hour, ok := num(2, 2)
	if !ok || !sep(':') {
		return time.Time{}, errBadTime
	}
	minute, ok := num(2, 2)
	if !ok {
		return time.Time{}, errBadTime
	}
	sec, nsec := 0, 0
	if sep(':') {
		if sec, ok = num(2, 2); !ok {
			return time.Time{}, errBadTime
		}
		if i < len(s) && (s[i] == '.' || s[i] == ',') {
			i++
			digits, scale := 0, 100000000
			for i < len(s) && '0' <= s[i] && s[i] <= '9' {
				nsec += int(s[i]-'0') * scale
				scale /= 10
				digits++
				i++
			}
			if digits == 0 {
				return time.Time{}, errBadTime
			}
		}
	}
	// hour 24:00:00 is not accepted; second 60 (a leap second) is.
	if hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, errBadTime
	}
	offset := 0
	switch {
	case i == len(s):
		// no zone: Segment reads it as UTC
	case s[i] == 'Z' || s[i] == 'z':
		i++
	case s[i] == '+' || s[i] == '-':
		neg := s[i] == '-'
		i++
		oh, ok := num(2, 2)
		if !ok {
			return time.Time{}, errBadTime
		}
		sep(':')
		om := 0
		if i < len(s) {
			if om, ok = num(2, 2); !ok {
				return time.Time{}, errBadTime
			}
		}
		if oh > 23 || om > 59 {
			return time.Time{}, errBadTime
		}
		offset = (oh*60 + om) * 60
		if neg {
			offset = -offset
		}
	default:
		return time.Time{}, errBadTime
	}
	if i != len(s) {
		return time.Time{}, errBadTime
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), nil
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// EventTime is when an event happened, the way Segment computes its
// "timestamp":
//
//   - with sentAt and a client timestamp: receivedAt − (sentAt − timestamp),
//     which moves the client's claim onto the server clock (the gap between
//     the event and its sending is kept; the client's clock error is removed);
//   - with a client timestamp only: the timestamp as given (historical import);
//   - with neither: receivedAt.
//
// Tend adds one guard: an event cannot happen after it was received, so a
// result later than receivedAt (a client timestamp later than its own sentAt)
// is clamped to receivedAt.
func EventTime(timestamp, sentAt, receivedAt time.Time) time.Time {
	if timestamp.IsZero() {
		return receivedAt
	}
	t := timestamp
	if !sentAt.IsZero() {
		t = receivedAt.Add(-sentAt.Sub(timestamp))
	}
	if t.After(receivedAt) {
		return receivedAt
	}
	return t
}

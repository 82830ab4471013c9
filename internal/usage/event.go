package usage

import (
	"errors"
	"time"
)

// Day is a UTC calendar day counted from 1970-01-01 (day 0). Rollups are per
// UTC day so that every node, and a rebuild, cut days the same way.
type Day int32

// DayOf is the UTC day t falls on.
func DayOf(t time.Time) Day {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return Day(d)
}

// Time is midnight UTC at the start of d.
func (d Day) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String is d as YYYY-MM-DD.
func (d Day) String() string { return d.Time().Format(time.DateOnly) }

// ParseDay reads a YYYY-MM-DD day.
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, errors.New("usage: " + s + " is not a YYYY-MM-DD day")
	}
	return DayOf(t), nil
}

// NameKey identifies an event name within its kind, so a track event and a
// page of the same name are counted apart.
type NameKey struct {
	Type Type   // track, page or screen
	Name string // the event, page or screen name
}

// Event is the compact form of a usage message (track, page, screen) that
// Tend stores and rolls up.
type Event struct {
	// Source is the write key (or its id) the message came in with; with
	// MessageID it is the event's unique key in storage.
	Source string
	// MessageID is the message's idempotency key.
	MessageID string
	// Type is track, page or screen.
	Type Type
	// Name is the track event name, or the page or screen name ("" for an
	// unnamed page).
	Name string
	// User is the sender's userId, or its anonymousId when Anonymous.
	User string
	// Anonymous is true when the message had no userId. Anonymous events
	// count toward events and features but not toward active users.
	Anonymous bool
	// Account is the external id of the account the event is attributed
	// to; empty while the user is not yet linked to one.
	Account string
	// Time is when the event happened (see EventTime), in UTC.
	Time time.Time
	// Features are the features the event counts toward, as classified by
	// the catalog given to NewEvent.
	Features FeatureSet
}

// Key is the event's name within its kind.
func (e *Event) Key() NameKey { return NameKey{e.Type, e.Name} }

// Day is the UTC day of the event.
func (e *Event) Day() Day { return DayOf(e.Time) }

// NewEvent turns a usage message into an Event, classifying its features
// with cat (which may be nil). Account is left empty: attribution is the
// Linker's job. It returns false for identify, group and alias messages.
func NewEvent(m *Message, cat *Catalog) (Event, bool) {
	if !m.Type.IsUsage() {
		return Event{}, false
	}
	e := Event{MessageID: m.MessageID, Type: m.Type, User: m.UserID, Time: m.Timestamp.UTC()}
	if e.User == "" {
		e.User, e.Anonymous = m.AnonymousID, true
	}
	if m.Type == TypeTrack {
		e.Name = m.Event
	} else {
		e.Name = m.Name
	}
	e.Features = cat.Classify(e.Type, e.Name)
	return e, true
}

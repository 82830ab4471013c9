package usage

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	t.Parallel()
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2009-11-10T23:00:00Z", utc(2009, 11, 10, 23, 0, 0, 0)},                 // analytics-go
		{"2015-12-10T04:08:31.905Z", utc(2015, 12, 10, 4, 8, 31, 905e6)},         // analytics.js
		{"2015-12-10T04:08:31.905000+00:00", utc(2015, 12, 10, 4, 8, 31, 905e6)}, // analytics-python
		{"2015-12-10T06:08:31.1+02:00", utc(2015, 12, 10, 4, 8, 31, 100e6)},
		{"2015-12-09T23:08:31-0500", utc(2015, 12, 10, 4, 8, 31, 0)},
		{"2015-12-10T05:08:31+01", utc(2015, 12, 10, 4, 8, 31, 0)},
		{"2015-12-10T04:08:31.123456789123Z", utc(2015, 12, 10, 4, 8, 31, 123456789)},
		{"2015-12-10 04:08:31Z", utc(2015, 12, 10, 4, 8, 31, 0)},
		{"2015-12-10t04:08:31z", utc(2015, 12, 10, 4, 8, 31, 0)},
		{"2015-12-10T04:08Z", utc(2015, 12, 10, 4, 8, 0, 0)},
		{"2015-12-10T04:08:31", utc(2015, 12, 10, 4, 8, 31, 0)},
		{"2015-2-02T00:30:08.276Z", utc(2015, 2, 2, 0, 30, 8, 276e6)}, // Segment's own batch example
		{"2016-02-29", utc(2016, 2, 29, 0, 0, 0, 0)},
		{"2016-12-31T23:59:60Z", utc(2017, 1, 1, 0, 0, 0, 0)}, // leap second
	}
	for _, tc := range tests {
		got, err := ParseTime(tc.in)
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2015", "2015-12", "2015-13-01", "2015-02-29", "2015-12-32",
		"2015-12-10T24:00:00Z", "2015-12-10T04:60:00Z", "2015-12-10T04:08:31.Z", "2015-12-10T04:08:31+2",
		"2015-12-10T04:08:31+24:00", "2015-12-10T04:08:31 UTC", "2015-12-10T04", "15-12-10", "2015-12-10T04:08:31Zjunk",
		"1449720511", "2015/12/10"} {
		if got, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", bad, got)
		}
	}
}

func TestEventTimeClockSkew(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := ParseTime(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var none time.Time
	tests := []struct {
		name                        string
		timestamp, sentAt, received time.Time
		want                        time.Time
	}{
		{"phone clock 2 h slow, event queued 5 s",
			at("2026-03-14T10:00:00Z"), at("2026-03-14T10:00:05Z"), at("2026-03-14T12:00:07Z"), at("2026-03-14T12:00:02Z")},
		{"phone clock 1 day fast, offline for 3 h",
			at("2026-03-15T09:00:00Z"), at("2026-03-15T12:00:00Z"), at("2026-03-14T12:00:01Z"), at("2026-03-14T09:00:01Z")},
		{"server library, accurate clock, historical timestamp",
			at("2025-01-01T00:00:00Z"), at("2026-03-14T12:00:00Z"), at("2026-03-14T12:00:00.2Z"), at("2025-01-01T00:00:00.2Z")},
		{"no sentAt: timestamp as given",
			at("2025-01-01T00:00:00Z"), none, at("2026-03-14T12:00:00Z"), at("2025-01-01T00:00:00Z")},
		{"no timestamp: received",
			none, at("2026-03-14T11:00:00Z"), at("2026-03-14T12:00:00Z"), at("2026-03-14T12:00:00Z")},
		{"timestamp after sentAt: clamped to received",
			at("2015-07-10T23:00:00Z"), at("2009-11-10T23:00:00Z"), at("2026-03-14T12:00:00Z"), at("2026-03-14T12:00:00Z")},
		{"future timestamp without sentAt: clamped",
			at("2030-01-01T00:00:00Z"), none, at("2026-03-14T12:00:00Z"), at("2026-03-14T12:00:00Z")},
	}
	for _, tc := range tests {
		if got := EventTime(tc.timestamp, tc.sentAt, tc.received); !got.Equal(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDecodeAppliesClockSkew(t *testing.T) {
	t.Parallel()
	recv := time.Date(2026, 3, 14, 12, 0, 7, 0, time.UTC)
	body := []byte(`{"sentAt":"2026-03-14T10:00:05Z","batch":[
		{"type":"track","userId":"u","event":"batch sentAt","timestamp":"2026-03-14T10:00:00Z"},
		{"type":"track","userId":"u","event":"own sentAt","timestamp":"2026-03-14T10:00:00Z","sentAt":"2026-03-14T10:00:01Z"},
		{"type":"track","userId":"u","event":"no timestamp"},
		{"type":"track","userId":"u","event":"exported","originalTimestamp":"2026-03-14T10:00:00Z","timestamp":"2026-03-14T11:59:00Z"}
	]}`)
	b, err := DecodeBatch(body, DecodeOptions{ReceivedAt: recv})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-03-14T12:00:02Z", "2026-03-14T12:00:06Z", "2026-03-14T12:00:07Z", "2026-03-14T12:00:02Z"}
	for i, w := range want {
		m := b.Messages[i]
		if got := m.Timestamp.Format(time.RFC3339Nano); got != w {
			t.Errorf("%s: %s, want %s", m.Event, got, w)
		}
	}
	if o := b.Messages[0].OriginalTimestamp; !o.Equal(time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("originalTimestamp not kept: %v", o)
	}
	if !b.Messages[2].OriginalTimestamp.IsZero() {
		t.Errorf("no client time, yet originalTimestamp %v", b.Messages[2].OriginalTimestamp)
	}

	// Re-importing exported data keeps the export's own receivedAt, so the
	// correction comes out as Segment computed it.
	line := []byte(`{"type":"track","userId":"u","event":"E","originalTimestamp":"2020-05-01T10:00:00Z",
		"sentAt":"2020-05-01T10:00:30Z","receivedAt":"2020-05-01T08:00:31Z","timestamp":"2020-05-01T08:00:01Z"}`)
	b, err = DecodeMessage(line, TypeTrack, DecodeOptions{ReceivedAt: recv, TrustReceivedAt: true})
	if err != nil {
		t.Fatal(err)
	}
	if m := b.Messages[0]; !m.Timestamp.Equal(time.Date(2020, 5, 1, 8, 0, 1, 0, time.UTC)) ||
		!m.ReceivedAt.Equal(time.Date(2020, 5, 1, 8, 0, 31, 0, time.UTC)) {
		t.Errorf("import: %v received %v", m.Timestamp, m.ReceivedAt)
	}
	// Live ingestion ignores a client's receivedAt.
	b, _ = DecodeMessage(line, TypeTrack, DecodeOptions{ReceivedAt: recv})
	if m := b.Messages[0]; !m.ReceivedAt.Equal(recv) {
		t.Errorf("live: receivedAt %v, want Tend's %v", m.ReceivedAt, recv)
	}
}

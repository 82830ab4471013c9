package jobs

import (
	"testing"
	"time"
)

func TestDailyAt(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct{ now, want string }{
		{"2026-12-06T01:00:00Z", "2026-12-06T03:00:00Z"},
		{"2026-12-06T03:00:00Z", "2026-12-07T03:00:00Z"}, // strictly after
		{"2026-12-06T22:00:00Z", "2026-12-07T03:00:00Z"},
		{"2026-12-31T23:59:59Z", "2027-01-01T03:00:00Z"},
		{"2026-12-06T02:30:00-05:00", "2026-12-07T03:00:00Z"}, // 07:30 UTC
	} {
		if got := dailyAt(3).Next(at(c.now)); !got.Equal(at(c.want)) {
			t.Errorf("Next(%s) = %s, want %s", c.now, got, c.want)
		}
	}
}

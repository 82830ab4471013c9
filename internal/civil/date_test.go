package civil

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseTimeLayouts(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"2023-07-28 3:00":           "2023-07-28T03:00:00Z",
		"2023-07-28 19:00":          "2023-07-28T19:00:00Z",
		"2023-07-28T19:00:05+02:00": "2023-07-28T17:00:05Z",
		"2023-07-28":                "2023-07-28T00:00:00Z",
		"2023/07/28":                "2023-07-28T00:00:00Z",
		"2023-07-28 3:04 PM":        "2023-07-28T15:04:00Z",
		" 2023-07-28T10:00:00Z ":    "2023-07-28T10:00:00Z",
	} {
		got, err := ParseTime(in)
		if err != nil || got.Format(time.RFC3339) != want {
			t.Errorf("ParseTime(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "2023-13-01", "28/07/2023"} {
		if _, err := ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}

func TestDate(t *testing.T) {
	t.Parallel()
	d, err := Parse("2024-02-29")
	if err != nil || d.String() != "2024-02-29" {
		t.Fatalf("Parse: %v %v", d, err)
	}
	if d.AddDays(1).String() != "2024-03-01" || d.AddMonths(12).String() != "2025-03-01" {
		t.Fatalf("arithmetic: %s %s", d.AddDays(1), d.AddMonths(12))
	}
	if n := d.AddDays(30).DaysSince(d); n != 30 {
		t.Fatalf("DaysSince = %d", n)
	}
	var v struct{ D, E Date }
	if err := json.Unmarshal([]byte(`{"D":"2024-01-02","E":null}`), &v); err != nil || v.D.String() != "2024-01-02" || !v.E.IsZero() {
		t.Fatalf("JSON: %+v %v", v, err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"D":"2024-01-02","E":null}` {
		t.Fatalf("marshal: %s", b)
	}
	if err := json.Unmarshal([]byte(`{"D":20240102}`), &v); err == nil {
		t.Fatalf("a number was accepted as a date")
	}
}

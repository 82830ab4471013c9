package money

import (
	"math"
	"strings"
	"testing"
)

func TestParseMinor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, cur string
		want    int64
		bad     bool
	}{
		{"2786", "USD", 278600, false},
		{"12.34", "USD", 1234, false},
		{"12.3", "USD", 1230, false},
		{"$1,234.50", "USD", 123450, false},
		{"-0.05", "EUR", -5, false},
		{".5", "USD", 50, false},
		{"12.500", "USD", 1250, false},
		{"12.345", "USD", 0, true},
		{"1200", "JPY", 1200, false},
		{"1.5", "JPY", 0, true},
		{"1.234", "KWD", 1234, false},
		{"abc", "USD", 0, true},
		{"", "USD", 0, true},
		{"12,3x", "USD", 0, true},
		{"99999999999999999999", "USD", 0, true},
	} {
		got, err := ParseMinor(tc.in, tc.cur)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseMinor(%q, %s) = %d, %v; want %d, bad=%v", tc.in, tc.cur, got, err, tc.want, tc.bad)
		}
	}
}

func TestFormatRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    int64
		cur  string
		text string
		show string
	}{
		{123450, "USD", "1234.50", "$1,234.50"},
		{-5, "EUR", "-0.05", "-€0.05"},
		{1200, "JPY", "1200", "1,200 JPY"},
		{1234, "KWD", "1.234", "1.234 KWD"},
		{0, "GBP", "0.00", "£0.00"},
	} {
		if got := FormatMinor(tc.v, tc.cur); got != tc.text {
			t.Errorf("FormatMinor(%d, %s) = %q, want %q", tc.v, tc.cur, got, tc.text)
		}
		if back, err := ParseMinor(FormatMinor(tc.v, tc.cur), tc.cur); err != nil || back != tc.v {
			t.Errorf("round trip of %d %s: %d, %v", tc.v, tc.cur, back, err)
		}
		if got := Display(tc.v, tc.cur); got != tc.show {
			t.Errorf("Display(%d, %s) = %q, want %q", tc.v, tc.cur, got, tc.show)
		}
	}
}

func TestBounds(t *testing.T) {
	t.Parallel()
	if v, err := ParseMinor("1,000,000,000,000.00", "USD"); err != nil || v != MaxAmount {
		t.Errorf("the largest amount: %d %v", v, err)
	}
	for _, s := range []string{"1000000000000.01", "92233720368547758.07", "-1000000000000.01", "99999999999999999999"} {
		if _, err := ParseMinor(s, "USD"); err == nil || !strings.Contains(err.Error(), "largest amount") {
			t.Errorf("ParseMinor(%q): %v, want an error naming the largest amount", s, err)
		}
	}
	if s, ok := Add(math.MaxInt64-1, 1); !ok || s != math.MaxInt64 {
		t.Errorf("Add at the limit: %d %v", s, ok)
	}
	if _, ok := Add(1<<62, 1<<62); ok {
		t.Error("Add(2^62, 2^62) did not report overflow")
	}
	if _, ok := Add(math.MinInt64, -1); ok {
		t.Error("Add(MinInt64, -1) did not report overflow")
	}
}

package health

import (
	"strings"
	"testing"
)

func TestPreviewChange(t *testing.T) {
	t.Parallel()
	before := mustParse(t, twoGroups)
	// The same scorecard with stricter colours: green from 90.
	after := mustParse(t, strings.Replace(twoGroups, "green_from: 70", "green_from: 90", 1))
	accounts := []Account{
		{Values: *vals("usage.seat_utilisation", 0.7, "support.open_tickets", 0.0, "engagement.days_since_csm_touch", 10.0)}, // 100: green, stays
		{Values: *vals("usage.seat_utilisation", 0.6, "support.open_tickets", 0.0)},                                          // 90: green, stays
		{Values: *vals("usage.seat_utilisation", 0.5, "support.open_tickets", 0.0)},                                          // 80: green → yellow
		{Values: *vals("usage.seat_utilisation", 0.1, "support.open_tickets", 9.0)},                                          // red, stays
		{}, // not enough data
	}
	pv := PreviewChange(before, after, accounts)
	if pv.Changed != 1 || pv.Moves[Green][Yellow] != 1 || pv.Moves[Green][Green] != 2 || pv.Moves[Red][Red] != 1 || pv.Moves[NotEnoughData][NotEnoughData] != 1 {
		t.Errorf("preview %+v", pv)
	}
	if pv.Before[Green] != 3 || pv.After[Green] != 2 || pv.After[Yellow] != 1 {
		t.Errorf("counts %+v %+v", pv.Before, pv.After)
	}
}

func TestScoreAccount(t *testing.T) {
	t.Parallel()
	f := sampleFacts()
	var r Result
	Default().ScoreAccount(f, date("2026-06-30"), &r)
	if r.Scorecard != "default" || r.Colour == NotEnoughData || r.Why == "" {
		t.Errorf("result %s %s %q %q", r.Scorecard, r.Colour, r.Reason, r.Why)
	}
	f.TouchModel = "tech"
	Default().ScoreAccount(f, date("2026-06-30"), &r)
	if r.Scorecard != "tech touch" {
		t.Errorf("tech account scored by %s", r.Scorecard)
	}
}

package web

import (
	"testing"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/revenue"
)

// TestRetentionViews: a built page is reused only while everything it was
// built from is the same; any change to an input is a new key.
func TestRetentionViews(t *testing.T) {
	t.Parallel()
	book := &revenue.Book{}
	day := civil.Date{Year: 2026, Month: 11, Day: 23}
	q3, _ := revenue.ParsePeriod("2026-Q3")
	q2, _ := revenue.ParsePeriod("2026-Q2")
	base := func() *retentionData {
		return &retentionData{book: book, records: []revenue.ChurnRecord{{AccountID: 1, Reason: "price"}},
			csmNames: map[string]string{"a@x.test": "Ann"}, calls: map[revenue.RenewalKey]revenue.Call{}}
	}
	p := retentionParams{Period: q3, By: "tier"}
	key := retentionKey(base(), p, day)
	if again := retentionKey(base(), p, day); again != key {
		t.Fatalf("equal inputs, different keys: %q %q", key, again)
	}
	changes := map[string]func() string{
		"another book": func() string { d := base(); d.book = &revenue.Book{}; return retentionKey(d, p, day) },
		"a churn reason changed": func() string {
			d := base()
			d.records[0].Reason = "budget"
			return retentionKey(d, p, day)
		},
		"a renewal call": func() string {
			d := base()
			d.calls[revenue.RenewalKey{Account: 1}] = revenue.Call{Forecast: revenue.ForecastChurn}
			return retentionKey(d, p, day)
		},
		"a CSM renamed": func() string { d := base(); d.csmNames["a@x.test"] = "Anne"; return retentionKey(d, p, day) },
		"the next day":  func() string { return retentionKey(base(), p, day.AddDays(1)) },
		"another period": func() string {
			return retentionKey(base(), retentionParams{Period: q2, By: "tier"}, day)
		},
		"another slice": func() string { return retentionKey(base(), retentionParams{Period: q3, By: "region"}, day) },
	}
	for what, k := range changes {
		if k() == key {
			t.Errorf("%s: same key", what)
		}
	}
	var c retentionViews
	builds := 0
	build := func() (*retentionView, error) { builds++; return &retentionView{}, nil }
	v1, _ := c.get(key, book, build)
	v2, _ := c.get(key, book, build)
	if builds != 1 || v1 != v2 {
		t.Errorf("same key built %d times", builds)
	}
	c.get(changes["a renewal call"](), book, build)
	if builds != 2 {
		t.Errorf("a new key did not build: %d builds", builds)
	}
}

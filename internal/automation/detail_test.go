package automation

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/scoring"
)

// TestDetailValues: the direct reading gives what encoding/json gives, for
// the details scoring writes and for others.
func TestDetailValues(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	for n := range 500 {
		var v health.Values
		for id := range health.Catalogue() {
			if r.IntN(3) > 0 {
				v.Set(health.MetricID(id), []float64{0, 1, -0.25, 1e-9, 12345.678, r.NormFloat64() * 1000}[r.IntN(6)])
			}
		}
		b, err := json.Marshal(scoring.Detail{Values: v, Scorecard: "tech \"touch\"", Why: "a, b}"})
		if err != nil {
			t.Fatal(err)
		}
		got, ok := fastValues(b)
		if !ok || got != v {
			t.Fatalf("case %d: fast path %v %+v, want %+v from %s", n, ok, got, v, b)
		}
	}
	for _, b := range []string{`{}`, `{"scorecard":"x","values":{"nps.latest":7}}`, `{"values":{"nps.latest":7 }}`, `{"values":{"nps\u002elatest":7}}`} {
		var want scoring.Detail
		if err := json.Unmarshal([]byte(b), &want); err != nil {
			t.Fatal(err)
		}
		got, ok := detailValues([]byte(b))
		if !ok || got != want.Values {
			t.Errorf("%s: %+v, want %+v", b, got, want.Values)
		}
	}
	if _, ok := detailValues([]byte(`{"values":{"nope":1}}`)); ok {
		t.Error("an unknown metric was read")
	}
}

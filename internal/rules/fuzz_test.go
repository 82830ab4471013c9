package rules

import "testing"

// FuzzParse: Parse never panics, and a set it accepts exports to YAML it
// accepts again. Bounded: go test -fuzz FuzzParse -fuzztime 30s.
func FuzzParse(f *testing.F) {
	f.Add([]byte("rules:\n  - name: r\n    trigger: {on: schedule}\n    when: tier == \"a\" and nps.latest < 7\n    actions:\n      - open_cta: {type: risk, reason: \"{{account.name}}\"}\n"))
	f.Add([]byte("rules:\n  - name: r\n    trigger: {on: metric_crossed, metric: usage.trend, direction: below, threshold: -0.3}\n    actions:\n      - close_cta: {outcome: \"{{trigger.value}}\"}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 4096 {
			return
		}
		s, err := Parse(src)
		if err != nil {
			return
		}
		out, err := s.YAML()
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("exported set does not parse: %v\n%s\nfrom\n%s", err, out, src)
		}
	})
}

package health

import "testing"

// FuzzParse: Parse never panics, and a set it accepts exports to YAML it
// accepts again.
func FuzzParse(f *testing.F) {
	// Small seeds: minimising a large interesting input (the 5 KB default set)
	// takes the fuzzer minutes.
	f.Add([]byte(twoGroups))
	f.Add([]byte(card("          - {name: M, formula: 'usage.mau / (usage.dau - 1)', weight: 1, bands: [{to: 1, points: 3}]}\n")))
	f.Fuzz(func(t *testing.T, src []byte) {
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

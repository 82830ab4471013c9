package usage

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func testCatalog(t testing.TB) *Catalog {
	return mustCatalog(t, FeatureConfig{Features: []FeatureDef{
		{Key: "reports", Name: "Reports", Events: []string{"Report Created", "Report Exported"}, HighValue: true},
		{Key: "dashboards", Events: []string{"Dashboard *", "page:Dashboards*"}},
		{Key: "integrations", Events: []string{"Integration ?onnected", "screen:Integrations"}, HighValue: true},
		{Key: "export", Events: []string{"*Exported"}},
		{Key: "literal-star", Events: []string{`Launch \*`}},
	}})
}

func TestClassify(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t)
	ids := func(names ...string) FeatureSet {
		var s FeatureSet
		for _, n := range names {
			f, ok := cat.Lookup(n)
			if !ok {
				t.Fatal(n)
			}
			s.Add(f.ID)
		}
		return s
	}
	tests := []struct {
		t    Type
		name string
		want FeatureSet
	}{
		{TypeTrack, "Report Created", ids("reports")},
		{TypeTrack, "report created", ids("reports")}, // ASCII case is ignored
		{TypeTrack, "Report Exported", ids("reports", "export")},
		{TypeTrack, "CSV Exported", ids("export")},
		{TypeTrack, "Dashboard Viewed", ids("dashboards")},
		{TypeTrack, "Dashboard ", ids("dashboards")},
		{TypeTrack, "Dashboard", FeatureSet{}},
		{TypePage, "Dashboards - Sales", ids("dashboards")},
		{TypePage, "Report Created", FeatureSet{}}, // track patterns do not match pages
		{TypeTrack, "Integration Connected", ids("integrations")},
		{TypeTrack, "Integration connected", ids("integrations")},
		{TypeTrack, "Integration Disconnected", FeatureSet{}},
		{TypeScreen, "integrations", ids("integrations")},
		{TypeTrack, "Launch *", ids("literal-star")},
		{TypeTrack, "Launch x", FeatureSet{}},
		{TypeIdentify, "Report Created", FeatureSet{}},
		{TypeTrack, strings.Repeat("x", 300) + " Exported", ids("export")}, // longer than the stack buffer
	}
	for _, tc := range tests {
		if got := cat.Classify(tc.t, tc.name); got != tc.want {
			t.Errorf("Classify(%v, %q) = %v, want %v", tc.t, tc.name, got, tc.want)
		}
	}
	if cat.Len() != 5 || cat.HighValue().Len() != 2 || cat.All().Len() != 5 {
		t.Errorf("len %d high value %d", cat.Len(), cat.HighValue().Len())
	}
	if f, _ := cat.Lookup("dashboards"); f.Name != "dashboards" {
		t.Errorf("name defaults to key: %+v", f)
	}
}

func TestGlobMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "anything", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"a?c", "aéc", true}, {"*x", "xxxx", true},
		{"**a", "ba", true}, {`a\?`, "a?", true}, {`a\?`, "ab", false}, {"abc", "ABC", true},
	}
	for _, tc := range tests {
		if got := globMatch(foldASCII(tc.p), tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

func TestFeatureConfigErrors(t *testing.T) {
	t.Parallel()
	var cfg FeatureConfig
	err := json.Unmarshal([]byte(`{"features":[
		{"key":"ok","events":["A"]},
		{"key":"","events":["B"]},
		{"key":"Bad Key","events":["C"]},
		{"key":"ok","events":["D"]},
		{"key":"none","events":[]},
		{"key":"empties","events":["E","  ","page:","e"]},
		{"key":"slash","events":["ends with \\"]},
		{"key":"long","name":"`+strings.Repeat("n", 201)+`","events":["F"]}
	]}`), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.Compile()
	var errs ConfigErrors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v", err)
	}
	want := []ConfigError{
		{1, "", "key", "is required"},
		{2, "Bad Key", "key", "may hold only a-z, 0-9, '_', '-' and '.', starting with a letter or digit"},
		{3, "ok", "key", "repeats the key of features[0]"},
		{4, "none", "events", "needs at least one event name or pattern"},
		{5, "empties", "events[1]", "is empty"},
		{5, "empties", "events[2]", "has nothing after its prefix"},
		{5, "empties", "events[3]", "repeats events[0]"},
		{6, "slash", "events[0]", `ends with a lone '\'`},
		{7, "long", "name", "is longer than 200 bytes"},
	}
	if !reflect.DeepEqual([]ConfigError(errs), want) {
		t.Errorf("got\n%v\nwant\n%v", errs, ConfigErrors(want))
	}
	if !strings.Contains(err.Error(), `features[3] ("ok") key: repeats the key of features[0]`) {
		t.Errorf("message: %s", err)
	}

	many := FeatureConfig{}
	for i := 0; i <= MaxFeatures; i++ {
		many.Features = append(many.Features, FeatureDef{Key: "f" + string(rune('a'+i%26)) + strings.Repeat("x", i/26), Events: []string{"E"}})
	}
	if _, err := many.Compile(); err == nil || !strings.Contains(err.Error(), "features[256]") {
		t.Errorf("257 features: %v", err)
	}
	if _, err := (FeatureConfig{}).Compile(); err != nil {
		t.Errorf("an empty config is valid: %v", err)
	}
}

func TestFeatureSet(t *testing.T) {
	t.Parallel()
	var s FeatureSet
	for _, id := range []FeatureID{0, 63, 64, 200, 255} {
		s.Add(id)
	}
	var got []FeatureID
	for id := range s.All() {
		got = append(got, id)
	}
	if !reflect.DeepEqual(got, []FeatureID{0, 63, 64, 200, 255}) || s.Len() != 5 || !s.Has(255) || s.Has(1) {
		t.Errorf("%v", got)
	}
	var o FeatureSet
	o.Add(64)
	o.Add(1)
	if s.Intersect(o).Len() != 1 || s.Union(o).Len() != 6 || !(FeatureSet{}).Empty() {
		t.Error("set algebra")
	}
}

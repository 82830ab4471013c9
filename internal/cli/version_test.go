package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	t.Parallel()
	vcs := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261206205402-3594847c0ffe+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "3594847c0ffee3594847c0ffee3594847c0ffee0"},
			{Key: "vcs.time", Value: "2026-12-06T20:54:02Z"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tc := range []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  build
	}{
		{"make build stamps all three", "v0.3.0-4-g3594847", "3594847c0ffee3594847c0ffee3594847c0ffee0", "2026-12-06T21:00:00Z", nil,
			build{Version: "v0.3.0-4-g3594847", Commit: "3594847c0ffee3594847c0ffee3594847c0ffee0", Date: "2026-12-06T21:00:00Z"}},
		{"a dirty tree", "3594847-dirty", "3594847c0ffee3594847c0ffee3594847c0ffee0", "2026-12-06T21:00:00Z", nil,
			build{Version: "3594847-dirty", Commit: "3594847c0ffee3594847c0ffee3594847c0ffee0", Date: "2026-12-06T21:00:00Z", Modified: true}},
		{"go build in a clone", "", "", "", vcs,
			build{Version: "v0.0.0-20261206205402-3594847c0ffe+dirty", Commit: "3594847c0ffee3594847c0ffee3594847c0ffee0", CommitDate: "2026-12-06T20:54:02Z", Modified: true}},
		{"stamped values win over build info", "v1.0.0", "abc", "2027-01-01T00:00:00Z", vcs,
			build{Version: "v1.0.0", Commit: "abc", Date: "2027-01-01T00:00:00Z", CommitDate: "2026-12-06T20:54:02Z", Modified: true}},
		{"go run: nothing known", "", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, build{Version: "dev"}},
		{"no build info at all", "", "", "", nil, build{Version: "dev"}},
	} {
		got := describeBuild(tc.version, tc.commit, tc.date, tc.bi)
		got.Go = ""
		if got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	out, _, err := run(t, t.TempDir(), "version")
	for _, want := range []string{"tend ", "\n  commit  ", "\n  built   ", "\n  go      go1."} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("tend version lacks %q: %v\n%s", want, err, out)
		}
	}
}

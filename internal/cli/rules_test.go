package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/rules"
)

// TestRulesCommands: a bad rule set is refused with exit code 2 and its
// line and column; a good one becomes version 1, exports as written, and
// dry-runs and runs over the accounts.
func TestRulesCommands(t *testing.T) {
	t.Parallel()
	dir := seededDir(t, false)
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	src := "rules:\n  - name: r\n    trigger: {on: schedule}\n    when: tier == \"a\" or nps.lates < 7\n    actions:\n      - open_cta: {type: risk, reason: \"{{account.nam}}\"}\n"
	if err := os.WriteFile(bad, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, dir, "rules", "apply", bad)
	var ex exitError
	if !errors.As(err, &ex) || ex.code != 2 || !strings.Contains(ex.msg, bad+":4:26: rules[0].when: unknown name \"nps.lates\"") ||
		!strings.Contains(ex.msg, bad+":6:43:") {
		t.Fatalf("bad set: %v", err)
	}
	good := filepath.Join(t.TempDir(), "good.yaml")
	if err := os.WriteFile(good, []byte(strings.NewReplacer(`tier == "a" or nps.lates < 7`, `tier != "a"`, "account.nam", "account.name").Replace(src)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, dir, "rules", "apply", "--dry-run", good)
	if err != nil || !strings.Contains(out, "dry run: nothing was stored") || !strings.Contains(out, "r: 3 open") {
		t.Fatalf("apply --dry-run: %q %v", out, err)
	}
	out, _, err = run(t, dir, "rules", "versions")
	if err != nil || !strings.Contains(out, "0        yes") || strings.Contains(out, "\n1 ") {
		t.Fatalf("a dry run stored a version: %q %v", out, err)
	}
	if out, _, err = run(t, dir, "rules", "apply", "--note", "first", good); err != nil || !strings.Contains(out, "rules version 1 is in force") {
		t.Fatalf("apply: %q %v", out, err)
	}
	out, _, err = run(t, dir, "rules", "export")
	if err != nil || !strings.Contains(out, `tier != "a"`) {
		t.Fatalf("export: %q %v", out, err)
	}
	if out, _, err = run(t, dir, "rules", "export", "--version", "0"); err != nil || out != string(rules.DefaultYAML()) {
		t.Fatalf("export of version 0: %v", err)
	}
	if out, _, err = run(t, dir, "rules", "run"); err != nil || !strings.Contains(out, "rules version 1") || !strings.Contains(out, "CTAs: 3 created") {
		t.Fatalf("run: %q %v", out, err)
	}
	if _, _, err = run(t, dir, "rules", "firings", "--rule", "r"); err != nil {
		t.Fatalf("firings: %v", err)
	}
}

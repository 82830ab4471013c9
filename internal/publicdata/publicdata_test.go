package publicdata

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a test that notes how Dir ended it instead of ending.
type recorder struct {
	*testing.T
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

// TestDir: a present set is returned; a missing one skips with one line
// naming the folder, or fails under TEND_REQUIRE_SHARED_DATA=1.
func TestDir(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "present"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEND_SHARED_DATA", root)
	missing := filepath.Join(root, "missing")

	t.Setenv("TEND_REQUIRE_SHARED_DATA", "")
	r := &recorder{T: t}
	if got := Dir(r, "present"); got != filepath.Join(root, "present") || r.skipped+r.failed != "" {
		t.Errorf("present set: %q, skipped %q, failed %q", got, r.skipped, r.failed)
	}
	r = &recorder{T: t}
	Dir(r, "missing")
	if !strings.HasPrefix(r.skipped, SkipMessage) || !strings.Contains(r.skipped, missing) ||
		strings.Contains(r.skipped, "\n") || r.failed != "" {
		t.Errorf("missing set: skipped %q, failed %q", r.skipped, r.failed)
	}

	t.Setenv("TEND_REQUIRE_SHARED_DATA", "1")
	r = &recorder{T: t}
	Dir(r, "missing")
	if !strings.Contains(r.failed, missing) || r.skipped != "" {
		t.Errorf("missing set, required: skipped %q, failed %q", r.skipped, r.failed)
	}
}

// TestFindBesideModule: without TEND_SHARED_DATA the sets are looked for in
// shared/data beside the module's root.
func TestFindBesideModule(t *testing.T) {
	t.Setenv("TEND_SHARED_DATA", "")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(wd))), "shared", "data", "no-such-set")
	if _, err := Find("no-such-set"); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Find: %v, want an error naming %s", err, want)
	}
}

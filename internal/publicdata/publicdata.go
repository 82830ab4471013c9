// Package publicdata finds, for tests, the third-party public data sets
// (RavenStack, Segment's Go library fixtures, …) that live outside the
// repository: in ../shared/data beside its root, or in the folder named by
// TEND_SHARED_DATA. A test that needs one calls Dir, which skips the test
// with one line naming the missing folder — or, with
// TEND_REQUIRE_SHARED_DATA=1 (as in CI), fails it.
package publicdata

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// SkipMessage starts the line a test prints when it skips for want of data.
const SkipMessage = "shared data tests SKIPPED"

// Dir returns the folder of the data set named set (e.g. "ravenstack"),
// skipping the test when it is absent (failing it under
// TEND_REQUIRE_SHARED_DATA=1).
func Dir(tb testing.TB, set string) string {
	tb.Helper()
	dir, err := Find(set)
	if err == nil {
		return dir
	}
	if os.Getenv("TEND_REQUIRE_SHARED_DATA") == "1" {
		tb.Fatalf("TEND_REQUIRE_SHARED_DATA=1 but %v", err)
		return ""
	}
	tb.Skipf("%s: %v (README.md, \"Tests and the public data sets\")", SkipMessage, err)
	return ""
}

// Find returns the folder of the data set named set, or an error naming
// the folder it looked for.
func Find(set string) (string, error) {
	root := os.Getenv("TEND_SHARED_DATA")
	if root == "" {
		mod, err := moduleRoot()
		if err != nil {
			return "", err
		}
		root = filepath.Join(filepath.Dir(mod), "shared", "data")
	}
	dir := filepath.Join(root, set)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("%s is missing", dir)
	}
	return dir, nil
}

// moduleRoot is the nearest folder at or above the working directory (a
// test's package folder) holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = up
	}
}

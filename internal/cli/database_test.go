package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readCommands only read, or change what is already there: none may
// create a database.
var readCommands = [][]string{
	{"metrics", "retention"},
	{"metrics", "churn"},
	{"metrics", "pipeline"},
	{"metrics", "cohorts"},
	{"export", "accounts"},
	{"usage", "account", "acme"},
	{"usage", "features"},
	{"usage", "rebuild"},
	{"user", "list"},
	{"user", "disable", "a@b.c"},
	{"token", "list"},
	{"token", "revoke", "1"},
	{"writekey", "list"},
	{"rates", "list"},
}

// TestReadCommandsCreateNoDatabase checks that a command that only reads,
// run where there is no database, creates none and says where it looked
// and how to make one (it used to create an empty file and then fail with
// "schema is version 0").
func TestReadCommandsCreateNoDatabase(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	for _, args := range readCommands {
		_, _, err := run(t, dir, args...)
		want := filepath.Join(dir, "tend.db")
		if err == nil || !strings.Contains(err.Error(), "no Tend database at "+want) ||
			!strings.Contains(err.Error(), "tend serve --demo") || !strings.Contains(err.Error(), "tend migrate") {
			t.Errorf("tend %s: %v; want it to say there is no database at %s and how to make one", strings.Join(args, " "), err, want)
		}
		_, _, err = run(t, dir, append([]string{"--demo"}, args...)...)
		if err == nil || !strings.Contains(err.Error(), "no demo database at "+filepath.Join(dir, DemoFile)) {
			t.Errorf("tend --demo %s: %v; want it to say there is no demo database", strings.Join(args, " "), err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("tend %s created %s", strings.Join(args, " "), dir)
		}
	}
	// A database file without Tend's schema (left by an older tend) is no
	// database either.
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tend.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, dir, "metrics", "retention"); err == nil || !strings.Contains(err.Error(), "no Tend database at") {
		t.Errorf("an empty database file: %v; want it to say there is no database", err)
	}
}

// TestDemoDatabase checks that --demo works on the demo database, apart
// from the real one: built by `tend --demo demo` here (by `tend serve
// --demo` in use), read by `tend --demo metrics …`.
func TestDemoDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if out, _, err := run(t, dir, "--demo", "demo", "--accounts", "30", "--usage-days", "0"); err != nil {
		t.Fatalf("tend --demo demo: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, DemoFile)); err != nil {
		t.Fatalf("the demo database: %v", err)
	}
	out, _, err := run(t, dir, "--demo", "metrics", "retention", "--format", "csv")
	if err != nil || !strings.Contains(out, "grr") && !strings.Contains(out, "GRR") {
		t.Errorf("tend --demo metrics retention: %v\n%s", err, out)
	}
	out, _, err = run(t, dir, "--demo", "user", "list")
	if err != nil || !strings.Contains(out, ".example") {
		t.Errorf("tend --demo user list: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "tend.db")); !os.IsNotExist(err) {
		t.Errorf("the real database was touched: %v", err)
	}
	if _, _, err := run(t, dir, "--demo", "--database-url", "postgres://x@y/z", "user", "list"); err == nil || !strings.Contains(err.Error(), "--demo") {
		t.Errorf("--demo with --database-url: %v; want a refusal", err)
	}
}

func TestDemoCommand(t *testing.T) {
	t.Setenv("TEND_DATA_DIR", "")
	os.Unsetenv("TEND_DATA_DIR")
	e := &env{flags: New()}
	if got := e.demoCommand("metrics retention"); !strings.HasSuffix(got, " --demo metrics retention") || strings.Contains(got, "--data-dir") {
		t.Errorf("default data directory: %q", got)
	}
	root := New()
	if err := root.PersistentFlags().Set("data-dir", "/srv/tend"); err != nil {
		t.Fatal(err)
	}
	e = &env{flags: root}
	e.cfg.DataDir = "/srv/tend"
	if got := e.demoCommand("user list"); !strings.HasSuffix(got, " --data-dir /srv/tend --demo user list") {
		t.Errorf("another data directory: %q", got)
	}
}

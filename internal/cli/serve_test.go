package cli

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true, "127.0.0.2:1": true,
		"0.0.0.0:8080": false, ":8080": false, "10.0.0.5:80": false, "example.com:80": false, "8080": false,
	} {
		if got := isLoopback(addr); got != ok {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, ok)
		}
	}
}

func TestMigrateConfigVersion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, _, err := run(t, dir, "migrate")
	if err != nil || !strings.Contains(out, "migrated sqlite database to schema version") {
		t.Fatalf("first migrate: %q %v", out, err)
	}
	out, _, err = run(t, dir, "migrate")
	if err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %q %v", out, err)
	}
	out, _, err = run(t, dir, "config", "--database-url", "postgres://tend:hunter2@db/tend")
	if err != nil || strings.Contains(out, "hunter2") || !strings.Contains(out, "tend:********@db") {
		t.Fatalf("config shows secrets or fails: %q %v", out, err)
	}
	out, _, err = run(t, dir, "version")
	if err != nil || !strings.HasPrefix(out, "tend ") {
		t.Fatalf("version: %q %v", out, err)
	}
}

// TestServerFlagsOnServeOnly checks that the options only the server reads
// are flags of `tend serve` (and `tend config`, which shows them) and of no
// other command, and that their variables still reach serve and config.
func TestServerFlagsOnServeOnly(t *testing.T) {
	// The last three are ingestion's: import events reads them too.
	serverOnly := []string{"listen", "https", "shutdown-timeout", "no-migrate", "usage-raw-retention", "usage-retention", "usage-dedupe-window"}
	root := New()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		switch c.Name() {
		case "serve", "config":
			for _, f := range serverOnly {
				if c.Flags().Lookup(f) == nil {
					t.Errorf("tend %s lacks --%s", c.Name(), f)
				}
			}
			return
		}
		for i, f := range serverOnly {
			if i >= 4 && c.Name() == "import" { // import events ingests usage as serve does
				continue
			}
			if i >= 2 && c.Name() == "work" { // the workers stop, migrate and prune as serve does
				continue
			}
			if c.LocalFlags().Lookup(f) != nil || c.InheritedFlags().Lookup(f) != nil {
				t.Errorf("%q lists the server's --%s", c.CommandPath(), f)
			}
		}
	}
	walk(root)

	t.Setenv("TEND_LISTEN", "127.0.0.1:9999")
	t.Setenv("TEND_SHUTDOWN_TIMEOUT", "3s")
	out, _, err := run(t, t.TempDir(), "config")
	for _, want := range []string{`--listen +TEND_LISTEN +127\.0\.0\.1:9999 +env TEND_LISTEN\n`,
		`--shutdown-timeout +TEND_SHUTDOWN_TIMEOUT +3s +env TEND_SHUTDOWN_TIMEOUT\n`, `--https +TEND_HTTPS +false +default\n`} {
		if err != nil || !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("tend config lacks %s: %v\n%s", want, err, out)
		}
	}
	// serve reads TEND_LISTEN: it tries to listen there, and fails. (Were
	// the variable ignored, it would serve on the default address until
	// the deadline.)
	t.Setenv("TEND_LISTEN", "not-an-address")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	root = New()
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	root.SetArgs([]string{"--data-dir", t.TempDir(), "--log-level", "warn", "serve"})
	if err := root.ExecuteContext(ctx); err == nil || !strings.Contains(err.Error(), "listen on not-an-address") {
		t.Errorf("serve with TEND_LISTEN=not-an-address: %v; want it to try that address", err)
	}
}

// TestHelp checks what `tend --help` promises and that every flag's help
// reads as written (pflag takes a `quoted` word in a flag's help as the
// name of its value).
func TestHelp(t *testing.T) {
	t.Parallel()
	out, _, err := run(t, t.TempDir(), "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, promise := range []string{"playbooks", "real time"} {
		if strings.Contains(out, promise) {
			t.Errorf("tend --help promises %q, which Tend does not do yet:\n%s", promise, out)
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if strings.Contains(f.Usage, "`") {
				t.Errorf("%s --%s: help %q has a backquote, which garbles it", c.CommandPath(), f.Name, f.Usage)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(New())
	out, _, err = run(t, t.TempDir(), "serve", "--help")
	if err != nil || !strings.Contains(out, "--usage-retention duration") {
		t.Errorf("serve --help: %v\n%s", err, out)
	}
}

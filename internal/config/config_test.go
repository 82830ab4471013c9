package config

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestEnvFlagsAndMasking(t *testing.T) {
	t.Setenv("TEND_DATABASE_URL", "postgres://tend:s3cret@db.example/tend")
	t.Setenv("TEND_LOG_LEVEL", "debug")
	var c Config
	fs := pflag.NewFlagSet("tend", pflag.ContinueOnError)
	Bind(&c, fs, Global, Server, Ingestion, Matching)
	if err := fs.Parse([]string{"--listen", "127.0.0.1:9999"}); err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(&c, fs); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9999" || c.LogLevel != "debug" || c.DataDir != "./tend-data" || !strings.Contains(c.DatabaseURL, "s3cret") {
		t.Fatalf("effective config: %+v", c)
	}
	var dump strings.Builder
	for _, e := range Dump(fs) {
		dump.WriteString(e.Flag + "=" + e.Value + " (" + e.Source + ")\n")
	}
	out := dump.String()
	for _, want := range []string{"listen=127.0.0.1:9999 (flag)", "log-level=debug (env TEND_LOG_LEVEL)", "data-dir=./tend-data (default)", "tend:********@db.example"} {
		if !strings.Contains(out, want) {
			t.Errorf("dump lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "s3cret") {
		t.Fatalf("dump shows the password:\n%s", out)
	}
}

func TestRejectsBadValues(t *testing.T) {
	for _, tc := range []struct{ env, val, want string }{
		{"TEND_DATABASE_URL", "mysql://x", "database-url"},
		{"TEND_LOG_LEVEL", "loud", "log-level"},
		{"TEND_SHUTDOWN_TIMEOUT", "soon", "TEND_SHUTDOWN_TIMEOUT"},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(tc.env, tc.val)
			var c Config
			fs := pflag.NewFlagSet("tend", pflag.ContinueOnError)
			Bind(&c, fs, Global, Server, Ingestion, Matching)
			err := ApplyEnv(&c, fs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error naming %s, got %v", tc.want, err)
			}
		})
	}
}

// TestGroups checks that each command gets the flags of the groups it
// asks for, and that an option without its flag keeps its zero value
// whatever its variable says.
func TestGroups(t *testing.T) {
	t.Setenv("TEND_LISTEN", "0.0.0.0:1")
	var c Config
	fs := pflag.NewFlagSet("tend metrics", pflag.ContinueOnError)
	Bind(&c, fs, Global)
	for _, name := range []string{"listen", "https", "shutdown-timeout", "no-migrate", "usage-retention", "usage-match-field"} {
		if fs.Lookup(name) != nil {
			t.Errorf("a global flag set has --%s", name)
		}
	}
	if fs.Lookup("data-dir") == nil || fs.Lookup("log-level") == nil {
		t.Errorf("a global flag set lacks --data-dir or --log-level")
	}
	if err := ApplyEnv(&c, fs); err != nil || c.Listen != "" {
		t.Errorf("listen = %q (%v), want it untouched", c.Listen, err)
	}
	Bind(&c, fs, Server)
	if err := ApplyEnv(&c, fs); err != nil || c.Listen != "0.0.0.0:1" {
		t.Errorf("with the server's flags, listen = %q (%v)", c.Listen, err)
	}
	for _, o := range options {
		n := 0
		for _, g := range []Group{Global, Server, Ingestion, Matching} {
			f := pflag.NewFlagSet("x", pflag.ContinueOnError)
			Bind(&Config{}, f, g)
			if f.Lookup(o.flag) != nil {
				n++
			}
		}
		if n != 1 {
			t.Errorf("--%s is in %d groups, want 1", o.flag, n)
		}
		if strings.Contains(o.usage, "`") {
			t.Errorf("--%s: a backquote in the help becomes the name of the value: %q", o.flag, o.usage)
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"":                                    "",
		"postgres://u:p@h/db?sslmode=disable": "postgres://u:********@h/db?sslmode=disable",
		"postgres://u@h/db":                   "postgres://u@h/db",
		"plainsecret":                         "********",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

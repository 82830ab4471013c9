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
	Bind(&c, fs)
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
			Bind(&c, fs)
			err := ApplyEnv(&c, fs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error naming %s, got %v", tc.want, err)
			}
		})
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

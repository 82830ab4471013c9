// Package config is Tend's typed configuration: every option has a flag, a
// TEND_* environment variable, a default and a description, in one table.
// Each option is a flag only of the commands that read it (its Group): the
// server's of `tend serve`, ingestion's of the commands that ingest usage;
// every variable works the same wherever its flag is. Secrets are masked whenever the configuration
// is shown.
package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Config is the effective configuration of one tend process.
type Config struct {
	DataDir         string
	DatabaseURL     string
	Listen          string
	LogLevel        string
	LogFormat       string
	NoMigrate       bool
	HTTPS           bool
	ShutdownTimeout time.Duration

	// Scheduled backups of the embedded database (tend serve).
	BackupDir   string
	BackupEvery time.Duration
	BackupKeep  int

	// Usage ingestion.
	UsageMatchField   string
	UsageRawRetention time.Duration
	UsageRetention    time.Duration
	UsageDedupeWindow time.Duration
}

// option binds one field of Config to its flag and environment variable.
type option struct {
	flag, env, def, usage string
	secret                bool
	group                 Group
	bind                  func(c *Config, fs *pflag.FlagSet, o option)
}

// Group says which commands take an option as a flag.
type Group int

const (
	// Global options are flags of every command: where the data is, logging.
	Global Group = iota
	// Server options only `tend serve` reads: where to listen, HTTPS,
	// shutdown, migrating on start.
	Server
	// Ingestion options are read wherever usage is ingested: `tend serve`
	// and `tend import events`.
	Ingestion
	// Matching options say how usage is tied to accounts: read where usage
	// is ingested and by `tend usage rebuild`.
	Matching
)

func str(p func(*Config) *string) func(*Config, *pflag.FlagSet, option) {
	return func(c *Config, fs *pflag.FlagSet, o option) { fs.StringVar(p(c), o.flag, o.def, o.usage) }
}

var options = []option{
	{flag: "data-dir", env: "TEND_DATA_DIR", def: "./tend-data", usage: "directory of the embedded SQLite database",
		bind: str(func(c *Config) *string { return &c.DataDir })},
	{flag: "database-url", env: "TEND_DATABASE_URL", usage: "postgres://… to use PostgreSQL instead of the embedded SQLite", secret: true,
		bind: str(func(c *Config) *string { return &c.DatabaseURL })},
	{flag: "listen", env: "TEND_LISTEN", def: "127.0.0.1:8080", usage: "address the web UI and API listen on", group: Server,
		bind: str(func(c *Config) *string { return &c.Listen })},
	{flag: "log-level", env: "TEND_LOG_LEVEL", def: "info", usage: "debug, info, warn or error",
		bind: str(func(c *Config) *string { return &c.LogLevel })},
	{flag: "log-format", env: "TEND_LOG_FORMAT", def: "text", usage: "text or json",
		bind: str(func(c *Config) *string { return &c.LogFormat })},
	{flag: "no-migrate", env: "TEND_NO_MIGRATE", def: "false", usage: "do not migrate the schema on start (refuse to run on an old one)", group: Server,
		bind: func(c *Config, fs *pflag.FlagSet, o option) { fs.BoolVar(&c.NoMigrate, o.flag, false, o.usage) }},
	{flag: "https", env: "TEND_HTTPS", def: "false", usage: "Tend is reached over HTTPS (say, behind a TLS proxy): session cookies are sent only over HTTPS", group: Server,
		bind: func(c *Config, fs *pflag.FlagSet, o option) { fs.BoolVar(&c.HTTPS, o.flag, false, o.usage) }},
	{flag: "shutdown-timeout", env: "TEND_SHUTDOWN_TIMEOUT", def: "15s", usage: "how long serve waits for requests in flight on SIGINT/SIGTERM", group: Server,
		bind: func(c *Config, fs *pflag.FlagSet, o option) {
			fs.DurationVar(&c.ShutdownTimeout, o.flag, 15*time.Second, o.usage)
		}},
	{flag: "backup-dir", env: "TEND_BACKUP_DIR", usage: "directory for scheduled backups of the embedded database (empty: none)", group: Server,
		bind: str(func(c *Config) *string { return &c.BackupDir })},
	{flag: "backup-every", env: "TEND_BACKUP_EVERY", def: "0s", usage: "how often to back up to --backup-dir (0s: daily at 02:00 UTC)", group: Server,
		bind: dur(func(c *Config) *time.Duration { return &c.BackupEvery }, 0)},
	{flag: "backup-keep", env: "TEND_BACKUP_KEEP", def: "7", usage: "how many scheduled backups to keep in --backup-dir (older ones are deleted)", group: Server,
		bind: func(c *Config, fs *pflag.FlagSet, o option) { fs.IntVar(&c.BackupKeep, o.flag, 7, o.usage) }},
	{flag: "usage-match-field", env: "TEND_USAGE_MATCH_FIELD", def: "product_id", usage: "account field a Segment groupId names: product_id, external_id or billing_id", group: Matching,
		bind: str(func(c *Config) *string { return &c.UsageMatchField })},
	{flag: "usage-raw-retention", env: "TEND_USAGE_RAW_RETENTION", def: "2160h", usage: "how long the raw JSON of usage messages is kept for drill-down (-1s: forever)", group: Ingestion,
		bind: dur(func(c *Config) *time.Duration { return &c.UsageRawRetention }, 90*24*time.Hour)},
	{flag: "usage-retention", env: "TEND_USAGE_RETENTION", def: "9600h", usage: "how long usage messages are kept, for 'tend usage rebuild' (-1s: forever; at least the dedupe window)", group: Ingestion,
		bind: dur(func(c *Config) *time.Duration { return &c.UsageRetention }, 400*24*time.Hour)},
	{flag: "usage-dedupe-window", env: "TEND_USAGE_DEDUPE_WINDOW", def: "24h", usage: "a retried messageId within this window is not counted twice (at least 24h)", group: Ingestion,
		bind: dur(func(c *Config) *time.Duration { return &c.UsageDedupeWindow }, 24*time.Hour)},
}

func dur(p func(*Config) *time.Duration, def time.Duration) func(*Config, *pflag.FlagSet, option) {
	return func(c *Config, fs *pflag.FlagSet, o option) { fs.DurationVar(p(c), o.flag, def, o.usage) }
}

// Bind registers the options of the groups given as flags on fs, writing
// into c.
func Bind(c *Config, fs *pflag.FlagSet, groups ...Group) {
	for _, o := range options {
		if slices.Contains(groups, o.group) {
			o.bind(c, fs, o)
		}
	}
}

// ApplyEnv fills every option bound on fs and not set by a flag from its
// TEND_* variable (or TEND_*_FILE, for secrets kept in files), then checks
// the result. Options not bound on fs keep their zero value.
func ApplyEnv(c *Config, fs *pflag.FlagSet) error {
	for _, o := range options {
		f := fs.Lookup(o.flag)
		if f == nil || f.Changed {
			continue
		}
		v, ok := os.LookupEnv(o.env)
		if file, fok := os.LookupEnv(o.env + "_FILE"); !ok && fok {
			b, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("%s_FILE: %w", o.env, err)
			}
			v, ok = strings.TrimSpace(string(b)), true
		}
		if !ok {
			continue
		}
		if err := f.Value.Set(v); err != nil {
			return fmt.Errorf("%s=%q: %w", o.env, v, err)
		}
	}
	return c.check()
}

func (c *Config) check() error {
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return fmt.Errorf("database-url: want postgres://user:pass@host/db, got %q", Mask(c.DatabaseURL))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log-level: %q is not debug, info, warn or error", c.LogLevel)
	}
	switch c.UsageMatchField {
	case "", "product_id", "external_id", "billing_id":
	default:
		return fmt.Errorf("usage-match-field: %q is not product_id, external_id or billing_id", c.UsageMatchField)
	}
	if c.UsageDedupeWindow != 0 && c.UsageDedupeWindow < 24*time.Hour {
		return fmt.Errorf("usage-dedupe-window: %s is shorter than 24h", c.UsageDedupeWindow)
	}
	if c.UsageRetention > 0 && c.UsageRetention < c.UsageDedupeWindow {
		return fmt.Errorf("usage-retention: %s is shorter than the dedupe window (%s): retries could be counted twice", c.UsageRetention, c.UsageDedupeWindow)
	}
	if c.BackupDir != "" && c.DatabaseURL != "" {
		return fmt.Errorf("backup-dir: scheduled backups copy the embedded database; with PostgreSQL back up with pg_dump (docs/operations.md)")
	}
	if c.BackupDir != "" && (c.BackupKeep < 1 || c.BackupEvery < 0) {
		return fmt.Errorf("backup-keep must be at least 1 (got %d) and backup-every not negative (got %s)", c.BackupKeep, c.BackupEvery)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("log-format: %q is not text or json", c.LogFormat)
	}
	return nil
}

// SQLitePath is the database file inside the data directory.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "tend.db") }

// Mask hides the password in a URL-shaped secret, or all of any other secret.
func Mask(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return "********"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return strings.Replace(u.String(), "xxxxx", "********", 1)
}

// Entry is one line of the effective configuration.
type Entry struct {
	Flag, Env, Value, Source string
}

// Dump lists the effective configuration with secrets masked, saying where
// each value came from (flag, environment or default).
func Dump(fs *pflag.FlagSet) []Entry {
	var out []Entry
	for _, o := range options {
		f := fs.Lookup(o.flag)
		if f == nil {
			continue
		}
		v := f.Value.String()
		if o.secret {
			v = Mask(v)
		}
		src := "default"
		if f.Changed {
			src = "flag"
		} else if _, ok := os.LookupEnv(o.env); ok {
			src = "env " + o.env
		} else if _, ok := os.LookupEnv(o.env + "_FILE"); ok {
			src = "env " + o.env + "_FILE"
		}
		out = append(out, Entry{Flag: o.flag, Env: o.env, Value: v, Source: src})
	}
	return out
}

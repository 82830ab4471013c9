package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/backup"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite"
)

// TestBackupRestoreUnderWrites backs up the demo company, with usage,
// health scores, a user's password and an API token, while a writer keeps
// adding timeline entries, then restores it into a new data directory:
// every table's rows as the manifest counts them, the snapshot between
// the writer's counts before and after, the password signs in, the token
// is valid and the health scores are the same.
func TestBackupRestoreUnderWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, dir2 := t.TempDir(), filepath.Join(t.TempDir(), "restored")
	if out, err := runIn(t, dir, "", "demo", "--accounts", "60", "--usage-days", "20"); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	const pass = "a long enough passphrase"
	if out, err := runIn(t, dir, pass+"\n", "user", "create", "keeper@tend.test", "--password-stdin", "--role", "admin"); err != nil {
		t.Fatalf("user: %v\n%s", err, out)
	}
	out, err := runIn(t, dir, "", "token", "create", "nightly", "--user", "keeper@tend.test")
	secret := regexp.MustCompile(`tend_\S{43}`).FindString(out)
	if err != nil || secret == "" {
		t.Fatalf("token: %v\n%s", err, out)
	}

	st, err := sqlite.Open(ctx, filepath.Join(dir, "tend.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	today := civil.Today()
	scores, err := st.HealthScoresOn(ctx, today)
	if err != nil || len(scores) == 0 {
		t.Fatalf("the demo has no health scores today: %d, %v", len(scores), err)
	}
	before, err := st.Activities().Count(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}

	// A writer that keeps adding timeline entries until told to stop.
	var (
		written atomic.Int64
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		werr    error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			a := customer.Activity{AccountID: scores[0].AccountID, Kind: "note", OccurredAt: time.Now(), Subject: fmt.Sprintf("written during the backup %d", i)}
			if err := st.Activities().Create(ctx, &a); err != nil {
				werr = err
				return
			}
			written.Add(1)
		}
	}()
	waitFor(t, func() bool { return written.Load() >= 5 })
	atStart := written.Load()
	file := filepath.Join(t.TempDir(), "tend.backup")
	out, err = runIn(t, dir, "", "backup", file)
	atEnd := written.Load()
	close(stop)
	wg.Wait()
	if err != nil || werr != nil {
		t.Fatalf("backup: %v (writer: %v)\n%s", err, werr, out)
	}
	if atEnd == atStart {
		t.Logf("no write landed while the backup ran (%d before it)", atStart)
	}

	out, err = runIn(t, dir2, "", "restore", file)
	if err != nil || !strings.Contains(out, "all as the manifest counts them") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	m, err := backup.Restore(file, filepath.Join(t.TempDir(), "again.db"), func(backup.Manifest) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	_, rows, err := sqlite.Inspect(ctx, filepath.Join(dir2, "tend.db"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, m.Rows) {
		t.Errorf("restored rows differ from the manifest:\n got %v\nwant %v", rows, m.Rows)
	}
	if got := m.Rows["activities"]; got < int64(before)+atStart || got > int64(before)+atEnd+1 { // +1: a commit counted just after atEnd was read
		t.Errorf("the snapshot holds %d activities; between %d and %d were there while it ran", got, int64(before)+atStart, int64(before)+atEnd)
	}
	for _, table := range []string{"accounts", "usage_messages", "usage_days", "health_scores", "users", "api_tokens"} {
		if m.Rows[table] == 0 {
			t.Errorf("the manifest counts no %s", table)
		}
	}

	rs, err := sqlite.Open(ctx, filepath.Join(dir2, "tend.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	if _, hash, _, err := rs.Password(ctx, "keeper@tend.test"); err != nil || !auth.VerifyPassword(hash, pass) {
		t.Errorf("the password does not sign in after restore (%v)", err)
	}
	tok, u, err := rs.TokenByHash(ctx, auth.HashSecret(secret))
	if err != nil || !tok.Live(time.Now()) || u.Email != "keeper@tend.test" {
		t.Errorf("the token is not valid after restore: %+v %v", tok, err)
	}
	got, err := rs.HealthScoresOn(ctx, today)
	if err != nil || !reflect.DeepEqual(got, scores) {
		t.Errorf("health scores after restore differ (%d, was %d): %v", len(got), len(scores), err)
	}
}

func TestRestoreRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	if out, err := runIn(t, dir, "", "migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	file := filepath.Join(t.TempDir(), "b.tgz")
	if out, err := runIn(t, dir, "", "backup", file); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}

	// Into a data directory that holds something.
	if _, err := runIn(t, dir, "", "restore", file); err == nil || !strings.Contains(err.Error(), "not empty (it holds tend.db") {
		t.Errorf("restore over a database: %v", err)
	}

	// A truncated file.
	whole, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cut := file + ".cut"
	if err := os.WriteFile(cut, whole[:len(whole)*2/3], 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "new")
	if _, err := runIn(t, empty, "", "restore", cut); !errors.Is(err, backup.ErrDamaged) {
		t.Errorf("restore of a truncated backup: %v", err)
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("a refused restore left %v", ents)
	}

	// A schema newer than this binary knows.
	st, err := sqlite.Open(ctx, filepath.Join(dir, "tend.db"))
	if err != nil {
		t.Fatal(err)
	}
	newest, _ := sqlite.Newest()
	if _, err := st.W.ExecContext(ctx, "INSERT INTO schema_version (version) VALUES (?)", newest+1); err != nil {
		t.Fatal(err)
	}
	st.Close()
	newer := filepath.Join(t.TempDir(), "newer.tgz")
	if out, err := runIn(t, dir, "", "backup", newer); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if _, err := runIn(t, empty, "", "restore", newer); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema version %d, newer than this Tend", newest+1)) {
		t.Errorf("restore of a newer schema: %v", err)
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("a refused restore left %v", ents)
	}

	// The good backup restores into the still-empty directory.
	if out, err := runIn(t, empty, "", "restore", file); err != nil {
		t.Errorf("restore: %v\n%s", err, out)
	}
}

func TestBackupNeedsADatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := runIn(t, dir, "", "backup", filepath.Join(dir, "b.tgz")); err == nil || !strings.Contains(err.Error(), "no Tend database") {
		t.Errorf("backup without a database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "tend.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("backup created a database")
	}
}

// waitFor waits, up to ten seconds, for cond to hold.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("gave up waiting after 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestScheduledBackups runs tend serve with a backup every second keeping
// two: backups appear, the oldest are deleted, and the newest restores.
func TestScheduledBackups(t *testing.T) {
	t.Parallel()
	dir, backups := t.TempDir(), t.TempDir()
	if out, err := runIn(t, dir, "", "migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := New()
	var out syncBuffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"--data-dir", dir, "--log-level", "warn", "serve", "--listen", "127.0.0.1:0",
		"--backup-dir", backups, "--backup-every", "1s", "--backup-keep", "2"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	list := func() []string {
		ents, _ := os.ReadDir(backups)
		var names []string
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".tend") {
				names = append(names, e.Name())
			}
		}
		return names
	}
	var first string
	deadline := time.Now().Add(60 * time.Second)
	for {
		names := list()
		if first == "" && len(names) > 0 {
			first = names[0]
		}
		if first != "" && len(names) == 2 && !slices.Contains(names, first) {
			break
		}
		if len(names) > 2 {
			t.Fatalf("more than --backup-keep 2 backups: %v", names)
		}
		select {
		case err := <-done:
			t.Fatalf("tend serve ended: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s the backups are %v (first %q)\n%s", names, first, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, out.String())
	}
	names := list()
	if o, err := runIn(t, filepath.Join(t.TempDir(), "r"), "", "restore", filepath.Join(backups, names[len(names)-1])); err != nil {
		t.Fatalf("restore of a scheduled backup: %v\n%s", err, o)
	}
}

// syncBuffer is a bytes.Buffer safe for a server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

func TestScheduledBackupOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--backup-dir", dir, "--backup-keep", "0"}, "backup-keep must be at least 1"},
		{[]string{"--backup-dir", dir, "--backup-every", "-1h"}, "backup-every not negative"},
		{[]string{"--backup-dir", dir, "--database-url", "postgres://x@localhost/tend"}, "with PostgreSQL back up with pg_dump"},
	} {
		if _, err := runIn(t, dir, "", append([]string{"config"}, c.args...)...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.args, err, c.want)
		}
	}
}

func TestSameRows(t *testing.T) {
	t.Parallel()
	m := backup.Manifest{Schema: 15, Rows: map[string]int64{"accounts": 3, "users": 2}}
	for _, c := range []struct {
		schema int
		rows   map[string]int64
		want   string
	}{
		{15, map[string]int64{"accounts": 3, "users": 2}, ""},
		{15, map[string]int64{"accounts": 2, "users": 2}, "table accounts has 2 rows, the manifest says 3"},
		{15, map[string]int64{"accounts": 3}, "table users is missing (the manifest counts 2 rows)"},
		{15, map[string]int64{"accounts": 3, "users": 2, "extra": 0}, "table extra is not in the manifest"},
		{14, map[string]int64{"accounts": 3, "users": 2}, "schema version 14, the manifest says 15"},
	} {
		err := sameRows(c.schema, c.rows, m)
		if (c.want == "") != (err == nil) || (err != nil && err.Error() != c.want) {
			t.Errorf("%d %v: got %v, want %q", c.schema, c.rows, err, c.want)
		}
	}
}

package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

func runIn(t *testing.T, dataDir string, stdin string, args ...string) (string, error) {
	t.Helper()
	root := New()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append([]string{"--data-dir", dataDir, "--log-level", "warn"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String() + errOut.String(), err
}

var oneTimeRE = regexp.MustCompile(`One-time password for (\S+):\s+(\S+)`)

// password reads back what the store holds for email.
func password(t *testing.T, dir, email string) (hash string, mustChange, disabled bool) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), dir+"/tend.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, hash, mustChange, err := st.Password(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return hash, mustChange, u.Disabled
}

func TestUserCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, err := runIn(t, dir, "", "user", "create", "Root@Tend.test", "--role", "admin", "--name", "Root")
	m := oneTimeRE.FindStringSubmatch(out)
	if err != nil || m == nil || m[1] != "root@tend.test" {
		t.Fatalf("create: %v\n%s", err, out)
	}
	if hash, mustChange, _ := password(t, dir, "root@tend.test"); !auth.VerifyPassword(hash, m[2]) || !mustChange {
		t.Fatalf("the printed one-time password does not sign in, or need not be changed")
	}
	if out, err := runIn(t, dir, "", "user", "create", "root@tend.test"); err == nil {
		t.Errorf("duplicate user created: %s", out)
	}
	if _, err := runIn(t, dir, "", "user", "create", "x@tend.test", "--role", "wizard"); err == nil || !strings.Contains(err.Error(), "role") {
		t.Errorf("bad role: %v", err)
	}
	if _, err := runIn(t, dir, "short\n", "user", "create", "y@tend.test", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "at least 10") {
		t.Errorf("short password: %v", err)
	}
	out, err = runIn(t, dir, "my own long passphrase\n", "user", "create", "ada@tend.test", "--password-stdin")
	if err != nil || strings.Contains(out, "One-time") {
		t.Fatalf("create with stdin: %v %s", err, out)
	}
	if hash, mustChange, _ := password(t, dir, "ada@tend.test"); !auth.VerifyPassword(hash, "my own long passphrase") || mustChange {
		t.Fatal("the password from stdin was not stored as given")
	}

	out, err = runIn(t, dir, "", "user", "list")
	if err != nil || !regexp.MustCompile(`root@tend.test\s+Root\s+admin\s+one-time password`).MatchString(out) ||
		!regexp.MustCompile(`ada@tend.test\s+csm\s+yes`).MatchString(out) {
		t.Fatalf("list: %v\n%s", err, out)
	}

	out, err = runIn(t, dir, "", "user", "reset-password", "ada@tend.test")
	m = oneTimeRE.FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("reset: %v %s", err, out)
	}
	if hash, mustChange, _ := password(t, dir, "ada@tend.test"); !auth.VerifyPassword(hash, m[2]) || !mustChange {
		t.Fatal("reset did not store the printed one-time password")
	}
	if _, err := runIn(t, dir, "", "user", "reset-password", "nobody@tend.test"); err == nil || !strings.Contains(err.Error(), "no user") {
		t.Errorf("reset of a missing user: %v", err)
	}

	if _, err := runIn(t, dir, "", "user", "disable", "root@tend.test"); err == nil || !strings.Contains(err.Error(), "last active administrator") {
		t.Errorf("disabling the last admin: %v", err)
	}
	if out, err := runIn(t, dir, "", "user", "disable", "ada@tend.test"); err != nil || !strings.Contains(out, "disabled ada@tend.test") {
		t.Fatalf("disable: %v %s", err, out)
	}
	if _, _, disabled := password(t, dir, "ada@tend.test"); !disabled {
		t.Error("not disabled")
	}
	if _, err := runIn(t, dir, "", "user", "enable", "ada@tend.test"); err != nil {
		t.Fatal(err)
	}
	if _, _, disabled := password(t, dir, "ada@tend.test"); disabled {
		t.Error("not enabled")
	}
	if strings.Contains(out, "my own long passphrase") {
		t.Error("a password was echoed")
	}
}

func TestFirstAdmin(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	var out bytes.Buffer
	e := &env{log: slog.New(slog.NewTextHandler(io.Discard, nil)), out: &out, errOut: &out}
	ctx := context.Background()
	if err := firstAdmin(ctx, e, st); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`One-time password:\s+(\S+)`).FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), FirstAdminEmail) {
		t.Fatalf("first start printed:\n%s", out.String())
	}
	u, hash, mustChange, err := st.Password(ctx, FirstAdminEmail)
	if err != nil || !auth.VerifyPassword(hash, m[1]) || !mustChange || u.Role != "admin" {
		t.Fatalf("first admin: %+v %v %v", u, mustChange, err)
	}
	out.Reset()
	if err := firstAdmin(ctx, e, st); err != nil || out.Len() != 0 {
		t.Fatalf("second start made another admin or printed: %v %q", err, out.String())
	}
}

func TestTokenCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := runIn(t, dir, "", "user", "create", "ci@tend.test", "--role", "leader"); err != nil {
		t.Fatal(err)
	}
	out, err := runIn(t, dir, "", "token", "create", "CI", "--user", "ci@tend.test", "--scope", "write", "--days", "7")
	secret := regexp.MustCompile(`tend_\S{43}`).FindString(out)
	if err != nil || secret == "" {
		t.Fatalf("create: %v %s", err, out)
	}
	if _, err := runIn(t, dir, "", "token", "create", "X", "--user", "ci@tend.test", "--scope", "admin"); err == nil || !strings.Contains(err.Error(), "scope") {
		t.Errorf("bad scope: %v", err)
	}
	out, err = runIn(t, dir, "", "token", "list")
	if err != nil || !regexp.MustCompile(`1\s+CI\s+ci@tend.test\s+write\s+`+regexp.QuoteMeta(secret[:11])+`…\s+never\s+active`).MatchString(out) || strings.Contains(out, secret) {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if _, err := runIn(t, dir, "", "token", "revoke", "1"); err != nil {
		t.Fatal(err)
	}
	if out, _ := runIn(t, dir, "", "token", "list"); !strings.Contains(out, "revoked") {
		t.Errorf("not revoked:\n%s", out)
	}
	if _, err := runIn(t, dir, "", "token", "revoke", "99"); err == nil {
		t.Error("revoking a missing token succeeded")
	}
}

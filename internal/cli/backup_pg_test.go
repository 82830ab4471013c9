package cli

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/postgres/pgtest"
)

// TestPostgresDumpRestore is docs/operations.md's PostgreSQL recipe, run
// with the machine's pg_dump and pg_restore: the demo company with a
// password and a token, dumped in the custom format, restored into a new
// database, with every object count, the health scores, the sign-in and
// the token the same.
func TestPostgresDumpRestore(t *testing.T) {
	t.Parallel()
	src := pgtest.Schema(t)
	dump, restore := tool(t, "pg_dump"), tool(t, "pg_restore")
	ctx := context.Background()
	dir := t.TempDir()
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, err := runIn(t, dir, stdin, append([]string{"--database-url", src}, args...)...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	run("", "demo", "--accounts", "40", "--usage-days", "10")
	const pass = "a long enough passphrase"
	run(pass+"\n", "user", "create", "keeper@tend.test", "--password-stdin")
	secret := regexp.MustCompile(`tend_\S{43}`).FindString(run("", "token", "create", "nightly", "--user", "keeper@tend.test"))

	// The test's schema is in the URL's search_path, which libpq does not
	// take; pg_dump gets the server's URL and the schema by -n.
	u, err := url.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	server := u.String()

	file := filepath.Join(dir, "tend.dump")
	if out, err := exec.CommandContext(ctx, dump, "-Fc", "--no-owner", "-n", schema, "-d", server, "-f", file).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	dbName := "r_" + schema
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+dbName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP DATABASE " + dbName + " WITH (FORCE)") })
	ru := *u
	ru.Path = "/" + dbName
	if out, err := exec.CommandContext(ctx, restore, "--no-owner", "--exit-on-error", "--single-transaction", "-d", ru.String(), file).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	rq := ru.Query()
	rq.Set("search_path", schema)
	ru.RawQuery = rq.Encode()
	if out, err := runIn(t, dir, "", "--database-url", ru.String(), "migrate"); err != nil {
		t.Fatalf("migrate after restore: %v\n%s", err, out)
	}

	a, err := postgres.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, ru.String())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	counts := func(st store.Store) []int {
		var n []int
		for _, c := range []func(context.Context, store.Query) (int, error){
			st.Accounts().Count, st.Contacts().Count, st.Subscriptions().Count, st.Invoices().Count,
			st.Tickets().Count, st.Surveys().Count, st.Activities().Count, st.Users().Count,
			st.ChurnRecords().Count, st.RenewalCalls().Count,
		} {
			v, err := c(ctx, store.Query{})
			if err != nil {
				t.Fatal(err)
			}
			n = append(n, v)
		}
		return n
	}
	if ca, cb := counts(a), counts(b); !reflect.DeepEqual(ca, cb) || ca[0] != 40 {
		t.Errorf("object counts: restored %v, dumped %v", cb, ca)
	}
	today := civil.Today()
	sa, err := a.HealthScoresOn(ctx, today)
	if err != nil || len(sa) == 0 {
		t.Fatalf("no health scores to compare: %v", err)
	}
	if sb, err := b.HealthScoresOn(ctx, today); err != nil || !reflect.DeepEqual(sa, sb) {
		t.Errorf("health scores after restore differ (%d, was %d): %v", len(sb), len(sa), err)
	}
	if _, hash, _, err := b.Password(ctx, "keeper@tend.test"); err != nil || !auth.VerifyPassword(hash, pass) {
		t.Errorf("the password does not sign in after restore (%v)", err)
	}
	if tok, u, err := b.TokenByHash(ctx, auth.HashSecret(secret)); err != nil || !tok.Live(time.Now()) || u.Email != "keeper@tend.test" {
		t.Errorf("the token is not valid after restore: %+v %v", tok, err)
	}
}

// tool finds a PostgreSQL client program, skipping the test (failing it
// under TEND_REQUIRE_POSTGRES=1) when the machine has none.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("TEND_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("TEND_REQUIRE_POSTGRES=1 but %s is not on PATH", name)
		}
		t.Skipf("PostgreSQL dump test SKIPPED: %s is not on PATH", name)
	}
	return p
}

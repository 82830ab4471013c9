// Package pgtest gives tests a fresh PostgreSQL schema of their own on the
// server named by TEND_TEST_DATABASE_URL, and skips them — saying so
// loudly — when it is not set. With TEND_REQUIRE_POSTGRES=1 (as in CI) a
// missing server fails the test instead.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// SkipMessage is printed when the PostgreSQL half of the tests does not run.
const SkipMessage = "PostgreSQL tests SKIPPED: set TEND_TEST_DATABASE_URL=postgres://… to run them"

// URL returns the test server's URL, or skips (fails under
// TEND_REQUIRE_POSTGRES=1) when there is none.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TEND_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("TEND_REQUIRE_POSTGRES") == "1" {
			t.Fatal("TEND_REQUIRE_POSTGRES=1 but TEND_TEST_DATABASE_URL is not set")
		}
		t.Skip(SkipMessage)
	}
	return u
}

// Schema creates an empty schema for this test, dropped when it ends, and
// returns a URL whose connections use it.
func Schema(t testing.TB) string {
	t.Helper()
	base := URL(t)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec("DROP SCHEMA " + name + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated store in a fresh schema.
func Open(t testing.TB) *sqlstore.DB {
	t.Helper()
	st, err := postgres.Open(context.Background(), Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

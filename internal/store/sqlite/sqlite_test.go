package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
	"github.com/tendhq/tend/internal/store/sqlstore"
	"github.com/tendhq/tend/internal/store/storetest"
)

func open(t testing.TB) *sqlstore.DB { return sqlitetest.Open(t) }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

func TestRefusesNewerSchema(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	if _, err := st.W.ExecContext(ctx, "INSERT INTO schema_version (version) VALUES (999)"); err != nil {
		t.Fatal(err)
	}
	var se *store.SchemaError
	if err := st.Migrate(ctx); !errors.As(err, &se) || se.Have != 999 {
		t.Fatalf("migrate on a newer schema: %v", err)
	}
}

// BenchmarkImport: 100k accounts and 1M subscriptions (run with -benchtime 1x).
func BenchmarkImport(b *testing.B) {
	storetest.BenchImport(b, func(b *testing.B) store.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "tend.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		return st
	}, benchAccounts(), 10)
}

func benchAccounts() int {
	if testing.Short() {
		return 10_000
	}
	return 100_000
}

// BenchmarkHealth: reading every account's health facts, one account's,
// writing every score, and the full recompute end to end, over 100k seeded
// accounts (10k with -short; TEND_BENCH_HEALTH_ACCOUNTS to change).
func BenchmarkHealth(b *testing.B) {
	st := open(b)
	n := storetest.HealthAccounts(b, benchAccounts())
	storetest.SeedHealth(b, st, n)
	b.ResetTimer()
	storetest.BenchHealth(b, st, n)
}

// BenchmarkApplyIntents: a full evaluation's intents, one per account over
// 100k accounts (10k with -short), opened and then applied again.
func BenchmarkApplyIntents(b *testing.B) {
	storetest.BenchApplyIntents(b, func(b *testing.B) store.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "tend.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		return st
	}, benchAccounts())
}

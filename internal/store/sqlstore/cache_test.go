package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/postgres/pgtest"
	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// engines opens two stores over one fresh database per engine — as two
// processes (two `tend serve` replicas, or a server and `tend import`)
// would — and runs test on each pair.
func engines(t *testing.T, test func(t *testing.T, a, b *sqlstore.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "tend.db")
		a, b := openTwo(t, func(ctx context.Context) (*sqlstore.DB, error) { return sqlite.Open(ctx, path) })
		test(t, a, b)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := pgtest.Schema(t)
		a, b := openTwo(t, func(ctx context.Context) (*sqlstore.DB, error) { return postgres.Open(ctx, url) })
		test(t, a, b)
	})
}

func openTwo(t *testing.T, open func(context.Context) (*sqlstore.DB, error)) (a, b *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	for _, p := range []**sqlstore.DB{&a, &b} {
		db, err := open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		*p = db
	}
	return a, b
}

// summary is the figures a dashboard reads that writes below change.
type summary struct {
	accounts, atRisk, overdue int
	mrr                       int64
	csms                      string
	currencies                int
}

func read(t *testing.T, db *sqlstore.DB, today civil.Date) summary {
	t.Helper()
	ctx := context.Background()
	var s summary
	groups, err := db.AccountGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		s.accounts += g.Accounts
		s.mrr += g.MRR
		if g.Lifecycle == customer.StageAtRisk {
			s.atRisk += g.Accounts
		}
		if g.CSMEmail != "" {
			s.csms += g.CSMEmail + " "
		}
	}
	od, err := db.OverdueInvoices(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range od {
		s.overdue += o.Invoices
	}
	curs, err := db.Currencies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.currencies = len(curs)
	top, err := db.TopMRR(ctx, "USD", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if top.MRR != s.mrr && s.currencies == 1 {
		t.Errorf("top 10 pay %d, all accounts %d", top.MRR, s.mrr)
	}
	return s
}

// TestFiguresSeeOwnWrites: after any write through the store, the next
// read of the figures in the same process shows it, though the figures
// are cached (the cache is kept for an hour here, so only invalidation
// can make the figures move).
func TestFiguresSeeOwnWrites(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db, _ *sqlstore.DB) {
		ctx := context.Background()
		db.SetFiguresCache(time.Hour, time.Hour)
		today := civil.Today()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		step := func(what string, write func(), check func(s summary) bool) {
			t.Helper()
			read(t, db, today) // fill the cache
			write()
			if s := read(t, db, today); !check(s) {
				t.Errorf("after %s the figures read %+v", what, s)
			}
		}
		u := customer.User{Email: "ada@tend.test", Name: "Ada", Role: customer.RoleCSM}
		a := customer.Account{ExternalID: "a1", Name: "Acme"}
		sub := customer.Subscription{ExternalID: "s1", AccountExternalID: "a1", Product: "Core", MRR: 1000,
			StartOn: today.AddDays(-10), EndOn: today.AddDays(300)}
		step("Users().Create", func() { must(db.Users().Create(ctx, &u)) }, func(s summary) bool { return s.accounts == 0 })
		step("Accounts().Create", func() { must(db.Accounts().Create(ctx, &a)) }, func(s summary) bool { return s.accounts == 1 })
		step("Subscriptions().Create", func() { must(db.Subscriptions().Create(ctx, &sub)) }, func(s summary) bool { return s.mrr == 1000 })
		step("Subscriptions().Update", func() { sub.MRR = 2500; must(db.Subscriptions().Update(ctx, &sub)) },
			func(s summary) bool { return s.mrr == 2500 })
		step("Subscriptions().Upsert", func() {
			_, err := db.Subscriptions().Upsert(ctx, &customer.Subscription{ExternalID: "s1", AccountExternalID: "a1", Product: "Core",
				MRR: 4000, StartOn: today.AddDays(-10), EndOn: today.AddDays(300)})
			must(err)
		}, func(s summary) bool { return s.mrr == 4000 })
		step("Accounts().Update", func() { a.Lifecycle, a.CSMEmail = customer.StageAtRisk, u.Email; must(db.Accounts().Update(ctx, &a)) },
			func(s summary) bool { return s.atRisk == 1 && s.csms == "ada@tend.test " })
		step("Users().Update", func() { u.Email = "ada@lovelace.test"; must(db.Users().Update(ctx, &u)) },
			func(s summary) bool { return s.csms == "ada@lovelace.test " })
		step("Invoices().Import", func() {
			must(store.ImportAll(ctx, db.Invoices(), []customer.Invoice{{ExternalID: "i1", AccountExternalID: "a1", Amount: 100,
				DueOn: today.AddDays(-3)}}))
		}, func(s summary) bool { return s.overdue == 1 })
		step("Accounts().Import", func() {
			must(store.ImportAll(ctx, db.Accounts(), []customer.Account{{ExternalID: "a2", Name: "Beta"}, {ExternalID: "a3", Name: "Gamma"}}))
		}, func(s summary) bool { return s.accounts == 3 })
		step("Subscriptions().Import", func() {
			must(store.ImportAll(ctx, db.Subscriptions(), []customer.Subscription{{ExternalID: "s2", AccountExternalID: "a2", Product: "Core",
				MRR: 700, Currency: "EUR", StartOn: today.AddDays(-10), EndOn: today.AddDays(300)}}))
		}, func(s summary) bool { return s.currencies == 2 })
		step("Subscriptions().Delete", func() { must(db.Subscriptions().Delete(ctx, sub.ID)) },
			func(s summary) bool { return s.mrr == 700 })
		step("Accounts().Delete", func() { must(db.Accounts().Delete(ctx, a.ID)) },
			func(s summary) bool { return s.accounts == 2 && s.overdue == 0 })

		// Attribute definitions change no figure today, but they are
		// writes: they must count as changes too.
		for _, w := range []struct {
			what  string
			write func() error
		}{
			{"PutAttribute", func() error {
				return db.PutAttribute(ctx, &customer.AttributeDef{Key: "plan", Label: "Plan", Type: "text"})
			}},
			{"DeleteAttribute", func() error { return db.DeleteAttribute(ctx, "plan") }},
		} {
			before := sqlstore.Writes(db)
			must(w.write())
			if sqlstore.Writes(db) == before {
				t.Errorf("%s is not counted as a change", w.what)
			}
		}
	})
}

// TestFiguresSeeOtherProcesses: a write by another process (another
// replica, or `tend import` on the same SQLite file) shows once the
// change counter is next read — and, proving the figures are cached, not
// before, when the counter is read rarely.
func TestFiguresSeeOtherProcesses(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, a, b *sqlstore.DB) {
		ctx := context.Background()
		today := civil.Today()
		add := func(ext string) {
			t.Helper()
			if err := b.Accounts().Create(ctx, &customer.Account{ExternalID: ext, Name: ext}); err != nil {
				t.Fatal(err)
			}
		}

		// Counter read rarely, long TTL: the other process's write is not
		// seen — the figures really come from the cache.
		a.SetFiguresCache(time.Hour, time.Hour)
		if got := read(t, a, today).accounts; got != 0 {
			t.Fatalf("%d accounts in an empty store", got)
		}
		add("x1")
		if got := read(t, a, today).accounts; got != 0 {
			t.Fatalf("with the counter read hourly, %d accounts: the figures were not cached", got)
		}

		// Counter read on every lookup: seen at once.
		a.SetFiguresCache(time.Nanosecond, time.Hour)
		read(t, a, today)
		add("x2")
		if got := read(t, a, today).accounts; got != 2 {
			t.Errorf("another process's write not seen on the next read: %d accounts, want 2", got)
		}

		// The TTL alone bounds staleness too.
		a.SetFiguresCache(time.Hour, 50*time.Millisecond)
		read(t, a, today)
		add("x3")
		time.Sleep(60 * time.Millisecond)
		if got := read(t, a, today).accounts; got != 3 {
			t.Errorf("figures older than the TTL used: %d accounts, want 3", got)
		}

		// Default settings: within changeCheckEvery (250 ms).
		a.SetFiguresCache(0, 0)
		read(t, a, today)
		add("x4")
		deadline := time.Now().Add(2 * time.Second)
		for read(t, a, today).accounts != 4 {
			if time.Now().After(deadline) {
				t.Fatal("another process's write still not seen after 2 s")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestFiguresCacheConcurrent: many readers while a writer writes; after
// the writer is done every reader sees its last write.
func TestFiguresCacheConcurrent(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, db, _ *sqlstore.DB) {
		ctx := context.Background()
		db.SetFiguresCache(time.Hour, time.Hour)
		today := civil.Today()
		stop := make(chan struct{})
		done := make(chan struct{})
		// The readers stop before the test ends, however it ends: a t.Fatal
		// below must not leave them calling t.Error on a finished test.
		defer func() {
			close(stop)
			for range 4 {
				<-done
			}
		}()
		for range 4 {
			go func() {
				defer func() { done <- struct{}{} }()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := db.AccountGroups(ctx); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		for i := range 20 {
			if err := db.Accounts().Create(ctx, &customer.Account{Name: "A", ExternalID: string(rune('a' + i))}); err != nil {
				t.Fatal(err)
			}
			if got := read(t, db, today).accounts; got != i+1 {
				t.Fatalf("after write %d the figures count %d accounts", i+1, got)
			}
		}
	})
}

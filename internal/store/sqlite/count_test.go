package sqlite_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	tendsqlite "github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/storetest"
)

// countingConnector opens SQLite connections that count the statements
// run through them.
type countingConnector struct {
	dsn string
	n   *atomic.Int64
}

func (c countingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := (&sqlite.Driver{}).Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return countingConn{conn, c.n}, nil
}

func (c countingConnector) Driver() driver.Driver { return &sqlite.Driver{} }

type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.n.Add(1)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.n.Add(1)
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

// TestHealthFactsQueries: reading every account's health facts runs the
// same few statements however many accounts there are — no query per
// account: the rates, and per range of 20,000 account ids its lookup and
// eight scans (and the lookup that finds no more).
func TestHealthFactsQueries(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tend.db")
	st, err := tendsqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	st.R = sql.OpenDB(countingConnector{dsn: "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=query_only(1)", n: &n})
	statements := func() (int64, int) {
		n.Store(0)
		accounts := 0
		if err := st.EachHealthFacts(ctx, civil.Today(), func(*health.Facts) error { accounts++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n.Load(), accounts
	}
	storetest.SeedHealth(t, st, 20)
	few, a1 := statements()
	storetest.SeedHealth(t, st, 60) // upserts the first 20 and adds 40
	many, a2 := statements()
	if a1 != 20 || a2 != 60 || few != many || many > 11 {
		t.Fatalf("%d statements for %d accounts, %d for %d", few, a1, many, a2)
	}
}

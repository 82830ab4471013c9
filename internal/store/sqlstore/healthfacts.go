package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/store"
)

// Health facts are read the way EachAccountUsage reads rollups: one scan
// per table, each ordered by account, merged on the account id — so a full
// recompute costs a fixed number of statements whatever the number of
// accounts, and memory holds one account (plus one chunk of the MRR
// history, below). The one-account reader runs the same statements with
// the account's id in their WHERE clause.

// factsSpec is one ordered scan: its statement (with %s where the WHERE
// clause goes, over the table aliased t), and how a row is added to the
// account's Facts. Rows are scanned once, into the variables of
// factsRow, before into reads them.
type factsSpec struct {
	q    string
	into func(r *factsRow, f *health.Facts)
	dst  func(r *factsRow) []any
}

// factsRow holds the scanned columns of every child scan (each uses some).
type factsRow struct {
	acct       int64
	d1, d2, d3 civil.Date
	s1, s2, s3 string
	n1, n2     int64
	b1         bool
	nullN      sql.NullInt64
	csmID      int64 // the current account's CSM, for activities
	roles      []string
}

func (db *DB) factsSpecs() []factsSpec {
	day := db.D.DayOf
	return []factsSpec{
		{"SELECT t.account_id, t.kind, t.score, " + day("t.responded_at") + " FROM surveys t %s ORDER BY t.account_id",
			func(r *factsRow, f *health.Facts) {
				f.Surveys = append(f.Surveys, health.Survey{On: r.d1, Kind: r.s1, Score: int(r.n1)})
			},
			func(r *factsRow) []any { return []any{&r.acct, strScan{&r.s1}, intScan{&r.n1}, dayScan{&r.d1}} }},
		{"SELECT t.account_id, " + day("t.opened_at") + ", " + day("t.closed_at") + ", t.priority, t.escalated, t.csat FROM tickets t %s ORDER BY t.account_id",
			func(r *factsRow, f *health.Facts) {
				f.Tickets = append(f.Tickets, health.Ticket{Opened: r.d1, Closed: r.d2, Priority: r.s1, Escalated: r.b1, CSAT: int(r.nullN.Int64)})
			},
			func(r *factsRow) []any {
				return []any{&r.acct, dayScan{&r.d1}, dayScan{&r.d2}, strScan{&r.s1}, boolScan{&r.b1}, &r.nullN}
			}},
		{"SELECT t.account_id, t.issued_on, t.due_on, t.paid_on, t.amount FROM invoices t %s ORDER BY t.account_id",
			func(r *factsRow, f *health.Facts) {
				f.Invoices = append(f.Invoices, health.Invoice{Issued: r.d1, Due: r.d2, Paid: r.d3, Amount: r.n1})
			},
			func(r *factsRow) []any {
				return []any{&r.acct, dayScan{&r.d1}, dayScan{&r.d2}, dayScan{&r.d3}, intScan{&r.n1}}
			}},
		{"SELECT t.account_id, t.roles, " + day("t.created_at") + ", t.left_on FROM contacts t %s ORDER BY t.account_id",
			func(r *factsRow, f *health.Facts) {
				f.Contacts = append(f.Contacts, health.Contact{Roles: r.roles, Since: r.d1, Left: r.d2})
			},
			func(r *factsRow) []any { return []any{&r.acct, listScan{&r.roles}, dayScan{&r.d1}, dayScan{&r.d2}} }},
		{"SELECT t.account_id, " + day("t.occurred_at") + ", t.kind, t.author_id FROM activities t %s ORDER BY t.account_id",
			func(r *factsRow, f *health.Facts) {
				f.Touches = append(f.Touches, health.Touch{On: r.d1, Kind: r.s1, ByCSM: r.csmID != 0 && r.nullN.Int64 == r.csmID})
			},
			func(r *factsRow) []any { return []any{&r.acct, dayScan{&r.d1}, strScan{&r.s1}, &r.nullN} }},
		{"SELECT t.account_id, " + day("t.set_at") + ", t.expires_on, t.colour, t.reason, u.email FROM health_pulses t LEFT JOIN users u ON u.id = t.set_by %s ORDER BY t.account_id, t.set_at, t.id",
			func(r *factsRow, f *health.Facts) {
				f.Pulses = append(f.Pulses, health.Pulse{Set: r.d1, Expires: r.d2, Colour: r.s1, Reason: r.s2, By: r.s3})
			},
			func(r *factsRow) []any {
				return []any{&r.acct, dayScan{&r.d1}, dayScan{&r.d2}, strScan{&r.s1}, strScan{&r.s2}, strScan{&r.s3}}
			}},
	}
}

// accountsFactsSQL reads the accounts themselves, the scan that drives the
// merge.
const accountsFactsSQL = "SELECT t.id, t.external_id, t.name, t.parent_id, t.tier, t.touch_model, t.lifecycle, t.industry, t.region, t.csm_id, t.customer_since, t.renewal_on, t.mrr, t.currency, t.attributes," +
	" EXISTS (SELECT 1 FROM accounts c WHERE c.parent_id = t.id) FROM accounts t %s ORDER BY t.id"

// subsFactsSQL reads what the revenue core needs of subscriptions (it
// reads updated_at of ended ones only; parsing every row's was a tenth of
// the MRR history's cost).
const subsFactsSQL = "SELECT t.account_id, t.product, t.mrr, t.currency, t.start_on, t.end_on, t.status, t.trial, t.auto_renew, t.discount_percent, CASE WHEN t.status = '" + customer.SubEnded + "' THEN t.updated_at END FROM subscriptions t %s ORDER BY t.account_id"

// factsCursor is one open scan of the merge.
type factsCursor struct {
	spec factsSpec
	rows *sql.Rows
	row  factsRow
	dst  []any
	ok   bool
}

func (c *factsCursor) advance() error {
	c.ok = c.rows.Next()
	if !c.ok {
		return c.rows.Err()
	}
	return c.rows.Scan(c.dst...)
}

// EachHealthFacts streams every account's Facts in id order.
func (db *DB) EachHealthFacts(ctx context.Context, asOf civil.Date, each func(*health.Facts) error) error {
	var eachErr error
	err := db.readFacts(ctx, nil, asOf, func(f *health.Facts) error {
		eachErr = each(f)
		return eachErr
	})
	switch {
	case err == nil:
		return nil
	case eachErr != nil:
		return eachErr // each's own error, as it gave it
	}
	return fmt.Errorf("health facts: %w", err)
}

// HealthFacts reads one account's Facts.
func (db *DB) HealthFacts(ctx context.Context, accountID int64, asOf civil.Date) (*health.Facts, error) {
	var out *health.Facts
	err := db.readFacts(ctx, []int64{accountID}, asOf, func(f *health.Facts) error {
		out = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("health facts of account %d: %w", accountID, err)
	}
	if out == nil {
		return nil, fmt.Errorf("account %d: %w", accountID, store.ErrNotFound)
	}
	return out, nil
}

// readFacts is the merge: every account, or only those of ids if any
// (one account reads with prepared statements, see readOneFacts).
func (db *DB) readFacts(ctx context.Context, ids []int64, asOf civil.Date, each func(*health.Facts) error) error {
	if asOf.IsZero() {
		return fmt.Errorf("as-of day is required")
	}
	rates, err := db.revenueRates(ctx)
	if err != nil {
		return err
	}
	if len(ids) == 1 {
		return db.readOneFacts(ctx, ids[0], asOf, rates, each)
	}
	var buf []customer.Subscription
	if len(ids) > 0 {
		in := "?" + strings.Repeat(", ?", len(ids)-1)
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		return db.readFactsWhere(ctx, "WHERE t.account_id IN ("+in+")", "WHERE t.id IN ("+in+")", args, asOf, rates, &buf, each)
	}
	// The accounts are read a range of ids at a time, each range in its
	// own read transaction on SQLite: a recompute writes scores while it
	// reads, and the WAL cannot be checkpointed past an open read, so one
	// read over every account let it grow by every score written (the
	// writer's page lookups slowed with it).
	lo := int64(0)
	for {
		var next sql.NullInt64
		if err := db.R.QueryRowContext(ctx, db.D.rebind("SELECT MIN(id) FROM accounts WHERE id > ?"), lo).Scan(&next); err != nil {
			return err
		}
		if !next.Valid {
			return nil
		}
		hi := next.Int64 - 1 + cmp.Or(db.factsRange, factsRange)
		err := db.readFactsWhere(ctx, "WHERE t.account_id > ? AND t.account_id <= ?", "WHERE t.id > ? AND t.id <= ?",
			[]any{next.Int64 - 1, hi}, asOf, rates, &buf, each)
		if err != nil {
			return err
		}
		lo = hi
	}
}

// factsRange is how many account ids one read transaction of a full read
// of Facts covers.
const factsRange = 20_000

// readFactsWhere is the merge over the accounts the two WHERE clauses
// select (where for tables with account_id, accountWhere for accounts).
func (db *DB) readFactsWhere(ctx context.Context, where, accountWhere string, args []any, asOf civil.Date, rates map[string]revenue.Rate, buf *[]customer.Subscription, each func(*health.Facts) error) error {
	release, err := db.scanSlots(ctx, 2+int64(len(db.factsSpecs()))) // with the accounts and subscriptions
	if err != nil {
		return err
	}
	defer release()
	var q querier = db.R
	if db.D.OneConnScans {
		tx, err := db.R.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		q = tx
	}
	query := func(sqlText, w string) (*sql.Rows, error) {
		return q.QueryContext(ctx, db.D.rebind(fmt.Sprintf(sqlText, w)), args...)
	}
	// Open every scan before reading any: each holds its connection (or
	// shares the one read transaction) for the whole merge.
	accts, err := query(accountsFactsSQL, accountWhere)
	if err != nil {
		return err
	}
	defer accts.Close()
	subRows, err := query(subsFactsSQL, where)
	if err != nil {
		return err
	}
	defer subRows.Close()
	if *buf == nil {
		*buf = make([]customer.Subscription, 0, mrrChunk+64) // grown by appending, it was copied a dozen times
	}
	mrr := &mrrHistory{rows: subRows, asOf: asOf, rates: rates, buf: (*buf)[:0]}
	specs := db.factsSpecs()
	cs := make([]*factsCursor, len(specs))
	for i, sp := range specs {
		rows, err := query(sp.q, where)
		if err != nil {
			return err
		}
		defer rows.Close()
		c := &factsCursor{spec: sp, rows: rows}
		c.dst = sp.dst(&c.row)
		cs[i] = c
	}
	for _, c := range cs {
		if err := c.advance(); err != nil {
			return err
		}
	}
	if err := mrr.start(); err != nil {
		return err
	}
	for accts.Next() {
		f := &health.Facts{}
		if err := scanAccountFacts(accts, f); err != nil {
			return err
		}
		for _, c := range cs {
			// Rows of accounts that no longer exist (deleted while the
			// scans ran) are skipped.
			for c.ok && c.row.acct < f.AccountID {
				if err := c.advance(); err != nil {
					return err
				}
			}
			c.row.csmID = f.CSMID
			for c.ok && c.row.acct == f.AccountID {
				c.spec.into(&c.row, f)
				if err := c.advance(); err != nil {
					return err
				}
			}
		}
		if f.MRRChanges, err = mrr.timeline(f.AccountID); err != nil {
			return err
		}
		if err := each(f); err != nil {
			return err
		}
	}
	return accts.Err()
}

// scanAccountFacts reads a row of accountsFactsSQL into f.
func scanAccountFacts(r *sql.Rows, f *health.Facts) error {
	var attrs string
	if err := r.Scan(&f.AccountID, strScan{&f.ExternalID}, &f.Name, intScan{&f.ParentID}, &f.Tier, &f.TouchModel, &f.Lifecycle,
		&f.Industry, &f.Region, intScan{&f.CSMID}, dayScan{&f.CustomerSince}, dayScan{&f.RenewalOn}, intScan{&f.MRR}, &f.Currency, strScan{&attrs}, boolScan{&f.HasChildren}); err != nil {
		return err
	}
	if attrs != "" && attrs != "{}" {
		if err := json.Unmarshal([]byte(attrs), &f.Attributes); err != nil {
			return fmt.Errorf("account %d: stored attributes: %w", f.AccountID, err)
		}
	}
	return nil
}

// readOneFacts reads account id's Facts with the merge's statements, one
// after the other, each prepared once per DB (parsing them was two thirds
// of reading one account). Without the merge's shared transaction, a
// write landing between two of them is seen by the later ones only; the
// write sets off its own rescore.
func (db *DB) readOneFacts(ctx context.Context, id int64, asOf civil.Date, rates map[string]revenue.Rate, each func(*health.Facts) error) error {
	query := func(sqlText, where string) (*sql.Rows, error) {
		st, err := db.readStmt(ctx, db.D.rebind(fmt.Sprintf(sqlText, where)))
		if err != nil {
			return nil, err
		}
		return st.QueryContext(ctx, id)
	}
	rows, err := query(accountsFactsSQL, "WHERE t.id = ?")
	if err != nil {
		return err
	}
	f := &health.Facts{}
	found := rows.Next()
	if found {
		err = scanAccountFacts(rows, f)
	}
	if err := cmp.Or(err, rows.Close(), rows.Err()); err != nil || !found {
		return err
	}
	const where = "WHERE t.account_id = ?"
	var r factsRow
	r.csmID = f.CSMID
	for _, sp := range db.factsSpecs() {
		rows, err := query(sp.q, where)
		if err != nil {
			return err
		}
		dst := sp.dst(&r)
		for rows.Next() {
			if err := rows.Scan(dst...); err != nil {
				rows.Close()
				return err
			}
			sp.into(&r, f)
		}
		if err := cmp.Or(rows.Close(), rows.Err()); err != nil {
			return err
		}
	}
	subs, err := query(subsFactsSQL, where)
	if err != nil {
		return err
	}
	defer subs.Close()
	mrr := &mrrHistory{rows: subs, asOf: asOf, rates: rates}
	if err := mrr.start(); err != nil {
		return err
	}
	if f.MRRChanges, err = mrr.timeline(id); err != nil {
		return err
	}
	if err := subs.Close(); err != nil {
		return err
	}
	return each(f)
}

// stmtText keys a statement prepared by readStmt or writeStmt in db.stmts.
type stmtText struct {
	text  string
	write bool
}

// readStmt is text prepared once on the read pool.
func (db *DB) readStmt(ctx context.Context, text string) (*sql.Stmt, error) {
	return db.cachedStmt(ctx, db.R, stmtText{text, false})
}

// writeStmt is text prepared once on the write pool. On SQLite it must be
// called outside a transaction: the transaction holds the one writing
// connection.
func (db *DB) writeStmt(ctx context.Context, text string) (*sql.Stmt, error) {
	return db.cachedStmt(ctx, db.W, stmtText{text, true})
}

func (db *DB) cachedStmt(ctx context.Context, pool *sql.DB, k stmtText) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(k); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := pool.PrepareContext(ctx, k.text)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(k, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// revenueRates reads the stored exchange rates in the revenue core's form.
func (db *DB) revenueRates(ctx context.Context) (map[string]revenue.Rate, error) {
	rs, err := db.ExchangeRates(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]revenue.Rate, len(rs))
	for _, r := range rs {
		rate, err := revenue.ParseRate(r.Rate)
		if err != nil {
			return nil, fmt.Errorf("exchange rate for %s: %w", r.Currency, err)
		}
		out[r.Currency] = rate
	}
	return out, nil
}

// mrrChunk is how many subscription rows one revenue book is built from:
// the subscriptions are read in account order and turned into MRR
// histories a chunk of whole accounts at a time, so memory holds one chunk.
const mrrChunk = 20_000

// mrrHistory turns the ordered subscription scan into each account's MRR
// over time, in the reporting currency, by the revenue core's reading of
// subscriptions (the retention book's): one book per chunk of accounts.
// An account with a paid subscription in a currency that has no exchange
// rate gets no MRR history rather than a wrong one.
type mrrHistory struct {
	rows  *sql.Rows
	asOf  civil.Date
	rates map[string]revenue.Rate

	next    customer.Subscription // the row read ahead
	hasNext bool
	buf     []customer.Subscription
	book    *revenue.Book
	last    int64 // the last account of book
	skip    map[int64]bool
}

func (m *mrrHistory) start() error { return m.read() }

func (m *mrrHistory) read() error {
	m.hasNext = m.rows.Next()
	if !m.hasNext {
		return m.rows.Err()
	}
	s := &m.next
	return m.rows.Scan(&s.AccountID, &s.Product, intScan{&s.MRR}, &s.Currency, dayScan{&s.StartOn}, dayScan{&s.EndOn}, &s.Status,
		boolScan{&s.Trial}, boolScan{&s.AutoRenew}, floatScan{&s.DiscountPercent}, timeScan{&s.UpdatedAt})
}

// timeline is the MRR history of account id; ids must come in order.
func (m *mrrHistory) timeline(id int64) ([]health.MRRPoint, error) {
	if id > m.last && m.hasNext {
		if err := m.load(); err != nil {
			return nil, err
		}
	}
	if m.book == nil || m.skip[id] {
		return nil, nil
	}
	steps := m.book.Timeline(id)
	if len(steps) == 0 {
		return nil, nil
	}
	out := make([]health.MRRPoint, len(steps))
	for i, s := range steps {
		out[i] = health.MRRPoint{From: s.Date, MRR: s.MRR}
	}
	return out, nil
}

// load builds the book of the next chunk of whole accounts.
func (m *mrrHistory) load() error {
	m.buf = m.buf[:0]
	clear(m.skip)
	for m.hasNext {
		s := m.next
		if len(m.buf) >= mrrChunk && s.AccountID != m.last {
			break
		}
		m.last = s.AccountID
		if _, ok := m.rates[cmp.Or(s.Currency, revenue.DefaultCurrency)]; !ok && !strings.EqualFold(cmp.Or(s.Currency, revenue.DefaultCurrency), revenue.DefaultCurrency) && !s.Trial && s.MRR != 0 {
			if m.skip == nil {
				m.skip = map[int64]bool{}
			}
			m.skip[s.AccountID] = true
		}
		m.buf = append(m.buf, s)
		if err := m.read(); err != nil {
			return err
		}
	}
	if len(m.skip) > 0 {
		m.buf = slices.DeleteFunc(m.buf, func(s customer.Subscription) bool { return m.skip[s.AccountID] })
	}
	book, err := revenue.Build(m.buf, revenue.Options{AsOf: m.asOf, Rates: m.rates})
	if err != nil {
		return fmt.Errorf("MRR history: %w", err)
	}
	m.book = book
	return nil
}

// dayScan reads a calendar day like civil.Date's Scan, parsing the
// engines' YYYY-MM-DD text directly (time.Parse was a tenth of a full
// read of every account's facts).
type dayScan struct{ p *civil.Date }

func (s dayScan) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		if len(v) == 10 {
			b = []byte(v)
		}
	case []byte:
		if len(v) == 10 {
			b = v
		}
	}
	if b == nil || b[4] != '-' || b[7] != '-' {
		return s.p.Scan(src)
	}
	num := func(b []byte) int {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, m, d := num(b[:4]), num(b[5:7]), num(b[8:10])
	if y < 0 || m < 1 || m > 12 || d < 1 || d > 31 {
		return s.p.Scan(src)
	}
	*s.p = civil.Date{Year: y, Month: time.Month(m), Day: d}
	return nil
}

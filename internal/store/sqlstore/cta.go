package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// CTAs, their tasks and stored playbooks (store.Work; migrations 0009–0011).
// What an intent or an edit does is decided in internal/cta; this file reads
// and writes. None of these writes moves the figures cache's change counter:
// no dashboard figure is computed from CTAs.

const ctaCols = `c.id, c.account_id, c.type, c.reason, c.priority, c.owner_id, c.pool, c.due_on, c.status, c.snoozed_until,
	c.outcome, c.close_note, c.rule, c.rule_key, c.playbook, c.created_at, c.updated_at, c.closed_at`

// ctaScanner scans ctaCols into a CTA (priority through an int64).
type ctaScanner struct {
	c    *cta.CTA
	prio int64
}

func (s *ctaScanner) dest() []any {
	c := s.c
	return []any{&c.ID, &c.AccountID, (*string)(&c.Type), &c.Reason, intScan{&s.prio}, intScan{&c.OwnerID}, &c.Pool, &c.Due, (*string)(&c.Status), &c.SnoozedUntil,
		&c.Outcome, &c.CloseNote, &c.Rule, &c.Key, &c.Playbook, timeScan{&c.Created}, timeScan{&c.Updated}, timeScan{&c.ClosedAt}}
}

func (s *ctaScanner) done() { s.c.Priority = cta.Priority(s.prio) }

// accountPeople is what a new CTA's owner and tasks are resolved from.
type accountPeople struct {
	csm, ae, sponsor int64
	touch            string
}

func (db *DB) readPeople(ctx context.Context, q querier, ids []int64) (map[int64]accountPeople, error) {
	out := make(map[int64]accountPeople, len(ids))
	err := db.inChunks(ctx, q, idArgs(ids), "SELECT id, csm_id, ae_id, sponsor_id, touch_model FROM accounts WHERE id IN (%s)", func(r *sql.Rows) error {
		var (
			id int64
			p  accountPeople
		)
		if err := r.Scan(&id, intScan{&p.csm}, intScan{&p.ae}, intScan{&p.sponsor}, strScan{&p.touch}); err != nil {
			return err
		}
		out[id] = p
		return nil
	})
	return out, err
}

// storedPlaybooks reads every stored playbook (a few dozen at most).
func (db *DB) storedPlaybooks(ctx context.Context, q querier) (map[string]store.PlaybookInfo, error) {
	rows, err := q.QueryContext(ctx, "SELECT name, yaml, updated_by, updated_at FROM playbooks")
	if err != nil {
		return nil, fmt.Errorf("read playbooks: %w", err)
	}
	defer rows.Close()
	out := map[string]store.PlaybookInfo{}
	for rows.Next() {
		var (
			name, y string
			info    store.PlaybookInfo
		)
		if err := rows.Scan(&name, &y, intScan{&info.UpdatedBy}, timeScan{&info.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("read playbooks: %w", err)
		}
		p, err := cta.ParsePlaybook([]byte(y))
		if err != nil {
			return nil, fmt.Errorf("stored playbook %q: %w", name, err)
		}
		info.Playbook, info.Stored = p, true
		_, info.Shipped = cta.ShippedPlaybook(name)
		out[name] = info
	}
	return out, rows.Err()
}

func lookupPlaybook(stored map[string]store.PlaybookInfo, name string) (cta.Playbook, bool) {
	if p, ok := stored[name]; ok {
		return p.Playbook, true
	}
	return cta.ShippedPlaybook(name)
}

type ctaKey struct {
	account   int64
	rule, key string
}

// ApplyIntents applies rules' intents in one transaction.
func (db *DB) ApplyIntents(ctx context.Context, today civil.Date, pool string, intents []cta.Intent) (store.Applied, error) {
	var res store.Applied
	if len(intents) == 0 {
		return res, nil
	}
	if err := cta.CheckIntents(intents); err != nil {
		return res, err
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	playbooks, err := db.storedPlaybooks(ctx, tx)
	if err != nil {
		return res, err
	}
	var errs validate.Errors
	accounts := map[int64]bool{}
	for i, in := range intents {
		accounts[in.AccountID] = true
		if in.Action == cta.OpenAction && in.Playbook != "" {
			if _, ok := lookupPlaybook(playbooks, in.Playbook); !ok {
				errs.Add("intents["+strconv.Itoa(i)+"].playbook", "not_found", "no playbook named %q", in.Playbook)
			}
		}
	}
	if err := errs.Err(); err != nil {
		return res, err
	}
	ids := slices.Sorted(maps.Keys(accounts))
	people, err := db.readPeople(ctx, tx, ids)
	if err != nil {
		return res, fmt.Errorf("apply intents: %w", err)
	}
	existing := map[ctaKey][]cta.CTA{}
	err = db.inChunks(ctx, tx, idArgs(ids), "SELECT "+ctaCols+" FROM ctas c WHERE c.account_id IN (%s) AND c.status IN ('open', 'in_progress', 'snoozed') AND c.rule <> ''", func(r *sql.Rows) error {
		var c cta.CTA
		s := ctaScanner{c: &c}
		if err := r.Scan(s.dest()...); err != nil {
			return err
		}
		s.done()
		k := ctaKey{c.AccountID, c.Rule, c.Key}
		existing[k] = append(existing[k], c)
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("apply intents: %w", err)
	}
	w, err := db.prepareCTAWrites(ctx, tx)
	if err != nil {
		return res, err
	}
	defer w.close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	// New CTAs are written 500 to a statement; an intent about a CTA still
	// queued writes the queue first, so that it sees the CTA's id.
	var queue []pendingCTA
	queued := map[ctaKey]bool{}
	create := func() error {
		if len(queue) == 0 {
			return nil
		}
		ids, err := w.insertMany(ctx, queue, now)
		if err != nil {
			return err
		}
		for _, q := range queue {
			k := ctaKey{q.c.AccountID, q.c.Rule, q.c.Key}
			delete(queued, k)
			id, ok := ids[k]
			if !ok { // another evaluation opened it first
				res.Skipped++
				delete(existing, k)
				continue
			}
			q.c.ID, q.c.Created, q.c.Updated = id, now, now
			existing[k] = []cta.CTA{q.c}
			if pb, ok := lookupPlaybook(playbooks, q.c.Playbook); ok && q.c.Playbook != "" {
				p := q.people
				tasks := cta.Instantiate(pb, q.c, today, cta.People{CSM: p.csm, AE: p.ae, Sponsor: p.sponsor, Pool: poolOr(pool)})
				if err := w.insertTasks(ctx, tasks); err != nil {
					return fmt.Errorf("tasks: %w", err)
				}
			}
			res.Created++
			res.Changes = append(res.Changes, store.AppliedChange{Index: q.index, Kind: cta.Create, CTAID: id})
		}
		queue = queue[:0]
		return nil
	}
	for i, in := range intents {
		p, ok := people[in.AccountID]
		if !ok {
			res.Skipped++
			continue
		}
		k := ctaKey{in.AccountID, in.Rule, in.Key}
		if queued[k] {
			if err := create(); err != nil {
				return res, fmt.Errorf("apply intents: %w", err)
			}
		}
		ch := cta.Apply(existing[k], in, today, cta.OwnerFor(p.csm, p.touch, pool))
		c := ch.CTA
		switch ch.Kind {
		case cta.None:
			res.Unchanged++
			continue
		case cta.Create:
			queue = append(queue, pendingCTA{index: i, c: c, people: p})
			queued[k] = true
			existing[k] = []cta.CTA{c}
			if len(queue) == ctaChunk {
				if err := create(); err != nil {
					return res, fmt.Errorf("apply intents: %w", err)
				}
			}
			continue
		default:
			if err := w.update(ctx, &c, now); err != nil {
				return res, fmt.Errorf("apply intents[%d]: %w", i, err)
			}
			switch ch.Kind {
			case cta.Update:
				res.Updated++
			case cta.Reopen:
				res.Reopened++
			case cta.CloseIt:
				res.Closed++
			}
			if c.Status == cta.Closed {
				delete(existing, k)
			} else {
				existing[k] = []cta.CTA{c}
			}
		}
		res.Changes = append(res.Changes, store.AppliedChange{Index: i, Kind: ch.Kind, CTAID: c.ID})
	}
	if err := create(); err != nil {
		return res, fmt.Errorf("apply intents: %w", err)
	}
	slices.SortFunc(res.Changes, func(a, b store.AppliedChange) int { return a.Index - b.Index })
	if err := w.flush(ctx); err != nil {
		return res, fmt.Errorf("apply intents: tasks: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("apply intents: %w", err)
	}
	return res, nil
}

func poolOr(pool string) string {
	if pool == "" {
		return cta.DefaultPool
	}
	return pool
}

// ctaWrites are the prepared statements of a batch of CTA writes.
type ctaWrites struct {
	db       *DB
	tx       *sql.Tx
	ins, upd *sql.Stmt
	tasks    []cta.Task // queued for flush
}

func (db *DB) prepareCTAWrites(ctx context.Context, tx *sql.Tx) (*ctaWrites, error) {
	w := &ctaWrites{db: db, tx: tx}
	var err error
	// A rule's CTA that another writer opened first is left alone: the
	// partial unique index is the arbiter.
	w.ins, err = tx.PrepareContext(ctx, db.D.rebind(`INSERT INTO ctas (account_id, type, reason, priority, owner_id, pool, due_on, status, rule, rule_key, playbook, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, `+db.D.Param("date")+`, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, rule, rule_key) WHERE status <> 'closed' AND rule <> '' DO NOTHING RETURNING id`))
	if err == nil {
		w.upd, err = tx.PrepareContext(ctx, db.D.rebind(`UPDATE ctas SET reason = ?, priority = ?, owner_id = ?, pool = ?, due_on = `+db.D.Param("date")+`, status = ?,
			snoozed_until = `+db.D.Param("date")+`, outcome = ?, close_note = ?, updated_at = ?, closed_at = ? WHERE id = ?`))
	}
	if err != nil {
		w.close()
		return nil, fmt.Errorf("prepare CTA writes: %w", err)
	}
	return w, nil
}

func (w *ctaWrites) close() {
	for _, st := range []*sql.Stmt{w.ins, w.upd} {
		if st != nil {
			st.Close()
		}
	}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// insert writes a new CTA, setting its id and times; false when a CTA of
// the same rule and key is already open.
func (w *ctaWrites) insert(ctx context.Context, c *cta.CTA, now time.Time, by int64) (bool, error) {
	due, _ := c.Due.Value()
	err := w.ins.QueryRowContext(ctx, c.AccountID, string(c.Type), c.Reason, int64(c.Priority), nullID(c.OwnerID), c.Pool, due, string(c.Status),
		c.Rule, c.Key, c.Playbook, nullID(by), w.db.D.TimeArg(now), w.db.D.TimeArg(now)).Scan(&c.ID)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, w.db.ctaWriteErr(err, c)
	}
	c.Created, c.Updated = now, now
	return true, nil
}

// pendingCTA is a rule's new CTA waiting to be written.
type pendingCTA struct {
	index  int // of its intent
	c      cta.CTA
	people accountPeople
}

// ctaChunk is how many new CTAs one statement writes (14 parameters each).
const ctaChunk = 500

// insertMany writes rules' new CTAs in one statement and returns their ids
// by key; a CTA whose key another writer holds open is left out (the
// partial unique index decides).
func (w *ctaWrites) insertMany(ctx context.Context, queue []pendingCTA, now time.Time) (map[ctaKey]int64, error) {
	p := w.db.D.Param
	row := "(" + strings.Join([]string{p("bigint"), p("text"), p("text"), p("integer"), p("bigint"), p("text"), p("date"), p("text"),
		p("text"), p("text"), p("text"), p("bigint"), p("timestamptz"), p("timestamptz")}, ", ") + ")"
	q := `INSERT INTO ctas (account_id, type, reason, priority, owner_id, pool, due_on, status, rule, rule_key, playbook, created_by, created_at, updated_at)
		VALUES ` + row + strings.Repeat(", "+row, len(queue)-1) + `
		ON CONFLICT (account_id, rule, rule_key) WHERE status <> 'closed' AND rule <> '' DO NOTHING RETURNING id, account_id, rule, rule_key`
	args := make([]any, 0, 14*len(queue))
	at := w.db.D.TimeArg(now)
	for _, x := range queue {
		c := x.c
		due, _ := c.Due.Value()
		args = append(args, c.AccountID, string(c.Type), c.Reason, int64(c.Priority), nullID(c.OwnerID), c.Pool, due, string(c.Status),
			c.Rule, c.Key, c.Playbook, nil, at, at)
	}
	rows, err := w.tx.QueryContext(ctx, w.db.D.rebind(q), args...)
	if err != nil {
		return nil, w.db.ctaWriteErr(err, &queue[0].c)
	}
	defer rows.Close()
	out := make(map[ctaKey]int64, len(queue))
	for rows.Next() {
		var (
			id int64
			k  ctaKey
		)
		if err := rows.Scan(&id, &k.account, &k.rule, &k.key); err != nil {
			return nil, err
		}
		out[k] = id
	}
	return out, rows.Err()
}

func (w *ctaWrites) update(ctx context.Context, c *cta.CTA, now time.Time) error {
	due, _ := c.Due.Value()
	snooze, _ := c.SnoozedUntil.Value()
	var closed any
	if c.Status == cta.Closed {
		if c.ClosedAt.IsZero() {
			c.ClosedAt = now
		}
		closed = w.db.D.TimeArg(c.ClosedAt)
	}
	_, err := w.upd.ExecContext(ctx, c.Reason, int64(c.Priority), nullID(c.OwnerID), c.Pool, due, string(c.Status), snooze, c.Outcome, c.CloseNote,
		w.db.D.TimeArg(now), closed, c.ID)
	if err != nil {
		return w.db.ctaWriteErr(err, c)
	}
	c.Updated = now
	return nil
}

// insertTasks queues tasks, written 500 to a statement; flush writes the
// rest (before the transaction commits).
func (w *ctaWrites) insertTasks(ctx context.Context, tasks []cta.Task) error {
	w.tasks = append(w.tasks, tasks...)
	if len(w.tasks) >= taskChunk {
		return w.flush(ctx)
	}
	return nil
}

// taskChunk is how many tasks one statement writes (8 parameters each).
const taskChunk = 500

func (w *ctaWrites) flush(ctx context.Context) error {
	for len(w.tasks) > 0 {
		n := min(taskChunk, len(w.tasks))
		p := w.db.D.Param
		row := "(" + p("bigint") + ", " + p("integer") + ", " + p("text") + ", " + p("text") + ", " + p("bigint") + ", " + p("text") + ", " + p("date") + ", " + p("text") + ")"
		q := "INSERT INTO cta_tasks (cta_id, position, title, role, owner_id, pool, due_on, activity) VALUES " + row + strings.Repeat(", "+row, n-1)
		args := make([]any, 0, 8*n)
		for _, t := range w.tasks[:n] {
			due, _ := t.Due.Value()
			args = append(args, t.CTAID, int64(t.Position), t.Title, string(t.Role), nullID(t.OwnerID), t.Pool, due, t.Activity)
		}
		if _, err := w.tx.ExecContext(ctx, w.db.D.rebind(q), args...); err != nil {
			if kind, _ := w.db.D.Constraint(err); kind == "foreign" {
				return validate.Errors{{Field: "tasks", Code: "not_found", Message: "a task's owner is not a user"}}
			}
			return err
		}
		w.tasks = w.tasks[n:]
	}
	return nil
}

func (db *DB) ctaWriteErr(err error, c *cta.CTA) error {
	switch kind, _ := db.D.Constraint(err); kind {
	case "foreign":
		return validate.Errors{{Field: "owner_id", Code: "not_found", Message: fmt.Sprintf("no account with id %d, or no user with id %d", c.AccountID, c.OwnerID)}}
	case "unique":
		return &store.ConflictError{Field: "rule", Message: fmt.Sprintf("account %d already has an open CTA for rule %q and key %q", c.AccountID, c.Rule, c.Key)}
	}
	return err
}

// OpenCTA opens a CTA by hand.
func (db *DB) OpenCTA(ctx context.Context, c *cta.CTA, today civil.Date, pool string, by int64) error {
	var errs validate.Errors
	c.Reason = strings.TrimSpace(c.Reason)
	if c.AccountID <= 0 {
		errs.Add("account_id", "required", "is required")
	}
	if !slices.Contains(cta.Types, c.Type) {
		errs.Add("type", "invalid", "%q is not one of %v", c.Type, cta.Types)
	}
	errs.Required("reason", c.Reason)
	errs.MaxLen("reason", c.Reason, 2000)
	if c.Priority == 0 {
		c.Priority = cta.Medium
	}
	if c.Priority < cta.Urgent || c.Priority > cta.Low {
		errs.Add("priority", "invalid", "%d is not between 1 (urgent) and 4 (low)", c.Priority)
	}
	if c.Due.IsZero() {
		c.Due = today.AddDays(7)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	people, err := db.readPeople(ctx, tx, []int64{c.AccountID})
	if err != nil {
		return fmt.Errorf("open CTA: %w", err)
	}
	p, ok := people[c.AccountID]
	if !ok {
		return validate.Errors{{Field: "account_id", Code: "not_found", Message: fmt.Sprintf("no account with id %d", c.AccountID)}}
	}
	var pb cta.Playbook
	if c.Playbook != "" {
		stored, err := db.storedPlaybooks(ctx, tx)
		if err != nil {
			return err
		}
		if pb, ok = lookupPlaybook(stored, c.Playbook); !ok {
			return validate.Errors{{Field: "playbook", Code: "not_found", Message: fmt.Sprintf("no playbook named %q", c.Playbook)}}
		}
	}
	if c.OwnerID == 0 && c.Pool == "" {
		// Someone asked for this work: the account's CSM does it whatever
		// the touch model, else the person who opened it, else the pool.
		switch o := cta.OwnerFor(p.csm, p.touch, pool); {
		case p.csm != 0:
			c.OwnerID = p.csm
		case by != 0:
			c.OwnerID = by
		default:
			c.OwnerID, c.Pool = o.UserID, o.Pool
		}
	}
	c.Status, c.Rule, c.Key = cta.Open, "", ""
	w, err := db.prepareCTAWrites(ctx, tx)
	if err != nil {
		return err
	}
	defer w.close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := w.insert(ctx, c, now, by); err != nil {
		return fmt.Errorf("open CTA: %w", err)
	}
	if c.Playbook != "" {
		tasks := cta.Instantiate(pb, *c, today, cta.People{CSM: p.csm, AE: p.ae, Sponsor: p.sponsor, Pool: poolOr(pool)})
		if err := w.insertTasks(ctx, tasks); err != nil {
			return fmt.Errorf("open CTA: %w", err)
		}
		if err := w.flush(ctx); err != nil {
			return fmt.Errorf("open CTA: %w", err)
		}
	}
	return tx.Commit()
}

const ctaRowSQL = `SELECT ` + ctaCols + `, a.name, a.csm_id, u.email, u.name,
	(SELECT COUNT(*) FROM cta_tasks t WHERE t.cta_id = c.id AND t.done_at IS NOT NULL),
	(SELECT COUNT(*) FROM cta_tasks t WHERE t.cta_id = c.id)
	FROM ctas c JOIN accounts a ON a.id = c.account_id LEFT JOIN users u ON u.id = c.owner_id `

func scanCTARow(r interface{ Scan(...any) error }) (store.CTARow, error) {
	var (
		row         store.CTARow
		done, total int64
	)
	s := ctaScanner{c: &row.CTA}
	err := r.Scan(append(s.dest(), &row.AccountName, intScan{&row.AccountCSMID}, strScan{&row.OwnerEmail}, strScan{&row.OwnerName}, intScan{&done}, intScan{&total})...)
	s.done()
	row.TasksDone, row.TasksTotal = int(done), int(total)
	return row, err
}

// CTA reads one CTA.
func (db *DB) CTA(ctx context.Context, id int64) (store.CTARow, error) {
	row, err := scanCTARow(db.queryRow(ctx, ctaRowSQL+"WHERE c.id = ?", id))
	if err == sql.ErrNoRows {
		return row, fmt.Errorf("CTA %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return row, fmt.Errorf("CTA %d: %w", id, err)
	}
	return row, nil
}

// ListCTAs lists CTAs in the cockpit's order with a keyset cursor.
func (db *DB) ListCTAs(ctx context.Context, f store.CTAFilter) (store.Page[store.CTARow], error) {
	var page store.Page[store.CTARow]
	if f.Today.IsZero() {
		f.Today = civil.Today()
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	today, _ := f.Today.Value()
	dateP := db.D.Param("date")
	var (
		where []string
		args  []any
	)
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if f.OwnerID != 0 {
		add("c.owner_id = ?", f.OwnerID)
	}
	if f.Pool != "" {
		add("c.pool = ?", f.Pool)
	}
	if f.AccountID != 0 {
		add("c.account_id = ?", f.AccountID)
	}
	if len(f.Statuses) == 0 {
		add("c.status <> 'closed'")
	} else {
		var ph []string
		for _, s := range f.Statuses {
			if !slices.Contains(cta.Statuses, s) {
				return page, validate.Errors{{Field: "status", Code: "invalid", Message: fmt.Sprintf("%q is not one of %v", s, cta.Statuses)}}
			}
			ph = append(ph, "?")
			args = append(args, string(s))
		}
		where = append(where, "c.status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.Type != "" {
		if !slices.Contains(cta.Types, f.Type) {
			return page, validate.Errors{{Field: "type", Code: "invalid", Message: fmt.Sprintf("%q is not one of %v", f.Type, cta.Types)}}
		}
		add("c.type = ?", string(f.Type))
	}
	if f.Priority != 0 {
		add("c.priority = ?", int64(f.Priority))
	}
	if !f.DueBefore.IsZero() {
		d, _ := f.DueBefore.Value()
		add("c.due_on <= "+dateP, d)
	}
	if f.Overdue {
		add("c.status IN ('open', 'in_progress') AND c.due_on < "+dateP, today)
	}
	// Two halves, each in index order (priority, due date, id): the
	// overdue CTAs, then the rest. Sorting on a computed "overdue" key
	// instead read and sorted every open CTA for each page.
	type after struct {
		prio int
		due  civil.Date
		id   int64
	}
	var from *after
	inOverdue := true
	if f.Cursor != "" {
		b, p, due, id, err := decodeCTACursor(f.Cursor)
		if err != nil {
			return page, err
		}
		from, inOverdue = &after{p, due, id}, b == 0
	}
	const overdue = "c.status IN ('open', 'in_progress') AND c.due_on < "
	half := func(overdueHalf bool, from *after, n int) error {
		hw, ha := slices.Clone(where), slices.Clone(args)
		if overdueHalf {
			hw, ha = append(hw, overdue+dateP), append(ha, today)
		} else {
			hw, ha = append(hw, "NOT ("+overdue+dateP+")"), append(ha, today)
		}
		if from != nil {
			dv, _ := from.due.Value()
			hw, ha = append(hw, "(c.priority, c.due_on, c.id) > (?, "+dateP+", ?)"), append(ha, from.prio, dv, from.id)
		}
		q := ctaRowSQL + "WHERE " + strings.Join(hw, " AND ") + " ORDER BY c.priority, c.due_on, c.id LIMIT ?"
		rows, err := db.R.QueryContext(ctx, db.D.rebind(q), append(ha, n)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			row, err := scanCTARow(rows)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, row)
		}
		return rows.Err()
	}
	page.Items = []store.CTARow{}
	if inOverdue {
		if err := half(true, from, limit+1); err != nil {
			return page, fmt.Errorf("list CTAs: %w", err)
		}
		from = nil
	}
	if len(page.Items) <= limit {
		if err := half(false, from, limit+1-len(page.Items)); err != nil {
			return page, fmt.Errorf("list CTAs: %w", err)
		}
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		b := 1
		if last.Overdue(f.Today) {
			b = 0
		}
		page.NextCursor = encodeCTACursor(b, int(last.Priority), last.Due, last.ID)
	}
	return page, nil
}

func encodeCTACursor(bucket, prio int, due civil.Date, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d|%d|%s|%d", bucket, prio, due, id)))
}

func decodeCTACursor(s string) (bucket, prio int, due civil.Date, id int64, err error) {
	bad := validate.Errors{{Field: "cursor", Code: "invalid", Message: "is not a cursor this list gave"}}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, 0, due, 0, bad
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 4 {
		return 0, 0, due, 0, bad
	}
	var e1, e2, e3, e4 error
	bucket, e1 = strconv.Atoi(parts[0])
	prio, e2 = strconv.Atoi(parts[1])
	due, e3 = civil.Parse(parts[2])
	id, e4 = strconv.ParseInt(parts[3], 10, 64)
	if errors.Join(e1, e2, e3, e4) != nil {
		return 0, 0, due, 0, bad
	}
	return bucket, prio, due, id, nil
}

// EditCTAs applies one edit to several CTAs in one transaction.
func (db *DB) EditCTAs(ctx context.Context, ids []int64, e cta.Edit, today civil.Date) ([]store.CTARow, error) {
	if len(ids) == 0 {
		return nil, validate.Errors{{Field: "ids", Code: "required", Message: "choose at least one CTA"}}
	}
	if err := e.Check(today); err != nil {
		return nil, err
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	found := map[int64]cta.CTA{}
	err = db.inChunks(ctx, tx, idArgs(ids), "SELECT "+ctaCols+" FROM ctas c WHERE c.id IN (%s)", func(r *sql.Rows) error {
		var c cta.CTA
		s := ctaScanner{c: &c}
		if err := r.Scan(s.dest()...); err != nil {
			return err
		}
		s.done()
		found[c.ID] = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("edit CTAs: %w", err)
	}
	w, err := db.prepareCTAWrites(ctx, tx)
	if err != nil {
		return nil, err
	}
	defer w.close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	done := map[int64]bool{}
	for _, id := range ids {
		if done[id] {
			continue
		}
		done[id] = true
		c, ok := found[id]
		if !ok {
			return nil, fmt.Errorf("CTA %d: %w", id, store.ErrNotFound)
		}
		c, err := e.To(c)
		if err != nil {
			ve, _ := validate.As(err)
			for i := range ve {
				ve[i].Message = fmt.Sprintf("CTA %d: %s", id, ve[i].Message)
			}
			return nil, ve
		}
		if err := w.update(ctx, &c, now); err != nil {
			return nil, fmt.Errorf("edit CTA %d: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("edit CTAs: %w", err)
	}
	out := make([]store.CTARow, 0, len(done))
	for _, id := range ids {
		if !done[id] {
			continue
		}
		delete(done, id)
		row, err := db.CTA(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, nil
}

const taskCols = "t.id, t.cta_id, t.position, t.title, t.role, t.owner_id, t.pool, t.due_on, t.activity, t.done_at, t.done_by"

func taskDest(t *cta.Task, pos *int64) []any {
	return []any{&t.ID, &t.CTAID, intScan{pos}, &t.Title, (*string)(&t.Role), intScan{&t.OwnerID}, &t.Pool, &t.Due, &t.Activity, timeScan{&t.DoneAt}, intScan{&t.DoneBy}}
}

// CTATasks lists the tasks of CTAs.
func (db *DB) CTATasks(ctx context.Context, ctaIDs []int64) (map[int64][]cta.Task, error) {
	out := map[int64][]cta.Task{}
	err := db.inChunks(ctx, db.R, idArgs(ctaIDs), "SELECT "+taskCols+" FROM cta_tasks t WHERE t.cta_id IN (%s) ORDER BY t.cta_id, t.position, t.id", func(r *sql.Rows) error {
		var (
			t   cta.Task
			pos int64
		)
		if err := r.Scan(taskDest(&t, &pos)...); err != nil {
			return err
		}
		t.Position, t.Done = int(pos), !t.DoneAt.IsZero()
		out[t.CTAID] = append(out[t.CTAID], t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("CTA tasks: %w", err)
	}
	return out, nil
}

const taskRowSQL = "SELECT " + taskCols + ", c.type, c.reason, a.id, a.name FROM cta_tasks t JOIN ctas c ON c.id = t.cta_id JOIN accounts a ON a.id = c.account_id "

func scanTaskRow(r interface{ Scan(...any) error }) (store.TaskRow, error) {
	var (
		row store.TaskRow
		pos int64
	)
	err := r.Scan(append(taskDest(&row.Task, &pos), (*string)(&row.CTAType), &row.CTAReason, &row.AccountID, &row.AccountName)...)
	row.Position, row.Done = int(pos), !row.DoneAt.IsZero()
	return row, err
}

// OpenTasks lists the tasks still to do of CTAs not closed.
func (db *DB) OpenTasks(ctx context.Context, ownerID int64, limit int) ([]store.TaskRow, error) {
	if limit <= 0 {
		limit = 50
	}
	q := taskRowSQL + "WHERE t.done_at IS NULL AND c.status <> 'closed'"
	var args []any
	if ownerID != 0 {
		q += " AND t.owner_id = ?"
		args = append(args, ownerID)
	}
	q += " ORDER BY t.due_on, t.id LIMIT ?"
	args = append(args, limit)
	rows, err := db.R.QueryContext(ctx, db.D.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("open tasks: %w", err)
	}
	defer rows.Close()
	out := []store.TaskRow{}
	for rows.Next() {
		row, err := scanTaskRow(rows)
		if err != nil {
			return nil, fmt.Errorf("open tasks: %w", err)
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// CompleteTask marks a task done.
func (db *DB) CompleteTask(ctx context.Context, id, by int64) (store.TaskRow, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := db.exec(ctx, "UPDATE cta_tasks SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL", db.D.TimeArg(now), nullID(by), id); err != nil {
		if kind, _ := db.D.Constraint(err); kind == "foreign" {
			return store.TaskRow{}, validate.Errors{{Field: "done_by", Code: "not_found", Message: fmt.Sprintf("no user with id %d", by)}}
		}
		return store.TaskRow{}, fmt.Errorf("complete task %d: %w", id, err)
	}
	row, err := scanTaskRow(db.queryRow(ctx, taskRowSQL+"WHERE t.id = ?", id))
	if err == sql.ErrNoRows {
		return row, fmt.Errorf("task %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return row, fmt.Errorf("task %d: %w", id, err)
	}
	return row, nil
}

// CTAReport measures the work of a period.
func (db *DB) CTAReport(ctx context.Context, from, to, today civil.Date) (store.CTAReport, error) {
	rep := store.CTAReport{From: from, To: to}
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return rep, validate.Errors{{Field: "from", Code: "invalid", Message: fmt.Sprintf("the period %s..%s is not a range of days", from, to)}}
	}
	lo, hi := db.D.TimeArg(from.Time()), db.D.TimeArg(to.AddDays(1).Time())

	// Opened, by type; and the risk CTAs' accounts with their first day.
	opened := map[cta.Type]int{}
	riskFrom := map[int64]civil.Date{}
	rows, err := db.R.QueryContext(ctx, db.D.rebind("SELECT type, account_id, created_at FROM ctas WHERE created_at >= ? AND created_at < ?"), lo, hi)
	if err != nil {
		return rep, fmt.Errorf("CTA report: %w", err)
	}
	for rows.Next() {
		var (
			typ     string
			account int64
			at      time.Time
		)
		if err := rows.Scan(&typ, &account, timeScan{&at}); err != nil {
			rows.Close()
			return rep, fmt.Errorf("CTA report: %w", err)
		}
		opened[cta.Type(typ)]++
		if cta.Type(typ) == cta.Risk {
			if d, ok := riskFrom[account]; !ok || civil.Of(at).Before(d) {
				riskFrom[account] = civil.Of(at)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("CTA report: %w", err)
	}
	for _, t := range cta.Types {
		if n := opened[t]; n > 0 {
			rep.Opened = append(rep.Opened, store.CTACount{Type: t, Count: n})
		}
	}

	// Closed, by type and outcome, with the days each took.
	type group struct {
		typ     cta.Type
		outcome string
	}
	days := map[group][]float64{}
	var all []float64
	rows, err = db.R.QueryContext(ctx, db.D.rebind("SELECT type, outcome, created_at, closed_at FROM ctas WHERE closed_at >= ? AND closed_at < ?"), lo, hi)
	if err != nil {
		return rep, fmt.Errorf("CTA report: %w", err)
	}
	for rows.Next() {
		var (
			g          group
			typ        string
			open, shut time.Time
		)
		if err := rows.Scan(&typ, &g.outcome, timeScan{&open}, timeScan{&shut}); err != nil {
			rows.Close()
			return rep, fmt.Errorf("CTA report: %w", err)
		}
		g.typ = cta.Type(typ)
		d := shut.Sub(open).Hours() / 24
		days[g] = append(days[g], d)
		all = append(all, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("CTA report: %w", err)
	}
	// By type in the usual order, then outcome: the usual ones in order,
	// then any other a rule wrote, alphabetically.
	for g, ds := range days {
		rep.Closed = append(rep.Closed, store.CTACount{Type: g.typ, Outcome: g.outcome, Count: len(ds), MedianDays: median(ds)})
	}
	rank := func(xs []string, x string) int {
		if i := slices.Index(xs, x); i >= 0 {
			return i
		}
		return len(xs)
	}
	types := make([]string, len(cta.Types))
	for i, t := range cta.Types {
		types[i] = string(t)
	}
	slices.SortFunc(rep.Closed, func(a, b store.CTACount) int {
		return cmp.Or(cmp.Compare(rank(types, string(a.Type)), rank(types, string(b.Type))), strings.Compare(string(a.Type), string(b.Type)),
			cmp.Compare(rank(cta.Outcomes, a.Outcome), rank(cta.Outcomes, b.Outcome)), strings.Compare(a.Outcome, b.Outcome))
	})
	rep.MedianDaysToClose = median(all)

	// What is still to do now.
	td, _ := today.Value()
	var open, overdue int64
	err = db.queryRow(ctx, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_on < "+db.D.Param("date")+" THEN 1 ELSE 0 END), 0) FROM ctas WHERE status IN ('open', 'in_progress')", td).
		Scan(intScan{&open}, intScan{&overdue})
	if err != nil {
		return rep, fmt.Errorf("CTA report: %w", err)
	}
	rep.OpenNow, rep.OverdueNow = int(open), int(overdue)

	// The risk accounts' renewals.
	if len(riskFrom) > 0 {
		ids := slices.Sorted(maps.Keys(riskFrom))
		isCust := map[int64]bool{}
		err := db.inChunks(ctx, db.R, idArgs(ids), "SELECT id, lifecycle, mrr FROM accounts WHERE id IN (%s)", func(r *sql.Rows) error {
			var (
				id, mrr int64
				stage   string
			)
			if err := r.Scan(&id, strScan{&stage}, intScan{&mrr}); err != nil {
				return err
			}
			isCust[id] = customer.IsCustomer(stage, mrr)
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("CTA report: %w", err)
		}
		terms := map[int64][]cta.Term{}
		err = db.inChunks(ctx, db.R, idArgs(ids), "SELECT account_id, start_on, end_on, status, trial FROM subscriptions WHERE account_id IN (%s)", func(r *sql.Rows) error {
			var (
				id int64
				s  customer.Subscription
			)
			if err := r.Scan(&id, &s.StartOn, &s.EndOn, &s.Status, boolScan{&s.Trial}); err != nil {
				return err
			}
			terms[id] = append(terms[id], cta.Term{Start: s.StartOn, End: s.EndOn, Live: s.Live()})
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("CTA report: %w", err)
		}
		for _, id := range ids {
			cust, ok := isCust[id]
			if !ok {
				continue // deleted since
			}
			rep.Risk.Accounts++
			switch cta.RenewalOutcome(riskFrom[id], today, cust, terms[id]) {
			case cta.Renewed:
				rep.Risk.Renewed++
			case cta.Churned:
				rep.Risk.Churned++
			default:
				rep.Risk.Pending++
			}
		}
	}
	return rep, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Playbook reads a playbook, stored over shipped.
func (db *DB) Playbook(ctx context.Context, name string) (cta.Playbook, error) {
	var y string
	err := db.queryRow(ctx, "SELECT yaml FROM playbooks WHERE name = ?", name).Scan(&y)
	switch {
	case err == sql.ErrNoRows:
		if p, ok := cta.ShippedPlaybook(name); ok {
			return p, nil
		}
		return cta.Playbook{}, fmt.Errorf("playbook %q: %w", name, store.ErrNotFound)
	case err != nil:
		return cta.Playbook{}, fmt.Errorf("playbook %q: %w", name, err)
	}
	return cta.ParsePlaybook([]byte(y))
}

// Playbooks lists every playbook, stored over shipped.
func (db *DB) Playbooks(ctx context.Context) ([]store.PlaybookInfo, error) {
	stored, err := db.storedPlaybooks(ctx, db.R)
	if err != nil {
		return nil, err
	}
	for _, p := range cta.Shipped() {
		if _, ok := stored[p.Name]; !ok {
			stored[p.Name] = store.PlaybookInfo{Playbook: p, Shipped: true}
		}
	}
	out := slices.Collect(maps.Values(stored))
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// SavePlaybook stores a playbook's YAML.
func (db *DB) SavePlaybook(ctx context.Context, yaml string, by int64) (cta.Playbook, error) {
	p, err := cta.ParsePlaybook([]byte(yaml))
	if err != nil {
		return p, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	_, err = db.exec(ctx, `INSERT INTO playbooks (name, yaml, updated_by, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET yaml = excluded.yaml, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		p.Name, yaml, nullID(by), db.D.TimeArg(now))
	if err != nil {
		if kind, _ := db.D.Constraint(err); kind == "foreign" {
			return p, validate.Errors{{Field: "updated_by", Code: "not_found", Message: fmt.Sprintf("no user with id %d", by)}}
		}
		return p, fmt.Errorf("save playbook %q: %w", p.Name, err)
	}
	return p, nil
}

// ResetPlaybook removes a stored playbook.
func (db *DB) ResetPlaybook(ctx context.Context, name string) error {
	res, err := db.exec(ctx, "DELETE FROM playbooks WHERE name = ?", name)
	if err != nil {
		return fmt.Errorf("reset playbook %q: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("stored playbook %q: %w", name, store.ErrNotFound)
	}
	return nil
}

package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// The dashboard figures are cached: computing them reads every account
// through several covering indexes (tens of milliseconds at 100,000
// accounts, several times that on a busy machine), while the answer
// changes only when something is written. A cached figure is used only
// while all of these hold, so a page never shows a figure older than the
// writes it could know about:
//
//   - No write has gone through this DB since it was computed. Every write
//     path (collection Create, Update, Delete, Upsert, Import; PutAttribute,
//     DeleteAttribute) bumps db.writes after it commits, so a write made
//     by this process shows on the very next read.
//   - The database's change counter (the store_changes table on SQLite,
//     the store_changes sequence on PostgreSQL; migration 0004) has not
//     moved. Writes by other processes — another `tend serve` replica on
//     PostgreSQL, a `tend import` run against the same SQLite file — move
//     it. Reading it is one tiny query, made at most every
//     changeCheckEvery, so another process's write shows within that
//     bound. On SQLite the counter is bumped inside the write transaction
//     (there is one writer, so it costs no concurrency); on PostgreSQL it
//     is a sequence bumped just after the commit, because a counter row
//     updated inside every write transaction would serialise all writers
//     of all replicas on one row lock — and bumping after the commit means
//     a reader can never see the new count before the new rows.
//   - It is younger than cacheTTL: a safety net for changes the counter
//     cannot see (SQL run by hand, a process that died between its commit
//     and its bump on PostgreSQL).
//
// Figures computed while the state changes are handed to the caller that
// asked but not kept. Concurrent requests for the same figure wait for one
// computation instead of each running the same queries.

// Cache timing: see above. Tests shorten them through DB fields.
const (
	changeCheckEvery = 250 * time.Millisecond
	cacheTTL         = 10 * time.Second
	// cacheMax bounds how many distinct figures (methods × arguments) one
	// generation keeps; the dashboard needs about ten.
	cacheMax = 256
)

// figuresCache holds the figures computed in the current generation: the
// span of time in which no change was seen.
type figuresCache struct {
	// checkEvery and ttl default to changeCheckEvery and cacheTTL; a
	// negative ttl turns the cache off.
	checkEvery, ttl time.Duration

	mu      sync.Mutex
	gen     uint64    // bumped at every reset; in-flight results of older ones are dropped
	writes  uint64    // db.writes when this generation began
	counter int64     // the database's change counter when last read
	checked time.Time // when the counter was last read (the read's start)
	began   time.Time // when this generation began
	entries map[string]*cacheEntry
}

// cacheEntry is one figure, computed or being computed (done not closed).
type cacheEntry struct {
	done chan struct{}
	val  any
	err  error
}

// changed records a committed write for the cache: in this process at
// once, and on PostgreSQL for the other replicas too (see above). It is
// called after the transaction ends, whether or not it committed; a
// failure to bump the sequence is not the write's failure — cacheTTL
// bounds what it costs.
func (db *DB) changed(ctx context.Context) {
	db.writes.Add(1)
	if db.D.Name == "postgres" {
		_, _ = db.W.ExecContext(context.WithoutCancel(ctx), "SELECT nextval('store_changes')")
	}
}

// changedTx bumps the change counter inside a write transaction, on the
// engines that do so (SQLite); see above.
func (db *DB) changedTx(ctx context.Context, tx *sql.Tx) error {
	if db.D.Name == "postgres" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "UPDATE store_changes SET n = n + 1"); err != nil {
		return fmt.Errorf("note change: %w", err)
	}
	return nil
}

// changeCounter reads the database's change counter.
func (db *DB) changeCounter(ctx context.Context) (int64, error) {
	q := "SELECT n FROM store_changes"
	if db.D.Name == "postgres" {
		q = "SELECT last_value FROM store_changes"
	}
	var n int64
	if err := db.R.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("read change counter: %w", err)
	}
	return n, nil
}

// cached returns the figure named key from the cache, or computes it with
// compute (once, however many callers ask at the same time) and keeps it.
func cached[T any](ctx context.Context, db *DB, key string, compute func(context.Context) (T, error)) (T, error) {
	c := &db.cache
	e, gen, leader := c.lookup(ctx, db, key)
	if e == nil { // not cacheable now: compute apart
		return compute(ctx)
	}
	if !leader {
		select {
		case <-e.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		if e.err != nil { // the leader failed, perhaps its request ended: try here
			return compute(ctx)
		}
		return e.val.(T), nil
	}
	v, err := compute(ctx)
	e.val, e.err = v, err
	close(e.done)
	if err != nil {
		c.drop(gen, key, e)
	}
	return v, err
}

// lookup finds the entry for key in the current generation, first
// starting a new generation if a change has been seen. It returns the
// entry and whether the caller must compute it (leader); a nil entry when
// the figure cannot be cached now (the cache is off or full, or the change
// counter could not be read).
func (c *figuresCache) lookup(ctx context.Context, db *DB, key string) (e *cacheEntry, gen uint64, leader bool) {
	if c.ttl < 0 {
		return nil, 0, false
	}
	ttl, every := cmp.Or(c.ttl, cacheTTL), cmp.Or(c.checkEvery, changeCheckEvery)
	now := time.Now()
	c.mu.Lock()
	if c.entries == nil || now.Sub(c.checked) >= every {
		c.mu.Unlock()
		n, err := db.changeCounter(ctx)
		if err != nil {
			return nil, 0, false
		}
		c.mu.Lock()
		if c.entries == nil || n != c.counter {
			c.resetLocked(now)
		}
		if now.After(c.checked) {
			c.counter, c.checked = n, now
		}
	}
	// Read the write count before computing anything: a write that commits
	// after this moves it, and the next lookup starts afresh.
	if w := db.writes.Load(); w != c.writes || now.Sub(c.began) >= ttl {
		c.resetLocked(now)
		c.writes = w
	}
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		return e, c.gen, false
	}
	if len(c.entries) >= cacheMax {
		return nil, 0, false
	}
	e = &cacheEntry{done: make(chan struct{})}
	c.entries[key] = e
	return e, c.gen, true
}

// resetLocked starts a new generation with no figures.
func (c *figuresCache) resetLocked(now time.Time) {
	c.gen++
	c.began = now
	c.entries = map[string]*cacheEntry{}
}

// drop forgets a failed computation so that the next caller tries again.
func (c *figuresCache) drop(gen uint64, key string, e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen && c.entries[key] == e {
		delete(c.entries, key)
	}
}

// SetFiguresCache sets how often the change counter is read and how long
// a figure is kept at most (zero: the defaults; a negative ttl: no
// caching), for tests and benchmarks that measure the uncached figures.
func (db *DB) SetFiguresCache(checkEvery, ttl time.Duration) {
	c := &db.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checkEvery, c.ttl = checkEvery, ttl
	c.entries = nil
}

package sqlstore

import (
	"context"

	"golang.org/x/sync/semaphore"
)

// Merged scans (health facts, usage rollups) open every scan before
// reading any, and on an engine whose connection reads one result at a
// time (PostgreSQL) each scan takes a connection of the pool. Two merges
// that each took part of the pool and wait for the rest would wait for
// ever: scan connections are therefore taken from a budget smaller than
// the pool, all of a merge's at once, leaving the rest to writes and
// single reads.
const scanBudget = 12

// scanSlots reserves n scan connections until release is called; on
// engines where scans share one connection it reserves nothing.
func (db *DB) scanSlots(ctx context.Context, n int64) (release func(), err error) {
	if db.D.OneConnScans {
		return func() {}, nil
	}
	s := db.scans.Load()
	if s == nil {
		db.scans.CompareAndSwap(nil, semaphore.NewWeighted(scanBudget))
		s = db.scans.Load()
	}
	n = min(n, scanBudget)
	if err := s.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { s.Release(n) }, nil
}

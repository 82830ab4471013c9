package web

import (
	"fmt"
	"hash/fnv"
	"sync"
)

// retentionViews keeps built retention pages. Building one (metrics by
// slice, 24 trailing months, cohorts, the pipeline) costs around 100 ms at
// 100,000 accounts even from a cached book, while the inputs change only
// on writes; so a view is kept under a key naming everything it was built
// from — the book (a new one after any change to subscriptions, accounts
// or rates), a fingerprint of the churn records, renewal calls, red accounts and CSM
// names read for this request, the day, and the page's parameters — and
// reused only while all of them are the same.
type retentionViews struct {
	mu sync.Mutex
	m  map[string]retentionEntry
}

// retentionEntry is a view and the book it was built from. Holding the
// book keeps it alive, so its address — part of the key — cannot be
// reused by a newer book while the entry exists.
type retentionEntry struct {
	book any
	v    *retentionView
}

// maxRetentionViews bounds the views kept; past it they are all dropped.
const maxRetentionViews = 64

// get returns the view under key, building it if there is none.
func (c *retentionViews) get(key string, book any, build func() (*retentionView, error)) (*retentionView, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return e.v, nil
	}
	v, err := build()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxRetentionViews {
		c.m = map[string]retentionEntry{}
	}
	c.m[key] = retentionEntry{book: book, v: v}
	c.mu.Unlock()
	return v, nil
}

// retentionKey names what the page for p is built from. fmt prints maps
// in key order, so equal inputs give equal fingerprints.
func retentionKey(d *retentionData, p retentionParams, today fmt.Stringer) string {
	h := fnv.New128a()
	fmt.Fprint(h, d.records, d.calls, d.atRisk, d.csmNames)
	return fmt.Sprintf("%p|%x|%s|%s", d.book, h.Sum(nil), today, p.values().Encode())
}

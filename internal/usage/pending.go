package usage

import "time"

// PendingLimits bound a Pending structure. Zero fields take the defaults.
type PendingLimits struct {
	// PerIdentity is the most items held for one identity; past it the
	// oldest of that identity is dropped. Default 1,000.
	PerIdentity int
	// Identities is the most identities held; past it the identity added to
	// least recently is dropped whole. Default 100,000.
	Identities int
	// Total is the most items held overall; past it items are dropped
	// oldest identity first. Default 1,000,000.
	Total int
	// MaxAge is how long an item is held waiting for a link, measured from
	// when it was added. Default 7 days.
	MaxAge time.Duration
}

func (l PendingLimits) withDefaults() PendingLimits {
	if l.PerIdentity <= 0 {
		l.PerIdentity = 1000
	}
	if l.Identities <= 0 {
		l.Identities = 100_000
	}
	if l.Total <= 0 {
		l.Total = 1_000_000
	}
	if l.MaxAge <= 0 {
		l.MaxAge = 7 * 24 * time.Hour
	}
	return l
}

// DropCause says why Pending let go of an item without releasing it.
type DropCause uint8

// The causes of a drop.
const (
	DropPerIdentity DropCause = iota + 1 // the identity's own limit
	DropIdentities                       // too many identities held
	DropTotal                            // too many items held
	DropExpired                          // held longer than MaxAge
)

// String names the cause for logs and metrics labels.
func (c DropCause) String() string {
	switch c {
	case DropPerIdentity:
		return "per_identity_limit"
	case DropIdentities:
		return "identity_limit"
	case DropTotal:
		return "total_limit"
	case DropExpired:
		return "expired"
	}
	return "unknown"
}

// PendingStats count what a Pending did.
type PendingStats struct {
	Held       int                    // items held now
	Identities int                    // identities held now
	Added      int64                  // items ever added
	Released   int64                  // items handed back by Release
	Dropped    [DropExpired + 1]int64 // items dropped, indexed by DropCause
}

// Pending holds items (usage events, identify traits) of identities that are
// not yet linked to an account, until a link arrives and Release hands them
// back. Memory is bounded by PendingLimits; what is dropped is counted and,
// when OnDrop is set, reported. Pending is an index over items the store
// already holds durably: dropping one loses its early attribution, not the
// item. It is not safe for concurrent use.
type Pending[T any] struct {
	limits PendingLimits
	byKey  map[string]*pendingQueue[T]
	// LRU list of queues by last Add: head is the most recent.
	head, tail *pendingQueue[T]
	total      int
	stats      PendingStats
	// OnDrop, when set, is called for every dropped item.
	OnDrop func(identity string, item T, cause DropCause)
}

type pendingQueue[T any] struct {
	key        string
	items      []pendingItem[T]
	prev, next *pendingQueue[T]
}

type pendingItem[T any] struct {
	at time.Time
	v  T
}

// NewPending makes an empty Pending with the given limits.
func NewPending[T any](l PendingLimits) *Pending[T] {
	return &Pending[T]{limits: l.withDefaults(), byKey: map[string]*pendingQueue[T]{}}
}

// Limits are the limits in force, defaults filled in.
func (p *Pending[T]) Limits() PendingLimits { return p.limits }

// Add holds v for identity, added at now.
func (p *Pending[T]) Add(identity string, now time.Time, v T) {
	p.stats.Added++
	q := p.byKey[identity]
	if q == nil {
		for len(p.byKey) >= p.limits.Identities {
			p.dropQueue(p.tail, DropIdentities)
		}
		q = &pendingQueue[T]{key: identity}
		p.byKey[identity] = q
	} else {
		p.unlink(q)
		p.trimExpired(q, now)
	}
	p.pushFront(q)
	if len(q.items) >= p.limits.PerIdentity {
		p.dropOldest(q, DropPerIdentity)
	}
	q.items = append(q.items, pendingItem[T]{at: now, v: v})
	p.total++
	for p.total > p.limits.Total {
		t := p.tail
		p.dropOldest(t, DropTotal)
		if len(t.items) == 0 {
			p.removeQueue(t)
		}
	}
}

// Release hands back, oldest first, every item held for identity that is
// not older than MaxAge at now, and forgets the identity.
func (p *Pending[T]) Release(identity string, now time.Time) []T {
	q := p.byKey[identity]
	if q == nil {
		return nil
	}
	p.trimExpired(q, now)
	out := make([]T, len(q.items))
	for i, it := range q.items {
		out[i] = it.v
	}
	p.stats.Released += int64(len(out))
	p.total -= len(q.items)
	q.items = nil
	p.removeQueue(q)
	return out
}

// Rekey moves everything held for from under to, keeping arrival order and
// the per-identity limit: what an alias call does to a user's history.
func (p *Pending[T]) Rekey(from, to string, now time.Time) {
	if from == to {
		return
	}
	src := p.byKey[from]
	if src == nil {
		return
	}
	p.removeQueue(src)
	dst := p.byKey[to]
	if dst == nil {
		src.key = to
		p.byKey[to] = src
		p.pushFront(src)
		p.trimExpired(src, now)
		return
	}
	merged := make([]pendingItem[T], 0, len(src.items)+len(dst.items))
	i, j := 0, 0
	for i < len(src.items) || j < len(dst.items) {
		if j == len(dst.items) || i < len(src.items) && src.items[i].at.Before(dst.items[j].at) {
			merged = append(merged, src.items[i])
			i++
		} else {
			merged = append(merged, dst.items[j])
			j++
		}
	}
	dst.items = merged
	p.trimExpired(dst, now)
	for len(dst.items) > p.limits.PerIdentity {
		p.dropOldest(dst, DropPerIdentity)
	}
}

// Expire drops every item older than MaxAge at now and returns how many.
// Items are also trimmed lazily by Add and Release; call Expire now and then
// to reclaim memory of identities that went quiet.
func (p *Pending[T]) Expire(now time.Time) int {
	before := p.stats.Dropped[DropExpired]
	for q := p.tail; q != nil; {
		prev := q.prev
		p.trimExpired(q, now)
		if len(q.items) == 0 {
			p.removeQueue(q)
		}
		q = prev
	}
	return int(p.stats.Dropped[DropExpired] - before)
}

// Identities lists the identities held, most recently added first.
func (p *Pending[T]) Identities() []string {
	out := make([]string, 0, len(p.byKey))
	for q := p.head; q != nil; q = q.next {
		out = append(out, q.key)
	}
	return out
}

// Len is how many items are held.
func (p *Pending[T]) Len() int { return p.total }

// Stats reports counters and current sizes.
func (p *Pending[T]) Stats() PendingStats {
	s := p.stats
	s.Held, s.Identities = p.total, len(p.byKey)
	return s
}

func (p *Pending[T]) trimExpired(q *pendingQueue[T], now time.Time) {
	cutoff := now.Add(-p.limits.MaxAge)
	n := 0
	for n < len(q.items) && q.items[n].at.Before(cutoff) {
		n++
	}
	if n == 0 {
		return
	}
	for _, it := range q.items[:n] {
		p.dropped(q.key, it.v, DropExpired)
	}
	clear(q.items[:n])
	q.items = q.items[n:]
	p.total -= n
}

func (p *Pending[T]) dropOldest(q *pendingQueue[T], cause DropCause) {
	p.dropped(q.key, q.items[0].v, cause)
	var zero pendingItem[T]
	q.items[0] = zero
	q.items = q.items[1:]
	p.total--
}

func (p *Pending[T]) dropQueue(q *pendingQueue[T], cause DropCause) {
	for _, it := range q.items {
		p.dropped(q.key, it.v, cause)
	}
	p.total -= len(q.items)
	q.items = nil
	p.removeQueue(q)
}

func (p *Pending[T]) dropped(key string, v T, cause DropCause) {
	p.stats.Dropped[cause]++
	if p.OnDrop != nil {
		p.OnDrop(key, v, cause)
	}
}

func (p *Pending[T]) removeQueue(q *pendingQueue[T]) {
	p.unlink(q)
	delete(p.byKey, q.key)
}

func (p *Pending[T]) pushFront(q *pendingQueue[T]) {
	q.prev, q.next = nil, p.head
	if p.head != nil {
		p.head.prev = q
	}
	p.head = q
	if p.tail == nil {
		p.tail = q
	}
}

func (p *Pending[T]) unlink(q *pendingQueue[T]) {
	if q.prev != nil {
		q.prev.next = q.next
	} else if p.head == q {
		p.head = q.next
	}
	if q.next != nil {
		q.next.prev = q.prev
	} else if p.tail == q {
		p.tail = q.prev
	}
	q.prev, q.next = nil, nil
}

package usage

import (
	"encoding/binary"
	"errors"
	"hash/maphash"
	"sync"
	"time"
)

// MinDedupeWindow is the shortest deduplication window Tend accepts:
// Segment's libraries retry for far less, and Segment itself promises 24 h.
const MinDedupeWindow = 24 * time.Hour

// DedupeOptions configure a Dedupe.
type DedupeOptions struct {
	// Window is how long a (write key, messageId) is remembered at least;
	// default and minimum 24 h.
	Window time.Duration
	// Buckets is how many time slices the window is cut into; keys expire a
	// slice at a time, so a key lives between Window and Window·(1+1/Buckets).
	// Default 24.
	Buckets int
	// MaxKeys bounds memory (≈ 72 bytes a key, measured). When full, the
	// oldest slice is dropped early; the durable store's unique key still
	// catches those retries. Default 1,000,000.
	MaxKeys int
}

// DedupeKey is a 128-bit hash of (write key, messageId). It is seeded per
// process, so it must never be stored.
type DedupeKey [2]uint64

// Dedupe remembers recently committed (write key, messageId) pairs so that
// retries are recognised without a database round trip. It is a cache in
// front of the durable store, not the guarantee: the store enforces
// uniqueness for the whole window (see docs/usage.md). Keys are 128-bit
// hashes, so a false "duplicate" has a probability near 2^-100 per lookup.
// It is safe for concurrent use.
//
// The protocol is two-phase so that a failed commit never hides a retry:
// Check before committing, Remember only after the commit succeeded.
type Dedupe struct {
	mu      sync.Mutex
	seed1   maphash.Seed
	seed2   maphash.Seed
	width   time.Duration
	n       int // buckets kept beyond the current one
	maxKeys int
	keys    map[DedupeKey]int64 // key → bucket number
	ring    [][][]DedupeKey     // ring[b % len(ring)] lists bucket b's keys, in chunks
	free    [][]DedupeKey       // emptied chunks, reused
	newest  int64               // highest bucket number seen
	oldest  int64               // lowest bucket number still held
	stats   DedupeStats
}

// DedupeStats count what a Dedupe did, for metrics.
type DedupeStats struct {
	// Keys is how many keys are held now.
	Keys int
	// Expired is how many keys aged out of the window.
	Expired int64
	// Evicted is how many keys were dropped early because MaxKeys was hit.
	Evicted int64
}

// NewDedupe makes a Dedupe. It refuses a window under MinDedupeWindow.
func NewDedupe(o DedupeOptions) (*Dedupe, error) {
	if o.Window == 0 {
		o.Window = MinDedupeWindow
	}
	if o.Window < MinDedupeWindow {
		return nil, errors.New("usage: the deduplication window must be at least 24h, got " + o.Window.String())
	}
	if o.Buckets <= 0 {
		o.Buckets = 24
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = 1_000_000
	}
	width := o.Window / time.Duration(o.Buckets)
	if width <= 0 {
		width = 1
	}
	return &Dedupe{
		seed1: maphash.MakeSeed(), seed2: maphash.MakeSeed(),
		width: width, n: o.Buckets, maxKeys: o.MaxKeys,
		keys: map[DedupeKey]int64{}, ring: make([][][]DedupeKey, o.Buckets+1),
		newest: -1 << 62, oldest: -1 << 62,
	}, nil
}

// Key hashes a (write key, messageId) pair.
func (d *Dedupe) Key(writeKey, messageID string) DedupeKey {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(writeKey)))
	var h maphash.Hash
	h.SetSeed(d.seed1)
	h.Write(n[:])
	h.WriteString(writeKey)
	h.WriteString(messageID)
	a := h.Sum64()
	h.SetSeed(d.seed2)
	h.Write(n[:])
	h.WriteString(writeKey)
	h.WriteString(messageID)
	return DedupeKey{a, h.Sum64()}
}

func (d *Dedupe) bucket(now time.Time) int64 {
	b := now.UnixNano() / int64(d.width)
	if b < d.newest {
		b = d.newest // the clock stepped back: keep counting from the newest
	}
	return b
}

// advance moves the window to bucket b, dropping buckets that have left it.
func (d *Dedupe) advance(b int64) {
	if b <= d.newest {
		return
	}
	if d.newest == -1<<62 {
		d.newest, d.oldest = b, b
		return
	}
	d.newest = b
	for d.oldest < b-int64(d.n) {
		d.drop(d.oldest, &d.stats.Expired)
		d.oldest++
		if d.oldest < b-int64(d.n) && len(d.keys) == 0 {
			d.oldest = b - int64(d.n) // nothing left to drop: jump
		}
	}
}

// dedupeChunk is how many keys a chunk of a bucket's key list holds: lists
// grow by chunks, never by copying.
const dedupeChunk = 1024

func (d *Dedupe) slot(b int64) *[][]DedupeKey {
	n := int64(len(d.ring))
	return &d.ring[int((b%n+n)%n)]
}

func (d *Dedupe) drop(b int64, counter *int64) {
	slot := d.slot(b)
	for _, chunk := range *slot {
		for _, k := range chunk {
			if d.keys[k] == b {
				delete(d.keys, k)
				*counter++
			}
		}
		if len(d.free)*dedupeChunk < d.maxKeys {
			d.free = append(d.free, chunk[:0])
		}
	}
	clear(*slot)
	*slot = (*slot)[:0]
}

func (d *Dedupe) push(slot *[][]DedupeKey, k DedupeKey) {
	n := len(*slot)
	if n == 0 || len((*slot)[n-1]) == dedupeChunk {
		var c []DedupeKey
		if f := len(d.free); f > 0 {
			c, d.free = d.free[f-1], d.free[:f-1]
		} else {
			c = make([]DedupeKey, 0, dedupeChunk)
		}
		*slot = append(*slot, c)
		n++
	}
	(*slot)[n-1] = append((*slot)[n-1], k)
}

// Seen reports whether key was remembered within the window.
func (d *Dedupe) Seen(key DedupeKey, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.advance(d.bucket(now))
	_, ok := d.keys[key]
	return ok
}

// Remember records keys as committed at now.
func (d *Dedupe) Remember(now time.Time, keys ...DedupeKey) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := d.bucket(now)
	d.advance(b)
	slot := d.slot(b)
	for i, k := range keys {
		if _, ok := d.keys[k]; ok {
			continue
		}
		for len(d.keys) >= d.maxKeys {
			if d.oldest >= b {
				// The current slice alone fills the limit: stop remembering
				// rather than forget what was just added. The store still
				// deduplicates.
				d.stats.Evicted += int64(len(keys) - i) // not remembered
				return
			}
			d.drop(d.oldest, &d.stats.Evicted)
			d.oldest++
		}
		d.keys[k] = b
		d.push(slot, k)
	}
}

// Stats reports counters and the current size.
func (d *Dedupe) Stats() DedupeStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.stats
	s.Keys = len(d.keys)
	return s
}

// Screen is the result of checking a batch against a Dedupe.
type Screen struct {
	// Fresh are the indexes (into the messages checked) of messages neither
	// remembered nor repeated earlier in the same batch.
	Fresh []int
	// Duplicates are the indexes of the others.
	Duplicates []int
	// Keys are the keys of the Fresh messages, in the same order, to pass to
	// Remember once they are committed.
	Keys []DedupeKey
}

// Check screens a batch: a message is a duplicate if its key was remembered
// or if an earlier message of the same batch has the same messageId (the
// first one wins). It does not remember anything.
func (d *Dedupe) Check(writeKey string, msgs []Message, now time.Time) Screen {
	s := Screen{Fresh: make([]int, 0, len(msgs)), Keys: make([]DedupeKey, 0, len(msgs))}
	var inBatch map[DedupeKey]struct{}
	if len(msgs) > 1 {
		inBatch = make(map[DedupeKey]struct{}, len(msgs))
	}
	d.mu.Lock()
	d.advance(d.bucket(now))
	for i := range msgs {
		k := d.Key(writeKey, msgs[i].MessageID)
		_, seen := d.keys[k]
		if !seen && inBatch != nil {
			_, seen = inBatch[k]
			inBatch[k] = struct{}{}
		}
		if seen {
			s.Duplicates = append(s.Duplicates, i)
			continue
		}
		s.Fresh = append(s.Fresh, i)
		s.Keys = append(s.Keys, k)
	}
	d.mu.Unlock()
	return s
}

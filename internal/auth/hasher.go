package auth

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"time"
)

// ErrBusy is returned when a password could not be checked or hashed
// because as many as the server allows are being worked on already, and
// no slot came free in time. The web UI answers it 503.
var ErrBusy = errors.New("too many passwords are being checked at once; try again in a moment")

// HashWait is how long a caller waits for a free hashing slot before
// giving up with ErrBusy.
const HashWait = 3 * time.Second

// Hasher runs Argon2 work — checking and hashing passwords — at most N at
// a time. Each one holds 19 MiB for tens of milliseconds, so without a cap
// a burst of sign-ins takes memory in proportion to its size (300 at once
// took a server from 408 MB to 7.8 GB); with one, the memory is N×19 MiB
// and the rest queue for up to Wait.
type Hasher struct {
	slots chan struct{}
	wait  time.Duration

	inFlight, peak, done atomic.Int64
}

// NewHasher returns a hasher running at most n at a time (the number of
// cores when n ≤ 0), whose callers wait up to wait (HashWait when 0).
func NewHasher(n int, wait time.Duration) *Hasher {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if wait <= 0 {
		wait = HashWait
	}
	return &Hasher{slots: make(chan struct{}, n), wait: wait}
}

// HashStats count a hasher's work: how many run now, the most that ever
// ran at once, and how many have finished.
type HashStats struct {
	InFlight, Peak, Done int64
}

// Stats returns the hasher's counts.
func (h *Hasher) Stats() HashStats {
	return HashStats{InFlight: h.inFlight.Load(), Peak: h.peak.Load(), Done: h.done.Load()}
}

// run waits for a slot (up to the hasher's wait, or ctx's end) and runs f.
func (h *Hasher) run(ctx context.Context, f func()) error {
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	defer func() { <-h.slots }()
	n := h.inFlight.Add(1)
	for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
	}
	defer func() {
		h.inFlight.Add(-1)
		h.done.Add(1)
	}()
	f()
	return nil
}

// Verify is VerifyPassword within the hasher's cap.
func (h *Hasher) Verify(ctx context.Context, hash, pw string) (ok bool, err error) {
	err = h.run(ctx, func() { ok = VerifyPassword(hash, pw) })
	return ok, err
}

// Burn is BurnPasswordCheck within the hasher's cap: the time a check
// takes, spent when there is no user to check against.
func (h *Hasher) Burn(ctx context.Context, pw string) error {
	return h.run(ctx, func() { BurnPasswordCheck(pw) })
}

// Hash is HashPassword within the hasher's cap.
func (h *Hasher) Hash(ctx context.Context, pw string) (hash string, err error) {
	var herr error
	if err := h.run(ctx, func() { hash, herr = HashPassword(pw) }); err != nil {
		return "", err
	}
	return hash, herr
}

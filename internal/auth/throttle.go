package auth

import (
	"sync"
	"time"
)

// Throttle slows down password guessing. Each key (an email, a client
// address) may fail Free times; after that each further failure locks the
// key out for twice as long as the last, from Base up to Max. A success
// clears the key. Failures are forgotten after Forget without one.
//
// It is held in memory: with several replicas each one throttles on its
// own, which multiplies an attacker's budget by the replica count but
// keeps sign-in free of writes.
type Throttle struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration

	mu    sync.Mutex
	state map[string]*strikes
}

type strikes struct {
	fails int
	last  time.Time
	until time.Time
}

// NewThrottle returns a throttle with Tend's defaults: 5 free failures,
// then lockouts of 2 s, 4 s, 8 s… up to 15 minutes, forgotten after a day.
func NewThrottle() *Throttle {
	return &Throttle{Free: 5, Base: 2 * time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
}

// Wait reports how long the keys must wait at now before another attempt
// (0 when they may try now): the longest wait among them.
func (t *Throttle) Wait(now time.Time, keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		if s := t.state[k]; s != nil && s.until.After(now) {
			wait = max(wait, s.until.Sub(now))
		}
	}
	return wait
}

// Fail records a failed attempt for each key at now.
func (t *Throttle) Fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == nil {
		t.state = map[string]*strikes{}
	}
	if len(t.state) > 100_000 {
		t.sweep(now)
	}
	for _, k := range keys {
		s := t.state[k]
		if s == nil || now.Sub(s.last) > t.Forget {
			s = &strikes{}
			t.state[k] = s
		}
		s.fails++
		s.last = now
		if over := s.fails - t.Free; over > 0 {
			d := t.Base << min(over-1, 30)
			if d > t.Max || d <= 0 {
				d = t.Max
			}
			s.until = now.Add(d)
		}
	}
}

// Succeed clears the keys.
func (t *Throttle) Succeed(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.state, k)
	}
}

// sweep drops keys whose failures are forgotten, so the map stays bounded.
func (t *Throttle) sweep(now time.Time) {
	for k, s := range t.state {
		if now.Sub(s.last) > t.Forget {
			delete(t.state, k)
		}
	}
}

package auth

import (
	"sync"
	"time"
)

// Limit is how much guessing one key (a client address, an account) is
// allowed: Free attempts, then each further attempt makes the key wait
// twice as long as the last, from Base up to Max, before the next.
type Limit struct {
	Free int
	Base time.Duration
	Max  time.Duration
}

// Key is one thing an attempt counts against, with its limit.
type Key struct {
	Name  string
	Limit Limit
}

// Sign-in limits. A guesser is slowed by where the guesses come from, not
// by whose account they name, so that nobody can lock a colleague out:
//
//   - SourceLimit, per client address, across every account: generous, as
//     an office behind one address shares it;
//   - PairLimit, per client address and account: 5 free, then up to 15
//     minutes, which caps one source's guesses at any one account;
//   - AccountLimit, per account, across every address: a slow-down for a
//     guesser spread over many addresses, capped at 30 seconds so it can
//     delay its owner but never shut them out for long.
var (
	SourceLimit  = Limit{Free: 50, Base: 2 * time.Second, Max: 15 * time.Minute}
	PairLimit    = Limit{Free: 5, Base: 2 * time.Second, Max: 15 * time.Minute}
	AccountLimit = Limit{Free: 20, Base: time.Second, Max: 30 * time.Second}
)

// Throttle slows down password guessing. An attempt is counted against
// each of its keys before the password is checked (Attempt), so that many
// guesses sent at once cannot all be checked before the first is counted;
// a success then clears or refunds it. Counts are forgotten after Forget
// without an attempt.
//
// It is held in memory: with several replicas each one throttles on its
// own, which multiplies an attacker's budget by the replica count but
// keeps sign-in free of writes.
type Throttle struct {
	Forget time.Duration

	mu    sync.Mutex
	state map[string]*strikes
}

type strikes struct {
	tries int
	last  time.Time
	until time.Time
}

// NewThrottle returns a throttle that forgets after a quiet day.
func NewThrottle() *Throttle {
	return &Throttle{Forget: 24 * time.Hour}
}

// Attempt asks to try once at now for keys. When any key must still wait,
// nothing is counted and Attempt returns the longest wait; otherwise the
// attempt is counted against every key and Attempt returns 0.
func (t *Throttle) Attempt(now time.Time, keys ...Key) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == nil {
		t.state = map[string]*strikes{}
	}
	if len(t.state) > 100_000 {
		t.sweep(now)
	}
	var wait time.Duration
	for _, k := range keys {
		if s := t.state[k.Name]; s != nil && s.until.After(now) && now.Sub(s.last) <= t.Forget {
			wait = max(wait, s.until.Sub(now))
		}
	}
	if wait > 0 {
		return wait
	}
	for _, k := range keys {
		s := t.state[k.Name]
		if s == nil || now.Sub(s.last) > t.Forget {
			s = &strikes{}
			t.state[k.Name] = s
		}
		s.tries++
		s.last = now
		s.until = now.Add(k.Limit.wait(s.tries))
	}
	return 0
}

// wait is how long a key waits after its n-th counted attempt.
func (l Limit) wait(n int) time.Duration {
	over := n - l.Free
	if over < 0 {
		return 0
	}
	d := l.Base << min(over, 30)
	if d > l.Max || d <= 0 {
		d = l.Max
	}
	return d
}

// Succeed clears the keys: the attempt showed their owner knows the
// password.
func (t *Throttle) Succeed(keys ...Key) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.state, k.Name)
	}
}

// Refund takes back one counted attempt from each key at now: it was not
// a guess (a success from a shared address, or a check that never ran).
func (t *Throttle) Refund(now time.Time, keys ...Key) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		s := t.state[k.Name]
		if s == nil {
			continue
		}
		if s.tries--; s.tries <= 0 {
			delete(t.state, k.Name)
			continue
		}
		s.until = s.last.Add(k.Limit.wait(s.tries))
		if !s.until.After(now) || s.tries < k.Limit.Free {
			s.until = time.Time{}
		}
	}
}

// sweep drops keys whose attempts are forgotten, so the map stays bounded.
func (t *Throttle) sweep(now time.Time) {
	for k, s := range t.state {
		if now.Sub(s.last) > t.Forget {
			delete(t.state, k)
		}
	}
}

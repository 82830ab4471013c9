package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/customer"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "correct") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	cases := []struct {
		hash, pw string
		want     bool
	}{
		{h, "correct horse battery", true},
		{h, "correct horse batterY", false},
		{h, "", false},
		{"", "correct horse battery", false},
		{"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$", "x", false},
		{strings.Replace(h, "t=2", "t=3", 1), "correct horse battery", false},
		{"$2a$10$abcdefghijklmnopqrstuv", "correct horse battery", false},
	}
	for _, c := range cases {
		if got := VerifyPassword(c.hash, c.pw); got != c.want {
			t.Errorf("VerifyPassword(%q, %q) = %v", c.hash, c.pw, got)
		}
	}
	if NeedsRehash(h) {
		t.Error("a fresh hash needs rehash")
	}
	if !NeedsRehash(strings.Replace(h, "m=19456", "m=8192", 1)) || !NeedsRehash("") {
		t.Error("weak or missing hashes should be rehashed")
	}
	if _, err := HashPassword("short"); err == nil {
		t.Error("a 5-character password was accepted")
	}
	if err := CheckPasswordRules("password", strings.Repeat("x", MaxPasswordLen+1)); err == nil {
		t.Error("an over-long password was accepted")
	}
	if p := NewPassword(); len(p) != 20 || CheckPasswordRules("p", p) != nil || p == NewPassword() {
		t.Errorf("one-time password %q", p)
	}
}

func TestSecrets(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tok, secret := NewToken("ci", 7, ScopeRead, now)
	if !LooksLikeToken(secret) || string(tok.Hash) != string(HashSecret(secret)) || !strings.HasPrefix(secret, tok.Hint) || len(tok.Hint) != 11 {
		t.Fatalf("token %+v secret %q", tok, secret)
	}
	if LooksLikeToken("tend_short") || LooksLikeToken(strings.Repeat("a", 48)) {
		t.Error("LooksLikeToken accepts junk")
	}
	if !tok.Live(now) {
		t.Error("new token not live")
	}
	past := now.Add(-time.Second)
	tok.ExpiresAt = &past
	if tok.Live(now) {
		t.Error("expired token live")
	}
	s, sec := NewSession(1, now, "ip", strings.Repeat("u", 500))
	if string(s.Hash) != string(HashSecret(sec)) || len(s.UserAgent) != 300 || !s.Live(now) || s.Live(now.Add(IdleTimeout)) {
		t.Fatalf("session %+v", s)
	}
	if ok, _ := s.Touch(now.Add(30 * time.Second)); ok {
		t.Error("touched within a minute")
	}
	ok, exp := s.Touch(now.Add(time.Hour))
	if !ok || !exp.Equal(now.Add(time.Hour+IdleTimeout)) {
		t.Errorf("touch: %v %v", ok, exp)
	}
	// Kept alive forever, it still ends at the maximum age.
	s.LastSeenAt = now.Add(MaxSessionAge - time.Hour)
	if _, exp := s.Touch(now.Add(MaxSessionAge - time.Minute)); !exp.Equal(now.Add(MaxSessionAge)) {
		t.Errorf("touch near max age: %v", exp)
	}
	s.ExpiresAt = now.Add(MaxSessionAge + time.Hour)
	if s.Live(now.Add(MaxSessionAge)) {
		t.Error("session live past its maximum age")
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	th := NewThrottle()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lim := Limit{Free: 5, Base: 2 * time.Second, Max: 15 * time.Minute}
	ann, ip1, ip2 := Key{"e:ann", lim}, Key{"ip:1", lim}, Key{"ip:2", lim}
	for i := 0; i < lim.Free; i++ {
		if w := th.Attempt(now, ann, ip1); w != 0 {
			t.Fatalf("attempt %d throttled %v", i, w)
		}
	}
	// The free attempts are spent: the next waits, and is not counted.
	if w := th.Attempt(now, ip2, ann); w != 2*time.Second {
		t.Fatalf("first wait %v", w)
	}
	if w := th.Attempt(now.Add(time.Second), ip2); w != 0 {
		t.Fatalf("a refused attempt counted against ip:2: %v", w)
	}
	if w := th.Attempt(now.Add(2*time.Second), ann); w != 0 {
		t.Fatalf("wait did not end: %v", w)
	}
	if w := th.Attempt(now.Add(2*time.Second), ann); w != 4*time.Second {
		t.Fatalf("second wait %v", w)
	}
	at := now.Add(6 * time.Second)
	for range 40 {
		th.Attempt(at, ann)
		at = at.Add(th.Attempt(at, ann))
	}
	if w := th.Attempt(at, ann); w != 0 {
		t.Fatalf("attempt after waiting refused: %v", w)
	}
	if w := th.Attempt(at, ann); w != lim.Max {
		t.Fatalf("wait not capped: %v", w)
	}
	th.Succeed(ann)
	if w := th.Attempt(at, ann); w != 0 {
		t.Fatalf("success did not clear: %v", w)
	}
	// A refund takes back one attempt: the fifth, which began the wait.
	if w := th.Attempt(now, ip1); w != 2*time.Second {
		t.Fatalf("ip:1 wait %v", w)
	}
	th.Refund(now, ip1)
	if w := th.Attempt(now, ip1); w != 0 {
		t.Fatalf("refund did not take back the fifth attempt: %v", w)
	}
	// Attempts are forgotten after a quiet day.
	bob := Key{"e:bob", lim}
	for range lim.Free + 1 {
		th.Attempt(now, bob)
	}
	if w := th.Attempt(now.Add(25*time.Hour), bob); w != 0 {
		t.Fatalf("old attempts remembered: %v", w)
	}
}

// However many guesses arrive at once, no more than the free attempts are
// let through: each is counted before any is checked.
func TestThrottleCountsBeforeChecking(t *testing.T) {
	t.Parallel()
	th := NewThrottle()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			if th.Attempt(now, Key{"pair", PairLimit}, Key{"acct", AccountLimit}) == 0 {
				admitted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := admitted.Load(); n != int64(PairLimit.Free) {
		t.Errorf("%d of 200 concurrent attempts admitted, want %d", n, PairLimit.Free)
	}
}

// The per-account slow-down never makes its owner wait long, however many
// guesses were made at the account.
func TestAccountLimitIsShort(t *testing.T) {
	t.Parallel()
	th := NewThrottle()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 1000 {
		at = at.Add(th.Attempt(at, Key{"acct", AccountLimit}))
	}
	if w := th.Attempt(at, Key{"acct", AccountLimit}); w > 30*time.Second {
		t.Errorf("account wait %v after 1000 guesses", w)
	}
}

func TestHasherCapsConcurrency(t *testing.T) {
	t.Parallel()
	h := NewHasher(2, time.Minute)
	hash, err := HashPassword("a password of mine")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var matched atomic.Int64
	for range 12 {
		wg.Go(func() {
			ok, err := h.Verify(context.Background(), hash, "a password of mine")
			if err != nil {
				t.Error(err)
			}
			if ok {
				matched.Add(1)
			}
		})
	}
	wg.Wait()
	st := h.Stats()
	if st.Peak > 2 || st.Done != 12 || st.InFlight != 0 || matched.Load() != 12 {
		t.Errorf("stats %+v, matched %d; want a peak of at most 2 and 12 done", st, matched.Load())
	}
	// A caller that finds every slot taken gives up after the wait.
	busy := NewHasher(1, time.Millisecond)
	release := make(chan struct{})
	started := make(chan struct{})
	go busy.run(context.Background(), func() { close(started); <-release })
	<-started
	if _, err := busy.Verify(context.Background(), hash, "x"); !errors.Is(err, ErrBusy) {
		t.Errorf("with every slot taken: %v, want ErrBusy", err)
	}
	close(release)
}

func TestRoles(t *testing.T) {
	admin := Principal{UserID: 1, Role: customer.RoleAdmin}
	leader := Principal{UserID: 2, Role: customer.RoleLeader}
	csm := Principal{UserID: 3, Role: customer.RoleCSM}
	ro := Principal{UserID: 4, Role: customer.RoleReadOnly}
	readToken := Principal{UserID: 1, Role: customer.RoleAdmin, TokenID: 9, Scope: ScopeRead}
	nobody := Principal{}
	cases := []struct {
		name                string
		p                   Principal
		write, admin, all   bool
		ownBook, othersBook bool
	}{
		{"admin", admin, true, true, true, true, true},
		{"leader", leader, true, false, true, true, true},
		{"csm", csm, true, false, false, true, false},
		{"read-only", ro, false, false, false, false, false},
		{"read token of an admin", readToken, false, false, false, false, false},
		{"nobody", nobody, false, false, false, false, false},
	}
	for _, c := range cases {
		got := []bool{c.p.CanWrite(), c.p.IsAdmin(), c.p.CanEditAllAccounts(), c.p.CanEditAccount(c.p.UserID), c.p.CanEditAccount(99)}
		want := []bool{c.write, c.admin, c.all, c.ownBook, c.othersBook}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: check %d = %v, want %v", c.name, i, got[i], want[i])
			}
		}
		if (c.p.RequireWrite() == nil) != c.write || (c.p.RequireAdmin() == nil) != c.admin ||
			(c.p.RequireAccount(99) == nil) != c.othersBook || (c.p.RequireAccount(c.p.UserID) == nil) != c.ownBook {
			t.Errorf("%s: Require* disagree with Can*", c.name)
		}
	}
	if err := nobody.RequireWrite(); err != ErrUnauthenticated {
		t.Errorf("nobody: %v", err)
	}
	if err := readToken.RequireWrite(); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("read token: %v", err)
	}
}

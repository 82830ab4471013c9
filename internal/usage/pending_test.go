package usage

import (
	"reflect"
	"strconv"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func TestPendingPerIdentityLimit(t *testing.T) {
	t.Parallel()
	p := NewPending[int](PendingLimits{PerIdentity: 3})
	var drops []int
	p.OnDrop = func(id string, v int, c DropCause) {
		if id != "u" || c != DropPerIdentity {
			t.Errorf("drop %s %d %v", id, v, c)
		}
		drops = append(drops, v)
	}
	for i := 1; i <= 5; i++ {
		p.Add("u", t0, i)
	}
	if got := p.Release("u", t0); !reflect.DeepEqual(got, []int{3, 4, 5}) || !reflect.DeepEqual(drops, []int{1, 2}) {
		t.Errorf("kept %v dropped %v; want the newest kept", got, drops)
	}
	if p.Len() != 0 || p.Release("u", t0) != nil {
		t.Error("release did not forget the identity")
	}
}

func TestPendingIdentityLimit(t *testing.T) {
	t.Parallel()
	p := NewPending[string](PendingLimits{Identities: 2})
	p.Add("a", t0, "a1")
	p.Add("b", t0, "b1")
	p.Add("a", t0, "a2") // a is now the most recently added to
	p.Add("c", t0, "c1") // evicts b, the least recent
	if got := p.Identities(); !reflect.DeepEqual(got, []string{"c", "a"}) {
		t.Errorf("identities %v", got)
	}
	if s := p.Stats(); s.Dropped[DropIdentities] != 1 || s.Held != 3 || s.Identities != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestPendingTotalLimit(t *testing.T) {
	t.Parallel()
	p := NewPending[int](PendingLimits{Total: 5})
	for i := 0; i < 4; i++ {
		p.Add("old", t0, i)
	}
	for i := 0; i < 3; i++ {
		p.Add("new", t0, 10+i)
	}
	if p.Len() != 5 {
		t.Fatalf("held %d, limit 5", p.Len())
	}
	if got := p.Release("old", t0); !reflect.DeepEqual(got, []int{2, 3}) {
		t.Errorf("old kept %v: the oldest items of the least recent identity go first", got)
	}
	if got := p.Release("new", t0); len(got) != 3 {
		t.Errorf("new kept %v", got)
	}
	if s := p.Stats(); s.Dropped[DropTotal] != 2 || s.Released != 5 || s.Added != 7 {
		t.Errorf("stats %+v", s)
	}
}

func TestPendingExpiry(t *testing.T) {
	t.Parallel()
	p := NewPending[int](PendingLimits{MaxAge: 24 * time.Hour})
	p.Add("a", t0, 1)
	p.Add("a", t0.Add(20*time.Hour), 2)
	p.Add("b", t0, 3)
	if got := p.Release("a", t0.Add(25*time.Hour)); !reflect.DeepEqual(got, []int{2}) {
		t.Errorf("release kept %v; item 1 is 25 h old", got)
	}
	if n := p.Expire(t0.Add(25 * time.Hour)); n != 1 || p.Len() != 0 || len(p.Identities()) != 0 {
		t.Errorf("expired %d, left %d", n, p.Len())
	}
	if s := p.Stats(); s.Dropped[DropExpired] != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestPendingRekey(t *testing.T) {
	t.Parallel()
	p := NewPending[string](PendingLimits{PerIdentity: 3})
	p.Add("anon", t0, "a1")
	p.Add("user", t0.Add(time.Second), "u1")
	p.Add("anon", t0.Add(2*time.Second), "a2")
	p.Add("user", t0.Add(3*time.Second), "u2")
	p.Rekey("anon", "user", t0.Add(4*time.Second))
	if got := p.Release("user", t0.Add(4*time.Second)); !reflect.DeepEqual(got, []string{"u1", "a2", "u2"}) {
		t.Errorf("merged %v; want arrival order, limited to the 3 newest", got)
	}
	p.Add("x", t0, "x1")
	p.Rekey("x", "y", t0)
	if got := p.Release("y", t0); !reflect.DeepEqual(got, []string{"x1"}) || p.Len() != 0 {
		t.Errorf("moved %v", got)
	}
}

func TestPendingStaysBounded(t *testing.T) {
	t.Parallel()
	l := PendingLimits{PerIdentity: 7, Identities: 50, Total: 200, MaxAge: time.Hour}
	p := NewPending[int](l)
	for i := 0; i < 20000; i++ {
		now := t0.Add(time.Duration(i) * time.Second)
		p.Add("u"+strconv.Itoa(i*7919%173), now, i)
		if i%97 == 0 {
			p.Release("u"+strconv.Itoa(i%173), now)
		}
		if i%1000 == 0 {
			p.Rekey("u"+strconv.Itoa(i%173), "u"+strconv.Itoa((i+1)%173), now)
		}
		s := p.Stats()
		if s.Held > l.Total || s.Identities > l.Identities {
			t.Fatalf("step %d: %+v over %+v", i, s, l)
		}
	}
	// Every item is accounted for.
	s := p.Stats()
	var dropped int64
	for _, n := range s.Dropped {
		dropped += n
	}
	if s.Added != int64(s.Held)+s.Released+dropped {
		t.Errorf("added %d != held %d + released %d + dropped %d", s.Added, s.Held, s.Released, dropped)
	}
}

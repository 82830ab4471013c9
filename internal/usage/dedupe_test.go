package usage

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestDedupeWindow(t *testing.T) {
	t.Parallel()
	d, err := NewDedupe(DedupeOptions{Window: 24 * time.Hour, Buckets: 24})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 14, 10, 30, 0, 0, time.UTC)
	k := d.Key("wk", "m1")
	if d.Seen(k, t0) {
		t.Fatal("seen before remembered")
	}
	d.Remember(t0, k)
	for _, after := range []time.Duration{0, time.Second, time.Hour, 23 * time.Hour, 24*time.Hour - time.Nanosecond, 24 * time.Hour} {
		if !d.Seen(k, t0.Add(after)) {
			t.Errorf("forgotten %v after, inside the 24 h window", after)
		}
	}
	// Keys live between Window and Window + one bucket (1 h here).
	if d.Seen(k, t0.Add(25*time.Hour+time.Minute)) {
		t.Error("still remembered after window + bucket")
	}
	if s := d.Stats(); s.Keys != 0 || s.Expired != 1 {
		t.Errorf("stats %+v", s)
	}
	// Another write key is another source: same messageId is not a duplicate.
	d.Remember(t0.Add(30*time.Hour), d.Key("wk", "m2"))
	if d.Seen(d.Key("other", "m2"), t0.Add(30*time.Hour)) {
		t.Error("keys of different write keys collide")
	}
	// The clock stepping back does not expire or misplace anything.
	if !d.Seen(d.Key("wk", "m2"), t0.Add(29*time.Hour)) {
		t.Error("clock step back lost a key")
	}
}

func TestDedupeMinimumWindow(t *testing.T) {
	t.Parallel()
	if _, err := NewDedupe(DedupeOptions{Window: time.Hour}); err == nil {
		t.Error("a 1 h window was accepted")
	}
	d, err := NewDedupe(DedupeOptions{Window: 72 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_800_000_000, 0)
	d.Remember(t0, d.Key("wk", "m"))
	if !d.Seen(d.Key("wk", "m"), t0.Add(71*time.Hour)) {
		t.Error("72 h window forgot after 71 h")
	}
}

func TestDedupeBoundedMemory(t *testing.T) {
	t.Parallel()
	d, _ := NewDedupe(DedupeOptions{MaxKeys: 100, Buckets: 24})
	t0 := time.Unix(1_800_000_000, 0)
	for h := 0; h < 10; h++ {
		now := t0.Add(time.Duration(h) * time.Hour)
		for i := 0; i < 30; i++ {
			d.Remember(now, d.Key("wk", strconv.Itoa(h)+"-"+strconv.Itoa(i)))
		}
		if n := d.Stats().Keys; n > 100 {
			t.Fatalf("hour %d: %d keys held, limit 100", h, n)
		}
	}
	s := d.Stats()
	if s.Evicted == 0 || s.Keys > 100 {
		t.Errorf("stats %+v", s)
	}
	// The newest keys survive; the oldest went first.
	now := t0.Add(9 * time.Hour)
	if !d.Seen(d.Key("wk", "9-29"), now) || d.Seen(d.Key("wk", "0-0"), now) {
		t.Error("eviction did not drop the oldest bucket first")
	}
}

func TestDedupeCheckBatch(t *testing.T) {
	t.Parallel()
	d, _ := NewDedupe(DedupeOptions{})
	now := time.Unix(1_800_000_000, 0)
	msgs := []Message{{MessageID: "a"}, {MessageID: "b"}, {MessageID: "a"}, {MessageID: "c"}}
	d.Remember(now, d.Key("wk", "c"))
	s := d.Check("wk", msgs, now)
	if len(s.Fresh) != 2 || s.Fresh[0] != 0 || s.Fresh[1] != 1 || len(s.Duplicates) != 2 ||
		s.Duplicates[0] != 2 || s.Duplicates[1] != 3 || len(s.Keys) != 2 {
		t.Fatalf("%+v", s)
	}
	// Check alone remembers nothing: a failed commit leaves retries free.
	if s2 := d.Check("wk", msgs[:2], now); len(s2.Fresh) != 2 {
		t.Errorf("Check remembered: %+v", s2)
	}
	d.Remember(now, s.Keys...)
	if s3 := d.Check("wk", msgs, now.Add(time.Minute)); len(s3.Fresh) != 0 {
		t.Errorf("retry after commit not caught: %+v", s3)
	}
}

func TestDedupeConcurrent(t *testing.T) {
	t.Parallel()
	d, _ := NewDedupe(DedupeOptions{})
	now := time.Unix(1_800_000_000, 0)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				k := d.Key("wk", strconv.Itoa(i))
				d.Seen(k, now)
				d.Remember(now, k)
			}
		}()
	}
	wg.Wait()
	if n := d.Stats().Keys; n != 1000 {
		t.Errorf("%d keys, want 1000", n)
	}
}

package usage

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// realisticBatch builds a /v1/batch body like analytics.js and the server
// libraries send: 70% track, 15% page, 10% identify, 5% group, each with a
// UUID messageId, millisecond timestamps, a library/ip/userAgent/page
// context and a handful of properties — about 600 bytes a message.
func realisticBatch(rng *rand.Rand, n int) []byte {
	var b strings.Builder
	b.WriteString(`{"batch":[`)
	events := []string{"Report Created", "Dashboard Viewed", "Integration Connected", "Logged In",
		"Report Exported", "Comment Added", "File Uploaded", "Search Performed"}
	ts := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		user := fmt.Sprintf("user_%05d", rng.IntN(20000))
		id := fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Int64N(1<<48))
		t := ts.Add(time.Duration(i) * 137 * time.Millisecond).Format("2006-01-02T15:04:05.000Z")
		ctx := `"context":{"library":{"name":"analytics.js","version":"4.1.0"},"ip":"203.0.113.` + fmt.Sprint(rng.IntN(255)) +
			`","userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",` +
			`"page":{"path":"/app/reports","url":"https://app.example.com/app/reports?tab=all","title":"Reports – Example"},"locale":"en-US","groupId":"org_` +
			fmt.Sprint(rng.IntN(1000)) + `"}`
		switch r := rng.IntN(100); {
		case r < 70:
			fmt.Fprintf(&b, `{"type":"track","messageId":"%s","userId":"%s","anonymousId":"anon-%s","event":"%s","timestamp":"%s",%s,"properties":{"report_id":"rpt_%d","format":"pdf","rows":%d,"duration_ms":%d.5,"shared":true,"tags":["q1","finance"]},"integrations":{"All":true}}`,
				id, user, id[:8], events[rng.IntN(len(events))], t, ctx, rng.IntN(99999), rng.IntN(5000), rng.IntN(9000))
		case r < 85:
			fmt.Fprintf(&b, `{"type":"page","messageId":"%s","userId":"%s","name":"Reports","category":"App","timestamp":"%s",%s,"properties":{"path":"/app/reports","referrer":"https://app.example.com/app","title":"Reports","url":"https://app.example.com/app/reports"}}`,
				id, user, t, ctx)
		case r < 95:
			fmt.Fprintf(&b, `{"type":"identify","messageId":"%s","userId":"%s","timestamp":"%s",%s,"traits":{"email":"%s@example.com","firstName":"Kim","lastName":"Lee","title":"Head of Finance","plan":"enterprise","createdAt":"2024-02-01T10:00:00Z"}}`,
				id, user, t, ctx, user)
		default:
			fmt.Fprintf(&b, `{"type":"group","messageId":"%s","userId":"%s","groupId":"org_%d","timestamp":"%s",%s,"traits":{"name":"Example Org","employees":420,"industry":"Finance"}}`,
				id, user, rng.IntN(1000), t, ctx)
		}
	}
	fmt.Fprintf(&b, `],"sentAt":"%s","context":{"library":{"name":"analytics-node","version":"2.1.0"}},"writeKey":"wk_live_123"}`,
		ts.Add(time.Duration(n)*137*time.Millisecond+time.Second).Format("2006-01-02T15:04:05.000Z"))
	return []byte(b.String())
}

// perSecond reports the rate per wall-clock second and, where the CPU time
// since start (from cpuTime, taken just before the loop) is known, per
// CPU-second of the whole process (GC included).
func perSecond(b *testing.B, perOp int, unit string, start time.Duration) {
	n := float64(perOp) * float64(b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), unit)
	if used := cpuTime() - start; start > 0 && used > 0 {
		b.ReportMetric(n/used.Seconds(), strings.TrimSuffix(unit, "/s")+"/cpu-s")
	}
}

// BenchmarkDecodeBatch measures decoding 100-message batches: the
// messages/s figure is the parsing limit of ingestion on one core.
func BenchmarkDecodeBatch(b *testing.B) {
	body := realisticBatch(rand.New(rand.NewPCG(1, 1)), 100)
	opt := DecodeOptions{ReceivedAt: received}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := DecodeBatch(body, opt); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b, 100, "msgs/s", cpu)
}

// BenchmarkDecodeBatchInto is DecodeBatch with a pooled Batch.
func BenchmarkDecodeBatchInto(b *testing.B) {
	body := realisticBatch(rand.New(rand.NewPCG(1, 1)), 100)
	opt := DecodeOptions{ReceivedAt: received}
	var batch Batch
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if err := DecodeBatchInto(&batch, body, opt); err != nil || len(batch.Messages) != 100 {
			b.Fatal(err)
		}
	}
	perSecond(b, 100, "msgs/s", cpu)
}

// BenchmarkDecodeBatchRetain is DecodeBatchInto with the body handed over
// (DecodeOptions.Retain), as the HTTP handler does with a freshly read body.
func BenchmarkDecodeBatchRetain(b *testing.B) {
	body := realisticBatch(rand.New(rand.NewPCG(1, 1)), 100)
	opt := DecodeOptions{ReceivedAt: received, Retain: true}
	var batch Batch
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if err := DecodeBatchInto(&batch, body, opt); err != nil || len(batch.Messages) != 100 {
			b.Fatal(err)
		}
	}
	perSecond(b, 100, "msgs/s", cpu)
}

// BenchmarkDecodeStdlibBaseline decodes the same batches with encoding/json
// into plain structs (no validation, no time correction), for comparison.
func BenchmarkDecodeStdlibBaseline(b *testing.B) {
	body := realisticBatch(rand.New(rand.NewPCG(1, 1)), 100)
	type msg struct {
		Type, MessageID, UserID, AnonymousID, Event, Name, GroupID, Timestamp string
		Context, Properties, Traits, Integrations                             json.RawMessage
	}
	type envelope struct {
		Batch    []msg
		SentAt   string
		Context  json.RawMessage
		WriteKey string
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		var e envelope
		if err := json.Unmarshal(body, &e); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b, 100, "msgs/s", cpu)
}

// BenchmarkDecodeSingle measures a /v1/track request.
func BenchmarkDecodeSingle(b *testing.B) {
	batch, _ := DecodeBatch(realisticBatch(rand.New(rand.NewPCG(1, 1)), 1), DecodeOptions{ReceivedAt: received})
	body := batch.Messages[0].Raw
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := DecodeMessage(body, TypeTrack, DecodeOptions{ReceivedAt: received}); err != nil {
			b.Fatal(err)
		}
	}
	perSecond(b, 1, "msgs/s", cpu)
}

// rollupEvents are 100,000 attributed events over 1,000 accounts, 20,000
// users and 30 days, in arrival order (time-ordered, accounts interleaved).
func rollupEvents(cat *Catalog) []Event {
	rng := rand.New(rand.NewPCG(5, 5))
	base := time.Date(2026, 2, 13, 0, 0, 0, 0, time.UTC)
	out := make([]Event, 100_000)
	for i := range out {
		k := eventNames[rng.IntN(len(eventNames))]
		u := rng.IntN(20000)
		out[i] = Event{Type: k.Type, Name: k.Name, User: fmt.Sprintf("user_%05d", u),
			Account: fmt.Sprintf("acct_%04d", u/20), Time: base.Add(time.Duration(i) * 26 * time.Second)}
		out[i].Features = cat.Classify(k.Type, k.Name)
	}
	return out
}

// BenchmarkRollupApply measures applying events to a warm rollup, in
// 100-event commits, as the store does per group commit.
func BenchmarkRollupApply(b *testing.B) {
	cat := testCatalog(b)
	events := rollupEvents(cat)
	r := NewRollup()
	r.ApplyAll(events) // warm: days and users exist, as in steady state
	b.ReportAllocs()
	i := 0
	cpu := cpuTime()
	for b.Loop() {
		r.ApplyAll(events[i : i+100])
		i = (i + 100) % len(events)
	}
	perSecond(b, 100, "events/s", cpu)
}

// BenchmarkRollupCommit measures what one 100-event commit costs the store
// side: a fresh rollup of the commit's events, merged into the stored one.
func BenchmarkRollupCommit(b *testing.B) {
	cat := testCatalog(b)
	events := rollupEvents(cat)
	stored := NewRollup()
	stored.ApplyAll(events)
	b.ReportAllocs()
	i := 0
	cpu := cpuTime()
	for b.Loop() {
		part := NewRollup()
		part.ApplyAll(events[i : i+100])
		stored.Merge(part)
		i = (i + 100) % len(events)
	}
	perSecond(b, 100, "events/s", cpu)
}

// BenchmarkDeltaCommit measures the rollup work of one commit of 1,000
// events (a group commit of ten 100-event requests): the rows to upsert.
func BenchmarkDeltaCommit(b *testing.B) {
	cat := testCatalog(b)
	events := rollupEvents(cat)
	builder := NewDeltaBuilder()
	b.ReportAllocs()
	i := 0
	cpu := cpuTime()
	for b.Loop() {
		builder.AddAll(events[i : i+1000])
		if d := builder.Take(); len(d.Days) == 0 {
			b.Fatal("empty delta")
		}
		i = (i + 1000) % len(events)
	}
	perSecond(b, 1000, "events/s", cpu)
}

// BenchmarkRebuild measures recomputing rollups of 100,000 events.
func BenchmarkRebuild(b *testing.B) {
	cat := testCatalog(b)
	events := rollupEvents(cat)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		Rebuild(cat, events)
	}
	perSecond(b, len(events), "events/s", cpu)
}

// BenchmarkCore runs batches through everything pure on the ingest path:
// decode (body handed over), dedupe check, route (events with features,
// links, contact traits), dedupe remember, link commit, and the rows to
// upsert, taken once per ten batches (a 1,000-event group commit).
func BenchmarkCore(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	bodies := make([][]byte, 16)
	for i := range bodies {
		bodies[i] = realisticBatch(rng, 100)
	}
	cat := testCatalog(b)
	l, _ := NewLinker(LinkConfig{})
	for g := 0; g < 1000; g++ {
		l.AccountCreated(fmt.Sprintf("org_%d", g), fmt.Sprintf("acct_%d", g), received)
	}
	dd, _ := NewDedupe(DedupeOptions{})
	builder := NewDeltaBuilder()
	var batch Batch
	b.ReportAllocs()
	n := 0
	cpu := cpuTime()
	for b.Loop() {
		now := received.Add(time.Duration(n) * time.Millisecond)
		if err := DecodeBatchInto(&batch, bodies[n%len(bodies)], DecodeOptions{ReceivedAt: now, Retain: true}); err != nil {
			b.Fatal(err)
		}
		// Every body repeats every 16 rounds: use a fresh write key so the
		// dedupe does not reduce the work.
		s := dd.Check(fmt.Sprint("wk", n), batch.Messages, now)
		rt := l.Route("wk", batch.Messages, cat)
		builder.AddAll(rt.Events)
		if n%10 == 9 {
			builder.Take()
		}
		dd.Remember(now, s.Keys...)
		l.Commit(&rt, now)
		n++
	}
	perSecond(b, 100, "msgs/s", cpu)
}

// BenchmarkDedupeCheck measures screening a 100-message batch.
func BenchmarkDedupeCheck(b *testing.B) {
	batch, _ := DecodeBatch(realisticBatch(rand.New(rand.NewPCG(1, 1)), 100), DecodeOptions{ReceivedAt: received})
	dd, _ := NewDedupe(DedupeOptions{})
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		dd.Check("wk", batch.Messages, received)
	}
	perSecond(b, 100, "msgs/s", cpu)
}

// BenchmarkClassify measures matching an event name against the catalog.
func BenchmarkClassify(b *testing.B) {
	cat := testCatalog(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := eventNames[i%len(eventNames)]
		cat.Classify(k.Type, k.Name)
		i++
	}
}

package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tendhq/tend/internal/usage"
)

// The load generator of `tend bench ingest`: realistic /v1/batch bodies
// sent by concurrent clients, each message with a fresh messageId.

// Payloads is a set of batch bodies whose messageIds can be renewed cheaply
// (they sit at known offsets, fixed width), so a client sends new messages
// without building JSON.
type Payloads struct {
	bodies  [][]byte
	offsets [][]int // per body, where each messageId's 36 characters start
	counter atomic.Uint64
	run     uint32
}

const idWidth = 36 // 8-4-4-4-12, like a UUID

// NewPayloads builds n batch bodies of size messages each, like the
// libraries send them: 70% track, 15% page, 10% identify, 5% group, about
// 700 bytes a message, users of groups org_0 … org_{groups-1}.
func NewPayloads(seed uint64, n, size, groups int) *Payloads {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p := &Payloads{run: rng.Uint32()}
	events := []string{"Report Created", "Dashboard Viewed", "Integration Connected", "Logged In",
		"Report Exported", "Comment Added", "File Uploaded", "Search Performed"}
	for range n {
		var b bytes.Buffer
		var offs []int
		ts := time.Now().UTC().Add(-time.Minute)
		b.WriteString(`{"batch":[`)
		for i := range size {
			if i > 0 {
				b.WriteByte(',')
			}
			group := rng.IntN(groups)
			user := fmt.Sprintf("user_%d_%02d", group, rng.IntN(25))
			t := ts.Add(time.Duration(i) * 137 * time.Millisecond).Format("2006-01-02T15:04:05.000Z")
			ctx := `"context":{"library":{"name":"analytics.js","version":"4.1.0"},"ip":"203.0.113.` + fmt.Sprint(rng.IntN(255)) +
				`","userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",` +
				`"page":{"path":"/app/reports","url":"https://app.example.com/app/reports?tab=all","title":"Reports – Example"},"locale":"en-US","groupId":"org_` +
				fmt.Sprint(group) + `"}`
			var head string
			switch r := rng.IntN(100); {
			case r < 70:
				head = `{"type":"track","messageId":"`
				b.WriteString(head)
				offs = append(offs, b.Len())
				fmt.Fprintf(&b, `%s","userId":"%s","event":"%s","timestamp":"%s",%s,"properties":{"report_id":"rpt_%d","format":"pdf","rows":%d,"duration_ms":%d.5,"shared":true,"tags":["q1","finance"]},"integrations":{"All":true}}`,
					zeroID, user, events[rng.IntN(len(events))], t, ctx, rng.IntN(99999), rng.IntN(5000), rng.IntN(9000))
			case r < 85:
				b.WriteString(`{"type":"page","messageId":"`)
				offs = append(offs, b.Len())
				fmt.Fprintf(&b, `%s","userId":"%s","name":"Reports","category":"App","timestamp":"%s",%s,"properties":{"path":"/app/reports","referrer":"https://app.example.com/app","title":"Reports","url":"https://app.example.com/app/reports"}}`,
					zeroID, user, t, ctx)
			case r < 95:
				b.WriteString(`{"type":"identify","messageId":"`)
				offs = append(offs, b.Len())
				fmt.Fprintf(&b, `%s","userId":"%s","timestamp":"%s",%s,"traits":{"email":"%s@example.com","firstName":"Kim","lastName":"Lee","title":"Head of Finance","plan":"enterprise","createdAt":"2024-02-01T10:00:00Z"}}`,
					zeroID, user, t, ctx, user)
			default:
				b.WriteString(`{"type":"group","messageId":"`)
				offs = append(offs, b.Len())
				fmt.Fprintf(&b, `%s","userId":"%s","groupId":"org_%d","timestamp":"%s",%s,"traits":{"name":"Example Org","employees":420,"industry":"Finance"}}`,
					zeroID, user, group, t, ctx)
			}
		}
		fmt.Fprintf(&b, `],"sentAt":"%s","context":{"library":{"name":"analytics-node","version":"2.1.0"}}}`,
			ts.Add(time.Duration(size)*137*time.Millisecond+time.Second).Format("2006-01-02T15:04:05.000Z"))
		p.bodies = append(p.bodies, b.Bytes())
		p.offsets = append(p.offsets, offs)
	}
	return p
}

const zeroID = "00000000-0000-4000-a000-000000000000"

// Len is the number of bodies.
func (p *Payloads) Len() int { return len(p.bodies) }

// Body returns body i as built (messageIds all zero).
func (p *Payloads) Body(i int) []byte { return p.bodies[i%len(p.bodies)] }

// Fresh copies body i into dst with new, unique messageIds.
func (p *Payloads) Fresh(dst []byte, i int) []byte {
	i %= len(p.bodies)
	dst = append(dst[:0], p.bodies[i]...)
	offs := p.offsets[i]
	base := p.counter.Add(uint64(len(offs))) - uint64(len(offs))
	for j, o := range offs {
		putID(dst[o:o+idWidth], p.run, base+uint64(j))
	}
	return dst
}

const hexDigits = "0123456789abcdef"

func putID(b []byte, run uint32, n uint64) {
	for i := 7; i >= 0; i-- {
		b[i] = hexDigits[run&15]
		run >>= 4
	}
	// the last 12 digits and the 4 of the third group hold n
	for i := 35; i >= 24; i-- {
		b[i] = hexDigits[n&15]
		n >>= 4
	}
	for i := 22; i >= 19; i-- {
		b[i] = hexDigits[n&15]
		n >>= 4
	}
}

// LoadResult is what a load run measured.
type LoadResult struct {
	Requests, Events, Failed int64
	Elapsed                  time.Duration
	P50, P99, Max            time.Duration
	FirstError               string
}

// EventsPerSecond is the sustained rate.
func (r LoadResult) EventsPerSecond() float64 { return float64(r.Events) / r.Elapsed.Seconds() }

// Load sends p's bodies to url+"/v1/batch" with key from clients
// goroutines for d, after warm-up (not measured), and measures each
// acknowledgement.
func Load(ctx context.Context, url, key string, p *Payloads, events, clients int, warmup, d time.Duration) LoadResult {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var (
		measuring atomic.Bool
		stop      atomic.Bool
		mu        sync.Mutex
		res       LoadResult
		lat       []time.Duration
		wg        sync.WaitGroup
	)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			var mine []time.Duration
			var n, failed int64
			var firstErr string
			for i := c; !stop.Load() && ctx.Err() == nil; i += clients {
				buf = p.Fresh(buf, i)
				req, _ := http.NewRequestWithContext(ctx, "POST", url+"/v1/batch", bytes.NewReader(buf))
				req.SetBasicAuth(key, "")
				req.Header.Set("Content-Type", "application/json")
				start := time.Now()
				resp, err := hc.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				took := time.Since(start)
				if !measuring.Load() {
					continue
				}
				if err != nil {
					failed++
					if firstErr == "" {
						firstErr = err.Error()
					}
					continue
				}
				n++
				mine = append(mine, took)
			}
			mu.Lock()
			res.Requests += n
			res.Failed += failed
			if res.FirstError == "" {
				res.FirstError = firstErr
			}
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	time.Sleep(warmup)
	measuring.Store(true)
	start := time.Now()
	time.Sleep(d)
	measuring.Store(false)
	res.Elapsed = time.Since(start)
	stop.Store(true)
	wg.Wait()
	res.Events = res.Requests * int64(events)
	slices.Sort(lat)
	if len(lat) > 0 {
		res.P50, res.P99, res.Max = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)], lat[len(lat)-1]
	}
	return res
}

// DecodeRate decodes p's bodies on every core for d, as the handler does
// (usage.DecodeBatch with the body handed over), and returns messages per
// second: the parsing limit the ingestion rate is a fraction of.
func DecodeRate(p *Payloads, d time.Duration) float64 {
	var total atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	start := time.Now()
	for w := range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int64
			var buf []byte
			for i := w; time.Now().Before(deadline); i++ {
				buf = p.Fresh(buf, i)
				b, err := usage.DecodeBatch(buf, usage.DecodeOptions{ReceivedAt: time.Now(), Retain: true})
				if err != nil {
					panic(err)
				}
				n += int64(len(b.Messages))
			}
			total.Add(n)
		}()
	}
	wg.Wait()
	return float64(total.Load()) / time.Since(start).Seconds()
}

package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/server"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

func benchRealtimeCmd(e *env) *cobra.Command {
	var (
		d, warmup               time.Duration
		rate, accounts, probers int
		cpuProfile              string
	)
	cmd := &cobra.Command{
		Use:   "realtime",
		Short: "Measure change → stored health score latency while ingesting usage",
		Long: `Start Tend's real HTTP server with usage ingestion and the job queue
rescoring changed accounts (as 'tend serve' runs them), ingest realistic
100-event batches at a fixed rate into --accounts accounts, and meanwhile
send probes: one event for a probe account, then wait until the account's
new score is stored (its mark cleared by a rescore that claimed it after
the event was committed). Prints the
probes' latency p50/p99/max from acknowledgement to stored score, and the
ingestion actually sustained.

Embedded SQLite in a temporary directory by default; with --database-url
(or TEND_DATABASE_URL) that PostgreSQL database: use a throwaway one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var (
				st  store.Store
				err error
			)
			if e.cfg.DatabaseURL == "" {
				dir, err := os.MkdirTemp("", "tend-bench-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				st, err = sqlite.Open(ctx, filepath.Join(dir, "tend.db"))
				if err != nil {
					return err
				}
				if err := st.Migrate(ctx); err != nil {
					return err
				}
			} else if st, err = e.openStore(ctx, true); err != nil {
				return err
			}
			defer st.Close()
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			return benchRealtime(ctx, e, st, rate, accounts, probers, warmup, d)
		},
	}
	cmd.Flags().DurationVar(&d, "duration", 20*time.Second, "how long to measure")
	cmd.Flags().DurationVar(&warmup, "warmup", 3*time.Second, "load before measuring")
	cmd.Flags().IntVar(&rate, "rate", 10000, "usage events per second to ingest")
	cmd.Flags().IntVar(&accounts, "accounts", 1000, "accounts (groups) the ingested users belong to")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
	cmd.Flags().IntVar(&probers, "probes", 8, "probe accounts, each with one probe in flight at a time")
	return cmd
}

func benchRealtime(ctx context.Context, e *env, st store.Store, rate, accounts, probers int, warmup, d time.Duration) error {
	const batch = 100
	out := e.out
	db, ok := st.(*sqlstore.DB)
	if !ok {
		return fmt.Errorf("bench realtime: %T is not the SQL store", st)
	}
	acc := make([]customer.Account, 0, accounts+probers)
	for i := range accounts {
		acc = append(acc, customer.Account{ExternalID: fmt.Sprintf("bench-%d", i), ProductID: fmt.Sprintf("org_%d", i), Name: fmt.Sprintf("Bench %d", i)})
	}
	for i := range probers {
		acc = append(acc, customer.Account{ExternalID: fmt.Sprintf("probe-%d", i), ProductID: fmt.Sprintf("probe_%d", i), Name: fmt.Sprintf("Probe %d", i)})
	}
	res, err := st.Accounts().Import(ctx, acc)
	if err != nil {
		return err
	}
	probeIDs := make([]int64, probers)
	for i := range probers {
		if res[accounts+i].Err != nil {
			return res[accounts+i].Err
		}
		probeIDs[i] = res[accounts+i].ID
	}
	k, secret := auth.NewWriteKey("bench", time.Now())
	if err := st.CreateWriteKey(ctx, &k); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e2 := *e
	e2.log = log
	if err := e2.migrateJobs(ctx, st); err != nil {
		return err
	}
	var (
		jobsRun  atomic.Int64
		batches  atomic.Int64
		rescored atomic.Int64
	)
	where, err := e2.jobsWhere(st)
	if err != nil {
		return err
	}
	q, err := jobs.Open(ctx, where, jobs.Options{Log: log, Work: true, Store: st,
		Rescore: func(ctx context.Context) (jobs.RescoreBatch, error) {
			r, err := scoring.RescoreDirty(ctx, db, rescoreBatch)
			batches.Add(1)
			rescored.Add(int64(len(r.IDs)))
			return jobs.RescoreBatch{IDs: r.IDs, More: r.Claimed > 0}, err
		},
		AfterRescore: func(context.Context, []int64) { jobsRun.Add(1) },
	})
	if err != nil {
		return err
	}
	if err := q.Start(ctx); err != nil {
		return err
	}
	defer q.Close(context.Background())
	db.OnDirty(q.Nudge)
	defer db.OnDirty(nil)
	q.Nudge()
	// The import marked every account: wait for the first scores.
	for deadline := time.Now().Add(5 * time.Minute); ; {
		n, _, err := db.DirtyCount(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench realtime: %d accounts still unscored after 5 minutes", n)
		}
		time.Sleep(50 * time.Millisecond)
	}

	svc, err := ingest.New(ctx, st, log, ingest.Options{})
	if err != nil {
		return err
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: server.New(st, log, server.Options{Ingest: svc}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String()
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	post := func(ctx context.Context, body []byte) error {
		req, _ := http.NewRequestWithContext(ctx, "POST", url+"/v1/batch", bytes.NewReader(body))
		req.SetBasicAuth(secret, "")
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}

	fmt.Fprintf(out, "tend bench realtime: engine %s, GOMAXPROCS %d, %d events/s in %d-event batches over %d accounts, %d probes\n",
		st.Engine(), runtime.GOMAXPROCS(0), rate, batch, accounts, probers)
	fmt.Fprintf(out, "  loading for %s (after %s warm-up)…\n", d, warmup)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		measuring          atomic.Bool
		sent, failed       atomic.Int64
		firstErr           atomic.Value
		wg                 sync.WaitGroup
		mu                 sync.Mutex
		lat                []time.Duration
		probeFails         atomic.Int64
		maxBacklog         atomic.Int64
		pending            = make(chan int, 64)
		p                  = ingest.NewPayloads(1, 64, batch, accounts)
		interval           = time.Second * batch / time.Duration(max(rate, 1))
		clients            = 16
		probeBody          = probeBodies(probers)
		probeSeq           atomic.Uint64
		measureAt, endedAt time.Time
	)
	// The pacer hands out one batch per interval; clients send them.
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(pending)
		t := time.NewTicker(interval)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
			}
			select {
			case pending <- i:
			default: // the clients are behind: the batch is not sent
			}
		}
	}()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for i := range pending {
				buf = p.Fresh(buf, i)
				err := post(runCtx, buf)
				if !measuring.Load() {
					continue
				}
				if err != nil && runCtx.Err() == nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				sent.Add(1)
			}
		}()
	}
	for i := range probers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 99))
			id := probeIDs[i]
			for runCtx.Err() == nil {
				body := fmt.Appendf(nil, probeBody[i], probeSeq.Add(1), time.Now().UTC().Format(time.RFC3339Nano))
				if err := post(runCtx, body); err != nil {
					if runCtx.Err() == nil {
						probeFails.Add(1)
					}
					continue
				}
				acked := time.Now()
				took, err := waitRescored(runCtx, db, id, acked)
				if err != nil {
					if runCtx.Err() == nil {
						probeFails.Add(1)
					}
					continue
				}
				if measuring.Load() {
					mu.Lock()
					lat = append(lat, took)
					mu.Unlock()
				}
				select { // spread the probes out
				case <-runCtx.Done():
				case <-time.After(time.Duration(50+rng.IntN(150)) * time.Millisecond):
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // the backlog of marked accounts, every 100 ms
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
			}
			if n, _, err := db.DirtyCount(runCtx); err == nil && measuring.Load() && int64(n) > maxBacklog.Load() {
				maxBacklog.Store(int64(n))
			}
		}
	}()
	time.Sleep(warmup)
	measuring.Store(true)
	measureAt = time.Now()
	b0, r0 := batches.Load(), rescored.Load()
	time.Sleep(d)
	measuring.Store(false)
	endedAt = time.Now()
	b1, r1 := batches.Load(), rescored.Load()
	stop()
	wg.Wait()

	elapsed := endedAt.Sub(measureAt)
	slices.Sort(lat)
	pct := func(p int) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, len(lat)*p/100)]
	}
	fmt.Fprintf(out, "\n  events/s ingested    %10.0f   (target %d; %d batches acknowledged, %d failed)\n",
		float64(sent.Load()*batch)/elapsed.Seconds(), rate, sent.Load(), failed.Load())
	fmt.Fprintf(out, "  change → score       p50 %s   p99 %s   max %s   (%d probes, %d failed)\n",
		pct(50).Round(time.Millisecond), pct(99).Round(time.Millisecond), pct(100).Round(time.Millisecond), len(lat), probeFails.Load())
	fmt.Fprintf(out, "  rescore batches      %10.1f /s   (%.0f accounts scored a second; backlog at most %d accounts)\n",
		float64(b1-b0)/elapsed.Seconds(), float64(r1-r0)/elapsed.Seconds(), maxBacklog.Load())
	if s, ok := firstErr.Load().(string); ok {
		fmt.Fprintf(out, "  first failure: %s\n", s)
	}
	return nil
}

// probeBodies are one-event batches for each probe account (groupId
// probe_i), with %d for a fresh messageId and %s for the timestamp.
func probeBodies(n int) []string {
	out := make([]string, n)
	for i := range n {
		out[i] = `{"batch":[{"type":"track","messageId":"probe-%d","userId":"prober_` + fmt.Sprint(i) +
			`","event":"Probe Sent","timestamp":"%s","context":{"groupId":"probe_` + fmt.Sprint(i) + `"}}]}`
	}
	return out
}

// waitRescored polls (every 5 ms) until account id's mark is cleared, and
// returns the time from acked. The probe's commit made the mark (the
// previous probe's was cleared before it was sent), and a mark is cleared
// only by a rescore that claimed it after it was made — so after the
// change — and stored the score first.
func waitRescored(ctx context.Context, db *sqlstore.DB, id int64, acked time.Time) (time.Duration, error) {
	for {
		m, err := db.Marked(ctx, []int64{id})
		if err != nil {
			return 0, err
		}
		if len(m) == 0 {
			return time.Since(acked), nil
		}
		if time.Since(acked) > time.Minute {
			return 0, fmt.Errorf("account %d not rescored a minute after its change", id)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

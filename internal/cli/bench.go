package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/server"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite"
)

func benchCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure Tend on this machine",
		Args:  cobra.NoArgs,
	}
	var (
		d, warmup, decodeFor time.Duration
		clients, accounts    int
		keep                 bool
		cpuProfile           string
	)
	ingestCmd := &cobra.Command{
		Use:   "ingest",
		Short: "Drive the real ingestion server on loopback and report events/s and ack latency",
		Long: `Start Tend's real HTTP server on loopback with usage ingestion, durability
on (SQLite synchronous=FULL; each 200 answered after its commit), and send
100-event /v1/batch bodies of realistic messages (70% track, 15% page, 10%
identify, 5% group; ~700 bytes each; every messageId new) from concurrent
clients. Prints events/s sustained, p50/p99 acknowledgement latency, and —
from the same payloads in the same run — the decode-only rate on all cores,
so the result reads as a fraction of the parsing limit.

Embedded SQLite in a temporary directory by default; with --database-url
(or TEND_DATABASE_URL) it writes into that PostgreSQL database: use a
throwaway one.`,
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
				if !keep {
					defer os.RemoveAll(dir)
				} else {
					fmt.Fprintln(e.errOut, "database kept in", dir)
				}
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
			return benchIngest(ctx, e, st, d, warmup, decodeFor, clients, accounts)
		},
	}
	ingestCmd.Flags().DurationVar(&d, "duration", 10*time.Second, "how long to measure")
	ingestCmd.Flags().DurationVar(&warmup, "warmup", 2*time.Second, "load before measuring")
	ingestCmd.Flags().DurationVar(&decodeFor, "decode", 3*time.Second, "how long to measure decoding alone")
	ingestCmd.Flags().IntVar(&clients, "clients", 16, "concurrent clients")
	ingestCmd.Flags().IntVar(&accounts, "accounts", 1000, "accounts (groups) the users belong to")
	ingestCmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
	ingestCmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary SQLite database")
	cmd.AddCommand(ingestCmd, benchRealtimeCmd(e))
	return cmd
}

func benchIngest(ctx context.Context, e *env, st store.Store, d, warmup, decodeFor time.Duration, clients, accounts int) error {
	const batch = 100
	out := e.out
	acc := make([]customer.Account, accounts)
	for i := range acc {
		acc[i] = customer.Account{ExternalID: fmt.Sprintf("bench-%d", i), ProductID: fmt.Sprintf("org_%d", i), Name: fmt.Sprintf("Bench %d", i)}
	}
	if err := store.ImportAll(ctx, st.Accounts(), acc); err != nil {
		return err
	}
	k, secret := auth.NewWriteKey("bench", time.Now())
	if err := st.CreateWriteKey(ctx, &k); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := ingest.New(ctx, st, log, ingest.Options{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: server.New(st, log, server.Options{Ingest: svc}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	url := "http://" + ln.Addr().String()
	p := ingest.NewPayloads(1, 64, batch, accounts)
	var size int
	for i := range p.Len() {
		size += len(p.Body(i))
	}
	fmt.Fprintf(out, "tend bench ingest: engine %s, GOMAXPROCS %d, %d clients, %d-event batches (%d bytes a message on average), %d accounts\n",
		st.Engine(), runtime.GOMAXPROCS(0), clients, batch, size/(p.Len()*batch), accounts)
	fmt.Fprintf(out, "  loading for %s (after %s warm-up)…\n", d, warmup)
	cpu0 := cpuTime()
	res := ingest.Load(ctx, url, secret, p, batch, clients, warmup, d)
	cpu := cpuTime() - cpu0 // the clients' share included: they run in this process
	stats := svc.Stats()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	srv.Shutdown(sctx)
	cancel()
	svc.Close()
	fmt.Fprintf(out, "  decoding alone for %s…\n", decodeFor)
	dcpu := cpuTime()
	dstart := time.Now()
	dec := ingest.DecodeRate(p, decodeFor)
	dcpu = cpuTime() - dcpu
	dwall := time.Since(dstart)
	tot, err := st.UsageTotals(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n  events/s sustained   %10.0f   (%d requests acknowledged in %s, %d failed)\n", res.EventsPerSecond(), res.Requests, res.Elapsed.Round(time.Millisecond), res.Failed)
	if cpu > 0 {
		fmt.Fprintf(out, "  per CPU-second       %10.0f   events per second of CPU this process used (server and clients, warm-up included), %.1f cores busy\n",
			float64(stats.Inserted)/cpu.Seconds(), cpu.Seconds()/(warmup+res.Elapsed).Seconds())
	}
	fmt.Fprintf(out, "  ack latency          p50 %s   p99 %s   max %s\n", res.P50.Round(10*time.Microsecond), res.P99.Round(10*time.Microsecond), res.Max.Round(time.Millisecond))
	fmt.Fprintf(out, "  decode-only events/s %10.0f   (all cores, same payloads; %.0f per CPU-second)\n", dec, dec*dwall.Seconds()/dcpu.Seconds())
	fmt.Fprintf(out, "  ingest ÷ decode      %10.1f %%\n", 100*res.EventsPerSecond()/dec)
	if stats.Commits > 0 {
		fmt.Fprintf(out, "  commits              %10d   (%.0f messages each on average, %.1f ms each, %.1f µs a message; %d failed)\n", stats.Commits,
			float64(stats.Inserted)/float64(stats.Commits), float64(stats.CommitTime.Microseconds())/1000/float64(stats.Commits),
			float64(stats.CommitTime.Microseconds())/float64(max(stats.Inserted, 1)), stats.CommitErrors)
	}
	fmt.Fprintf(out, "  stored               %10d messages, %d events rolled up\n", tot.Messages, tot.RolledUp)
	if res.FirstError != "" {
		fmt.Fprintf(out, "  first failure: %s\n", res.FirstError)
	}
	return nil
}

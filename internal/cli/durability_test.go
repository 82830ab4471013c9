package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/postgres/pgtest"
	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// The test binary doubles as `tend serve` for the durability test: with
// TEND_TEST_CHILD set it runs the CLI with the arguments given there.
func TestMain(m *testing.M) {
	if args := os.Getenv("TEND_TEST_CHILD"); args != "" {
		root := New()
		root.SetArgs(strings.Split(args, "\x1f"))
		if err := root.ExecuteContext(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "tend:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestKillNineSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	open := func() *sqlstore.DB {
		st, err := sqlite.Open(context.Background(), filepath.Join(dir, "tend.db"))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	killNine(t, open, "TEND_DATA_DIR="+dir)
}

func TestKillNinePostgres(t *testing.T) {
	t.Parallel()
	url := pgtest.Schema(t)
	open := func() *sqlstore.DB {
		st, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	killNine(t, open, "TEND_DATABASE_URL="+url)
}

// child is a `tend serve` in its own process.
type child struct {
	cmd *exec.Cmd
	out *bytes.Buffer
	url string
}

func startServe(t *testing.T, env ...string) *child {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := &child{out: &bytes.Buffer{}, url: "http://" + addr}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(append(os.Environ(), "TEND_LOG_LEVEL=warn",
		"TEND_TEST_CHILD="+strings.Join([]string{"serve", "--listen", addr}, "\x1f")), env...)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(c.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c
			}
		}
		if time.Now().After(deadline) {
			c.cmd.Process.Kill()
			c.cmd.Wait()
			t.Fatalf("tend serve did not start: %v\n%s", err, c.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func storedIDs(t *testing.T, st *sqlstore.DB) map[string]int {
	t.Helper()
	rows, err := st.R.Query("SELECT message_id FROM usage_messages")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := map[string]int{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id]++
	}
	return ids
}

// killNine: clients send while `tend serve` is killed with SIGKILL; every
// acknowledged message is stored after the crash; after a restart the
// clients retry what was not acknowledged (and some of what was, as a
// client whose answer was lost would), and every message is then stored
// and counted exactly once.
func killNine(t *testing.T, open func() *sqlstore.DB, env string) {
	ctx := context.Background()
	st := open()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Accounts().Create(ctx, &customer.Account{ExternalID: "crm-d", ProductID: "dur", Name: "Durable Inc"}); err != nil {
		t.Fatal(err)
	}
	k, secret := auth.NewWriteKey("durability", time.Now())
	if err := st.CreateWriteKey(ctx, &k); err != nil {
		t.Fatal(err)
	}
	st.Close()

	const clients, per = 8, 50
	type batch struct {
		ids  []string
		body []byte
	}
	mk := func(c, n int) batch {
		var b batch
		var sb strings.Builder
		sb.WriteString(`{"batch":[`)
		for i := range per {
			id := fmt.Sprintf("c%d-b%d-m%d", c, n, i)
			b.ids = append(b.ids, id)
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"type":"track","messageId":%q,"userId":"u%d","event":"Saved","context":{"groupId":"dur"},"properties":{"n":%d}}`, id, c, i)
		}
		sb.WriteString(`]}`)
		b.body = []byte(sb.String())
		return b
	}
	// send reports why a batch was not acknowledged ("" when it was). The
	// timeout is generous: under the race detector on a busy machine a
	// first commit can take seconds, and a slow answer is not a crash.
	send := func(url string, b batch) string {
		req, _ := http.NewRequest("POST", url+"/v1/batch", bytes.NewReader(b.body))
		req.SetBasicAuth(secret, "")
		hc := http.Client{Timeout: time.Minute}
		resp, err := hc.Do(req)
		if err != nil {
			return err.Error()
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return resp.Status
		}
		return ""
	}

	srv := startServe(t, env)
	var (
		mu       sync.Mutex
		acked    []batch
		unacked  []batch
		failure  string // why the last unacknowledged batch was not
		sent     = map[string]bool{}
		wg       sync.WaitGroup
		stopping = make(chan struct{})
	)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each client sends until one of its batches is refused after
			// the kill, so the kill always leaves batches unanswered, however
			// fast the machine.
			for n := 0; ; n++ {
				b := mk(c, n)
				mu.Lock()
				for _, id := range b.ids {
					sent[id] = true
				}
				mu.Unlock()
				why := send(srv.url, b)
				mu.Lock()
				if why == "" {
					acked = append(acked, b)
				} else {
					unacked, failure = append(unacked, b), why
				}
				mu.Unlock()
				if why != "" {
					select {
					case <-stopping:
						return
					default:
					}
				}
			}
		}()
	}
	// Kill once ten batches are acknowledged (or two minutes have passed:
	// a slow machine, or the race detector, must not turn into a kill
	// before anything was sent). The clients stop at their first refused
	// batch after it.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		enough := len(acked) >= 10
		mu.Unlock()
		if enough || time.Now().After(deadline) {
			break
		}
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	close(stopping)
	srv.cmd.Wait()
	wg.Wait()
	if len(acked) < 10 || len(unacked) == 0 {
		t.Fatalf("the kill should land mid-stream: %d batches acknowledged, %d not (last failure: %s)\n%s", len(acked), len(unacked), failure, srv.out)
	}

	// Right after the crash: every acknowledged message is there, once.
	st = open()
	ids := storedIDs(t, st)
	st.Close()
	for _, b := range acked {
		for _, id := range b.ids {
			if ids[id] != 1 {
				t.Fatalf("acknowledged message %s is stored %d times after kill -9", id, ids[id])
			}
		}
	}
	t.Logf("killed after %d acknowledged and %d unanswered batches; %d messages on disk", len(acked), len(unacked), len(ids))

	// Restart; clients retry what was not answered, and some of what was.
	srv = startServe(t, env)
	retry := append(append([]batch{}, unacked...), acked[:len(acked)/2]...)
	for _, b := range retry {
		if why := send(srv.url, b); why != "" {
			srv.cmd.Process.Kill()
			srv.cmd.Wait() // before reading what it wrote
			t.Fatalf("retry after restart failed: %s\n%s", why, srv.out)
		}
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()

	st = open()
	defer st.Close()
	ids = storedIDs(t, st)
	if len(ids) != len(sent) {
		t.Fatalf("stored %d distinct messages, sent %d", len(ids), len(sent))
	}
	for id := range sent {
		if ids[id] != 1 {
			t.Fatalf("message %s stored %d times", id, ids[id])
		}
	}
	tot, err := st.UsageTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Messages != int64(len(sent)) || tot.RolledUp != int64(len(sent)) || tot.Unattributed != 0 {
		t.Fatalf("totals after retries: %+v, want %d messages each counted once", tot, len(sent))
	}
}

package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/postgres/pgtest"
)

// TestTwoReplicasPostgres: two real `tend serve` processes on one
// PostgreSQL take changes at both — tickets and pulses through the API,
// usage through ingestion — and rescore the changed accounts in the
// background. Afterwards every changed account's stored score is the score
// of its inputs as they ended; no account was in two rescore batches that
// overlapped in time (each batch logs its accounts and span); and the
// periodic usage prune, queued on start by River's leader only, ran once.
func TestTwoReplicasPostgres(t *testing.T) {
	t.Parallel()
	url := pgtest.Schema(t)
	ctx := context.Background()
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(ctx, jobs.Where{PostgresURL: url}, nil); err != nil {
		t.Fatal(err)
	}
	admin := customer.User{Email: "admin@example.com", Name: "Ada", Role: customer.RoleAdmin}
	if err := st.Users().Create(ctx, &admin); err != nil {
		t.Fatal(err)
	}
	tok, token := auth.NewToken("replicas", admin.ID, auth.ScopeWrite, time.Now())
	if err := st.CreateToken(ctx, &tok); err != nil {
		t.Fatal(err)
	}
	wk, writeKey := auth.NewWriteKey("replicas", time.Now())
	if err := st.CreateWriteKey(ctx, &wk); err != nil {
		t.Fatal(err)
	}
	const accounts = 24
	ids := make([]int64, accounts)
	for i := range accounts {
		a := customer.Account{ExternalID: fmt.Sprintf("r-%d", i), ProductID: fmt.Sprintf("g-%d", i), Name: fmt.Sprintf("Replica %d", i)}
		if err := st.Accounts().Create(ctx, &a); err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID
	}

	env := []string{"TEND_DATABASE_URL=" + url, "TEND_LOG_LEVEL=debug", "TEND_LOG_FORMAT=json"}
	replicas := []*child{startServe(t, env...), startServe(t, env...)}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		for _, c := range replicas {
			c.cmd.Process.Signal(syscall.SIGTERM)
		}
		for _, c := range replicas {
			c.cmd.Wait()
		}
	}
	defer stop()

	// Changes at both replicas for a few seconds; each account's last
	// acknowledged change is noted.
	hc := &http.Client{Timeout: time.Minute}
	send := func(base, path, auth string, body string) error {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if strings.HasPrefix(path, "/v1/") {
			req.SetBasicAuth(auth, "")
		} else {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("POST %s: %s: %s", path, resp.Status, b.String())
		}
		return nil
	}
	var (
		mu      sync.Mutex
		changes int
		errs    []error
		wg      sync.WaitGroup
		until   = time.Now().Add(4 * time.Second)
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 17))
			for n := 0; time.Now().Before(until); n++ {
				base := replicas[(w+n)%2].url
				i := rng.IntN(accounts)
				var err error
				switch rng.IntN(3) {
				case 0:
					err = send(base, "/api/v1/tickets", token, fmt.Sprintf(`{"account_id":%d,"subject":"Issue %d-%d","priority":"high","status":"open","opened_at":%q}`,
						ids[i], w, n, time.Now().UTC().Format(time.RFC3339)))
				case 1:
					err = send(base, fmt.Sprintf("/api/v1/accounts/%d/pulse", ids[i]), token, fmt.Sprintf(`{"colour":%q,"reason":"check %d-%d","expires_on":%q}`,
						[]string{"red", "yellow", "green"}[rng.IntN(3)], w, n, civil.Today().AddDays(10).String()))
				default:
					err = send(base, "/v1/batch", writeKey, fmt.Sprintf(`{"batch":[{"type":"track","messageId":"m-%d-%d","userId":"u-%d","event":"Report Created","context":{"groupId":"g-%d"}}]}`,
						w, n, i, i))
				}
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					changes++
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d changes failed, the first: %v", len(errs), errs[0])
	}

	// Every mark is cleared by the replicas' rescores.
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, _, err := st.DirtyCount(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d accounts still marked a minute after the last change", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()

	// Each stored score is what scoring the account's final inputs gives.
	for _, id := range ids {
		stored, err := st.HealthScore(ctx, id)
		if err != nil {
			t.Fatalf("account %d: %v", id, err)
		}
		fresh, _, err := scoring.Rescore(ctx, st, id, civil.Today())
		if err != nil {
			t.Fatal(err)
		}
		if (stored.Score == nil) != (fresh.Score == nil) || stored.Score != nil && *stored.Score != *fresh.Score ||
			stored.Colour != fresh.Colour || stored.Scorecard != fresh.Scorecard {
			t.Errorf("account %d: stored %v %q, but its final inputs score %v %q", id, stored.Score, stored.Colour, fresh.Score, fresh.Colour)
		}
	}

	// No account in two batches at once, within a replica or across both:
	// the spans a claim was held (from its taking to its release) of two
	// batches with an account in common never overlap.
	type batch struct {
		replica    int
		began, end time.Time
		ids        []int64
	}
	var batches []batch
	for r, c := range replicas {
		sc := bufio.NewScanner(bytes.NewReader(c.out.Bytes()))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line struct {
				Msg  string    `json:"msg"`
				From time.Time `json:"held_from"`
				To   time.Time `json:"held_to"`
				IDs  []int64   `json:"ids"`
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "health: rescored changed accounts" {
				continue
			}
			batches = append(batches, batch{r, line.From, line.To, line.IDs})
		}
	}
	per := [2]int{}
	for _, b := range batches {
		per[b.replica]++
	}
	if len(batches) == 0 {
		t.Fatalf("no rescore batch logged (%d changes made)", changes)
	}
	for i, a := range batches {
		for _, b := range batches[i+1:] {
			if a.end.Before(b.began) || b.end.Before(a.began) {
				continue
			}
			for _, id := range a.ids {
				for _, other := range b.ids {
					if id == other {
						t.Errorf("account %d was in two rescore batches at once: replica %d %v–%v and replica %d %v–%v",
							id, a.replica, a.began, a.end, b.replica, b.began, b.end)
					}
				}
			}
		}
	}
	t.Logf("%d changes; %d rescore batches by replica 0, %d by replica 1", changes, per[0], per[1])

	// The periodic prune, run on start, was queued once for the cluster.
	q, err := jobs.Open(ctx, jobs.Where{PostgresURL: url}, jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close(ctx)
	counts, err := q.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	prunes := 0
	for _, c := range counts {
		if c.Kind == "usage_prune" {
			prunes += c.N
		}
		if c.State == "discarded" || c.State == "retryable" {
			t.Errorf("%d %s jobs %s", c.N, c.Kind, c.State)
		}
	}
	if prunes != 1 {
		t.Errorf("the usage prune was queued %d times by two replicas, want once: %+v", prunes, counts)
	}
}

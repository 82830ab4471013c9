package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/publicdata"
	"github.com/tendhq/tend/internal/server"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres/pgtest"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
	"github.com/tendhq/tend/internal/usage"
)

var ctx = context.Background()

// clock is a settable clock for the key cache's expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type rig struct {
	st    store.Store
	svc   *ingest.Service
	url   string
	clock *clock
}

func newRig(t *testing.T, st store.Store) *rig {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := ingest.New(ctx, st, log, ingest.Options{Now: c.Now, RefreshEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(st, log, server.Options{Ingest: svc}))
	t.Cleanup(func() { srv.Close(); svc.Close() })
	return &rig{st: st, svc: svc, url: srv.URL, clock: c}
}

func (r *rig) key(t *testing.T, name string) (auth.WriteKey, string) {
	t.Helper()
	k, secret := auth.NewWriteKey(name, r.clock.Now())
	if err := r.st.CreateWriteKey(ctx, &k); err != nil {
		t.Fatal(err)
	}
	return k, secret
}

type answer struct {
	status int
	body   map[string]any
}

func (r *rig) post(t *testing.T, path, key string, body []byte, hdr ...string) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", r.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.SetBasicAuth(key, "")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &a.body); err != nil {
		t.Fatalf("%s: answer is not JSON: %q", path, b)
	}
	return a
}

func totals(t *testing.T, st store.Store) store.UsageTotals {
	t.Helper()
	tot, err := st.UsageTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return tot
}

func TestFixturesSQLite(t *testing.T) {
	t.Parallel()
	testFixtures(t, sqlitetest.Open(t))
}

func TestFixturesPostgres(t *testing.T) {
	t.Parallel()
	testFixtures(t, pgtest.Open(t))
}

// testFixtures: every body analytics-go sends is accepted (200) and its
// messages land: one row each, except the repeated messageId of
// test-many-track.json, which is one message and two logged duplicates.
func testFixtures(t *testing.T, st store.Store) {
	dir := publicdata.Dir(t, "segment-go-fixtures")
	r := newRig(t, st)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 12 {
		t.Fatalf("expected the 12 analytics-go fixtures, found %d", len(files))
	}
	var want int64
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, secret := r.key(t, filepath.Base(f)) // messageIds repeat across fixtures: one source each
		a := r.post(t, "/v1/batch", secret, body)
		if a.status != 200 || a.body["success"] != true {
			t.Fatalf("%s: %d %v", f, a.status, a.body)
		}
		b, err := usage.DecodeBatch(body, usage.DecodeOptions{ReceivedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, m := range b.Messages {
			ids[m.MessageID] = true
		}
		want += int64(len(ids))
	}
	if got := totals(t, st).Messages; got != want {
		t.Fatalf("stored %d messages, want %d", got, want)
	}
	dups, err := st.IngestionLog(ctx, store.LogQuery{Reason: "duplicate"})
	if err != nil {
		t.Fatal(err)
	}
	if len(dups) != 2 {
		t.Fatalf("duplicates logged: %+v", dups)
	}
}

func TestEndpointsSQLite(t *testing.T) {
	t.Parallel()
	testEndpoints(t, sqlitetest.Open(t))
}

func TestEndpointsPostgres(t *testing.T) {
	t.Parallel()
	testEndpoints(t, pgtest.Open(t))
}

func testEndpoints(t *testing.T, st store.Store) {
	acme := &customer.Account{ExternalID: "crm-1", ProductID: "acme", Name: "Acme"}
	if err := st.Accounts().Create(ctx, acme); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, st)
	k, secret := r.key(t, "web")

	// Each single-message endpoint, with the type implied by the path.
	for _, c := range []struct{ path, body string }{
		{"/v1/group", `{"userId":"u1","groupId":"acme","messageId":"g1"}`},
		{"/v1/identify", `{"userId":"u1","traits":{"email":"ann@acme.test","name":"Ann"},"messageId":"i1"}`},
		{"/v1/track", `{"userId":"u1","event":"Report Created","messageId":"t1"}`},
		{"/v1/page", `{"userId":"u1","name":"Home","messageId":"p1"}`},
		{"/v1/screen", `{"userId":"u1","name":"Settings","messageId":"s1"}`},
		{"/v1/alias", `{"userId":"u1","previousId":"anon-1","messageId":"a1"}`},
	} {
		if a := r.post(t, c.path, secret, []byte(c.body)); a.status != 200 || a.body["success"] != true {
			t.Fatalf("%s: %d %v", c.path, a.status, a.body)
		}
	}
	// writeKey in the body, as the Node library sends it; gzip accepted.
	if a := r.post(t, "/v1/batch", "", []byte(`{"writeKey":"`+secret+`","batch":[{"type":"track","userId":"u1","event":"X","messageId":"t2"}]}`)); a.status != 200 {
		t.Fatalf("writeKey in body: %d %v", a.status, a.body)
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(`{"batch":[{"type":"track","userId":"u1","event":"Y","messageId":"t3"}]}`))
	zw.Close()
	if a := r.post(t, "/v1/batch", secret, zb.Bytes(), "Content-Encoding", "gzip"); a.status != 200 {
		t.Fatalf("gzip: %d %v", a.status, a.body)
	}
	// A retry is answered 200 and not counted twice.
	if a := r.post(t, "/v1/track", secret, []byte(`{"userId":"u1","event":"Report Created","messageId":"t1"}`)); a.status != 200 {
		t.Fatalf("retry: %d %v", a.status, a.body)
	}
	tot := totals(t, st)
	if tot.Messages != 8 || tot.RolledUp != 5 || tot.Unattributed != 0 {
		t.Fatalf("totals: %+v", tot)
	}
	c, err := st.Contacts().GetByExternalID(ctx, "u1")
	if err != nil || c.AccountID != acme.ID || c.Email != "ann@acme.test" {
		t.Fatalf("contact from identify: %+v %v", c, err)
	}

	// A bad message inside a batch: 200, dropped, logged with its reason.
	a := r.post(t, "/v1/batch", secret, []byte(`{"batch":[{"type":"track","userId":"u1","messageId":"bad1"},{"type":"track","userId":"u1","event":"Z","messageId":"t4"}]}`))
	if a.status != 200 {
		t.Fatalf("batch with a bad message: %d %v", a.status, a.body)
	}
	log, err := st.IngestionLog(ctx, store.LogQuery{Reason: string(usage.ReasonMissingEvent)})
	if err != nil || len(log) != 1 || log[0].MessageID != "bad1" || log[0].Index != 0 || log[0].WriteKeyID != k.ID {
		t.Fatalf("log: %+v %v", log, err)
	}

	// A NUL in an id (PostgreSQL cannot store it) refuses that message only.
	a = r.post(t, "/v1/batch", secret, []byte(`{"batch":[{"type":"track","userId":"a\u0000b","event":"E","messageId":"nul1"},{"type":"track","userId":"u1","event":"E","messageId":"t5"},{"type":"identify","userId":"u1","traits":{"title":"C\u0000TO"},"messageId":"i2"}]}`))
	if a.status != 200 {
		t.Fatalf("batch with a NUL: %d %v", a.status, a.body)
	}
	log, err = st.IngestionLog(ctx, store.LogQuery{Reason: string(usage.ReasonBadField)})
	if err != nil || len(log) != 1 || log[0].MessageID != "nul1" {
		t.Fatalf("NUL logged: %+v %v", log, err)
	}
	if tot := totals(t, st); tot.Messages != 11 {
		t.Fatalf("after the NUL batch: %+v", tot)
	}

	// Whole-request errors: status and a sentence naming the problem.
	big := `{"batch":[` + strings.Repeat(`{"type":"track","userId":"u","event":"e"},`, 13000) + `{}]}`
	for _, c := range []struct {
		name, path, key, body string
		status                int
		says                  string
	}{
		{"malformed", "/v1/batch", secret, `{"batch":[{"type":"track",}]}`, 400, "malformed JSON at byte"},
		{"no batch", "/v1/batch", secret, `{"messages":[]}`, 400, `"batch"`},
		{"oversize batch", "/v1/batch", secret, big, 413, "body is"},
		{"oversize message", "/v1/track", secret, `{"userId":"u","event":"` + strings.Repeat("x", 33000) + `"}`, 413, "at most 32768"},
		{"no key", "/v1/batch", "", `{"batch":[]}`, 401, "no write key"},
		{"unknown key", "/v1/batch", "tendwk_nope", `{"batch":[]}`, 401, "unknown write key"},
		{"unknown key before the body is read", "/v1/batch", "tendwk_nope", `{"batch":[`, 401, "unknown write key"},
		{"unknown path", "/v1/nothing", secret, `{}`, 404, "/v1/batch"},
	} {
		a := r.post(t, c.path, c.key, []byte(c.body))
		msg, _ := a.body["error"].(string)
		if a.status != c.status || !strings.Contains(msg, c.says) || a.body["success"] != false {
			t.Errorf("%s: got %d %q, want %d saying %q", c.name, a.status, msg, c.status, c.says)
		}
	}
	resp, err := http.Get(r.url + "/v1/batch")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("GET: %d", resp.StatusCode)
	}

	// Revoked keys are refused once the cache (1 s) has expired.
	if err := st.RevokeWriteKey(ctx, k.ID, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(2 * time.Second)
	a = r.post(t, "/v1/track", secret, []byte(`{"userId":"u1","event":"late","messageId":"t9"}`))
	if msg, _ := a.body["error"].(string); a.status != 401 || !strings.Contains(msg, "revoked") {
		t.Fatalf("revoked: %d %v", a.status, a.body)
	}
}

// TestHeldUntilAccountExists: events of a group no account names yet are
// stored unattributed, and attributed when an account gets that product
// id (the service re-reads accounts).
func TestHeldUntilAccountExists(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	r := newRig(t, st)
	_, secret := r.key(t, "web")
	a := r.post(t, "/v1/batch", secret, []byte(`{"batch":[
		{"type":"group","userId":"u1","groupId":"later","messageId":"g1"},
		{"type":"track","userId":"u1","event":"E","messageId":"t1"},
		{"type":"track","userId":"u1","event":"E","messageId":"t2"}]}`))
	if a.status != 200 {
		t.Fatal(a)
	}
	if tot := totals(t, st); tot.Unattributed != 2 || tot.RolledUp != 0 {
		t.Fatalf("before the account: %+v", tot)
	}
	if err := st.Accounts().Create(ctx, &customer.Account{ExternalID: "x", ProductID: "later", Name: "Later Inc"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		tot := totals(t, st)
		if tot.Unattributed == 0 && tot.RolledUp == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("held events not attributed: %+v", tot)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFeaturesReloaded: feature definitions saved while the service runs
// classify the next events.
func TestFeaturesReloaded(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	a := &customer.Account{ExternalID: "x", ProductID: "g", Name: "X"}
	if err := st.Accounts().Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, st)
	_, secret := r.key(t, "web")
	if err := st.SetUsageSetting(ctx, adoption.FeaturesSetting, `{"features":[{"key":"reports","events":["Report *"]}]}`, time.Now()); err != nil {
		t.Fatal(err)
	}
	cat, err := adoption.LoadCatalog(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	day := usage.DayOf(r.clock.Now())
	// The rig re-reads the definitions every 50 ms: send until an event
	// counts as the new feature (those sent before the reload do not).
	for i, deadline := 0, time.Now().Add(10*time.Second); ; i++ {
		body := fmt.Sprintf(`{"userId":"u","event":"Report Saved","context":{"groupId":"g"},"messageId":"f%d"}`, i)
		if a := r.post(t, "/v1/track", secret, []byte(body)); a.status != 200 {
			t.Fatal(a)
		}
		au, err := st.AccountUsage(ctx, a.ID, day-1, day+1, cat)
		if err != nil {
			t.Fatal(err)
		}
		ad := au.Adoption(cat, day, 0)
		if ad.FeaturesUsed == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new feature did not count after %d events: %+v", i+1, ad)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

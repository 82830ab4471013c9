package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/server/edge"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

func TestServer(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	var logs strings.Builder
	h := New(st, slog.New(slog.NewTextHandler(&logs, nil)), Options{})
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/healthz", "ok", 200},
		{"/api/v1/accounts", `"unauthenticated"`, 401},
		{"/api/v1/openapi.json", `"openapi"`, 200},
		{"/api/v1/nothing-here", `"not_found"`, 404},
		{"/accounts", "/signin?next=%2Faccounts", 303},
		{"/signin", "Sign in", 200},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s = %d %.200s; want %d containing %q", tc.path, rec.Code, body, tc.status, tc.want)
		}
		if rec.Header().Get("X-Request-Id") == "" || rec.Header().Get("X-Content-Type-Options") != "nosniff" ||
			rec.Header().Get("Content-Security-Policy") != edge.ContentSecurityPolicy {
			t.Errorf("GET %s: missing request id or security headers: %v", tc.path, rec.Header())
		}
	}
	if !strings.Contains(logs.String(), "path=/healthz status=200") {
		t.Errorf("access log lacks the request:\n%s", logs.String())
	}
}

// jsonLog collects the JSON log lines of a server under test.
type jsonLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *jsonLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *jsonLog) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(l, nil)) }

// find returns the lines with this message and request id.
func (l *jsonLog) find(t *testing.T, msg, id string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == msg && m["request_id"] == id {
			out = append(out, m)
		}
	}
	return out
}

// newIngest is the ingestion service over st, closed with the test.
func newIngest(t *testing.T, st store.Store, log *slog.Logger) *ingest.Service {
	t.Helper()
	svc, err := ingest.New(context.Background(), st, log, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc
}

// TestOneRequestID checks that the id a response carries, in its header
// and in an API or ingestion error body, is the one its access log line
// records, on every surface. (Each surface once made its own id, so an API
// error quoted one id while the access log recorded another.)
func TestOneRequestID(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	var logs jsonLog
	h := New(st, logs.logger(), Options{Ingest: newIngest(t, st, logs.logger())})
	for _, tc := range []struct {
		method, path, body string
		status             int
		bodyID             func(map[string]any) any // the id an error body quotes
	}{
		{"GET", "/api/v1/accounts", "", 401, func(m map[string]any) any { return m["error"].(map[string]any)["request_id"] }},
		{"GET", "/api/v1/nothing-here", "", 404, func(m map[string]any) any { return m["error"].(map[string]any)["request_id"] }},
		{"POST", "/v1/track", `{"event":"x","userId":"u"}`, 401, nil},
		{"GET", "/signin", "", 200, nil},
		{"GET", "/healthz", "", 200, nil},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
		id := rec.Header().Get("X-Request-Id")
		if rec.Code != tc.status || id == "" {
			t.Errorf("%s %s: %d, X-Request-Id %q; want %d and an id", tc.method, tc.path, rec.Code, id, tc.status)
			continue
		}
		if tc.bodyID != nil {
			var m map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
				t.Fatalf("%s %s: %v\n%s", tc.method, tc.path, err, rec.Body)
			}
			if got := tc.bodyID(m); got != id {
				t.Errorf("%s %s: the body quotes request id %v, the header %q", tc.method, tc.path, got, id)
			}
		}
		if lines := logs.find(t, "request", id); len(lines) != 1 || lines[0]["status"] != float64(tc.status) {
			t.Errorf("%s %s: access log lines under %q: %v", tc.method, tc.path, id, lines)
		}
	}
}

// panickyStore panics where each surface first reads: the health check, an
// API token, an ingestion write key.
type panickyStore struct{ store.Store }

func (panickyStore) SchemaVersion(context.Context) (int, int, error) { panic("schema secret") }
func (panickyStore) TokenByHash(context.Context, []byte) (auth.Token, customer.User, error) {
	panic("token secret")
}
func (panickyStore) WriteKeyByHash(context.Context, []byte) (auth.WriteKey, error) {
	panic("write key secret")
}

// TestPanicAnswered checks that a panic anywhere behind the edge is a 500
// in the surface's own shape, quoting the request id, with the panic and its
// stack in the log under that id.
func TestPanicAnswered(t *testing.T) {
	t.Parallel()
	var logs jsonLog
	st := panickyStore{sqlitetest.Open(t)}
	h := New(st, logs.logger(), Options{Ingest: newIngest(t, st, logs.logger())})
	for _, tc := range []struct {
		method, path, auth, secret, contentType string
		bodyID                                  func(map[string]any) any
	}{
		{method: "GET", path: "/readyz", secret: "schema secret", contentType: "text/plain"},
		{method: "POST", path: "/v1/track", auth: "Basic " + base64.StdEncoding.EncodeToString([]byte("wk_secret:")), secret: "write key secret",
			contentType: "application/json", bodyID: func(m map[string]any) any {
				e, _ := m["error"].(string)
				if m["success"] != false {
					return nil
				}
				_, id, _ := strings.Cut(strings.TrimSuffix(e, ")"), "(request ")
				return id
			}},
		{method: "GET", path: "/api/v1/accounts", auth: "Bearer " + auth.TokenPrefix + strings.Repeat("A", 43), secret: "token secret",
			contentType: "application/json", bodyID: func(m map[string]any) any {
				e, _ := m["error"].(map[string]any)
				if e["code"] != "internal" {
					return nil
				}
				return e["request_id"]
			}},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(`{"event":"e","userId":"u"}`))
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		h.ServeHTTP(rec, req)
		id := rec.Header().Get("X-Request-Id")
		body := rec.Body.String()
		if rec.Code != 500 || id == "" || !strings.Contains(body, id) || strings.Contains(body, tc.secret) ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), tc.contentType) {
			t.Errorf("%s %s: %d %v %q; want 500 %s quoting the id and not the panic", tc.method, tc.path, rec.Code, rec.Header(), body, tc.contentType)
		}
		if tc.bodyID != nil {
			var m map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || tc.bodyID(m) != id {
				t.Errorf("%s %s: body %s, want the surface's internal error with request id %q", tc.method, tc.path, body, id)
			}
		}
		p := logs.find(t, "panic serving request", id)
		if len(p) != 1 || p[0]["panic"] != tc.secret || !strings.Contains(p[0]["stack"].(string), "goroutine") {
			t.Errorf("%s %s: panic log lines under %q: %v", tc.method, tc.path, id, p)
		}
		if a := logs.find(t, "request", id); len(a) != 1 || a[0]["status"] != float64(500) {
			t.Errorf("%s %s: access log lines under %q: %v", tc.method, tc.path, id, a)
		}
	}
}

// TestBodyLimits checks that every surface refuses a body over its limit
// with 413: the API and web forms at the edge's 1 MiB, ingestion at its own
// (smaller, Segment's) limits and, for compressed bodies, the edge's.
func TestBodyLimits(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	var logs jsonLog
	h := New(st, logs.logger(), Options{Ingest: newIngest(t, st, logs.logger())})
	ctx := context.Background()
	u := customer.User{Email: "root@tend.test", Role: customer.RoleAdmin, Name: "Root"}
	if err := st.Users().Create(ctx, &u); err != nil {
		t.Fatal(err)
	}
	tok, secret := auth.NewToken("test", u.ID, auth.ScopeWrite, time.Now())
	if err := st.CreateToken(ctx, &tok); err != nil {
		t.Fatal(err)
	}
	k, key := auth.NewWriteKey("test", time.Now())
	if err := st.CreateWriteKey(ctx, &k); err != nil {
		t.Fatal(err)
	}
	account := func(nameBytes int) string { return `{"name":"` + strings.Repeat("x", nameBytes) + `"}` }
	form := func(n int) string {
		return url.Values{"email": {"a@b.c"}, "password": {strings.Repeat("p", n)}}.Encode()
	}
	track := func(n int) string {
		return `{"event":"e","userId":"u","properties":{"p":"` + strings.Repeat("x", n) + `"}}`
	}
	var noise bytes.Buffer // incompressible: over 1 MiB even gzipped
	zw := gzip.NewWriter(&noise)
	io.CopyN(zw, rand.Reader, edge.MaxBodyBytes+1024)
	zw.Close()
	for _, tc := range []struct {
		name, path, contentType, encoding, body string
		status                                  int
		want                                    string
	}{
		{"API under the limit", "/api/v1/accounts", "application/json", "", account(edge.MaxBodyBytes - 100), 422, `"too_long"`},
		{"API over the limit", "/api/v1/accounts", "application/json", "", account(edge.MaxBodyBytes), 413, `"body_too_large"`},
		{"web form over the limit", "/signin", "application/x-www-form-urlencoded", "", form(edge.MaxBodyBytes), 413, "That form is too large"},
		{"web form under the limit", "/signin", "application/x-www-form-urlencoded", "", form(100), 401, "Sign in"},
		{"ingestion under its message limit", "/v1/track", "application/json", "", track(30 << 10), 200, `"success":true`},
		{"ingestion over its message limit", "/v1/track", "application/json", "", track(33 << 10), 413, "at most 32768"},
		{"ingestion, gzipped, over the edge's limit", "/v1/batch", "application/json", "gzip", noise.String(), 413, "too large"},
	} {
		req := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.contentType)
		if tc.encoding != "" {
			req.Header.Set("Content-Encoding", tc.encoding)
		}
		if strings.HasPrefix(tc.path, "/api/") {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		if strings.HasPrefix(tc.path, "/v1/") {
			req.SetBasicAuth(key, "")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s: %d %.300s; want %d with %q", tc.name, rec.Code, rec.Body, tc.status, tc.want)
		}
	}
}

func TestHSTSWithHTTPS(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	for _, https := range []bool{false, true} {
		rec := httptest.NewRecorder()
		New(st, nil, Options{HTTPS: https}).ServeHTTP(rec, httptest.NewRequest("GET", "/signin", nil))
		if got := rec.Header().Get("Strict-Transport-Security"); (got != "") != https {
			t.Errorf("HTTPS %v: Strict-Transport-Security = %q", https, got)
		}
	}
}

// A request that runs out of time while its API token or session is read
// is a 503, not a 401 or the sign-in page.
func TestTimeoutDuringSignInIs503(t *testing.T) {
	t.Parallel()
	h := New(sqlitetest.Open(t), nil, Options{RequestTimeout: time.Nanosecond})
	for _, tc := range []struct{ path, header, value, want string }{
		{"/api/v1/accounts", "Authorization", "Bearer " + auth.TokenPrefix + strings.Repeat("a", 43), `"unavailable"`},
		{"/accounts", "Cookie", auth.CookieName + "=abc", "Tend is busy"},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set(tc.header, tc.value)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 503 || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("GET %s past its deadline: %d %s", tc.path, rec.Code, rec.Body)
		}
	}
}

// /healthz says the process serves; /readyz that the database answers with
// the schema this binary needs, and 503 naming why not.
func TestProbes(t *testing.T) {
	t.Parallel()
	st := sqlitetest.Open(t)
	h := New(st, nil, Options{})
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz: %d %q", code, body)
	}
	if _, err := st.W.Exec("UPDATE schema_version SET version = version + 1000"); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "schema") {
		t.Errorf("/readyz with another schema: %d %q", code, body)
	}
	st.Close()
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "database unavailable") {
		t.Errorf("/readyz with the database closed: %d %q", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz with the database closed: %d", code)
	}
}

package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/server/edge"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// openSQLite returns a migrated SQLite store in a temporary directory.
func openSQLite(t testing.TB) store.Store {
	t.Helper()
	return sqlitetest.Open(t)
}

// testServer is the API over a fresh SQLite store, with its log captured.
// Requests are made as the principal in as (an administrator unless a
// test changes it; zero means none), as internal/server's authentication
// would have put it in the context. The full path from API token to
// principal is tested in internal/server.
type testServer struct {
	*server
	log *bytes.Buffer
	as  auth.Principal
}

// testAdmin is the principal API tests act as by default.
var testAdmin = auth.Principal{UserID: 1, Email: "admin@tend.test", Role: customer.RoleAdmin}

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	return newTestServerOn(t, openSQLite(t))
}

func newTestServerOn(t testing.TB, st store.Store) *testServer {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return &testServer{server: newServer(st, log), log: &buf, as: testAdmin}
}

// lockedWriter serialises writes to the captured log.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// step is one request of a scenario and what its answer must be.
type step struct {
	name   string
	method string
	path   string // {var} is replaced by a saved value
	body   string // {var} likewise
	header map[string]string
	status int
	has    []string          // substrings the body must contain
	hasNot []string          // substrings it must not contain
	json   []string          // "path=value" checks; path like error.fields.0.field or items.#
	hdr    map[string]string // response headers (value is a substring; "" means absent)
	save   map[string]string // var → JSON path of a value to save for later steps
	keep   string            // var to save the whole response body in
	as     *auth.Principal   // who makes the request (default: the server's)
}

// run plays steps in order against ts; vars carries saved values.
func (ts *testServer) run(t *testing.T, steps []step) {
	t.Helper()
	vars := map[string]string{}
	for _, s := range steps {
		ok := t.Run(s.name, func(t *testing.T) {
			saved := ts.as
			if s.as != nil {
				ts.as = *s.as
			}
			rec := ts.do(t, s.method, expand(s.path, vars), expand(s.body, vars), s.header)
			ts.as = saved
			body := rec.Body.String()
			if rec.Code != s.status {
				t.Fatalf("%s %s: status %d, want %d; body:\n%s", s.method, s.path, rec.Code, s.status, body)
			}
			for _, h := range s.has {
				if !strings.Contains(body, expand(h, vars)) {
					t.Errorf("body does not contain %q:\n%s", expand(h, vars), body)
				}
			}
			for _, h := range s.hasNot {
				if strings.Contains(body, h) {
					t.Errorf("body contains %q:\n%s", h, body)
				}
			}
			for name, want := range s.hdr {
				got := rec.Header().Get(name)
				if want == "" && got != "" || !strings.Contains(got, expand(want, vars)) {
					t.Errorf("header %s = %q, want %q", name, got, expand(want, vars))
				}
			}
			var doc any
			if len(s.json) > 0 || len(s.save) > 0 {
				if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
					t.Fatalf("response is not JSON: %v\n%s", err, body)
				}
			}
			for _, c := range s.json {
				path, want, neg := splitCheck(c)
				got, found := lookup(doc, path)
				want = expand(want, vars)
				if neg {
					if found && got == want {
						t.Errorf("%s = %q, want anything else\n%s", path, got, body)
					}
					continue
				}
				if !found || got != want {
					t.Errorf("%s = %q (found %v), want %q\n%s", path, got, found, want, body)
				}
			}
			if s.keep != "" {
				vars[s.keep] = strings.TrimSpace(body)
			}
			for v, path := range s.save {
				got, found := lookup(doc, path)
				if !found {
					t.Fatalf("nothing at %s to save as %s\n%s", path, v, body)
				}
				vars[v] = got
			}
		})
		if !ok {
			t.FailNow() // later steps depend on this one
		}
	}
}

// do sends one request through the edge (request id, body limit, recover)
// and the handler, as internal/server does.
func (ts *testServer) do(t testing.TB, method, path, body string, header map[string]string) *httptest.ResponseRecorder {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if ts.as.UserID != 0 {
		req = req.WithContext(auth.NewContext(req.Context(), ts.as))
	}
	rec := httptest.NewRecorder()
	edge.Handler(ts.server.log, ts.server, edge.Options{Internal: InternalError}).ServeHTTP(rec, req)
	return rec
}

// splitCheck splits "a.b=v" (or "a.b!=v").
func splitCheck(c string) (path, want string, neg bool) {
	i := strings.IndexByte(c, '=')
	if i < 0 {
		panic("check without =: " + c)
	}
	path, want = c[:i], c[i+1:]
	if strings.HasSuffix(path, "!") {
		return path[:len(path)-1], want, true
	}
	return path, want, false
}

var varRef = regexp.MustCompile(`\{\$([a-z_0-9]+)\}`)

// expand replaces {$name} with saved values.
func expand(s string, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := vars[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// lookup follows a dotted path through decoded JSON; "#" is the length of
// an array or object. Values come back as their JSON text (strings bare).
func lookup(doc any, path string) (string, bool) {
	cur := doc
	if path != "" {
		for _, part := range strings.Split(path, ".") {
			switch v := cur.(type) {
			case map[string]any:
				if part == "#" {
					return strconv.Itoa(len(v)), true
				}
				next, ok := v[part]
				if !ok {
					return "", false
				}
				cur = next
			case []any:
				if part == "#" {
					return strconv.Itoa(len(v)), true
				}
				i, err := strconv.Atoi(part)
				if err != nil || i < 0 || i >= len(v) {
					return "", false
				}
				cur = v[i]
			default:
				return "", false
			}
		}
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case nil:
		return "null", true
	case float64, bool:
		return fmt.Sprint(v), true
	default:
		b, _ := json.Marshal(v)
		return string(b), true
	}
}

// mustJSON decodes a recorder's body.
func mustJSON(t testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("not JSON (%d): %v\n%s", rec.Code, err, rec.Body)
	}
	return m
}

// expectStatus fails unless rec has status want.
func expectStatus(t testing.TB, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d (%s), want %d; body:\n%s", rec.Code, http.StatusText(rec.Code), want, rec.Body)
	}
}

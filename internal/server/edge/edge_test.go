package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// logBuffer collects JSON log lines from concurrent requests.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines decodes every log line.
func (l *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func newEdge(next http.Handler, o Options) (http.Handler, *logBuffer) {
	var logs logBuffer
	return Handler(slog.New(slog.NewJSONHandler(&logs, nil)), next, o), &logs
}

func TestRequestIDOneForAll(t *testing.T) {
	t.Parallel()
	var seen string
	h, logs := newEdge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = RequestID(r.Context())
		w.Write([]byte(seen))
	}), Options{})
	for _, tc := range []struct {
		name, sent string
		kept       bool
	}{
		{"none sent", "", false},
		{"a plain one is kept", "trace-42.a_B", true},
		{"an unsafe one is replaced", "a b\"c", false},
		{"a long one is replaced", strings.Repeat("x", 65), false},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/x", nil)
		if tc.sent != "" {
			req.Header.Set(HeaderRequestID, tc.sent)
		}
		h.ServeHTTP(rec, req)
		id := rec.Header().Get(HeaderRequestID)
		if id == "" || id != seen || rec.Body.String() != id {
			t.Errorf("%s: header %q, handler saw %q, body %q: want one id", tc.name, id, seen, rec.Body.String())
		}
		if (id == tc.sent) != tc.kept {
			t.Errorf("%s: sent %q, got %q", tc.name, tc.sent, id)
		}
		lines := logs.lines(t)
		last := lines[len(lines)-1]
		if last["msg"] != "request" || last["request_id"] != id || last["status"] != float64(200) {
			t.Errorf("%s: access log %v, want request_id %q status 200", tc.name, last, id)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	h, _ := newEdge(http.NotFoundHandler(), Options{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	for k, want := range map[string]string{
		"Content-Security-Policy": ContentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
	} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	h, _ := newEdge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if _, ok := err.(*http.MaxBytesError); ok {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		w.Write([]byte(strings.Repeat("r", int(n%10))))
	}), Options{MaxBodyBytes: 100})
	for _, tc := range []struct {
		size, status int
	}{{0, 200}, {100, 200}, {101, 413}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", tc.size))))
		if rec.Code != tc.status {
			t.Errorf("body of %d bytes with a limit of 100: status %d, want %d", tc.size, rec.Code, tc.status)
		}
	}
	if MaxBodyBytes != 1<<20 {
		t.Errorf("MaxBodyBytes = %d; the API's OpenAPI document and the README say 1 MiB", MaxBodyBytes)
	}
}

func TestPanicIs500WithTheLoggedID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		internal func(http.ResponseWriter, *http.Request)
		want     string
	}{
		{"plain", nil, "internal error (request trace-7)"},
		{"the surface's own answer", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"id":"` + RequestID(r.Context()) + `"}`))
		}, `{"id":"trace-7"}`},
	} {
		h, logs := newEdge(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("secret internal detail")
		}), Options{Internal: tc.internal})
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/boom", nil)
		req.Header.Set(HeaderRequestID, "trace-7")
		h.ServeHTTP(rec, req)
		if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret") || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s: panic answered %d %q, want 500 with %q", tc.name, rec.Code, rec.Body.String(), tc.want)
		}
		var panicked, access bool
		for _, l := range logs.lines(t) {
			switch l["msg"] {
			case "panic serving request":
				panicked = l["request_id"] == "trace-7" && l["panic"] == "secret internal detail" &&
					strings.Contains(l["stack"].(string), "goroutine")
			case "request":
				access = l["request_id"] == "trace-7" && l["status"] == float64(500)
			}
		}
		if !panicked || !access {
			t.Errorf("%s: panic logged with id and stack %v, access line with id and 500 %v:\n%v", tc.name, panicked, access, logs.lines(t))
		}
	}
}

// TestPanicAfterWriting checks that a panic once the answer has begun
// aborts the connection (so the client sees it incomplete) and is logged.
func TestPanicAfterWriting(t *testing.T) {
	t.Parallel()
	h, logs := newEdge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("half a page"))
		panic("midway")
	}), Options{})
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
		found := false
		for _, l := range logs.lines(t) {
			found = found || l["msg"] == "panic serving request" && l["panic"] == "midway"
		}
		if !found {
			t.Errorf("panic not logged")
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestHSTSOnlyWithHTTPS(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	for _, hsts := range []bool{false, true} {
		h, _ := newEdge(ok, Options{HSTS: hsts})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		got := rec.Header().Get("Strict-Transport-Security")
		if hsts && got != HSTS || !hsts && got != "" {
			t.Errorf("HSTS option %v: Strict-Transport-Security = %q", hsts, got)
		}
	}
}

func TestEveryRequestHasADeadline(t *testing.T) {
	t.Parallel()
	var left time.Duration
	var timedOut bool
	h, _ := newEdge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := r.Context().Deadline()
		if !ok {
			t.Error("the request's context has no deadline")
		}
		left = time.Until(d)
	}), Options{})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if left <= 0 || left > RequestTimeout {
		t.Errorf("deadline %v away, want within %v", left, RequestTimeout)
	}
	h, _ = newEdge(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the deadline ends the wait
		timedOut = TimedOut(r.Context(), r.Context().Err())
	}), Options{Timeout: time.Millisecond})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !timedOut {
		t.Error("TimedOut is false for a request past its deadline")
	}
	if TimedOut(context.Background(), errors.New("something else")) {
		t.Error("TimedOut is true for an unrelated error")
	}
}

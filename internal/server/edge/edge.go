// Package edge is what every HTTP request to Tend passes through before it
// reaches a surface (the web UI, the JSON API, the ingestion API): one
// request id, one access log line, one panic recovery, the security headers
// and a bound on the body. The surfaces read the request id from here, so a
// response, its error body and its log lines all carry the same one.
//
// It imports nothing of Tend's, so every surface (and its tests) can use it
// without an import cycle; package server puts it in front of them all.
package edge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// MaxBodyBytes is the largest request body Tend reads (1 MiB); reading past
// it fails with *http.MaxBytesError, which each surface answers 413. The
// ingestion API's own limits (Segment's 500 KB a batch, 32 KB a message)
// are smaller and checked by package ingest.
const MaxBodyBytes = 1 << 20

// RequestTimeout is how long a request may take by default (30 s). Its
// context ends then, so every database call made for it gives up rather
// than queue behind others; the surfaces answer such a request 503
// (TimedOut tells them). Nothing Tend serves needs near this long.
const RequestTimeout = 30 * time.Second

// HeaderRequestID carries the request id: a caller may send one (kept when
// it is short and plain), and every response carries the one used.
const HeaderRequestID = "X-Request-Id"

// Options tune the edge.
type Options struct {
	// MaxBodyBytes bounds every request body; 0 means MaxBodyBytes.
	MaxBodyBytes int64
	// Internal answers a request whose handler panicked before writing
	// anything, in the shape of its surface (the API's JSON error, say).
	// The request id is in r's context. Nil answers plain text.
	Internal func(w http.ResponseWriter, r *http.Request)
	// Timeout bounds each request's context; 0 means RequestTimeout.
	Timeout time.Duration
	// HSTS sends Strict-Transport-Security, for a Tend served over HTTPS.
	HSTS bool
}

// Handler returns next behind the edge. The order, outermost first:
// request id, access log, recover, security headers, body limit, deadline.
func Handler(log *slog.Logger, next http.Handler, o Options) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = MaxBodyBytes
	}
	if o.Internal == nil {
		o.Internal = PlainInternalError
	}
	if o.Timeout <= 0 {
		o.Timeout = RequestTimeout
	}
	h := withDeadline(o.Timeout, next)
	h = limitBody(o.MaxBodyBytes, h)
	h = secureHeaders(o.HSTS, h)
	h = recoverPanics(log, o.Internal, h)
	h = accessLog(log, h)
	return withRequestID(h)
}

type requestIDKey struct{}

// RequestID is the id the edge gave the request ctx belongs to ("" outside
// one).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID gives the request its id: the caller's X-Request-Id when it
// is safe to log and echo, else a new random one. The id goes in the
// context and on the response before anything else can write.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(HeaderRequestID, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validRequestID accepts a caller's request id only if it is short and
// plain, so it can be logged and echoed safely.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// recorder notes the status and size of a response for the access log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flushes,
// deadlines) through the recorder.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// accessLog writes one line per request, after it is answered, under its
// request id.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		defer func() {
			status := rec.status
			if status == 0 {
				status = http.StatusOK // nothing written: net/http sends 200
			}
			log.InfoContext(r.Context(), "request", "request_id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path,
				"status", status, "bytes", rec.bytes, "duration_ms", time.Since(start).Milliseconds())
		}()
		next.ServeHTTP(rec, r)
	})
}

// recoverPanics turns a panic into a logged error, with its stack, and a
// 500 that shows the request id and nothing of the panic. A handler that
// already began its answer has its connection closed instead; so does
// http.ErrAbortHandler, which is how a handler asks for that.
func recoverPanics(log *slog.Logger, internal func(http.ResponseWriter, *http.Request), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, _ := w.(*recorder)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.ErrorContext(r.Context(), "panic serving request", "request_id", RequestID(r.Context()),
				"method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec != nil && rec.status != 0 {
				panic(http.ErrAbortHandler)
			}
			internal(w, r)
		}()
		next.ServeHTTP(w, r)
	})
}

// PlainInternalError is the 500 answered for a panic when the surface has
// no answer of its own: plain text quoting the request id.
func PlainInternalError(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "internal error (request "+RequestID(r.Context())+")", http.StatusInternalServerError)
}

// ContentSecurityPolicy is sent with every response: pages load styles and
// images from Tend only, run no script, post forms only to Tend and are
// never framed.
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// HSTS is the Strict-Transport-Security header sent when Tend is served
// over HTTPS: browsers use HTTPS only for a year.
const HSTS = "max-age=31536000"

// secureHeaders sets the security headers every response carries, and
// HSTS when hsts is set.
func secureHeaders(hsts bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if hsts {
			h.Set("Strict-Transport-Security", HSTS)
		}
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// limitBody bounds the request body at n bytes.
func limitBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, n)
		}
		next.ServeHTTP(w, r)
	})
}

// withDeadline ends the request's context after d.
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeoutCause(r.Context(), d, ErrTimedOut)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// ErrTimedOut is the cause of a request context that ran past its
// deadline.
var ErrTimedOut = errors.New("the request took longer than the server allows")

// TimedOut reports whether err, met serving a request with context ctx,
// comes from the request running out of time: its deadline passed (a
// database driver may report that in its own words, so ctx is asked too).
// The surfaces answer it 503.
func TimedOut(ctx context.Context, err error) bool {
	if err == nil {
		return false
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimedOut) || errors.Is(context.Cause(ctx), ErrTimedOut)
}

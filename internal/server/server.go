// Package server puts Tend's surfaces together behind one HTTP handler: the
// JSON API under /api/v1, the web UI, and a health check; with a request id
// and an access log on every request, and a recover that never leaks a
// stack trace to the client.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/web"
)

// Options are the server's settings.
type Options struct {
	// HTTPS says Tend is reached over HTTPS (perhaps through a proxy).
	HTTPS bool
	// SignInHint is shown on the sign-in page (the demo's credentials).
	SignInHint string
	// Ingest, when set, serves the Segment-compatible ingestion API under
	// /v1/. It sits outside sign-in and the cross-origin check: ingestion
	// authenticates by write key alone (package ingest).
	Ingest http.Handler
	// Today, when set, is the day the web UI computes its pages for
	// (civil.Today when nil); tests pin it to the day they seeded for.
	Today func() civil.Date
}

// New returns the handler for the whole of Tend.
//
// Every request passes, in order: the access log and recover; the
// cross-origin check (http.CrossOriginProtection), which refuses any
// state-changing request a browser marks as coming from another site, so
// no form or API call can be forged from elsewhere; authentication, which
// puts the principal in the context; then the API or the web UI, which
// decide what that principal may do. The ingestion API (/v1/) is the
// exception: it takes only write keys, so it skips the last three.
func New(st store.Store, log *slog.Logger, o Options) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", api.New(st, log))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, _, err := st.SchemaVersion(ctx); err != nil {
			log.Error("health check", "err", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.Handle("/", web.New(st, log, web.Options{HTTPS: o.HTTPS, SignInHint: o.SignInHint, Today: o.Today}))
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.WarnContext(r.Context(), "cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"), "request_id", RequestID(r.Context()))
		http.Error(w, "cross-origin request refused: Tend only accepts changes from its own pages", http.StatusForbidden)
	}))
	app := csrf.Handler(authenticate(st, log, time.Now, mux))
	return logRequests(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.Ingest != nil && strings.HasPrefix(r.URL.Path, "/v1/") {
			o.Ingest.ServeHTTP(w, r)
			return
		}
		app.ServeHTTP(w, r)
	}))
}

type requestIDKey struct{}

// RequestID is the id of the request ctx belongs to ("" outside one).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

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

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		w.Header().Set("X-Frame-Options", "DENY")
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic serving request", "request_id", id, "method", r.Method, "path", r.URL.Path, "panic", p)
				if rec.status == 0 {
					http.Error(rec, "internal error (request "+id+")", http.StatusInternalServerError)
				}
			}
			log.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path,
				"status", rec.status, "bytes", rec.bytes, "duration_ms", time.Since(start).Milliseconds())
		}()
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

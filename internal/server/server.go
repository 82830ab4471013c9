// Package server puts Tend's surfaces together behind one HTTP handler: the
// JSON API under /api/v1, the web UI, the ingestion API under /v1/ and the
// probes (/healthz, /readyz), all behind one edge (package edge: request
// id, access log, recover, security headers, body limit, deadline).
package server

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/server/edge"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/web"
)

// Options are the server's settings.
type Options struct {
	// HTTPS says Tend is reached over HTTPS (perhaps through a proxy): its
	// cookies are Secure and every response carries HSTS.
	HTTPS bool
	// RequestTimeout bounds each request, and so every database call made
	// for it (edge.RequestTimeout when 0); a request past it is answered 503.
	RequestTimeout time.Duration
	// SignInHint is shown on the sign-in page (the demo's credentials).
	SignInHint string
	// Ingest, when set, serves the Segment-compatible ingestion API under
	// /v1/. It sits outside sign-in and the cross-origin check: ingestion
	// authenticates by write key alone (package ingest).
	Ingest http.Handler
	// Jobs, when set, is the job queue shown under Admin → Jobs.
	Jobs web.JobQueue
	// Hasher, when set, checks and hashes passwords (by default, as many
	// at a time as there are cores).
	Hasher *auth.Hasher
	// Today, when set, is the day the web UI computes its pages for
	// (civil.Today when nil); tests pin it to the day they seeded for.
	Today func() civil.Date
}

// New returns the handler for the whole of Tend.
//
// Every request passes, in order: the edge (request id, access log,
// recover, security headers, body limit, a deadline on its context); the cross-origin check
// (http.CrossOriginProtection), which refuses any state-changing request a
// browser marks as coming from another site, so no form or API call can be
// forged from elsewhere; authentication, which puts the principal in the
// context; then the API or the web UI, which decide what that principal may
// do. The ingestion API (/v1/) passes the edge, then skips the rest: it
// takes only write keys. A panic is answered in the shape of the surface it
// happened in.
func New(st store.Store, log *slog.Logger, o Options) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", api.New(st, log))
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", readyz(st, log))
	mux.Handle("/", web.New(st, log, web.Options{HTTPS: o.HTTPS, SignInHint: o.SignInHint, Today: o.Today, Jobs: o.Jobs, Hasher: o.Hasher}))
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.WarnContext(r.Context(), "cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"), "request_id", edge.RequestID(r.Context()))
		http.Error(w, "cross-origin request refused: Tend only accepts changes from its own pages", http.StatusForbidden)
	}))
	app := csrf.Handler(authenticate(st, log, time.Now, mux))
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.Ingest != nil && isIngest(r) {
			o.Ingest.ServeHTTP(w, r)
			return
		}
		app.ServeHTTP(w, r)
	})
	return edge.Handler(log, root, edge.Options{HSTS: o.HTTPS, Timeout: o.RequestTimeout, Internal: func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, api.Prefix+"/"):
			api.InternalError(w, r)
		case o.Ingest != nil && isIngest(r):
			ingest.InternalError(w, r)
		default:
			edge.PlainInternalError(w, r)
		}
	}})
}

// isIngest reports whether r is for the ingestion API.
func isIngest(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/v1/") }

// unavailable answers 503 in the shape of the request's surface: the
// request ran out of time before a surface took it (authentication).
func unavailable(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, api.Prefix+"/") {
		api.Unavailable(w, r)
		return
	}
	w.Header().Set("Retry-After", "5")
	http.Error(w, "Tend is busy: this request took longer than the server allows; try again in a moment", http.StatusServiceUnavailable)
}

// Package api is Tend's JSON API under /api/v1: create, read, update,
// delete and list for every Customer 360 collection, upsert by external id
// so that re-imports are idempotent, custom attribute definitions, and an
// OpenAPI 3.1 document generated from the same route table the server uses.
//
// Handlers return errors; writeError is the one place that turns an error
// into a response. Every route is listed in routes.go.
package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/tendhq/tend/internal/retention"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// Prefix is the path every API route starts with; the server mounts the
// handler there.
const Prefix = "/api/v1"

// MaxBodyBytes is the largest request body the API reads (1 MiB); a larger
// one is answered 413.
const MaxBodyBytes = 1 << 20

// handlerFunc is an API handler: it writes a success response itself and
// returns any failure for writeError to answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// server holds what the handlers share.
type server struct {
	st      store.Store
	log     *slog.Logger
	mux     *http.ServeMux
	routes  []route
	openapi []byte // the generated document, built once
	// books keeps the retention book between subscription changes.
	books retention.Cache
}

// New returns the JSON API over st. It serves full paths under /api/v1
// (the server mounts it at "/api/v1/"); log receives server errors with the
// request id shown to the client.
func New(st store.Store, log *slog.Logger) http.Handler {
	return newServer(st, log)
}

// newServer builds the server, its route table, its mux and its OpenAPI
// document. It panics if the route table is inconsistent, which is a
// programming error caught by every test.
func newServer(st store.Store, log *slog.Logger) *server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &server{st: st, log: log, mux: http.NewServeMux()}
	s.routes = s.routeTable()
	doc, err := buildOpenAPI(s.routes)
	if err != nil {
		panic(fmt.Sprintf("api: building the OpenAPI document: %v", err))
	}
	s.openapi = doc
	for _, rt := range s.routes {
		h := rt.Handle
		if !rt.Op.Public {
			h = authenticated(h)
		}
		s.mux.Handle(rt.Method+" "+rt.Path, s.wrap(h))
	}
	s.mux.Handle("/", s.wrap(s.noRoute))
	return s
}

// ServeHTTP dispatches to the route table.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

type ctxKey int

const requestIDKey ctxKey = 0

// requestID returns the id given to the request by wrap ("" outside one).
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// wrap adapts a handlerFunc: it gives the request an id (echoed in
// X-Request-Id), limits the body, recovers panics and sends any error to
// writeError.
func (s *server) wrap(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = rand.Text()[:16]
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "api: panic", "request_id", id, "method", r.Method,
					"path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.writeError(w, r, errPanic)
			}
		}()
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// errPanic stands for a recovered panic; it is answered like any other
// internal error.
var errPanic = errors.New("handler panicked")

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

// probeMethods are the methods tried to tell "wrong method" from "no such
// route".
var probeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// noRoute answers every request no route matched: 405 with Allow if the
// path exists under another method, otherwise 404.
func (s *server) noRoute(w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range probeMethods {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	if len(allow) > 0 {
		return &Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Message: fmt.Sprintf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", ")),
			allow:   allow}
	}
	return &Error{Status: http.StatusNotFound, Code: "not_found",
		Message: fmt.Sprintf("no API route %s %s; see %s/openapi.json", r.Method, r.URL.Path, Prefix)}
}

// serveOpenAPI serves the generated OpenAPI document.
func (s *server) serveOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "openapi.json", time.Time{}, bytes.NewReader(s.openapi))
	return nil
}

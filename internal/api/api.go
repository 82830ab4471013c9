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
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/server/edge"
	"github.com/tendhq/tend/internal/store"
)

// Prefix is the path every API route starts with; the server mounts the
// handler there.
const Prefix = "/api/v1"

// MaxBodyBytes is the largest request body the API reads (1 MiB, bounded
// by the edge); a larger one is answered 413.
const MaxBodyBytes = edge.MaxBodyBytes

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

// wrap adapts a handlerFunc, sending any error to writeError. The request
// id, the body limit and panic recovery come from the edge in front
// (package edge), which internal/server puts before every surface.
func (s *server) wrap(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
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

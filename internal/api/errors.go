package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/server/edge"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// Error is an API failure with the status it is answered with. Handlers
// return it for problems they find themselves; store and validation errors
// are turned into one by writeError.
type Error struct {
	Status  int             `json:"-"`
	Code    string          `json:"code"`    // machine-readable: invalid_json, validation_failed, not_found…
	Message string          `json:"message"` // for people
	Fields  validate.Errors `json:"fields,omitempty"`
	// Position locates a problem in the request body, for malformed JSON.
	Position *Position `json:"position,omitempty"`
	// RequestID identifies the request in the server's log.
	RequestID string `json:"request_id,omitempty"`

	allow []string // for 405: the methods the path does accept
}

// Position is where in the request body a problem was found: 1-based
// line and column (in characters) and the 0-based byte offset.
type Position struct {
	Line   int   `json:"line"`
	Column int   `json:"column"`
	Offset int64 `json:"offset"`
}

// String reads "line 3, column 19 (byte 38)".
func (p *Position) String() string {
	return fmt.Sprintf("line %d, column %d (byte %d)", p.Line, p.Column, p.Offset)
}

// Error returns the message shown to the client.
func (e *Error) Error() string { return e.Message }

// Error codes the API answers with (the "code" of an error body). Inside
// "fields" the validate package's codes appear too (required, invalid…).
const (
	CodeInvalidJSON      = "invalid_json"       // 400: not JSON, or not an object
	CodeInvalidType      = "invalid_type"       // 400: a field of the wrong JSON type or an unreadable value
	CodeUnknownField     = "unknown_field"      // 400: a field the object does not have
	CodeEmptyBody        = "empty_body"         // 400: a body was required
	CodeInvalidID        = "invalid_id"         // 400: the id in the path is not a positive integer
	CodeInvalidQuery     = "invalid_query"      // 400: a bad filter, sort, limit or cursor
	CodeValidation       = "validation_failed"  // 422: the object breaks a rule (see fields)
	CodeNotFound         = "not_found"          // 404
	CodeMethodNotAllowed = "method_not_allowed" // 405: the path exists under other methods (see Allow)
	CodeConflict         = "conflict"           // 409: a uniqueness rule (see fields)
	CodeTooLarge         = "body_too_large"     // 413: body over MaxBodyBytes
	CodeUnauthenticated  = "unauthenticated"    // 401: no valid API token or session
	CodeForbidden        = "forbidden"          // 403: the principal may not do this
	CodeOverflow         = "amounts_overflow"   // 422: stored amounts add up past what Tend can count (see message)
	CodeUnavailable      = "unavailable"        // 503: the request ran out of time or the server is busy; retry later (see Retry-After)
	CodeInternal         = "internal"           // 500: see the server log under request_id
)

// toError classifies err. Anything it does not recognise is internal.
func toError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeTooLarge,
			Message: fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)}
	}
	if errors.Is(err, auth.ErrUnauthenticated) {
		msg := "send an API token as \"Authorization: Bearer tend_…\" (administrators create them under Admin → API tokens)"
		if err != auth.ErrUnauthenticated {
			msg = strings.TrimPrefix(err.Error(), auth.ErrUnauthenticated.Error()+": ")
		}
		return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthenticated, Message: msg}
	}
	var fb *auth.Forbidden
	if errors.As(err, &fb) {
		return &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: fb.Reason}
	}
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		return &Error{Status: http.StatusConflict, Code: CodeConflict,
			Message: "conflict: " + ce.Error(),
			Fields:  validate.Errors{{Field: ce.Field, Code: CodeConflict, Message: ce.Message}}}
	}
	var oe *store.OverflowError
	if errors.As(err, &oe) {
		return &Error{Status: http.StatusUnprocessableEntity, Code: CodeOverflow, Message: oe.Error()}
	}
	if errs, ok := validate.As(err); ok {
		return &Error{Status: http.StatusUnprocessableEntity, Code: CodeValidation,
			Message: "invalid input: " + errs.Error(), Fields: errs}
	}
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: "not found"}
	}
	return nil
}

// writeError is the one place an error becomes a response. Unrecognised
// errors are answered 500 with only the request id; the error itself goes
// to the log under that id.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	id := edge.RequestID(r.Context())
	e := toError(err)
	if e == nil && edge.TimedOut(r.Context(), err) {
		s.log.WarnContext(r.Context(), "api: request timed out", "request_id", id,
			"method", r.Method, "path", r.URL.Path, "err", err)
		e = unavailable("the request took longer than the server allows; try again, or narrow it (a filter, a smaller page)")
	}
	if e == nil {
		s.log.ErrorContext(r.Context(), "api: internal error", "request_id", id,
			"method", r.Method, "path", r.URL.Path, "err", err)
		e = internalError(id)
	} else {
		s.log.DebugContext(r.Context(), "api: request rejected", "request_id", id,
			"method", r.Method, "path", r.URL.Path, "status", e.Status, "err", e.Message)
	}
	render(w, r, e, s.log)
}

// internalError is the answer to a failure the client cannot act on: only
// the request id, under which the log has the details.
func internalError(id string) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal,
		Message: "internal error; the server log has the details under request id " + id}
}

// InternalError answers 500 in the API's error shape, quoting the request
// id. The edge calls it when an API handler panics.
func InternalError(w http.ResponseWriter, r *http.Request) {
	render(w, r, internalError(edge.RequestID(r.Context())), nil)
}

// Unavailable answers 503 in the API's error shape, for a request that ran
// out of time before it reached the API (authentication).
func Unavailable(w http.ResponseWriter, r *http.Request) {
	render(w, r, unavailable("the request took longer than the server allows; try again"), nil)
}

// render writes e as the API's error body, with the request id.
func render(w http.ResponseWriter, r *http.Request, e *Error, log *slog.Logger) {
	id := edge.RequestID(r.Context())
	out := *e
	out.RequestID = id
	if out.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tend"`)
	}
	if out.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	if len(out.allow) > 0 {
		w.Header().Set("Allow", strings.Join(out.allow, ", "))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		Error *Error `json:"error"`
	}{&out}); err != nil {
		// Only a programming error can get here; keep the client's answer plain.
		if log != nil {
			log.ErrorContext(r.Context(), "api: encoding an error", "request_id", id, "err", err)
		}
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"internal error"}}` + "\n")
		out.Status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("Content-Length")
	w.WriteHeader(out.Status)
	w.Write(buf.Bytes())
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encoding the response: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	// A failed write means the client went away; there is no one to tell.
	w.Write(buf.Bytes())
	return nil
}

// unavailable is a 503: the client may retry later.
func unavailable(format string, args ...any) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, Message: fmt.Sprintf(format, args...)}
}

// badRequest is a 400 with a code and message.
func badRequest(code, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// notFound is a 404 naming what was missing.
func notFound(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

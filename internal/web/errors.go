package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/server/edge"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// httpError is an error a handler means to show: a status, a short title
// and a sentence for the person reading the page.
type httpError struct {
	status  int
	title   string
	message string
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.title, e.message) }

// notFound is a 404 with a title and a sentence.
func notFound(title, message string) error {
	return &httpError{status: http.StatusNotFound, title: title, message: message}
}

// errorView is what the error template shows.
type errorView struct {
	Page
	Status    int
	Heading   string
	Message   string
	Fields    validate.Errors
	RequestID string
}

// serveError turns a handler's error into an HTML page: 400 for bad input
// (validate.Errors: each field and the reason), 403 for something the
// principal may not do (*auth.Forbidden, with its reason), 404 for
// something missing, 409 for a conflict and 500 for anything else; and
// auth.ErrUnauthenticated into a redirect to the sign-in page that comes
// back here afterwards. A 500 is logged with the
// request id, which the page shows so that a report can be matched to the
// log; the error itself is never shown.
func (s *server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	v := errorView{RequestID: edge.RequestID(r.Context())}
	var (
		he        *httpError
		conflict  *store.ConflictError
		forbidden *auth.Forbidden
		overflow  *store.OverflowError
	)
	fields, isValidation := validate.As(err)
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(returnPath(r)), http.StatusSeeOther)
		return
	case errors.As(err, &forbidden):
		v.Status, v.Heading, v.Message = http.StatusForbidden, "You can't do that", forbidden.Reason
		if v.Message != "" {
			v.Message = strings.ToUpper(v.Message[:1]) + v.Message[1:] + "."
		}
	case errors.As(err, &he):
		v.Status, v.Heading, v.Message = he.status, he.title, he.message
	case errors.Is(err, store.ErrNotFound):
		v.Status, v.Heading, v.Message = http.StatusNotFound, "Not found", "What you are looking for does not exist, or no longer does."
	case isValidation:
		v.Status, v.Heading, v.Message, v.Fields = http.StatusBadRequest, "That link has a problem",
			"Part of the address is not something Tend understands.", fields
	case errors.As(err, &conflict):
		v.Status, v.Heading, v.Message = http.StatusConflict, "Conflict", conflict.Error()
	case errors.As(err, &overflow):
		v.Status, v.Heading = http.StatusUnprocessableEntity, "Amounts too large to add up"
		v.Message = "Tend cannot show this page: " + overflow.Error() + "."
		s.log.WarnContext(r.Context(), "web: stored amounts overflow", "what", overflow.What, "path", r.URL.Path, "request_id", v.RequestID)
	case errors.Is(err, auth.ErrBusy):
		v.Status, v.Heading = http.StatusServiceUnavailable, "Tend is busy"
		v.Message = "Too many people are signing in at once. Try again in a moment."
		w.Header().Set("Retry-After", "5")
		s.log.WarnContext(r.Context(), "web: password hashing busy", "method", r.Method, "path", r.URL.Path, "request_id", v.RequestID)
	case edge.TimedOut(r.Context(), err):
		v.Status, v.Heading = http.StatusServiceUnavailable, "Tend is busy"
		v.Message = "This page took longer than Tend allows. Try again in a moment; if it keeps happening, narrow what you asked for."
		w.Header().Set("Retry-After", "5")
		s.log.WarnContext(r.Context(), "web: request timed out", "method", r.Method, "path", r.URL.Path, "request_id", v.RequestID, "err", err)
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The browser went away; nobody will read a page.
		s.log.DebugContext(r.Context(), "request canceled", "path", r.URL.Path, "request_id", v.RequestID)
		return
	default:
		v.Status, v.Heading = http.StatusInternalServerError, "Something went wrong"
		v.Message = "Tend could not show this page. The problem has been logged; if it persists, give your administrator the reference below."
		s.log.ErrorContext(r.Context(), "web: request failed",
			"method", r.Method, "path", r.URL.Path, "request_id", v.RequestID, "err", err)
	}
	if v.Status != http.StatusInternalServerError {
		v.RequestID = ""
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/accounts"):
		v.Section = "accounts"
	case strings.HasPrefix(r.URL.Path, "/cockpit"), strings.HasPrefix(r.URL.Path, "/ctas"):
		v.Section = "cockpit"
	case strings.HasPrefix(r.URL.Path, "/portfolio"):
		v.Section = "portfolio"
	case strings.HasPrefix(r.URL.Path, "/dashboard"):
		v.Section = "dashboard"
	case strings.HasPrefix(r.URL.Path, "/retention"):
		v.Section = "retention"
	}
	v.Title = v.Heading
	if err := s.render(w, r, v.Status, "error", v); err != nil {
		s.log.ErrorContext(r.Context(), "web: error page failed", "request_id", v.RequestID, "err", err)
		http.Error(w, http.StatusText(v.Status), v.Status)
	}
}

// returnPath is where to come back to after signing in: the address asked
// for (path and query) when it was a read; for a form sent with POST, the
// page the form was on (its same-origin Referer), since the form's own
// address answers only POST.
func returnPath(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r.URL.RequestURI()
	}
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && strings.HasPrefix(ref.Path, "/") {
		return ref.RequestURI()
	}
	return "/"
}

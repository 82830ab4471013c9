package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/server/edge"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/usage"
)

// Routes lists the ingestion endpoints and the message type each implies
// (TypeUnknown for /v1/batch).
var Routes = map[string]usage.Type{
	"/v1/batch":    usage.TypeUnknown,
	"/v1/track":    usage.TypeTrack,
	"/v1/identify": usage.TypeIdentify,
	"/v1/group":    usage.TypeGroup,
	"/v1/page":     usage.TypePage,
	"/v1/screen":   usage.TypeScreen,
	"/v1/alias":    usage.TypeAlias,
}

// httpError is an answer other than 200, with the sentence the sender sees.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func fail(status int, format string, args ...any) error {
	return &httpError{status, fmt.Sprintf(format, args...)}
}

var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// ServeHTTP answers the Segment HTTP Tracking API.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Browsers (analytics.js) send from any site with the write key in the
	// body; nothing is read back but {"success":true}.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "POST")
		w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding")
		w.Header().Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	buf := bufs.Get().(*bytes.Buffer)
	err := s.serve(r, buf)
	if buf.Cap() <= 1<<20 {
		buf.Reset()
		bufs.Put(buf) // only once the commit answered: the batch sliced it
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"success":true}` + "\n"))
}

// writeError is the one place errors become responses.
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, ""
	var he *httpError
	var be *usage.BodyError
	switch {
	case errors.As(err, &he):
		status, msg = he.status, he.msg
	case errors.As(err, &be):
		status, msg = http.StatusBadRequest, be.Error()
		if errors.Is(err, usage.ErrBodyTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
	case errors.Is(err, ErrBusy):
		status, msg = http.StatusServiceUnavailable, "Tend is busy: the ingestion queue is full; retry shortly"
		w.Header().Set("Retry-After", "1")
	case errors.Is(err, ErrClosed), errors.Is(err, errCommit):
		status, msg = http.StatusServiceUnavailable, err.Error()+"; retry"
		w.Header().Set("Retry-After", "1")
	default:
		id := edge.RequestID(r.Context())
		s.log.ErrorContext(r.Context(), "ingest", "err", err, "request_id", id, "path", r.URL.Path)
		msg = internalMessage(r)
	}
	if status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", "POST")
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="tend ingestion (write key as the user name)"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"success": false, "error": msg})
}

// InternalError answers a request whose handler failed unexpectedly (the
// edge calls it for a panic) in the ingestion API's shape, quoting the
// request id.
func InternalError(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	json.NewEncoder(w).Encode(map[string]any{"success": false, "error": internalMessage(r)})
}

func internalMessage(r *http.Request) string {
	return "internal error (request " + edge.RequestID(r.Context()) + ")"
}

func (s *Service) serve(r *http.Request, buf *bytes.Buffer) error {
	typ, ok := Routes[r.URL.Path]
	if !ok {
		return fail(http.StatusNotFound, "no ingestion endpoint %s: use /v1/batch, /v1/track, /v1/identify, /v1/group, /v1/page, /v1/screen or /v1/alias", r.URL.Path)
	}
	if r.Method != http.MethodPost {
		return fail(http.StatusMethodNotAllowed, "%s takes POST, not %s", r.URL.Path, r.Method)
	}
	limit := s.opt.MaxBatchBytes
	if limit <= 0 {
		limit = usage.MaxBatchBytes
	}
	if typ != usage.TypeUnknown {
		if limit = s.opt.MaxMessageBytes; limit <= 0 {
			limit = usage.MaxMessageBytes
		}
	}
	// A key in the Authorization header is checked before the body is
	// read: an unknown sender costs no decoding.
	var key *auth.WriteKey
	if secret, _, ok := r.BasicAuth(); ok && secret != "" {
		k, err := s.keys.lookup(r.Context(), secret)
		if err != nil {
			return err
		}
		key = &k
	}
	var body io.Reader = r.Body
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		if r.ContentLength > int64(limit) {
			return &usage.BodyError{Kind: usage.ErrBodyTooLarge, Detail: fmt.Sprintf("body is %d bytes; %s takes at most %d", r.ContentLength, r.URL.Path, limit)}
		}
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return fail(http.StatusBadRequest, "Content-Encoding is gzip but the body is not gzip: %v", err)
		}
		defer zr.Close()
		body = zr
	default:
		return fail(http.StatusUnsupportedMediaType, "Content-Encoding %q is not supported: send the body plain or gzip", enc)
	}
	// Read one byte past the limit so the decoder reports the size.
	if _, err := buf.ReadFrom(io.LimitReader(body, int64(limit)+1)); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) { // the edge's bound on what arrives, before decompression
			return &usage.BodyError{Kind: usage.ErrBodyTooLarge, Detail: fmt.Sprintf("body is over %d bytes", mbe.Limit)}
		}
		return fail(http.StatusBadRequest, "reading the body: %v", err)
	}
	now := s.opt.Now()
	opt := usage.DecodeOptions{ReceivedAt: now, Retain: true, MaxBatchBytes: s.opt.MaxBatchBytes, MaxMessageBytes: s.opt.MaxMessageBytes}
	var (
		b   *usage.Batch
		err error
	)
	if typ == usage.TypeUnknown {
		b, err = usage.DecodeBatch(buf.Bytes(), opt)
	} else {
		b, err = usage.DecodeMessage(buf.Bytes(), typ, opt)
	}
	if err != nil {
		return err
	}
	if key == nil {
		if b.WriteKey == "" {
			return fail(http.StatusUnauthorized, "no write key: send it as the HTTP basic-auth user name with an empty password, or as \"writeKey\" in the body")
		}
		k, err := s.keys.lookup(r.Context(), b.WriteKey)
		if err != nil {
			return err
		}
		key = &k
	}
	k := *key
	msgs, dk, log := s.Screen(k.ID, b, now)
	return s.Submit(r.Context(), k.ID, msgs, dk, log)
}

// keyCache remembers write keys by the hash of their secret for a second,
// so each request costs no database read and a revocation takes effect
// within a second.
type keyCache struct {
	st  store.Store
	now func() time.Time
	mu  sync.Mutex
	m   map[[32]byte]cachedKey
}

type cachedKey struct {
	k   auth.WriteKey
	err error
	at  time.Time
}

const keyTTL = time.Second

func newKeyCache(st store.Store, now func() time.Time) *keyCache {
	return &keyCache{st: st, now: now, m: map[[32]byte]cachedKey{}}
}

func (c *keyCache) lookup(ctx context.Context, secret string) (auth.WriteKey, error) {
	h := sha256.Sum256([]byte(secret))
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[h]
	c.mu.Unlock()
	if !ok || now.Sub(e.at) > keyTTL || now.Before(e.at) {
		k, err := c.st.WriteKeyByHash(ctx, h[:])
		switch {
		case errors.Is(err, store.ErrNotFound):
			err = fail(http.StatusUnauthorized, "unknown write key %s…: create one with `tend writekey create` or under Admin → Ingestion", hint(secret))
		case err == nil && !k.Live():
			err = fail(http.StatusUnauthorized, "write key %s… (%q) was revoked on %s", hint(secret), k.Name, k.RevokedAt.UTC().Format(time.RFC3339))
		case err != nil:
			return k, err // not cached: the database may come back
		}
		e = cachedKey{k, err, now}
		c.mu.Lock()
		if len(c.m) > 10_000 {
			clear(c.m) // bounded: a flood of wrong keys cannot grow it
		}
		c.m[h] = e
		c.mu.Unlock()
	}
	return e.k, e.err
}

// hint is the start of a secret, enough to recognise it in an error.
func hint(secret string) string {
	n := min(len(secret), 10)
	return strconv.Quote(secret[:n])
}

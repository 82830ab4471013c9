package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// brokenStore fails the way a real database can: listing accounts returns
// an error full of internals, and reading one panics.
type brokenStore struct{ store.Store }

func (b brokenStore) Accounts() store.Collection[customer.Account] {
	return brokenAccounts{b.Store.Accounts()}
}

type brokenAccounts struct {
	store.Collection[customer.Account]
}

func (brokenAccounts) List(context.Context, store.Query) (store.Page[customer.Account], error) {
	return store.Page[customer.Account]{}, fmt.Errorf("list accounts: %w", errors.New("disk I/O error at /var/lib/tend/secret.db"))
}

func (brokenAccounts) Get(context.Context, int64) (customer.Account, error) {
	panic("nil map in scoring at line 42")
}

func TestInternalErrorsAreHidden(t *testing.T) {
	t.Parallel()
	ts := newTestServerOn(t, brokenStore{openSQLite(t)})
	for _, c := range []struct{ path, secret string }{
		{"/api/v1/accounts", "secret.db"},
		{"/api/v1/accounts/1", "nil map"},
	} {
		rec := ts.do(t, "GET", c.path, "", map[string]string{"X-Request-Id": "req-" + c.secret[:3]})
		expectStatus(t, rec, 500)
		body := rec.Body.String()
		m := mustJSON(t, rec)["error"].(map[string]any)
		if m["code"] != CodeInternal || m["request_id"] != "req-"+c.secret[:3] {
			t.Errorf("GET %s: error %v, want code internal and the request id", c.path, m)
		}
		for _, leak := range []string{c.secret, "goroutine", ".go:"} {
			if strings.Contains(body, leak) {
				t.Errorf("GET %s: response shows %q:\n%s", c.path, leak, body)
			}
		}
		if !strings.Contains(m["message"].(string), "req-"+c.secret[:3]) {
			t.Errorf("GET %s: message %q does not quote the request id", c.path, m["message"])
		}
		logged := ts.log.String()
		if !strings.Contains(logged, c.secret) || !strings.Contains(logged, `"request_id":"req-`+c.secret[:3]+`"`) {
			t.Errorf("GET %s: the log lacks the error or the request id:\n%s", c.path, logged)
		}
	}
	if !strings.Contains(ts.log.String(), "goroutine") {
		t.Errorf("a panic should be logged with its stack:\n%s", ts.log.String())
	}
}

func TestToError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{store.ErrNotFound, 404, CodeNotFound},
		{fmt.Errorf("get: %w", store.ErrNotFound), 404, CodeNotFound},
		{&store.ConflictError{Field: "email", Message: "taken"}, 409, CodeConflict},
		{fmt.Errorf("upsert: %w", &store.ConflictError{Field: "email", Message: "taken"}), 409, CodeConflict},
		{validate.Errors{{Field: "name", Code: "required", Message: "is required"}}, 422, CodeValidation},
		{validate.FieldError{Field: "name", Code: "required", Message: "is required"}, 422, CodeValidation},
		{badRequest(CodeInvalidID, "x"), 400, CodeInvalidID},
	}
	for _, c := range cases {
		e := toError(c.err)
		if e == nil || e.Status != c.status || e.Code != c.code {
			t.Errorf("toError(%v) = %+v, want %d %s", c.err, e, c.status, c.code)
		}
	}
	if e := toError(errors.New("boom")); e != nil {
		t.Errorf("an unknown error should be internal, got %+v", e)
	}
	if e := toError(&store.ConflictError{Field: "external_id", Message: "taken"}); e.Fields[0].Field != "external_id" {
		t.Errorf("a conflict should name its field: %+v", e)
	}
}

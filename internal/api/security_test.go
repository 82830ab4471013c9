package api

import (
	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/server/edge"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/tendhq/tend/internal/store"
	"strings"
	"testing"
)

// nested is n levels of {"a": … } around 1.
func nested(n int) string {
	return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)
}

func TestDeeplyNestedJSONIs400(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.run(t, []step{
		{name: "account", method: "POST", path: "/api/v1/accounts", body: `{"name":"Acme"}`, status: 201, save: map[string]string{"id": "id"}},
		{name: "patch nested attributes", method: "PATCH", path: "/api/v1/accounts/{$id}",
			body: `{"attributes":` + nested(20000) + `}`, status: 400, json: []string{"error.code=invalid_json"}},
		{name: "patch nested at the decoder's limit", method: "PATCH", path: "/api/v1/accounts/{$id}",
			body: `{"attributes":` + nested(9999) + `}`, status: 400, json: []string{"error.code=invalid_json"}},
		{name: "patch nested one past the decoder's limit", method: "PATCH", path: "/api/v1/accounts/{$id}",
			body: `{"attributes":` + nested(10000) + `}`, status: 400, json: []string{"error.code=invalid_json"}},
		{name: "patch nested in an array", method: "PATCH", path: "/api/v1/accounts/{$id}",
			body: `{"attributes":{"x":[` + nested(9998) + `]}}`, status: 400, json: []string{"error.code=invalid_json"}},
		{name: "patch nested past any sane depth", method: "PATCH", path: "/api/v1/accounts/{$id}",
			body: `{"attributes":` + nested(200) + `}`, status: 400, json: []string{"error.code=invalid_json"},
			has: []string{"nested deeper than 64 levels"}},
		{name: "strings may hold brackets", method: "PATCH", path: "/api/v1/accounts/{$id}",
			body: `{"name":"` + strings.Repeat("[{", 90) + `\""}`, status: 200},
		{name: "post nested", method: "POST", path: "/api/v1/accounts",
			body: `{"name":"B","attributes":` + nested(20000) + `}`, status: 400, json: []string{"error.code=invalid_json"}},
	})
}

func TestSearchLengthIsBounded(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	long := strings.Repeat("é", store.MaxSearchLen+1)
	var steps []step
	for _, c := range []string{"accounts", "contacts", "activities", "tickets"} {
		steps = append(steps,
			step{name: c + " at the limit", method: "GET", path: "/api/v1/" + c + "?q=" + url.QueryEscape(long[len("é"):]), status: 200},
			step{name: c + " past the limit", method: "GET", path: "/api/v1/" + c + "?q=" + url.QueryEscape(long), status: 400,
				json: []string{"error.code=invalid_query", "error.fields.0.field=q", "error.fields.0.code=too_long"},
				has:  []string{"at most 200 characters"}},
			step{name: c + " 60 KB", method: "GET", path: "/api/v1/" + c + "?q=" + strings.Repeat("%25x", 20000), status: 400,
				json: []string{"error.fields.0.field=q"}},
		)
	}
	ts.run(t, steps)
}

// A request that runs out of time is answered 503, saying so, not 500.
func TestTimedOutRequestIs503(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	h := edge.Handler(nil, ts.server, edge.Options{Internal: InternalError, Timeout: time.Nanosecond})
	for _, path := range []string{"/api/v1/accounts", "/api/v1/accounts/1", "/api/v1/metrics/retention"} {
		req := httptest.NewRequest("GET", path, nil)
		req = req.WithContext(auth.NewContext(req.Context(), ts.as))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"code":"unavailable"`) ||
			rec.Header().Get("Retry-After") == "" {
			t.Errorf("GET %s past its deadline: %d %s %v; want 503 unavailable with Retry-After", path, rec.Code, rec.Body, rec.Header())
		}
	}
}

// The reproduction: a CSM writes MRR of 2^62 on two accounts, and
// every page that sums MRR failed for everyone. Amounts past the bound are
// refused at input, naming the field.
func TestMoneyIsBoundedAtInput(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	steps := []step{{name: "account", method: "POST", path: "/api/v1/accounts", body: `{"name":"A"}`, status: 201, save: map[string]string{"id": "id"}}}
	for _, mrr := range []string{"4611686018427387904", "9223372036854775807", "100000000000001"} {
		steps = append(steps, step{name: "mrr " + mrr, method: "POST", path: "/api/v1/subscriptions",
			body: `{"account_id":{$id},"product":"P","start_on":"2026-01-01","mrr":` + mrr + `}`, status: 422,
			json: []string{"error.code=validation_failed", "error.fields.0.field=mrr", "error.fields.0.code=out_of_range"}})
	}
	steps = append(steps,
		step{name: "mrr at the bound", method: "POST", path: "/api/v1/subscriptions",
			body: `{"account_id":{$id},"product":"P","start_on":"2026-01-01","mrr":100000000000000}`, status: 201},
		step{name: "a second at the bound on the same account", method: "POST", path: "/api/v1/subscriptions",
			body: `{"account_id":{$id},"product":"Q","start_on":"2026-01-01","mrr":100000000000000}`, status: 422,
			json: []string{"error.fields.0.field=mrr"}, has: []string{"add up"}},
		step{name: "invoice", method: "POST", path: "/api/v1/invoices",
			body: `{"account_id":{$id},"due_on":"2026-01-01","amount":4611686018427387904}`, status: 422,
			json: []string{"error.fields.0.field=amount"}},
		step{name: "NUL in a name", method: "POST", path: "/api/v1/accounts", body: `{"name":"A\u0000B"}`, status: 422,
			json: []string{"error.fields.0.field=name"}, has: []string{"NUL"}},
		step{name: "implausible date", method: "POST", path: "/api/v1/subscriptions",
			body: `{"account_id":{$id},"product":"R","start_on":"1900-01-01","end_on":"9999-12-31"}`, status: 422,
			json: []string{"error.fields.0.field=start_on", "error.fields.1.field=end_on"}},
		step{name: "the account holds the bound", method: "GET", path: "/api/v1/accounts/{$id}", status: 200,
			has: []string{`"mrr":100000000000000`}},
	)
	ts.run(t, steps)
}

package api

import (
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

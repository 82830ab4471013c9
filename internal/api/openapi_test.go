package api

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// openAPIDoc serves the document and decodes it.
func openAPIDoc(t *testing.T, ts *testServer) map[string]any {
	t.Helper()
	rec := ts.do(t, "GET", "/api/v1/openapi.json", "", nil)
	expectStatus(t, rec, 200)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return mustJSON(t, rec)
}

func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	doc := openAPIDoc(t, ts)

	inTable := map[string]bool{}
	for _, rt := range ts.routes {
		inTable[strings.ToLower(rt.Method)+" "+rt.Path] = true
	}
	inDoc := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			inDoc[method+" "+path] = true
		}
	}
	for k := range inTable {
		if !inDoc[k] {
			t.Errorf("route %s is missing from the OpenAPI document", k)
		}
	}
	for k := range inDoc {
		if !inTable[k] {
			t.Errorf("the OpenAPI document has %s, which is not a route", k)
		}
	}
	if len(inTable) < 8*7+6+4+1 {
		t.Errorf("only %d routes", len(inTable))
	}
}

// TestRoutesAreServed checks that the mux answers every route of the
// table with that route, so the table, the mux and the document agree.
func TestRoutesAreServed(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	concrete := strings.NewReplacer("{id}", "1", "{external_id}", "ext-1", "{key}", "k")
	for _, rt := range ts.routes {
		req := httptest.NewRequest(rt.Method, concrete.Replace(rt.Path), nil)
		_, pattern := ts.mux.Handler(req)
		if want := rt.Method + " " + rt.Path; pattern != want {
			t.Errorf("%s %s is served by %q, want %q", rt.Method, req.URL.Path, pattern, want)
		}
	}
}

func TestOpenAPIStructure(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t, newTestServer(t))
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == "" || info["version"] == "" {
		t.Errorf("info needs a title and a version: %v", info)
	}

	// Every $ref resolves.
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				refs = append(refs, r)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	if len(refs) == 0 {
		t.Fatal("no $refs at all")
	}
	for _, r := range refs {
		if _, err := resolve(doc, r); err != nil {
			t.Errorf("$ref %s: %v", r, err)
		}
	}

	ids := map[string]string{}
	pathParam := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range doc["paths"].(map[string]any) {
		if !strings.HasPrefix(path, "/api/v1/") {
			t.Errorf("path %s is not under /api/v1/", path)
		}
		for method, o := range item.(map[string]any) {
			where := method + " " + path
			op := o.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s has no operationId", where)
			} else if prev, dup := ids[id]; dup {
				t.Errorf("operationId %s is used by %s and %s", id, prev, where)
			}
			ids[id] = where
			if s, _ := op["summary"].(string); s == "" {
				t.Errorf("%s has no summary", where)
			}

			responses, _ := op["responses"].(map[string]any)
			if len(responses) == 0 {
				t.Errorf("%s has no responses", where)
			}
			ok2xx := false
			for status, r := range responses {
				if strings.HasPrefix(status, "2") {
					ok2xx = true
				}
				resp := deref(t, doc, r)
				if d, _ := resp["description"].(string); d == "" {
					t.Errorf("%s response %s has no description", where, status)
				}
			}
			if !ok2xx {
				t.Errorf("%s has no success response", where)
			}

			// Parameters: unique by (in, name); path ones exactly the template's.
			seen := map[string]bool{}
			var pathNames []string
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				pm := deref(t, doc, p)
				key := fmt.Sprint(pm["in"], ":", pm["name"])
				if seen[key] {
					t.Errorf("%s repeats parameter %s", where, key)
				}
				seen[key] = true
				if pm["schema"] == nil {
					t.Errorf("%s parameter %s has no schema", where, key)
				}
				if pm["in"] == "path" {
					pathNames = append(pathNames, pm["name"].(string))
					if pm["required"] != true {
						t.Errorf("%s path parameter %s must be required", where, key)
					}
				}
			}
			var want []string
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				want = append(want, m[1])
			}
			sort.Strings(pathNames)
			sort.Strings(want)
			if !slices.Equal(pathNames, want) {
				t.Errorf("%s declares path parameters %v, its path has %v", where, pathNames, want)
			}

			if rb, ok := op["requestBody"]; ok {
				content, _ := deref(t, doc, rb)["content"].(map[string]any)
				if len(content) == 0 {
					t.Errorf("%s has a request body without content", where)
				}
			}
			if method == "get" || method == "delete" {
				if _, ok := op["requestBody"]; ok {
					t.Errorf("%s should not take a body", where)
				}
			}
		}
	}
}

func TestOpenAPISchemas(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t, newTestServer(t))
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	prop := func(schema, name string) map[string]any {
		s, ok := schemas[schema].(map[string]any)
		if !ok {
			t.Fatalf("no schema %s", schema)
		}
		p, ok := s["properties"].(map[string]any)[name].(map[string]any)
		if !ok {
			t.Fatalf("schema %s has no property %s", schema, name)
		}
		return p
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	checks := []struct {
		schema, prop, key, want string
	}{
		{"Account", "customer_since", "format", `"date"`},
		{"Account", "customer_since", "type", `["string","null"]`},
		{"Account", "created_at", "format", `"date-time"`},
		{"Account", "created_at", "readOnly", `true`},
		{"Account", "mrr", "readOnly", `true`},
		{"Account", "mrr", "type", `"integer"`},
		{"Account", "name", "type", `"string"`},
		{"Account", "employees", "format", `"int64"`},
		{"Account", "lifecycle", "default", `"onboarding"`},
		{"Account", "lifecycle", "enum", `["onboarding","adopting","mature","at_risk","churned"]`},
		{"Account", "touch_model", "enum", `["high","low","tech",""]`},
		{"Account", "attributes", "type", `["object","null"]`},
		{"Contact", "roles", "type", `["array","null"]`},
		{"Ticket", "csat", "type", `["integer","null"]`},
		{"Ticket", "escalated", "type", `"boolean"`},
		{"Subscription", "discount_percent", "type", `"number"`},
		{"Subscription", "currency", "default", `"USD"`},
		{"SurveyResponse", "kind", "enum", `["nps","csat","ces","would_renew"]`},
		{"AttributeDef", "type", "enum", `["text","number","boolean","date"]`},
	}
	for _, c := range checks {
		if got := js(prop(c.schema, c.prop)[c.key]); got != c.want {
			t.Errorf("%s.%s %s = %s, want %s", c.schema, c.prop, c.key, got, c.want)
		}
	}
	if got := js(prop("Contact", "roles")["items"].(map[string]any)["enum"]); !strings.Contains(got, `"champion"`) {
		t.Errorf("Contact.roles items enum = %s", got)
	}
	if got := js(schemas["Account"].(map[string]any)["required"]); got != `["name"]` {
		t.Errorf("Account required = %s", got)
	}
	sub := js(schemas["Subscription"])
	for _, want := range []string{`"required":["product","start_on"]`, `{"required":["account_id"]},{"required":["account_external_id"]}`} {
		if !strings.Contains(sub, want) {
			t.Errorf("Subscription schema lacks %s:\n%s", want, sub)
		}
	}
	if !strings.Contains(js(schemas["Contact"]), `{"required":["name"]},{"required":["email"]}`) {
		t.Errorf("Contact should need a name or an email: %s", js(schemas["Contact"]))
	}
	for _, name := range []string{"AccountPatch", "AccountList", "ErrorResponse", "MoneyFilter"} {
		if _, ok := schemas[name]; !ok {
			t.Errorf("no schema %s", name)
		}
	}
}

// TestResponsesMatchSchemas checks real responses against the document:
// every field of every object is in its schema with an allowed JSON type,
// and every property of the schema is in the response.
func TestResponsesMatchSchemas(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	doc := openAPIDoc(t, ts)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	create := []struct{ path, schema, body string }{
		{"/api/v1/users", "User", `{"email":"u@x.example"}`},
		{"/api/v1/accounts", "Account", `{"name":"A","external_id":"a","csm_email":"u@x.example","customer_since":"2020-01-01"}`},
		{"/api/v1/contacts", "Contact", `{"account_external_id":"a","name":"C","roles":["admin"]}`},
		{"/api/v1/subscriptions", "Subscription", `{"account_external_id":"a","product":"P","start_on":"2024-01-01"}`},
		{"/api/v1/invoices", "Invoice", `{"account_external_id":"a","due_on":"2024-01-01","amount":5}`},
		{"/api/v1/tickets", "Ticket", `{"account_external_id":"a","opened_at":"2024-01-01T00:00:00Z","csat":5}`},
		{"/api/v1/surveys", "SurveyResponse", `{"account_external_id":"a","kind":"nps","score":3,"responded_at":"2024-01-01T00:00:00Z"}`},
		{"/api/v1/activities", "Activity", `{"account_external_id":"a","kind":"note","body":"b","occurred_at":"2024-01-01T00:00:00Z","author_email":"u@x.example"}`},
	}
	for _, c := range create {
		rec := ts.do(t, "POST", c.path, c.body, nil)
		expectStatus(t, rec, 201)
		got := mustJSON(t, rec)
		props := schemas[c.schema].(map[string]any)["properties"].(map[string]any)
		for k, v := range got {
			p, ok := props[k].(map[string]any)
			if !ok {
				t.Errorf("%s: response field %s is not in the schema", c.schema, k)
				continue
			}
			if !typeAllows(p["type"], v) {
				t.Errorf("%s.%s: value %v (%T) does not fit type %v", c.schema, k, v, v, p["type"])
			}
		}
		for k := range props {
			if _, ok := got[k]; !ok && !strings.HasSuffix(k, "_id") {
				t.Errorf("%s: schema property %s is not in the response", c.schema, k)
			}
		}
	}
}

// typeAllows reports whether a JSON value fits a schema "type" (a string,
// a list, or absent for $ref / any).
func typeAllows(typ any, v any) bool {
	var types []string
	switch x := typ.(type) {
	case nil:
		return true
	case string:
		types = []string{x}
	case []any:
		for _, t := range x {
			types = append(types, t.(string))
		}
	}
	kind := "null"
	switch n := v.(type) {
	case string:
		kind = "string"
	case bool:
		kind = "boolean"
	case float64:
		kind = "number"
		if n == float64(int64(n)) && slices.Contains(types, "integer") {
			kind = "integer"
		}
	case []any:
		kind = "array"
	case map[string]any:
		kind = "object"
	}
	return slices.Contains(types, kind)
}

// resolve follows a local JSON pointer ("#/components/schemas/Account").
func resolve(doc map[string]any, ref string) (map[string]any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("not a local reference")
	}
	var cur any = doc
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is not an object", part)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("no %s", part)
		}
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("does not point at an object")
	}
	return m, nil
}

// deref returns v, or what its $ref points at.
func deref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	m, _ := v.(map[string]any)
	if r, ok := m["$ref"].(string); ok {
		target, err := resolve(doc, r)
		if err != nil {
			t.Fatalf("$ref %s: %v", r, err)
		}
		return target
	}
	return m
}

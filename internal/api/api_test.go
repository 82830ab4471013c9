package api

import (
	"strings"
	"testing"
)

// The scenarios below drive the whole handler against a real SQLite
// store. Each scenario gets a fresh database; its steps run in order and
// may save values ({$name}) for later steps.

func TestAccountLifecycle(t *testing.T) {
	t.Parallel()
	newTestServer(t).run(t, []step{
		{name: "create", method: "POST", path: "/api/v1/accounts",
			body:   `{"name":"Acme","external_id":"crm-1","employees":120,"industry":"Software","lifecycle":"Adopting","customer_since":"2023-02-01"}`,
			status: 201, hdr: map[string]string{"Location": "/api/v1/accounts/", "Content-Type": "application/json"},
			json: []string{"name=Acme", "lifecycle=adopting", "employees=120", "customer_since=2023-02-01", "external_id=crm-1"},
			save: map[string]string{"id": "id"}},
		{name: "location names the new account", method: "GET", path: "/api/v1/accounts/{$id}", status: 200,
			json: []string{"id={$id}", "name=Acme"}, keep: "acme"},
		{name: "patch one field", method: "PATCH", path: "/api/v1/accounts/{$id}", body: `{"employees":150}`, status: 200,
			json: []string{"employees=150", "name=Acme", "industry=Software", "external_id=crm-1", "customer_since=2023-02-01"}},
		{name: "patch null clears", method: "PATCH", path: "/api/v1/accounts/{$id}", body: `{"industry":null,"customer_since":null}`, status: 200,
			json: []string{"industry=", "customer_since=null", "employees=150"}},
		{name: "patch may carry read-only fields", method: "PATCH", path: "/api/v1/accounts/{$id}",
			body: `{"id":999,"mrr":123,"created_at":"2000-01-01T00:00:00Z","region":"EMEA"}`, status: 200,
			json: []string{"id={$id}", "mrr=0", "region=EMEA", "created_at!=2000-01-01T00:00:00Z"}},
		{name: "patch that breaks a rule", method: "PATCH", path: "/api/v1/accounts/{$id}", body: `{"name":null}`, status: 422,
			json: []string{"error.code=validation_failed", "error.fields.0.field=name", "error.fields.0.code=required"}},
		{name: "GET body PUT back unchanged", method: "PUT", path: "/api/v1/accounts/{$id}", body: "{$acme}", status: 200,
			json: []string{"id={$id}", "name=Acme", "employees=120", "industry=Software", "region=", "customer_since=2023-02-01"}},
		{name: "PUT replaces every field", method: "PUT", path: "/api/v1/accounts/{$id}", body: `{"name":"Acme Corp"}`, status: 200,
			json: []string{"name=Acme Corp", "external_id=", "employees=0", "industry=", "lifecycle=onboarding"}},
		{name: "PUT ignores read-only fields", method: "PUT", path: "/api/v1/accounts/{$id}",
			body: `{"id":7,"name":"Acme","mrr":5,"currency":"EUR","renewal_on":"2030-01-01","updated_at":"2000-01-01T00:00:00Z"}`, status: 200,
			json: []string{"id={$id}", "mrr=0", "currency=USD", "renewal_on=null"}},
		{name: "delete", method: "DELETE", path: "/api/v1/accounts/{$id}", status: 204},
		{name: "gone", method: "GET", path: "/api/v1/accounts/{$id}", status: 404,
			json: []string{"error.code=not_found", "error.message=account {$id} not found"}},
		{name: "delete again", method: "DELETE", path: "/api/v1/accounts/{$id}", status: 404, json: []string{"error.code=not_found"}},
		{name: "patch missing", method: "PATCH", path: "/api/v1/accounts/{$id}", body: `{"name":"x"}`, status: 404},
		{name: "put missing", method: "PUT", path: "/api/v1/accounts/{$id}", body: `{"name":"x"}`, status: 404},
	})
}

func TestListFilterSortPage(t *testing.T) {
	t.Parallel()
	steps := []step{}
	for _, a := range []string{
		`{"name":"Alpha","employees":10,"lifecycle":"onboarding","industry":"Retail"}`,
		`{"name":"Bravo","employees":20,"lifecycle":"mature","industry":"Retail"}`,
		`{"name":"Charlie","employees":30,"lifecycle":"mature","industry":"Software"}`,
		`{"name":"Delta","employees":40,"lifecycle":"at_risk","industry":"Software"}`,
		`{"name":"Echo","employees":50,"lifecycle":"mature","industry":"Health"}`,
	} {
		steps = append(steps, step{name: "seed", method: "POST", path: "/api/v1/accounts", body: a, status: 201})
	}
	steps = append(steps, []step{
		{name: "first page", method: "GET", path: "/api/v1/accounts?sort=-employees&limit=2", status: 200,
			json: []string{"items.#=2", "items.0.name=Echo", "items.1.name=Delta", "next_cursor!="},
			save: map[string]string{"c1": "next_cursor"}},
		{name: "second page", method: "GET", path: "/api/v1/accounts?sort=-employees&limit=2&cursor={$c1}", status: 200,
			json: []string{"items.#=2", "items.0.name=Charlie", "items.1.name=Bravo", "next_cursor!="},
			save: map[string]string{"c2": "next_cursor"}},
		{name: "last page", method: "GET", path: "/api/v1/accounts?sort=-employees&limit=2&cursor={$c2}", status: 200,
			json: []string{"items.#=1", "items.0.name=Alpha", "next_cursor="}},
		{name: "default order is id, default limit", method: "GET", path: "/api/v1/accounts", status: 200,
			json: []string{"items.#=5", "items.0.name=Alpha", "items.4.name=Echo", "next_cursor="}},
		{name: "eq filter", method: "GET", path: "/api/v1/accounts?lifecycle=mature&sort=name", status: 200,
			json: []string{"items.#=3", "items.0.name=Bravo", "items.1.name=Charlie", "items.2.name=Echo"}},
		{name: "explicit eq", method: "GET", path: "/api/v1/accounts?industry[eq]=Software", status: 200, json: []string{"items.#=2"}},
		{name: "ne", method: "GET", path: "/api/v1/accounts?lifecycle[ne]=mature", status: 200, json: []string{"items.#=2"}},
		{name: "range", method: "GET", path: "/api/v1/accounts?employees[gt]=10&employees[lt]=50", status: 200, json: []string{"items.#=3"}},
		{name: "gte lte", method: "GET", path: "/api/v1/accounts?employees[gte]=20&employees[lte]=30&sort=-name", status: 200,
			json: []string{"items.#=2", "items.0.name=Charlie"}},
		{name: "filters combine", method: "GET", path: "/api/v1/accounts?lifecycle=mature&industry=Retail", status: 200,
			json: []string{"items.#=1", "items.0.name=Bravo"}},
		{name: "filter and page", method: "GET", path: "/api/v1/accounts?lifecycle=mature&sort=-employees&limit=1", status: 200,
			json: []string{"items.0.name=Echo"}, save: map[string]string{"m1": "next_cursor"}},
		{name: "filter and next page", method: "GET", path: "/api/v1/accounts?lifecycle=mature&sort=-employees&limit=1&cursor={$m1}", status: 200,
			json: []string{"items.0.name=Charlie"}},
		{name: "search", method: "GET", path: "/api/v1/accounts?q=alp", status: 200, json: []string{"items.#=1", "items.0.name=Alpha"}},
		{name: "nothing matches", method: "GET", path: "/api/v1/accounts?q=zzz", status: 200, json: []string{"items.#=0", "next_cursor="}, has: []string{`"items":[]`}},
		{name: "unknown filter field", method: "GET", path: "/api/v1/accounts?colour=red", status: 400,
			json: []string{"error.code=invalid_query", "error.fields.0.field=colour", "error.fields.0.code=unknown"},
			has:  []string{"filterable fields"}},
		{name: "unknown operator", method: "GET", path: "/api/v1/accounts?employees[between]=1", status: 400,
			json: []string{"error.code=invalid_query", "error.fields.0.field=employees[between]"}},
		{name: "malformed filter", method: "GET", path: "/api/v1/accounts?employees[gt=1", status: 400, json: []string{"error.code=invalid_query"}},
		{name: "bad filter value", method: "GET", path: "/api/v1/accounts?employees[gt]=many", status: 400,
			json: []string{"error.code=invalid_query"}, has: []string{"many"}},
		{name: "unsortable", method: "GET", path: "/api/v1/accounts?sort=colour", status: 400,
			json: []string{"error.code=invalid_query", "error.fields.0.field=sort"}},
		{name: "limit too big", method: "GET", path: "/api/v1/accounts?limit=5000", status: 400, json: []string{"error.fields.0.field=limit"}},
		{name: "limit zero", method: "GET", path: "/api/v1/accounts?limit=0", status: 400},
		{name: "limit not a number", method: "GET", path: "/api/v1/accounts?limit=ten", status: 400},
		{name: "bad cursor", method: "GET", path: "/api/v1/accounts?cursor=not-a-cursor", status: 400, json: []string{"error.code=invalid_query"}},
		{name: "every problem at once", method: "GET", path: "/api/v1/accounts?colour=red&sort=colour&limit=-1", status: 400,
			json: []string{"error.fields.#=3"}},
		{name: "empty collection", method: "GET", path: "/api/v1/tickets", status: 200, has: []string{`"items":[]`, `"next_cursor":""`}},
	}...)
	newTestServer(t).run(t, steps)
}

func TestUpsertByExternalID(t *testing.T) {
	t.Parallel()
	newTestServer(t).run(t, []step{
		{name: "first put creates", method: "PUT", path: "/api/v1/accounts/external/crm-9", body: `{"name":"Nine","employees":9}`,
			status: 201, hdr: map[string]string{"Location": "/api/v1/accounts/"},
			json: []string{"external_id=crm-9", "name=Nine"}, save: map[string]string{"id": "id"}},
		{name: "second put updates", method: "PUT", path: "/api/v1/accounts/external/crm-9", body: `{"name":"Nine Inc","employees":9}`,
			status: 200, hdr: map[string]string{"Location": ""}, json: []string{"id={$id}", "name=Nine Inc"}},
		{name: "identical re-import", method: "PUT", path: "/api/v1/accounts/external/crm-9", body: `{"name":"Nine Inc","employees":9}`,
			status: 200, json: []string{"id={$id}"}},
		{name: "no duplicate", method: "GET", path: "/api/v1/accounts?external_id=crm-9", status: 200, json: []string{"items.#=1"}},
		{name: "only one account", method: "GET", path: "/api/v1/accounts", status: 200, json: []string{"items.#=1"}},
		{name: "body may repeat the key", method: "PUT", path: "/api/v1/accounts/external/crm-9", body: `{"external_id":"crm-9","name":"Nine"}`,
			status: 200, json: []string{"id={$id}"}},
		{name: "body may not contradict the key", method: "PUT", path: "/api/v1/accounts/external/crm-9", body: `{"external_id":"crm-10","name":"Nine"}`,
			status: 422, json: []string{"error.code=validation_failed", "error.fields.0.field=external_id"}},
		{name: "escaped key", method: "PUT", path: "/api/v1/accounts/external/sf%2F001%20A", body: `{"name":"Slash"}`,
			status: 201, json: []string{"external_id=sf/001 A"}},
		{name: "POST with a taken external id", method: "POST", path: "/api/v1/accounts", body: `{"name":"Dup","external_id":"crm-9"}`,
			status: 409, json: []string{"error.code=conflict", "error.fields.0.field=external_id", "error.fields.0.code=conflict"}},
		{name: "PUT by id onto a taken external id", method: "PUT", path: "/api/v1/accounts/{$id}", body: `{"name":"Nine","external_id":"sf/001 A"}`,
			status: 409, json: []string{"error.fields.0.field=external_id"}},
		{name: "contact by account external id", method: "PUT", path: "/api/v1/contacts/external/c-1",
			body: `{"account_external_id":"crm-9","name":"Ann","roles":["Champion","economic buyer"]}`, status: 201,
			json: []string{"account_id={$id}", "roles.0=champion", "roles.1=economic_buyer"}, save: map[string]string{"cid": "id"}},
		{name: "contact again", method: "PUT", path: "/api/v1/contacts/external/c-1",
			body: `{"account_external_id":"crm-9","name":"Ann B"}`, status: 200, json: []string{"id={$cid}", "name=Ann B"}},
		{name: "user by email", method: "PUT", path: "/api/v1/users/external/ann@example.com", body: `{"name":"Ann","role":"Leader"}`,
			status: 201, json: []string{"email=ann@example.com", "role=leader"}, save: map[string]string{"uid": "id"}},
		{name: "user by email again", method: "PUT", path: "/api/v1/users/external/ann@example.com", body: `{"name":"Ann Lee"}`,
			status: 200, json: []string{"id={$uid}", "name=Ann Lee", "role=csm"}},
		{name: "one user", method: "GET", path: "/api/v1/users", status: 200, json: []string{"items.#=1"}},
		{name: "duplicate email", method: "POST", path: "/api/v1/users", body: `{"email":"ann@example.com"}`,
			status: 409, json: []string{"error.fields.0.field=email"}},
		{name: "blank key", method: "PUT", path: "/api/v1/accounts/external/%20", body: `{"name":"x"}`, status: 400,
			json: []string{"error.code=invalid_id"}},
	})
}

func TestErrors(t *testing.T) {
	t.Parallel()
	big := `{"name":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	newTestServer(t).run(t, []step{
		{name: "malformed JSON says where", method: "POST", path: "/api/v1/accounts",
			body: "{\n  \"name\": \"Acme\",\n  \"employees\": 12,,\n}", status: 400,
			json: []string{"error.code=invalid_json", "error.position.line=3", "error.position.column=19", "error.position.offset=38"},
			has:  []string{"line 3, column 19", "invalid character ','"}},
		{name: "truncated JSON", method: "POST", path: "/api/v1/accounts", body: `{"name": "Acme"`, status: 400,
			json: []string{"error.code=invalid_json"}, has: []string{"unexpected end of JSON input"}},
		{name: "wrong type", method: "POST", path: "/api/v1/accounts", body: `{"name":"Acme","employees":"many"}`, status: 400,
			json: []string{"error.code=invalid_type", "error.fields.0.field=employees", "error.position.offset=27"},
			has:  []string{`wrong type for field \"employees\": got string, want integer`}},
		{name: "fraction for an integer", method: "POST", path: "/api/v1/accounts", body: `{"name":"Acme","employees":1.5}`, status: 400,
			has: []string{"got number 1.5, want integer"}},
		{name: "bad date", method: "POST", path: "/api/v1/accounts", body: `{"name":"Acme","customer_since":"last spring"}`, status: 400,
			json: []string{"error.code=invalid_type", "error.fields.0.field=customer_since"}, has: []string{"not a date"}},
		{name: "number for a date", method: "POST", path: "/api/v1/accounts", body: `{"name":"Acme","customer_since":20240101}`, status: 400,
			has: []string{"got number 20240101, want string (date YYYY-MM-DD) or null"}},
		{name: "bad timestamp", method: "POST", path: "/api/v1/tickets", body: `{"account_id":1,"opened_at":"yesterday"}`, status: 400,
			json: []string{"error.fields.0.field=opened_at"}, has: []string{"RFC 3339"}},
		{name: "wrong element type", method: "POST", path: "/api/v1/contacts", body: `{"account_id":1,"name":"A","roles":["champion",7]}`, status: 400,
			json: []string{"error.fields.0.field=roles"}, has: []string{"want array of strings"}},
		{name: "every wrong field at once", method: "POST", path: "/api/v1/accounts", body: `{"name":1,"employees":"x","nmae":"y"}`, status: 400,
			json: []string{"error.fields.#=3", "error.fields.2.code=unknown_field"}},
		{name: "unknown field", method: "POST", path: "/api/v1/accounts", body: `{"name":"Acme","nmae":"typo"}`, status: 400,
			json: []string{"error.code=unknown_field", "error.fields.0.field=nmae", "error.position.offset=15"},
			has:  []string{`unknown field \"nmae\"`}},
		{name: "array body", method: "POST", path: "/api/v1/accounts", body: `[{"name":"Acme"}]`, status: 400,
			json: []string{"error.code=invalid_json"}, has: []string{"must be a JSON object, got array"}},
		{name: "empty body", method: "POST", path: "/api/v1/accounts", body: "", status: 400, json: []string{"error.code=empty_body"}},
		{name: "two objects", method: "POST", path: "/api/v1/accounts", body: `{"name":"A"} {"name":"B"}`, status: 400,
			has: []string{"unexpected data after the JSON object"}},
		{name: "invalid input lists every field", method: "POST", path: "/api/v1/accounts",
			body: `{"lifecycle":"sleepy","employees":-1,"csm_email":"nope"}`, status: 422,
			json: []string{"error.code=validation_failed"},
			has:  []string{`"field":"name"`, `"field":"lifecycle"`, `"field":"employees"`, `"field":"csm_email"`}},
		{name: "unknown reference", method: "POST", path: "/api/v1/contacts", body: `{"account_external_id":"nobody","name":"A"}`, status: 422,
			json: []string{"error.code=validation_failed"}, has: []string{"account_external_id"}},
		{name: "missing", method: "GET", path: "/api/v1/accounts/424242", status: 404,
			json: []string{"error.code=not_found", "error.message=account 424242 not found"}},
		{name: "bad id", method: "GET", path: "/api/v1/accounts/abc", status: 400, json: []string{"error.code=invalid_id"}},
		{name: "zero id", method: "DELETE", path: "/api/v1/accounts/0", status: 400, json: []string{"error.code=invalid_id"}},
		{name: "negative id", method: "PATCH", path: "/api/v1/accounts/-4", body: `{}`, status: 400, json: []string{"error.code=invalid_id"}},
		{name: "too large", method: "POST", path: "/api/v1/accounts", body: big, status: 413, json: []string{"error.code=body_too_large"}},
		{name: "wrong method", method: "DELETE", path: "/api/v1/accounts", status: 405,
			json: []string{"error.code=method_not_allowed"}, hdr: map[string]string{"Allow": "GET, HEAD, POST"}},
		{name: "wrong method on an object", method: "POST", path: "/api/v1/accounts/1", status: 405,
			hdr: map[string]string{"Allow": "GET, HEAD, PUT, PATCH, DELETE"}},
		{name: "unknown route", method: "GET", path: "/api/v1/widgets", status: 404,
			json: []string{"error.code=not_found"}, hdr: map[string]string{"Content-Type": "application/json"}},
		{name: "unknown sub-route", method: "GET", path: "/api/v1/accounts/1/widgets", status: 404, json: []string{"error.code=not_found"}},
		{name: "request id is echoed", method: "GET", path: "/api/v1/accounts/99", header: map[string]string{"X-Request-Id": "trace-42"},
			status: 404, json: []string{"error.request_id=trace-42"}, hdr: map[string]string{"X-Request-Id": "trace-42"}},
		{name: "unsafe request id is replaced", method: "GET", path: "/api/v1/accounts/99", header: map[string]string{"X-Request-Id": "a b\"c"},
			status: 404, json: []string{"error.request_id!=a b\"c"}},
	})
}

func TestAccountRelations(t *testing.T) {
	t.Parallel()
	newTestServer(t).run(t, []step{
		{name: "account A", method: "POST", path: "/api/v1/accounts", body: `{"name":"A","external_id":"A"}`, status: 201, save: map[string]string{"a": "id"}},
		{name: "account B", method: "POST", path: "/api/v1/accounts", body: `{"name":"B","external_id":"B"}`, status: 201, save: map[string]string{"b": "id"}},
		{name: "contact on A by id", method: "POST", path: "/api/v1/contacts", body: `{"account_id":{$a},"name":"Ann","email":"ann@a.example"}`,
			status: 201, save: map[string]string{"ann": "id"}},
		{name: "contact on B by external id", method: "POST", path: "/api/v1/contacts", body: `{"account_external_id":"B","name":"Bob"}`,
			status: 201, json: []string{"account_id={$b}"}},
		{name: "subscription on A", method: "POST", path: "/api/v1/subscriptions",
			body: `{"account_id":{$a},"product":"Core","mrr":500000,"start_on":"2024-01-01","end_on":"2031-06-30"}`, status: 201},
		{name: "invoice on A", method: "POST", path: "/api/v1/invoices", body: `{"account_id":{$a},"amount":1500000,"due_on":"2024-02-01"}`, status: 201},
		{name: "ticket on A", method: "POST", path: "/api/v1/tickets", body: `{"account_id":{$a},"subject":"Login fails","opened_at":"2024-03-01T10:00:00Z","csat":4}`, status: 201},
		{name: "survey on A", method: "POST", path: "/api/v1/surveys", body: `{"account_id":{$a},"kind":"nps","score":9,"responded_at":"2024-03-02T10:00:00Z"}`, status: 201},
		{name: "activity on A", method: "POST", path: "/api/v1/activities", body: `{"account_id":{$a},"kind":"QBR","occurred_at":"2024-03-03T10:00:00Z","subject":"Q1 review","attendees":["ann@a.example"]}`, status: 201},
		{name: "A's contacts", method: "GET", path: "/api/v1/accounts/{$a}/contacts", status: 200, json: []string{"items.#=1", "items.0.name=Ann"}},
		{name: "B's contacts", method: "GET", path: "/api/v1/accounts/{$b}/contacts", status: 200, json: []string{"items.#=1", "items.0.name=Bob"}},
		{name: "A's subscriptions", method: "GET", path: "/api/v1/accounts/{$a}/subscriptions", status: 200, json: []string{"items.#=1", "items.0.mrr=500000"}},
		{name: "A's invoices", method: "GET", path: "/api/v1/accounts/{$a}/invoices", status: 200, json: []string{"items.#=1", "items.0.currency=USD"}},
		{name: "A's tickets", method: "GET", path: "/api/v1/accounts/{$a}/tickets", status: 200, json: []string{"items.#=1", "items.0.csat=4"}},
		{name: "A's surveys", method: "GET", path: "/api/v1/accounts/{$a}/surveys", status: 200, json: []string{"items.#=1", "items.0.score=9"}},
		{name: "A's activities", method: "GET", path: "/api/v1/accounts/{$a}/activities", status: 200, json: []string{"items.#=1", "items.0.kind=qbr"}},
		{name: "B has no tickets", method: "GET", path: "/api/v1/accounts/{$b}/tickets", status: 200, json: []string{"items.#=0"}},
		{name: "sub-list filters too", method: "GET", path: "/api/v1/accounts/{$a}/contacts?name=Bob", status: 200, json: []string{"items.#=0"}},
		{name: "sub-list checks its query", method: "GET", path: "/api/v1/accounts/{$a}/contacts?shoe_size=9", status: 400},
		{name: "no such account", method: "GET", path: "/api/v1/accounts/987654/contacts", status: 404, json: []string{"error.message=account 987654 not found"}},
		{name: "mrr is derived", method: "GET", path: "/api/v1/accounts/{$a}", status: 200, json: []string{"mrr=500000", "renewal_on=2031-06-30"}},
		{name: "PUT keeps derived mrr", method: "PUT", path: "/api/v1/accounts/{$a}", body: `{"name":"A","external_id":"A","mrr":1}`, status: 200,
			json: []string{"mrr=500000", "renewal_on=2031-06-30"}},
		{name: "patch moves a contact by external id", method: "PATCH", path: "/api/v1/contacts/{$ann}", body: `{"account_external_id":"B"}`,
			status: 200, json: []string{"account_id={$b}", "account_external_id=B", "name=Ann"}},
		{name: "patch moves it back by id", method: "PATCH", path: "/api/v1/contacts/{$ann}", body: `{"account_id":{$a}}`,
			status: 200, json: []string{"account_id={$a}", "account_external_id=A"}},
	})
}

func TestAttributes(t *testing.T) {
	t.Parallel()
	newTestServer(t).run(t, []step{
		{name: "define", method: "PUT", path: "/api/v1/attributes/plan_tier", body: `{"label":"Plan tier","type":"text"}`, status: 201,
			hdr: map[string]string{"Location": "/api/v1/attributes/plan_tier"}, json: []string{"key=plan_tier", "label=Plan tier"}},
		{name: "redefine", method: "PUT", path: "/api/v1/attributes/plan_tier", body: `{"label":"Tier"}`, status: 200, json: []string{"label=Tier", "type=text"}},
		{name: "define a number", method: "PUT", path: "/api/v1/attributes/seats", body: `{"type":"Number"}`, status: 201, json: []string{"type=number"}},
		{name: "bad key", method: "PUT", path: "/api/v1/attributes/Bad-Key", body: `{}`, status: 422, json: []string{"error.fields.0.field=key"}},
		{name: "bad type", method: "PUT", path: "/api/v1/attributes/x", body: `{"type":"colour"}`, status: 422, json: []string{"error.fields.0.field=type"}},
		{name: "key must match", method: "PUT", path: "/api/v1/attributes/x", body: `{"key":"y"}`, status: 422, json: []string{"error.fields.0.field=key"}},
		{name: "list", method: "GET", path: "/api/v1/attributes", status: 200, json: []string{"items.#=2"}},
		{name: "get", method: "GET", path: "/api/v1/attributes/seats", status: 200, json: []string{"type=number"}},
		{name: "get missing", method: "GET", path: "/api/v1/attributes/nope", status: 404, json: []string{"error.code=not_found"}},
		{name: "account with attributes", method: "POST", path: "/api/v1/accounts",
			body: `{"name":"Acme","attributes":{"seats":"12","plan_tier":"gold"}}`, status: 201,
			json: []string{"attributes.seats=12", "attributes.plan_tier=gold"}, save: map[string]string{"id": "id"}},
		{name: "another", method: "POST", path: "/api/v1/accounts", body: `{"name":"Small","attributes":{"seats":3}}`, status: 201},
		{name: "patch merges attributes", method: "PATCH", path: "/api/v1/accounts/{$id}", body: `{"attributes":{"seats":20}}`, status: 200,
			json: []string{"attributes.seats=20", "attributes.plan_tier=gold"}},
		{name: "patch null removes one attribute", method: "PATCH", path: "/api/v1/accounts/{$id}", body: `{"attributes":{"plan_tier":null}}`, status: 200,
			json: []string{"attributes.seats=20"}, hasNot: []string{"plan_tier"}},
		{name: "filter on an attribute", method: "GET", path: "/api/v1/accounts?attributes.seats[gte]=15", status: 200,
			json: []string{"items.#=1", "items.0.name=Acme"}},
		{name: "value of the wrong type", method: "POST", path: "/api/v1/accounts", body: `{"name":"X","attributes":{"seats":"lots"}}`, status: 422},
		{name: "undefined attribute", method: "POST", path: "/api/v1/accounts", body: `{"name":"X","attributes":{"colour":"red"}}`, status: 422},
		{name: "delete", method: "DELETE", path: "/api/v1/attributes/plan_tier", status: 204},
		{name: "delete again", method: "DELETE", path: "/api/v1/attributes/plan_tier", status: 404},
	})
}

// TestEveryCollection runs the same life through each collection, so the
// generic handlers are exercised with every type.
func TestEveryCollection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		create string // a valid new object (the account is {$a})
		patch  string // a merge patch
		check  string // a "path=value" the patch must produce
		key    string // the upsert key in the path
	}{
		{"accounts", `{"name":"Beta","external_id":"x-1"}`, `{"tier":"Gold"}`, "tier=Gold", "x-1"},
		{"contacts", `{"account_id":{$a},"name":"Cy","external_id":"x-1","roles":["admin"]}`, `{"status":"left","left_on":"2024-05-01"}`, "left_on=2024-05-01", "x-1"},
		{"subscriptions", `{"account_id":{$a},"product":"Core","mrr":100,"start_on":"2024-01-01","external_id":"x-1"}`, `{"quantity":12}`, "quantity=12", "x-1"},
		{"invoices", `{"account_id":{$a},"amount":100,"due_on":"2024-01-31","external_id":"x-1"}`, `{"paid_on":"2024-02-03"}`, "paid_on=2024-02-03", "x-1"},
		{"tickets", `{"account_id":{$a},"subject":"Help","opened_at":"2024-01-01T09:00:00Z","external_id":"x-1"}`, `{"escalated":true}`, "escalated=true", "x-1"},
		{"surveys", `{"account_id":{$a},"kind":"csat","score":5,"responded_at":"2024-01-01T09:00:00Z","external_id":"x-1"}`, `{"comment":"great"}`, "comment=great", "x-1"},
		{"activities", `{"account_id":{$a},"kind":"call","occurred_at":"2024-01-01T09:00:00Z","body":"Kickoff","external_id":"x-1"}`, `{"subject":"Kick-off call"}`, "subject=Kick-off call", "x-1"},
		{"users", `{"email":"cy@tend.example","name":"Cy"}`, `{"title":"CSM"}`, "title=CSM", "cy@tend.example"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := "/api/v1/" + c.name
			newTestServer(t).run(t, []step{
				{name: "account", method: "POST", path: "/api/v1/accounts", body: `{"name":"Home","external_id":"home"}`, status: 201, save: map[string]string{"a": "id"}},
				{name: "create", method: "POST", path: p, body: c.create, status: 201, save: map[string]string{"id": "id"},
					hdr: map[string]string{"Location": p + "/"}},
				{name: "get", method: "GET", path: p + "/{$id}", status: 200, json: []string{"id={$id}"}},
				{name: "list", method: "GET", path: p + "?id={$id}", status: 200, json: []string{"items.#=1", "items.0.id={$id}"}},
				{name: "patch", method: "PATCH", path: p + "/{$id}", body: c.patch, status: 200, json: []string{c.check}, keep: "obj"},
				{name: "round trip", method: "PUT", path: p + "/{$id}", body: "{$obj}", status: 200, json: []string{c.check}},
				{name: "upsert existing", method: "PUT", path: p + "/external/" + c.key, body: c.create, status: 200, json: []string{"id={$id}"}},
				{name: "upsert new", method: "PUT", path: p + "/external/new-" + c.key,
					body: strings.ReplaceAll(c.create, c.key, "new-"+c.key), status: 201, json: []string{"id!={$id}"}},
				{name: "unknown field", method: "POST", path: p, body: `{"bogus":1}`, status: 400, json: []string{"error.fields.0.field=bogus"}},
				{name: "invalid", method: "POST", path: p, body: `{}`, status: 422, json: []string{"error.code=validation_failed"}},
				{name: "delete", method: "DELETE", path: p + "/{$id}", status: 204},
				{name: "gone", method: "GET", path: p + "/{$id}", status: 404},
			})
		})
	}
}

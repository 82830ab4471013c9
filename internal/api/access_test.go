package api

import (
	"testing"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
)

// TestRoles: what each role may do through the API. Users are created
// first so their ids are known: 1 admin, 2 Ada (CSM), 3 Grace (CSM),
// 4 Leo (leader), 5 Rita (read-only).
func TestRoles(t *testing.T) {
	t.Parallel()
	ada := &auth.Principal{UserID: 2, Email: "ada@tend.test", Role: customer.RoleCSM}
	leo := &auth.Principal{UserID: 4, Email: "leo@tend.test", Role: customer.RoleLeader}
	rita := &auth.Principal{UserID: 5, Email: "rita@tend.test", Role: customer.RoleReadOnly}
	readToken := &auth.Principal{UserID: 1, Email: "admin@tend.test", Role: customer.RoleAdmin, TokenID: 7, Scope: auth.ScopeRead}
	nobody := &auth.Principal{}
	steps := []step{}
	for _, u := range []string{
		`{"email":"admin@tend.test","role":"admin"}`,
		`{"email":"ada@tend.test","role":"csm"}`,
		`{"email":"grace@tend.test","role":"csm"}`,
		`{"email":"leo@tend.test","role":"leader"}`,
		`{"email":"rita@tend.test","role":"read_only"}`,
	} {
		steps = append(steps, step{name: "user", method: "POST", path: "/api/v1/users", body: u, status: 201})
	}
	steps = append(steps, []step{
		{name: "leader creates an account for Grace", as: leo, method: "POST", path: "/api/v1/accounts",
			body: `{"name":"Globex","external_id":"g","csm_email":"grace@tend.test"}`, status: 201, save: map[string]string{"globex": "id"}},
		{name: "CSM creates an account in her book", as: ada, method: "POST", path: "/api/v1/accounts",
			body: `{"name":"Acme","external_id":"a","csm_email":"ADA@tend.test"}`, status: 201, save: map[string]string{"acme": "id"}},
		{name: "CSM cannot create one for someone else", as: ada, method: "POST", path: "/api/v1/accounts",
			body: `{"name":"Initech","csm_email":"grace@tend.test"}`, status: 403,
			json: []string{"error.code=forbidden", "error.message=CSMs can only keep accounts in their own book (csm must be ada@tend.test)"}},
		{name: "CSM cannot create an unowned one", as: ada, method: "POST", path: "/api/v1/accounts",
			body: `{"name":"Initech"}`, status: 403},
		{name: "CSM edits her own account", as: ada, method: "PATCH", path: "/api/v1/accounts/{$acme}", body: `{"tier":"Gold"}`, status: 200,
			json: []string{"tier=Gold"}},
		{name: "CSM cannot give her account away", as: ada, method: "PATCH", path: "/api/v1/accounts/{$acme}",
			body: `{"csm_email":"grace@tend.test"}`, status: 403},
		{name: "CSM cannot edit another's account", as: ada, method: "PATCH", path: "/api/v1/accounts/{$globex}", body: `{"tier":"Gold"}`, status: 403,
			json: []string{"error.message=CSMs can change only the accounts in their own book"}},
		{name: "CSM cannot delete another's account", as: ada, method: "DELETE", path: "/api/v1/accounts/{$globex}", status: 403},
		{name: "CSM cannot upsert over another's account", as: ada, method: "PUT", path: "/api/v1/accounts/external/g",
			body: `{"name":"Globex","csm_email":"ada@tend.test"}`, status: 403},
		{name: "CSM reads everything", as: ada, method: "GET", path: "/api/v1/accounts/{$globex}", status: 200},
		{name: "CSM logs a note on her account", as: ada, method: "POST", path: "/api/v1/activities",
			body: `{"account_external_id":"a","kind":"note","occurred_at":"2026-01-02T10:00:00Z","body":"Kickoff went well"}`, status: 201,
			save: map[string]string{"note": "id"}},
		{name: "CSM cannot log on another's account", as: ada, method: "POST", path: "/api/v1/activities",
			body: `{"account_id":{$globex},"kind":"note","occurred_at":"2026-01-02T10:00:00Z","body":"x"}`, status: 403},
		{name: "CSM cannot move a note to another's account", as: ada, method: "PATCH", path: "/api/v1/activities/{$note}",
			body: `{"account_external_id":"g"}`, status: 403},
		{name: "a child of a missing account is a validation error, not a 403", as: ada, method: "POST", path: "/api/v1/contacts",
			body: `{"account_external_id":"nope","email":"x@y.test"}`, status: 422},
		{name: "CSM records why her customer left", as: ada, method: "POST", path: "/api/v1/churn_records",
			body: `{"account_external_id":"a","churned_on":"2026-01-31","reason":"Acquired","note":"Bought by Globex"}`, status: 201,
			json: []string{"reason=m_and_a", "controllable=no", "note=Bought by Globex"}},
		{name: "CSM cannot record churn for another's account", as: ada, method: "POST", path: "/api/v1/churn_records",
			body: `{"account_id":{$globex},"churned_on":"2026-01-31","reason":"price"}`, status: 403},
		{name: "a churn reason outside the taxonomy is refused", as: leo, method: "POST", path: "/api/v1/churn_records",
			body: `{"account_id":{$globex},"churned_on":"2026-01-31","reason":"weather"}`, status: 422},
		{name: "leader forecasts any renewal", as: leo, method: "POST", path: "/api/v1/renewal_calls",
			body: `{"account_id":{$globex},"due_on":"2026-06-01","forecast":"at_risk"}`, status: 201, json: []string{"forecast=at_risk"}},
		{name: "CSM cannot forecast another's renewal", as: ada, method: "POST", path: "/api/v1/renewal_calls",
			body: `{"account_id":{$globex},"due_on":"2026-06-01","forecast":"renew"}`, status: 403},
		{name: "read-only reads churn records", as: rita, method: "GET", path: "/api/v1/accounts/{$acme}/churn_records", status: 200},
		{name: "read-only cannot record churn", as: rita, method: "POST", path: "/api/v1/churn_records",
			body: `{"account_external_id":"a","churned_on":"2026-01-31","reason":"price"}`, status: 403},
		{name: "CSM cannot manage users", as: ada, method: "POST", path: "/api/v1/users", body: `{"email":"eve@tend.test"}`, status: 403,
			json: []string{"error.message=only administrators can do this"}},
		{name: "leader cannot manage users", as: leo, method: "PATCH", path: "/api/v1/users/2", body: `{"role":"admin"}`, status: 403},
		{name: "leader cannot define attributes", as: leo, method: "PUT", path: "/api/v1/attributes/plan",
			body: `{"label":"Plan","type":"text"}`, status: 403},
		{name: "leader edits any account", as: leo, method: "PATCH", path: "/api/v1/accounts/{$acme}", body: `{"csm_email":"grace@tend.test"}`, status: 200},
		{name: "now Ada cannot edit it", as: ada, method: "PATCH", path: "/api/v1/accounts/{$acme}", body: `{"tier":"Silver"}`, status: 403},
		{name: "read-only reads", as: rita, method: "GET", path: "/api/v1/accounts", status: 200, json: []string{"items.#=2"}},
		{name: "read-only cannot write", as: rita, method: "POST", path: "/api/v1/activities",
			body: `{"account_external_id":"a","kind":"note","occurred_at":"2026-01-02T10:00:00Z","body":"x"}`, status: 403,
			json: []string{"error.message=your role is read-only"}},
		{name: "read token cannot write, even an admin's", as: readToken, method: "DELETE", path: "/api/v1/accounts/{$acme}", status: 403,
			json: []string{"error.message=this API token is read-only"}},
		{name: "read token reads", as: readToken, method: "GET", path: "/api/v1/users", status: 200, json: []string{"items.#=5"}},
		{name: "no principal", as: nobody, method: "GET", path: "/api/v1/accounts", status: 401,
			json: []string{"error.code=unauthenticated"}, hdr: map[string]string{"WWW-Authenticate": "Bearer"}},
		{name: "the OpenAPI document is public", as: nobody, method: "GET", path: "/api/v1/openapi.json", status: 200},
		{name: "admin defines attributes", method: "PUT", path: "/api/v1/attributes/plan", body: `{"label":"Plan","type":"text"}`, status: 201},
	}...)
	newTestServer(t).run(t, steps)
}

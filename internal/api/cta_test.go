package api

import (
	"context"
	"strconv"
	"testing"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
)

// TestCTAs: open a CTA by hand, list it, snooze and close it; a CSM may
// not change another's, a read-only token nothing; bad input names its field.
func TestCTAs(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	ctx := context.Background()
	admin := customer.User{Email: "admin@tend.test", Role: customer.RoleAdmin}
	ada := customer.User{Email: "ada@tend.test", Role: customer.RoleCSM}
	bob := customer.User{Email: "bob@tend.test", Role: customer.RoleCSM}
	for _, u := range []*customer.User{&admin, &ada, &bob} {
		if err := st.Users().Create(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	acme := customer.Account{ExternalID: "acme", Name: "Acme", TouchModel: "high", CSMEmail: ada.Email}
	if err := st.Accounts().Create(ctx, &acme); err != nil {
		t.Fatal(err)
	}
	ts := newTestServerOn(t, st)
	ts.as = auth.Principal{UserID: admin.ID, Email: admin.Email, Role: customer.RoleAdmin}
	asBob := auth.Principal{UserID: bob.ID, Email: bob.Email, Role: customer.RoleCSM}
	asAda := auth.Principal{UserID: ada.ID, Email: ada.Email, Role: customer.RoleCSM}
	acct := strconv.FormatInt(acme.ID, 10)
	ts.run(t, []step{
		{name: "open", method: "POST", path: "/api/v1/ctas", status: 201,
			body: `{"account_id": ` + acct + `, "type": "risk", "reason": "Champion left", "priority": 1, "playbook": "safe-switch"}`,
			json: []string{"owner_email=ada@tend.test", "status=open", "tasks_total=5", "priority=1"}, hdr: map[string]string{"Location": "/api/v1/ctas/"},
			save: map[string]string{"id": "id"}},
		{name: "bad type", method: "POST", path: "/api/v1/ctas", status: 422,
			body: `{"account_id": ` + acct + `, "type": "gossip", "reason": "x"}`, json: []string{"error.fields.0.field=type"}},
		{name: "unknown field", method: "POST", path: "/api/v1/ctas", status: 400, body: `{"acount_id": 1}`},
		{name: "another CSM may not open one here", method: "POST", path: "/api/v1/ctas", status: 403, as: &asBob,
			body: `{"account_id": ` + acct + `, "type": "risk", "reason": "x"}`},
		{name: "list mine", method: "GET", path: "/api/v1/ctas?owner=me", status: 200, as: &asAda, json: []string{"items.#=1", "items.0.reason=Champion left"}},
		{name: "list by email", method: "GET", path: "/api/v1/ctas?owner=bob@tend.test", status: 200, json: []string{"items.#=0"}},
		{name: "bad filter", method: "GET", path: "/api/v1/ctas?type=gossip", status: 400},
		{name: "another CSM may not change it", method: "PATCH", path: "/api/v1/ctas/{$id}", status: 403, as: &asBob, body: `{"status": "in_progress"}`},
		{name: "snooze into the past", method: "PATCH", path: "/api/v1/ctas/{$id}", status: 422, as: &asAda,
			body: `{"status": "snoozed", "snoozed_until": "2000-01-01"}`, json: []string{"error.fields.0.field=snoozed_until"}},
		{name: "close", method: "PATCH", path: "/api/v1/ctas/{$id}", status: 200, as: &asAda,
			body: `{"status": "closed", "outcome": "achieved", "note": "saved"}`, json: []string{"status=closed", "outcome=achieved", "close_note=saved"}},
		{name: "closed stays closed", method: "PATCH", path: "/api/v1/ctas/{$id}", status: 422, body: `{"status": "open"}`},
		{name: "closed ones listed on asking", method: "GET", path: "/api/v1/ctas?status=closed", status: 200, json: []string{"items.#=1"}},
		{name: "missing", method: "PATCH", path: "/api/v1/ctas/999999", status: 404, body: `{"status": "open"}`},
	})
}

package api

import (
	"context"
	"strconv"
	"testing"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/scoring"
)

// TestHealthScenario: an account's health through the API — unscored,
// then scored with its history, then a pulse set by its CSM (and refused
// to another CSM, a read-only user and bad input), counted at once.
func TestHealthScenario(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	ctx := context.Background()
	var users []customer.User
	for _, u := range []customer.User{
		{Email: "admin@tend.test", Role: customer.RoleAdmin},
		{Email: "ada@tend.test", Role: customer.RoleCSM},
		{Email: "grace@tend.test", Role: customer.RoleCSM},
		{Email: "rita@tend.test", Role: customer.RoleReadOnly},
	} {
		if err := st.Users().Create(ctx, &u); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	as := func(u customer.User) *auth.Principal {
		return &auth.Principal{UserID: u.ID, Email: u.Email, Role: u.Role}
	}
	ada, grace, rita := as(users[1]), as(users[2]), as(users[3])
	a := &customer.Account{Name: "Acme", ExternalID: "acme", CSMEmail: "ada@tend.test"}
	if err := st.Accounts().Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	today := civil.Today()
	ts := newTestServerOn(t, st)
	ts.as = *as(users[0])
	id := strconv.FormatInt(a.ID, 10)
	health := "/api/v1/accounts/" + id + "/health"
	pulse := "/api/v1/accounts/" + id + "/pulse"
	good := `{"colour":"red","reason":"Champion leaving","expires_on":"` + today.AddDays(30).String() + `"}`

	ts.run(t, []step{
		{name: "unscored", method: "GET", path: health, status: 200,
			json: []string{"scored=false", "account_id=" + id}, hasNot: []string{`"result"`}},
		{name: "unknown account", method: "GET", path: "/api/v1/accounts/99999/health", status: 404},
		{name: "bad from", method: "GET", path: health + "?from=yesterday", status: 400, json: []string{"error.fields.0.field=from"}},
		{name: "from after to", method: "GET", path: health + "?from=2026-02-01&to=2026-01-01", status: 400, json: []string{"error.fields.0.field=from"}},
		{name: "unknown parameter", method: "GET", path: health + "?days=3", status: 400, json: []string{"error.fields.0.field=days"}},
	})

	for _, d := range []civil.Date{today.AddDays(-40), today} {
		if _, err := scoring.Recompute(ctx, st, d); err != nil {
			t.Fatal(err)
		}
	}
	old := today.AddDays(-40).String()
	ts.run(t, []step{
		{name: "scored", method: "GET", path: health, status: 200,
			json: []string{"scored=true", "trend.#=3", "trend.0.days=7", "history.#=2", "history.0.day=" + old, "since=" + today.AddDays(-30).String()},
			has:  []string{`"result":{`, `"measures":[`, `"changed":{`, `"no_data":[`}, hasNot: []string{`"detail":"`}},
		{name: "history window", method: "GET", path: health + "?from=" + today.AddDays(-10).String() + "&to=" + today.String(), status: 200,
			json: []string{"history.#=1", "history.0.day=" + today.String()}},
		{name: "read-only may read", method: "GET", path: health, status: 200, as: rita},

		{name: "another CSM's account", method: "POST", path: pulse, body: good, status: 403, as: grace},
		{name: "read-only", method: "POST", path: pulse, body: good, status: 403, as: rita},
		{name: "expiry today", method: "POST", path: pulse, as: ada, status: 422,
			body: `{"colour":"red","reason":"x","expires_on":"` + today.String() + `"}`, json: []string{"error.fields.0.field=expires_on"}},
		{name: "expiry not a day", method: "POST", path: pulse, as: ada, status: 422,
			body: `{"colour":"red","reason":"x","expires_on":"soon"}`, json: []string{"error.fields.0.field=expires_on"}},
		{name: "no reason, no colour", method: "POST", path: pulse, as: ada, status: 422,
			body: `{"expires_on":"` + today.AddDays(3).String() + `"}`, json: []string{"error.fields.#=2", "error.fields.0.field=colour", "error.fields.1.field=reason"}},
		{name: "unknown field", method: "POST", path: pulse, as: ada, status: 400, body: `{"color":"red"}`},
		{name: "unknown account", method: "POST", path: "/api/v1/accounts/99999/pulse", body: good, status: 404},
		{name: "the CSM sets it", method: "POST", path: pulse, body: good, as: ada, status: 201,
			json: []string{"pulse.colour=red", "pulse.reason=Champion leaving", "pulse.set_by_email=ada@tend.test", "score.account_id=" + id},
			hdr:  map[string]string{"Location": health}},
		{name: "it counts", method: "GET", path: health, status: 200,
			json: []string{"pulse_active=true", "pulse.colour=red", "pulse.expires_on=" + today.AddDays(30).String()}},
	})

	// The answer is what the document says.
	schemas := openAPIDoc(t, ts)["components"].(map[string]any)["schemas"].(map[string]any)
	got := mustJSON(t, ts.do(t, "GET", health, "", nil))
	props := schemas["AccountHealth"].(map[string]any)["properties"].(map[string]any)
	for k, v := range got {
		p, ok := props[k].(map[string]any)
		if !ok {
			t.Errorf("AccountHealth: response field %s is not in the schema", k)
		} else if !typeAllows(p["type"], v) {
			t.Errorf("AccountHealth.%s: value %v does not fit type %v", k, v, p["type"])
		}
	}
	for k := range props {
		if _, ok := got[k]; !ok {
			t.Errorf("AccountHealth: schema property %s is not in the response", k)
		}
	}
}

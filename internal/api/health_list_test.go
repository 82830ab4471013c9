package api

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// TestListByHealth: the accounts list takes `health=<colour>` (and
// not_enough_data, unscored) and `sort=health_score`, and refuses a colour
// it does not know; the OpenAPI document lists the values.
func TestListByHealth(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	ctx := context.Background()
	s := func(v float64) *float64 { return &v }
	for _, x := range []struct {
		name   string
		score  *float64
		colour string
	}{{"Alpha", s(80), store.ColourGreen}, {"Bravo", s(20), store.ColourRed}, {"Charlie", nil, store.ColourNone}, {"Delta", nil, "-"}} {
		a := customer.Account{Name: x.name}
		if err := st.Accounts().Create(ctx, &a); err != nil {
			t.Fatal(err)
		}
		if x.colour == "-" {
			continue
		}
		if err := st.PutHealthScores(ctx, []store.HealthScore{{AccountID: a.ID, ScoredAt: time.Now(), Scorecard: "default", Version: 1,
			Score: x.score, Colour: x.colour}}); err != nil {
			t.Fatal(err)
		}
	}
	newTestServerOn(t, st).run(t, []step{
		{name: "red", method: "GET", path: "/api/v1/accounts?health=red", status: 200, json: []string{"items.0.name=Bravo"}, hasNot: []string{"Alpha", "Charlie", "Delta"}},
		{name: "never scored", method: "GET", path: "/api/v1/accounts?health=unscored", status: 200, json: []string{"items.0.name=Delta"}, hasNot: []string{"Alpha", "Bravo", "Charlie"}},
		{name: "not red", method: "GET", path: "/api/v1/accounts?health[ne]=red&sort=name", status: 200,
			json: []string{"items.0.name=Alpha", "items.1.name=Charlie", "items.2.name=Delta"}},
		{name: "lowest score first, missing last", method: "GET", path: "/api/v1/accounts?sort=health_score", status: 200,
			json: []string{"items.0.name=Bravo", "items.1.name=Alpha", "items.2.name=Charlie", "items.3.name=Delta"}},
		{name: "highest first", method: "GET", path: "/api/v1/accounts?sort=-health_score&limit=1", status: 200, json: []string{"items.0.name=Alpha"}},
		{name: "a colour it does not know", method: "GET", path: "/api/v1/accounts?health=blue", status: 400, has: []string{"not a health"}},
		{name: "openapi", method: "GET", path: "/api/v1/openapi.json", status: 200, has: []string{`"not_enough_data"`, `"-health_score"`}},
	})
}

// TestAccountsCarryHealth: account objects in the list and by id carry
// their health (colour, score, trend over 30 days, when scored), a GET
// body still PUTs back, and the OpenAPI schema of Account has it.
func TestAccountsCarryHealth(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	ctx := context.Background()
	s := func(v float64) *float64 { return &v }
	now := time.Now().UTC()
	var ids []int64
	for _, name := range []string{"Alpha", "Bravo", "Charlie"} {
		a := customer.Account{Name: name}
		if err := st.Accounts().Create(ctx, &a); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	put := func(id int64, at time.Time, score *float64, colour string) {
		t.Helper()
		if err := st.PutHealthScores(ctx, []store.HealthScore{{AccountID: id, ScoredAt: at, Scorecard: "default", Version: 1, Score: score, Colour: colour}}); err != nil {
			t.Fatal(err)
		}
	}
	put(ids[0], now.AddDate(0, 0, -31), s(30), store.ColourRed)
	put(ids[0], now, s(42.5), store.ColourYellow)
	put(ids[1], now, nil, store.ColourNone)
	newTestServerOn(t, st).run(t, []step{
		{name: "list", method: "GET", path: "/api/v1/accounts?sort=name", status: 200, json: []string{
			"items.0.health.colour=yellow", "items.0.health.score=42.5", "items.0.health.trend=up", "items.0.health.change=12.5",
			"items.1.health.colour=not_enough_data", "items.1.health.score=null",
			"items.2.health.colour=unscored"}},
		{name: "one", method: "GET", path: "/api/v1/accounts/" + strconv.FormatInt(ids[0], 10), status: 200, json: []string{"health.colour=yellow", "name=Alpha"},
			has: []string{`"scored_at":"` + now.Format("2006-01-02T")}},
		{name: "put back", method: "PUT", path: "/api/v1/accounts/" + strconv.FormatInt(ids[0], 10),
			body: `{"name":"Alpha","health":{"colour":"green","score":99}}`, status: 200, json: []string{"health.colour=yellow"}},
		{name: "openapi", method: "GET", path: "/api/v1/openapi.json", status: 200, has: []string{`"health":{"allOf":[{"$ref":"#/components/schemas/Brief"}]`}},
	})
}

package api

import (
	"context"
	"net/http"
	"reflect"

	"github.com/tendhq/tend/internal/adoption"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/cta"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/retention"
	"github.com/tendhq/tend/internal/revenue"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
)

// route is one operation of the API: what the mux serves, and what the
// OpenAPI document says about it. The table below is the only list of
// routes; the mux and the document are both built from it.
type route struct {
	Method string
	Path   string // full path pattern, as the mux reads it
	Handle handlerFunc
	Op     operation
}

// operation documents a route for the OpenAPI document. Path parameters
// are read from Path.
type operation struct {
	ID      string // operationId, unique
	Summary string
	Tag     string
	Notes   string    // longer description, optional
	Query   []param   // query parameters
	Body    *payload  // request body, if any
	OK      []reply   // success responses
	Fails   []int     // error statuses it can answer besides 500 (and 401/403, which every non-public route can)
	Public  bool      // served without authentication
	res     *resource // the collection it acts on, if any
}

// payload is a request body of type Type.
type payload struct {
	Type       reflect.Type
	MergePatch bool // an RFC 7396 merge patch of Type
}

// reply is a success response: a Type (a page of them if List), or no
// body when Type is nil.
type reply struct {
	Status   int
	Type     reflect.Type
	List     bool
	Location bool // sets the Location header to the new object
	Desc     string
}

// param is a query parameter; the OpenAPI generator fills the schema.
type param struct {
	Name string
	Desc string
	// Schema is the parameter's JSON schema, or for a filter the schema
	// of the value compared with.
	Schema map[string]any
	// Filter is the store kind of the field a field[op]=v filter compares
	// ("" for other parameters).
	Filter string
}

// Error statuses, grouped by what an operation does.
var (
	readFails   = []int{http.StatusBadRequest, http.StatusNotFound}
	createFails = []int{http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity}
	updateFails = append([]int{http.StatusNotFound}, createFails...)
	listFails   = []int{http.StatusBadRequest}
)

// routeTable lists every route of the API.
func (s *server) routeTable() []route {
	st := s.st
	accounts := newCollection(st.Accounts(), accountRule, "mrr", "currency", "renewal_on")
	accounts.extra = []extraField{{name: "health", typ: reflect.TypeFor[scoring.Brief](),
		doc: "The account's current health: colour (red, yellow, green, not_enough_data or unscored), score, trend over 30 days, when scored. Read-only.",
		fill: func(ctx context.Context, ids []int64) (map[int64]any, error) {
			bs, err := scoring.Briefs(ctx, st, ids, civil.Today())
			out := make(map[int64]any, len(bs))
			for id, b := range bs {
				out[id] = b
			}
			return out, err
		}}}
	contacts := newCollection(st.Contacts(), childRule[customer.Contact](st.Accounts()))
	subscriptions := newCollection(st.Subscriptions(), childRule[customer.Subscription](st.Accounts()))
	invoices := newCollection(st.Invoices(), childRule[customer.Invoice](st.Accounts()))
	tickets := newCollection(st.Tickets(), childRule[customer.Ticket](st.Accounts()))
	surveys := newCollection(st.Surveys(), childRule[customer.SurveyResponse](st.Accounts()))
	activities := newCollection(st.Activities(), childRule[customer.Activity](st.Accounts()))
	users := newCollection(st.Users(), adminOnly[customer.User])
	// Retention (issue 7): why customers left, and renewal forecasts.
	churnRecords := newCollection(st.ChurnRecords(), childRule[customer.ChurnRecord](st.Accounts()))
	renewalCalls := newCollection(st.RenewalCalls(), childRule[customer.RenewalCall](st.Accounts()))

	var rs []route
	rs = append(rs, crud(accounts)...)
	rs = append(rs, crud(contacts)...)
	rs = append(rs, crud(subscriptions)...)
	rs = append(rs, crud(invoices)...)
	rs = append(rs, crud(tickets)...)
	rs = append(rs, crud(surveys)...)
	rs = append(rs, crud(activities)...)
	rs = append(rs, crud(users)...)
	rs = append(rs, crud(churnRecords)...)
	rs = append(rs, crud(renewalCalls)...)

	// An account's related objects.
	rs = append(rs,
		byAccount(accounts, contacts),
		byAccount(accounts, subscriptions),
		byAccount(accounts, invoices),
		byAccount(accounts, tickets),
		byAccount(accounts, surveys),
		byAccount(accounts, activities),
		byAccount(accounts, churnRecords),
		byAccount(accounts, renewalCalls),
	)

	attr := reflect.TypeFor[customer.AttributeDef]()
	str := map[string]any{"type": "string"}
	periodParam := param{Name: "period", Desc: "The period: 2025-07 (month), 2025-Q3 (quarter), 2025 (year), TTM-2025-07 (trailing twelve months) or 2025-07-01..2025-09-30. Default: the quarter of as_of, to date.", Schema: str}
	byParam := param{Name: "by", Desc: "The dimension to slice by. Default: all (one slice).", Schema: map[string]any{"type": "string", "enum": revenue.DimensionNames}}
	asOfParam := param{Name: "as_of", Desc: "The day the books are closed on (YYYY-MM-DD); nothing later is recognised. Default: today (UTC).", Schema: map[string]any{"type": "string", "format": "date"}}
	rs = append(rs,
		route{"GET", Prefix + "/attributes", s.listAttributes, operation{
			ID: "listAttributes", Tag: "attributes", Summary: "List custom account attribute definitions",
			OK: []reply{{Status: 200, Type: attr, List: true}}}},
		route{"GET", Prefix + "/attributes/{key}", s.getAttribute, operation{
			ID: "getAttribute", Tag: "attributes", Summary: "Get a custom attribute definition",
			OK: []reply{{Status: 200, Type: attr}}, Fails: []int{404}}},
		route{"PUT", Prefix + "/attributes/{key}", s.putAttribute, operation{
			ID: "putAttribute", Tag: "attributes", Summary: "Define a custom account attribute, or change one",
			Notes: "The key comes from the path. Values on accounts are checked and converted against the type.",
			Body:  &payload{Type: attr},
			OK: []reply{{Status: 201, Type: attr, Location: true, Desc: "Defined"},
				{Status: 200, Type: attr, Desc: "Changed"}},
			Fails: []int{400, 413, 422}}},
		route{"DELETE", Prefix + "/attributes/{key}", s.deleteAttribute, operation{
			ID: "deleteAttribute", Tag: "attributes", Summary: "Delete a custom attribute definition",
			OK: []reply{{Status: 204}}, Fails: []int{404}}},

		// Retention metrics over the revenue core (issue 7), computed from
		// the stored subscriptions on each request; handlers in metrics.go.
		route{"GET", Prefix + "/metrics/retention", s.getRetention, operation{
			ID: "getRetention", Tag: "metrics", Summary: "Retention metrics of a period, by slice",
			Notes: "The MRR waterfall (start, new, expansion, contraction, churn, reactivation, end) and GRR, NRR, " +
				"logo churn, GDRR, quick ratio and ARPA of one period for every slice of one dimension, computed from " +
				"the subscriptions in the reporting currency (" + retention.Currency + "). Amounts are integer minor units; " +
				"ratios are numbers (0.973 is 97.3%) or null when undefined. The response's `definitions` write out each formula. " +
				"Subscriptions in other currencies are converted with the stored exchange rates (`tend rates set EUR 1.0845`); a currency with no rate is answered 422 naming it.",
			Query: []param{
				{Name: "period", Desc: "The period: 2025-07 (month), 2025-Q3 (quarter), 2025 (year), TTM-2025-07 (trailing twelve months) or 2025-07-01..2025-09-30. Default: the quarter of as_of, to date.", Schema: str},
				{Name: "by", Desc: "The dimension to slice by. Default: all (one slice).", Schema: map[string]any{"type": "string", "enum": revenue.DimensionNames}},
				{Name: "as_of", Desc: "The day the books are closed on (YYYY-MM-DD); nothing later is recognised. Default: today (UTC).", Schema: map[string]any{"type": "string", "format": "date"}},
			},
			OK:    []reply{{Status: 200, Type: reflect.TypeFor[retention.Report]()}},
			Fails: []int{http.StatusBadRequest, http.StatusUnprocessableEntity}}},
		route{"GET", Prefix + "/metrics/retention/contributors", s.getContributors, operation{
			ID: "getRetentionContributors", Tag: "metrics", Summary: "The accounts behind one retention number",
			Notes: "The accounts (or, for the product dimension and the product wallet, account and product lines) that make up one " +
				"component of one slice's metrics, largest first, with amounts (minor units) and counts that add up to the number " +
				"GET /metrics/retention reports (`amount`, `count`).",
			Query: []param{periodParam, byParam, asOfParam,
				{Name: "slice", Desc: "The slice of the dimension. Default: all.", Schema: str},
				{Name: "component", Desc: "The number to open.", Schema: map[string]any{"type": "string", "enum": revenue.Components}},
			},
			OK:    []reply{{Status: 200, Type: reflect.TypeFor[Contributors]()}},
			Fails: []int{http.StatusBadRequest, http.StatusUnprocessableEntity}}},
		route{"GET", Prefix + "/metrics/retention/churn", s.getChurn, operation{
			ID: "getRetentionChurn", Tag: "metrics", Summary: "Churn of a period by reason, in every slice",
			Notes: "Each churn of the period (an account lost, or a product line dropped by an account that stayed) explained by the " +
				"nearest churn record of the same account within 180 days; shares by reason by count and by MRR lost, and the " +
				"controllable and hard-to-affect shares. A churn with no record has reason `unknown` and counts as controllable.",
			Query: []param{periodParam, byParam, asOfParam},
			OK:    []reply{{Status: 200, Type: reflect.TypeFor[retention.ChurnReport]()}},
			Fails: []int{http.StatusBadRequest, http.StatusUnprocessableEntity}}},
		route{"GET", Prefix + "/metrics/retention/pipeline", s.getPipeline, operation{
			ID: "getRetentionPipeline", Tag: "metrics", Summary: "Renewal pipeline by month, and the quarter's forecast retention",
			Notes: "Renewals falling due after as_of, from its month on, each with its forecast: the CSM's renewal call if one was made, " +
				"otherwise from the data (churn when every line is cancelled, renew or expand at what is signed). `forecast` is the " +
				"GRR/NRR of as_of's quarter if every renewal lands as forecast, and with the at-risk ones churning (`downside`).",
			Query: []param{asOfParam, {Name: "months", Desc: "How many months, from as_of's (1–36). Default: 6.", Schema: map[string]any{"type": "integer"}}},
			OK:    []reply{{Status: 200, Type: reflect.TypeFor[retention.PipelineReport]()}},
			Fails: []int{http.StatusBadRequest, http.StatusUnprocessableEntity}}},
		route{"GET", Prefix + "/metrics/retention/cohorts", s.getCohorts, operation{
			ID: "getRetentionCohorts", Tag: "metrics", Summary: "Cohort table of revenue and logo retention",
			Notes: "Accounts grouped by the month they became customers (customer_since, else their first paid day), followed to " +
				"as_of's month: `mrr[k]` and `logos[k]` at the end of the k-th month after the cohort's own.",
			Query: []param{asOfParam, {Name: "months", Desc: "How many start months, ending with as_of's (1–120). Default: 24.", Schema: map[string]any{"type": "integer"}}},
			OK:    []reply{{Status: 200, Type: reflect.TypeFor[retention.CohortReport]()}},
			Fails: []int{http.StatusBadRequest, http.StatusUnprocessableEntity}}},

		// CTAs: the CSMs' work list; handlers in cta.go.
		route{"GET", Prefix + "/ctas", s.listCTAs, operation{
			ID: "listCTAs", Tag: "ctas", Summary: "List calls to action, overdue first, then by priority and due date",
			Notes: "Without status, the CTAs not closed. Paged with next_cursor.",
			Query: []param{
				{Name: "owner", Desc: "me, a user's email, or a user id.", Schema: str},
				{Name: "pool", Desc: "The pool owning the CTAs (tech-touch accounts).", Schema: str},
				{Name: "status", Desc: "open, in_progress, snoozed or closed; repeat for several.", Schema: map[string]any{"type": "string", "enum": []string{"open", "in_progress", "snoozed", "closed"}}},
				{Name: "type", Desc: "The CTA type.", Schema: map[string]any{"type": "string", "enum": []string{"risk", "renewal", "onboarding", "expansion", "advocacy", "lifecycle", "objective"}}},
				{Name: "account_id", Desc: "One account's CTAs.", Schema: map[string]any{"type": "integer"}},
				{Name: "priority", Desc: "1 (urgent) to 4 (low).", Schema: map[string]any{"type": "integer"}},
				{Name: "due_before", Desc: "Due on or before this day (YYYY-MM-DD).", Schema: map[string]any{"type": "string", "format": "date"}},
				{Name: "overdue", Desc: "true: only those still to do and past due.", Schema: map[string]any{"type": "boolean"}},
				{Name: "cursor", Desc: "next_cursor of the previous page.", Schema: str},
				{Name: "limit", Desc: "Page size, 1 to 1000 (default 50).", Schema: map[string]any{"type": "integer"}},
			},
			OK: []reply{{Status: 200, Type: reflect.TypeFor[store.CTARow](), List: true}}, Fails: listFails}},
		route{"POST", Prefix + "/ctas", s.postCTA, operation{
			ID: "openCTA", Tag: "ctas", Summary: "Open a call to action by hand",
			Notes: "Whoever may change the account may open one (a CSM only in their own book). It goes to the account's CSM unless " +
				"owner_id names someone; a playbook adds its tasks.",
			Body:  &payload{Type: reflect.TypeFor[CTAInput]()},
			OK:    []reply{{Status: 201, Type: reflect.TypeFor[store.CTARow](), Location: true, Desc: "Opened"}},
			Fails: createFails}},
		route{"PATCH", Prefix + "/ctas/{id}", s.patchCTA, operation{
			ID: "changeCTA", Tag: "ctas", Summary: "Start, snooze, close, reopen or reassign a call to action",
			Notes: "status in_progress starts it; snoozed needs snoozed_until (after today); closed needs an outcome " +
				"(achieved, not_achieved, not_needed, cleared) and takes a note; owner_id reassigns. A closed CTA does not change. " +
				"Its owner, the account's CSM, leaders and admins may change it.",
			Body:  &payload{Type: reflect.TypeFor[cta.Edit]()},
			OK:    []reply{{Status: 200, Type: reflect.TypeFor[store.CTARow]()}},
			Fails: updateFails}},

		// Product usage (issue 4); handlers in usage.go.
		route{"GET", Prefix + "/accounts/{id}/usage", s.getAccountUsage, operation{
			ID: "getAccountUsage", Tag: "usage", Summary: "An account's product adoption",
			Notes: "DAU, WAU, MAU, stickiness, seat utilisation (MAU ÷ seats of live paid subscriptions), breadth " +
				"(features used in 30 days ÷ features defined), depth (users of high-value features ÷ MAU) and trend " +
				"(events in 30 days vs the 30 before) as of a day, the features used, and DAU/WAU/MAU per day. " +
				"Ratios are null when undefined. `values` holds the named numbers health scorecards read.",
			Query: []param{
				{Name: "as_of", Desc: "The last day of the window (YYYY-MM-DD, UTC). Default: today.", Schema: map[string]any{"type": "string", "format": "date"}},
				{Name: "days", Desc: "Days of activity to list (0 to 730). Default 90.", Schema: map[string]any{"type": "integer"}},
			},
			OK: []reply{{Status: 200, Type: reflect.TypeFor[adoption.Report]()}}, Fails: readFails}},

		// Health scores; handlers in health.go.
		route{"GET", Prefix + "/accounts/{id}/health", s.getAccountHealth, operation{
			ID: "getAccountHealth", Tag: "health", Summary: "An account's health score, explained, with its history",
			Notes: "The current score (0–100, null with not enough data) and colour, which scorecard applied and why, the groups, " +
				"every measure with its raw value, points, weight and effect on the score (`contribution`: points moved from the neutral 50), " +
				"the measures that raised and lowered it and those with no data (with the metric's unit and window), the CSM's latest pulse " +
				"(`pulse_active`: whether it counts today), the change over 7, 30 and 90 days, the history points dated from..to, and what " +
				"changed since the latest score 30 or more days ago. `scored` is false until the account has been scored.",
			Query: []param{
				{Name: "from", Desc: "First day of the history (YYYY-MM-DD). Default: 90 days before to.", Schema: map[string]any{"type": "string", "format": "date"}},
				{Name: "to", Desc: "Last day of the history (YYYY-MM-DD). Default: today.", Schema: map[string]any{"type": "string", "format": "date"}},
			},
			OK: []reply{{Status: 200, Type: reflect.TypeFor[scoring.AccountHealth]()}}, Fails: readFails}},
		route{"POST", Prefix + "/accounts/{id}/pulse", s.postPulse, operation{
			ID: "setAccountPulse", Tag: "health", Summary: "Set the CSM pulse of an account, and rescore it",
			Notes: "The CSM's own colour for the account, with a reason, counting in its score until expires_on (exclusive). " +
				"Who may change the account may set it (a CSM only in their own book). The account is rescored at once; " +
				"the answer holds the pulse and the new score.",
			Body:  &payload{Type: reflect.TypeFor[PulseInput]()},
			OK:    []reply{{Status: 201, Type: reflect.TypeFor[PulseSet](), Desc: "Set"}},
			Fails: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity}}},
		route{"GET", Prefix + "/ingestion/log", s.getIngestionLog, operation{
			ID: "getIngestionLog", Tag: "usage", Summary: "Messages ingestion refused, dropped or did not count, newest first (administrators)",
			Notes: "Reasons: the decoder's (missing_event, bad_timestamp, too_large…), duplicate, held_dropped, contact_ambiguous, contact_invalid.",
			Query: []param{
				{Name: "reason", Desc: "Only entries with this reason.", Schema: str},
				{Name: "before", Desc: "Entries older than this id (next_before of the previous page).", Schema: map[string]any{"type": "integer"}},
				{Name: "limit", Desc: "At most this many (1 to 1000, default 100).", Schema: map[string]any{"type": "integer"}},
			},
			OK: []reply{{Status: 200, Type: reflect.TypeFor[ingestionLogPage]()}}, Fails: listFails}},

		route{"GET", Prefix + "/openapi.json", s.serveOpenAPI, operation{
			ID: "getOpenAPI", Tag: "meta", Summary: "This API's OpenAPI 3.1 document", Public: true,
			OK: []reply{{Status: 200, Desc: "The OpenAPI document", Type: reflect.TypeFor[map[string]any]()}}}},
	)
	return rs
}

// crud lists the seven routes every collection has.
func crud[T any](c *collection[T]) []route {
	p := Prefix + "/" + c.name
	res := &c.resource
	one, many, sing := c.typ, c.name, c.singular
	op := func(id, summary string) operation {
		return operation{ID: id, Summary: summary, Tag: many, res: res}
	}
	list := op("list"+camel(many), "List "+many)
	list.Query, list.Notes, list.Fails = listParams(res), listNotes(res), listFails
	list.OK = []reply{{Status: 200, Type: one, List: true}}

	create := op("create"+camel(sing), "Create "+article(sing))
	create.Body, create.Fails = &payload{Type: one}, createFails
	create.OK = []reply{{Status: 201, Type: one, Location: true, Desc: "Created"}}

	get := op("get"+camel(sing), "Get "+article(sing))
	get.OK, get.Fails = []reply{{Status: 200, Type: one}}, readFails

	patch := op("patch"+camel(sing), "Change some fields of "+article(sing))
	patch.Notes = "The body is a JSON merge patch (RFC 7396) applied to the stored object: given fields replace, null clears, absent fields stay."
	patch.Body, patch.Fails = &payload{Type: one, MergePatch: true}, updateFails
	patch.OK = []reply{{Status: 200, Type: one}}

	replace := op("replace"+camel(sing), "Replace "+article(sing))
	replace.Notes = "Every writable field is set from the body; absent fields become empty. Read-only fields (id, timestamps, derived values) may be sent and are ignored, so a GET body can be PUT back."
	replace.Body, replace.Fails = &payload{Type: one}, updateFails
	replace.OK = []reply{{Status: 200, Type: one}}

	del := op("delete"+camel(sing), "Delete "+article(sing))
	del.OK, del.Fails = []reply{{Status: 204, Desc: "Deleted"}}, readFails

	upsert := op("upsert"+camel(sing), "Create or replace "+article(sing)+" by "+c.spec.Key)
	upsert.Notes = "Creates the object with this " + c.spec.Key + " or replaces the one that has it, so re-importing is idempotent. 201 when created, 200 when replaced."
	upsert.Body, upsert.Fails = &payload{Type: one}, createFails
	upsert.OK = []reply{{Status: 201, Type: one, Location: true, Desc: "Created"}, {Status: 200, Type: one, Desc: "Replaced"}}

	return []route{
		{"GET", p, c.list, list},
		{"POST", p, c.create, create},
		{"GET", p + "/{id}", c.read, get},
		{"PATCH", p + "/{id}", c.patch, patch},
		{"PUT", p + "/{id}", c.replace, replace},
		{"DELETE", p + "/{id}", c.remove, del},
		{"PUT", p + "/external/{external_id}", c.upsert, upsert},
	}
}

// byAccount is GET /accounts/{id}/{name}: c's list filtered on one account.
func byAccount[T any](accounts *collection[customer.Account], c *collection[T]) route {
	res := &c.resource
	return route{"GET", Prefix + "/accounts/{id}/" + c.name, c.listByAccount(accounts.c), operation{
		ID: "listAccount" + camel(c.name), Summary: "List an account's " + c.name, Tag: accounts.name,
		Query: listParams(res), Notes: listNotes(res), res: res,
		OK: []reply{{Status: 200, Type: c.typ, List: true}}, Fails: []int{400, 404}}}
}

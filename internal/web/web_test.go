package web

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/server/edge"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlite/sqlitetest"
)

// evilName is an account name that would run script if not escaped.
const evilName = `<script>alert("x")</script> & Sons`

// fixture is a SQLite store in a temporary directory with a few accounts
// and everything around one of them (Acme).
type fixture struct {
	st    store.Store
	today civil.Date
	ids   map[string]int64         // account name → id
	users map[string]customer.User // email → user
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	f := &fixture{st: st, today: civil.Today(), ids: map[string]int64{}, users: map[string]customer.User{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []customer.User{
		{Email: "ada@tend.test", Name: "Ada Lovelace", Role: "csm"},
		{Email: "grace@tend.test", Name: "Grace Hopper", Role: "csm"},
		{Email: "alan@tend.test", Name: "Alan Turing", Role: "leader"},
		{Email: "rita@tend.test", Name: "Rita Reader", Role: "read_only"},
	} {
		must(st.Users().Create(ctx, &u))
		f.users[u.Email] = u
	}
	for _, d := range []customer.AttributeDef{
		{Key: "plan_code", Label: "Plan code", Type: "text"},
		{Key: "seats_cap", Label: "Seat cap", Type: "number"},
		{Key: "sso", Label: "SSO enabled", Type: "boolean"},
	} {
		must(st.PutAttribute(ctx, &d))
	}
	accounts := []struct {
		a   customer.Account
		mrr int64
		end civil.Date
	}{
		{customer.Account{Name: "Acme Corp", ExternalID: "crm-acme", Industry: "Manufacturing", Region: "EMEA", Employees: 4200,
			Lifecycle: "mature", Tier: "Enterprise", TouchModel: "high", CSMEmail: "ada@tend.test", AEEmail: "alan@tend.test",
			SponsorEmail: "alan@tend.test", CustomerSince: f.today.AddMonths(-30),
			Attributes: map[string]any{"plan_code": "ENT-1", "sso": true, "seats_cap": 500}}, 1200000, f.today.AddDays(45)},
		{customer.Account{Name: "Globex", Industry: "Energy", Region: "NA", Lifecycle: "at_risk", Tier: "Growth",
			TouchModel: "low", CSMEmail: "grace@tend.test"}, 350000, f.today.AddDays(200)},
		{customer.Account{Name: "Initech", Industry: "Software", Region: "NA", Lifecycle: "adopting", Tier: "Starter",
			TouchModel: "tech"}, 80000, f.today.AddDays(10)},
		{customer.Account{Name: evilName, Industry: "Security", Lifecycle: "onboarding", Tier: "Starter", TouchModel: "tech"},
			5000, f.today.AddDays(300)},
		{customer.Account{Name: "Acme Labs", ParentExternalID: "crm-acme", Lifecycle: "onboarding", Tier: "Growth",
			TouchModel: "low", CSMEmail: "ada@tend.test"}, 150000, f.today.AddDays(120)},
	}
	for _, x := range accounts {
		a := x.a
		must(st.Accounts().Create(ctx, &a))
		f.ids[a.Name] = a.ID
		status := "active"
		if a.Name == "Initech" { // has told us it will not renew
			status = "canceled"
		}
		must(st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: a.ID, Product: "Tend Core", Plan: "Annual",
			Quantity: 50, MRR: x.mrr, Currency: "USD", BillingPeriod: "annual", Status: status,
			StartOn: f.today.AddMonths(-12), EndOn: x.end}))
	}
	acme := f.ids["Acme Corp"]
	now := f.today.Time().Add(10 * time.Hour)
	must(st.Subscriptions().Create(ctx, &customer.Subscription{AccountID: acme, Product: "Legacy Reports", Plan: "Monthly",
		Quantity: 5, MRR: 9900, Currency: "USD", Status: "ended", StartOn: f.today.AddMonths(-24), EndOn: f.today.AddMonths(-6)}))
	champion := customer.Contact{AccountID: acme, Name: "Chris Champion", Email: "chris@acme.test", Title: "Head of Ops",
		Roles: []string{"champion", "power_user"}}
	must(st.Contacts().Create(ctx, &champion))
	must(st.Contacts().Create(ctx, &customer.Contact{AccountID: acme, Name: "Erin Buyer", Email: "erin@acme.test",
		Title: "CFO", Roles: []string{"economic_buyer"}, Status: "left", LeftOn: f.today.AddDays(-20)}))
	must(st.Tickets().Create(ctx, &customer.Ticket{AccountID: acme, Subject: "Export times out", Priority: "urgent",
		Status: "open", Escalated: true, OpenedAt: now.AddDate(0, 0, -3)}))
	five := 5
	must(st.Tickets().Create(ctx, &customer.Ticket{AccountID: acme, Subject: "Password reset", Priority: "low",
		Status: "closed", OpenedAt: now.AddDate(0, 0, -40), ClosedAt: now.AddDate(0, 0, -39), CSAT: &five}))
	must(st.Surveys().Create(ctx, &customer.SurveyResponse{AccountID: acme, ContactID: champion.ID, Kind: "nps", Score: 9,
		Comment: "Saves us hours every week", RespondedAt: now.AddDate(0, 0, -5)}))
	must(st.Surveys().Create(ctx, &customer.SurveyResponse{AccountID: acme, Kind: "nps", Score: 3,
		Comment: "Too slow lately", RespondedAt: now.AddDate(0, -3, 0)}))
	must(st.Invoices().Create(ctx, &customer.Invoice{AccountID: acme, Number: "INV-1001", Amount: 1440000, Currency: "USD",
		IssuedOn: f.today.AddDays(-60), DueOn: f.today.AddDays(-30)}))
	must(st.Invoices().Create(ctx, &customer.Invoice{AccountID: acme, Number: "INV-0999", Amount: 1440000, Currency: "USD",
		IssuedOn: f.today.AddDays(-400), DueOn: f.today.AddDays(-370), PaidOn: f.today.AddDays(-372)}))
	must(st.Activities().Create(ctx, &customer.Activity{AccountID: acme, Kind: "qbr", OccurredAt: now.AddDate(0, 0, -10),
		AuthorEmail: "ada@tend.test", Subject: "Q2 business review", Body: "Agreed on adoption goals.", Attendees: []string{"Chris Champion"}}))
	must(st.Activities().Create(ctx, &customer.Activity{AccountID: acme, Kind: "note", OccurredAt: now.AddDate(0, 0, -2),
		AuthorEmail: "ada@tend.test", Subject: "Escalation follow-up", Attendees: []string{"chris@acme.test", "ada@tend.test"}}))
	return f
}

// handler is the web UI over f's store with today pinned and small pages,
// signed in as the CS leader.
func (f *fixture) handler(pageSize int) http.Handler {
	return f.as("alan@tend.test", pageSize)
}

// server is the web UI's server over f's store with today and now pinned
// (ten in the morning) and small pages (0: the default size).
func (f *fixture) server(pageSize int) *server {
	s := newServer(f.st, nil)
	s.today = func() civil.Date { return f.today }
	s.now = func() time.Time { return f.today.Time().Add(10 * time.Hour) }
	if pageSize > 0 {
		s.pageSize = pageSize
	}
	return s
}

// as is the web UI signed in as the fixture's user with this email, as the
// server's middleware will do: the principal in the request's context.
func (f *fixture) as(email string, pageSize int) http.Handler {
	u, ok := f.users[email]
	if !ok {
		panic("fixture has no user " + email)
	}
	return atEdge(withPrincipal(f.server(pageSize).routes(), principalOf(u)))
}

// principalOf is u signed in.
func principalOf(u customer.User) auth.Principal {
	return auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role}
}

// anon is the web UI with nobody signed in.
func (f *fixture) anon() http.Handler { return atEdge(f.server(0).routes()) }

// atEdge puts h behind the edge (request id, security headers, body limit,
// recover), as internal/server does.
func atEdge(h http.Handler) http.Handler { return edge.Handler(nil, h, edge.Options{}) }

// withPrincipal puts p in every request's context before h sees it.
func withPrincipal(h http.Handler, p auth.Principal) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), p)))
	})
}

// post sends a form as a browser does.
func post(t *testing.T, h http.Handler, path string, form url.Values) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body), rec.Result().Header
}

func get(t *testing.T, h http.Handler, path string) (int, string, http.Header) {
	t.Helper()
	return do(t, h, http.MethodGet, path)
}

func do(t *testing.T, h http.Handler, method, path string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body), rec.Result().Header
}

func TestPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.handler(0)
	acme := "/accounts/" + strconv.FormatInt(f.ids["Acme Corp"], 10)
	tests := []struct {
		name    string
		path    string
		status  int
		want    []string
		notWant []string
	}{
		{name: "root redirects", path: "/", status: http.StatusSeeOther},
		{name: "list renders names and money", path: "/accounts", status: 200,
			want: []string{"Acme Corp", "Globex", "Initech", "$12,000.00", "$3,500.00", "5 accounts", "Ada Lovelace", "Grace Hopper", "At risk", "High touch"}},
		{name: "list flags a renewal within 90 days", path: "/accounts?q=initech", status: 200,
			want: []string{`days-soon`, "in 10 days"}},
		{name: "search narrows", path: "/accounts?q=glob", status: 200,
			want: []string{"Globex", "1 account match"}, notWant: []string{"Acme Corp", "Initech"}},
		{name: "search is case-insensitive", path: "/accounts?q=ACME", status: 200,
			want: []string{"Acme Corp", "Acme Labs", "2 accounts match"}, notWant: []string{"Globex"}},
		{name: "search with no match", path: "/accounts?q=nothing-like-this", status: 200,
			want: []string{"No accounts match", "0 accounts match"}},
		{name: "filter by touch model", path: "/accounts?touch=tech", status: 200,
			want: []string{"Initech", "2 accounts match"}, notWant: []string{"Acme Corp", "Globex"}},
		{name: "filter by lifecycle", path: "/accounts?lifecycle=at_risk", status: 200,
			want: []string{"Globex", "1 account match"}, notWant: []string{"Initech"}},
		{name: "filter by tier", path: "/accounts?tier=Growth", status: 200,
			want: []string{"Globex", "Acme Labs", "2 accounts match"}, notWant: []string{"Initech"}},
		{name: "filter by industry", path: "/accounts?industry=Energy", status: 200,
			want: []string{"Globex", "1 account match"}, notWant: []string{"Initech", "Acme Corp"}},
		{name: "filter by region", path: "/accounts?region=NA", status: 200,
			want: []string{"Globex", "Initech", "2 accounts match"}, notWant: []string{"Acme Corp"}},
		{name: "filter by a text attribute", path: "/accounts?attributes.plan_code=ENT-1", status: 200,
			want: []string{"Acme Corp", "1 account match", `<details class="more-filters" open>`}, notWant: []string{"Globex"}},
		{name: "filter by a boolean attribute", path: "/accounts?attributes.sso=yes", status: 200,
			want: []string{"Acme Corp", "1 account match"}, notWant: []string{"Acme Labs"}},
		{name: "filter by owner", path: "/accounts?csm=ada@tend.test", status: 200,
			want: []string{"Acme Corp", "Acme Labs", "2 accounts match"}, notWant: []string{"Globex"}},
		{name: "accounts no CSM owns", path: "/accounts?csm=none", status: 200,
			want: []string{"Initech", "2 accounts match"}, notWant: []string{"Globex", "Acme Corp"}},
		{name: "renewal window from today", path: "/accounts?renews_within=60", status: 200,
			want: []string{"Initech", "Acme Corp", "2 accounts match"}, notWant: []string{"Globex", "Acme Labs"}},
		{name: "renewal window narrows the dates given", path: "/accounts?renews_within=90&renewal_from=" + f.today.AddDays(20).String(), status: 200,
			want: []string{"Acme Corp", "1 account match"}, notWant: []string{"Initech", "Globex"}},
		{name: "filters combine", path: "/accounts?tier=Growth&touch=low&lifecycle=onboarding", status: 200,
			want: []string{"Acme Labs", "1 account match"}, notWant: []string{"Globex"}},
		{name: "the attribute filters are offered", path: "/accounts", status: 200,
			want: []string{`<label for="f-attr-plan_code">Plan code</label>`, `name="attributes.sso"`, `<option value="Energy">`, `<option value="EMEA">`}},
		{name: "export link carries the view, not the page", path: "/accounts?tier=Growth&sort=name", status: 200,
			want: []string{`href="/accounts.csv?sort=name&amp;tier=Growth"`}},
		{name: "unknown attribute is a 400 page", path: "/accounts?attributes.colour=red", status: 400,
			want: []string{"<code>attributes.colour</code>"}},
		{name: "bad attribute value is a 400 page", path: "/accounts?attributes.seats_cap=lots", status: 400,
			want: []string{"attributes.seats_cap", "not a number"}},
		{name: "bad renewal window is a 400 page", path: "/accounts?renews_within=45", status: 400,
			want: []string{"<code>renews_within</code>"}},
		{name: "tier filter offers every tier", path: "/accounts", status: 200,
			want: []string{`<option value="Enterprise">`, `<option value="Growth">`, `<option value="Starter">`}},
		{name: "bad sort is a 400 page", path: "/accounts?sort=bogus", status: 400,
			want: []string{"That link has a problem", "<code>sort</code>", "bogus"}, notWant: []string{"goroutine"}},
		{name: "bad touch model is a 400 page", path: "/accounts?touch=warm", status: 400,
			want: []string{"<code>touch</code>"}},
		{name: "every bad parameter is reported at once", path: "/accounts?sort=x&touch=warm&lifecycle=zombie", status: 400,
			want: []string{"<code>sort</code>", "<code>touch</code>", "<code>lifecycle</code>"}},
		{name: "bad lifecycle is a 400 page", path: "/accounts?lifecycle=zombie", status: 400,
			want: []string{"<code>lifecycle</code>"}},
		{name: "bad cursor is a 400 page", path: "/accounts?cursor=not-a-cursor", status: 400,
			want: []string{"<code>cursor</code>"}},
		{name: "account page shows each section", path: acme, status: 200,
			want: []string{
				"With subsidiaries: $13,500.00 MRR",                             // parent and children, rolled up
				"<h1>Acme Corp</h1>", "$12,000.00", "$144,000.00", "in 45 days", // MRR, ARR, renewal
				"Enterprise", "High touch", "Mature", "Manufacturing", "EMEA", "4,200 employees",
				"Ada Lovelace", "alan@tend.test", "2 years, 6 months", "crm-acme",
				"Acme Labs",                                        // child
				"Tend Core", "Legacy Reports", `class="row-muted"`, // subscriptions, ended muted
				"Champion", "Chris Champion", "Economic buyer", "Erin Buyer", "Left on", "1 person has left", // contacts
				"Export times out", "Escalated", "Urgent", "Password reset", "5/5", // tickets
				"score-good", "Promoter", "score-bad", "Detractor", "Saves us hours every week", // surveys
				"INV-1001", "Overdue 30 days", "INV-0999", "Paid", // invoices
				"Q2 business review", "Escalation follow-up", "QBR", "With Chris Champion", `By <span title="ada@tend.test">Ada Lovelace</span>`, "With Chris Champion, Ada Lovelace", // timeline
			}},
		{name: "child links to parent", path: "/accounts/" + strconv.FormatInt(f.ids["Acme Labs"], 10), status: 200,
			want: []string{`href="` + acme + `"`, "$12,000.00", "No tickets yet", "No contacts yet", "No survey answers yet", "No invoices yet", "Nothing on the timeline yet"}},
		{name: "a cancelled contract shows when it ends", path: "/accounts/" + strconv.FormatInt(f.ids["Initech"], 10), status: 200,
			want: []string{"Contract ends", "in 10 days · will not renew", "Cancelled"}},
		{name: "a live contract shows its renewal", path: acme, status: 200,
			want: []string{"<dt>Renewal</dt>"}, notWant: []string{"Contract ends"}},
		{name: "missing account is a 404 page", path: "/accounts/999999", status: 404,
			want: []string{"Account not found"}},
		{name: "non-numeric account id is a 404 page", path: "/accounts/abc", status: 404,
			want: []string{"Account not found"}},
		{name: "unknown path is a 404 page", path: "/nowhere", status: 404,
			want: []string{"Page not found"}},
		{name: "stylesheet is served", path: "/static/tend.css", status: 200, want: []string{"--accent"}},
		{name: "no directory listing", path: "/static/", status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, body, _ := get(t, h, tc.path)
			if code != tc.status {
				t.Fatalf("GET %s: status %d, want %d\n%s", tc.path, code, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) && !strings.Contains(html.UnescapeString(body), w) {
					t.Errorf("GET %s: body lacks %q", tc.path, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("GET %s: body has %q", tc.path, w)
				}
			}
		})
	}
}

// TestSortOrder checks the order rows come in for each sort.
func TestSortOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.handler(0)
	tests := []struct {
		sort string
		want []string
	}{
		{"", []string{"Acme Corp", "Globex", "Acme Labs", "Initech"}},
		{"mrr", []string{"Acme Corp", "Globex", "Acme Labs", "Initech"}},
		{"renewal", []string{"Initech", "Acme Corp", "Acme Labs", "Globex"}},
		{"name", []string{"Acme Corp", "Acme Labs", "Globex", "Initech"}},
	}
	for _, tc := range tests {
		t.Run(tc.sort, func(t *testing.T) {
			t.Parallel()
			code, body, _ := get(t, h, "/accounts?sort="+tc.sort)
			if code != 200 {
				t.Fatalf("status %d", code)
			}
			got := rowNames(body)
			var kept []string
			for _, n := range got {
				if n != evilName {
					kept = append(kept, n)
				}
			}
			if strings.Join(kept, "|") != strings.Join(tc.want, "|") {
				t.Errorf("sort=%s: rows %q, want %q", tc.sort, kept, tc.want)
			}
		})
	}
}

var rowName = regexp.MustCompile(`<th scope="row" class="name"><a href="/accounts/\d+">([^<]*)</a>`)
var nextLink = regexp.MustCompile(`<a class="button" href="([^"]*)" rel="next">`)

// rowNames are the account names in a list page, in order, unescaped.
func rowNames(body string) []string {
	var out []string
	for _, m := range rowName.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// TestPagination follows "Next page" links to the end and checks that
// every account is seen once, in order, with the filters kept.
func TestPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.handler(2)
	var seen []string
	path := "/accounts?sort=name"
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("too many pages")
		}
		code, body, _ := get(t, h, path)
		if code != 200 {
			t.Fatalf("GET %s: status %d\n%s", path, code, body)
		}
		names := rowNames(body)
		if len(names) == 0 || len(names) > 2 {
			t.Fatalf("GET %s: %d rows", path, len(names))
		}
		if pages > 0 && !strings.Contains(body, "First page") {
			t.Errorf("GET %s: no link back to the first page", path)
		}
		if want := "showing " + strconv.Itoa(len(seen)+1) + "–" + strconv.Itoa(len(seen)+len(names)); !strings.Contains(body, want) {
			t.Errorf("GET %s: body lacks %q", path, want)
		}
		seen = append(seen, names...)
		path = ""
		if m := nextLink.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
			if !strings.Contains(path, "sort=name") || !strings.Contains(path, "cursor=") {
				t.Errorf("next link %q lost the sort or has no cursor", path)
			}
		}
	}
	want := []string{evilName, "Acme Corp", "Acme Labs", "Globex", "Initech"}
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Errorf("pages gave %q, want %q", seen, want)
	}
}

// TestEscaping checks that an account name is text, never markup, on the
// list and on its own page.
func TestEscaping(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.handler(0)
	for _, path := range []string{"/accounts", "/accounts/" + strconv.FormatInt(f.ids[evilName], 10), "/accounts?q=" + "%3Cscript%3E"} {
		code, body, _ := get(t, h, path)
		if code != 200 {
			t.Fatalf("GET %s: status %d", path, code)
		}
		if strings.Contains(body, "<script") {
			t.Errorf("GET %s: unescaped script tag in page", path)
		}
		if !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("GET %s: escaped name missing", path)
		}
	}
}

// TestServerError checks that a failing store gives a 500 page with a
// request id and no detail of the error.
func TestServerError(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.handler(0)
	f.st.Close() // every query now fails
	code, body, hdr := get(t, h, "/accounts")
	if code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", code)
	}
	id := hdr.Get("X-Request-Id")
	if id == "" || !strings.Contains(body, id) {
		t.Errorf("page does not show the request id %q", id)
	}
	for _, leak := range []string{"sql", "closed", "goroutine", ".go:"} {
		if strings.Contains(strings.ToLower(body), leak) {
			t.Errorf("500 page leaks %q", leak)
		}
	}
}

// TestMethods checks that pages only answer reads.
func TestMethods(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.handler(0)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodHead, "/accounts", http.StatusOK},
		{http.MethodPost, "/accounts", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/accounts/1", http.StatusMethodNotAllowed},
	} {
		if code, _, _ := do(t, h, tc.method, tc.path); code != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, code, tc.status)
		}
	}
}

// TestHeaders checks the security headers every page carries (set by the
// edge, which internal/server puts in front).
func TestHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, _, hdr := get(t, f.handler(0), "/accounts")
	for k, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
	} {
		if got := hdr.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("CSP = %q", hdr.Get("Content-Security-Policy"))
	}
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{relDays(0), "today"}, {relDays(1), "tomorrow"}, {relDays(-1), "yesterday"},
		{relDays(1200), "in 1,200 days"}, {relDays(-3), "3 days ago"},
		{tenure(5), "5 days"}, {tenure(40), "1 month"}, {tenure(365), "1 year"}, {tenure(500), "1 year, 4 months"},
		{label("at_risk"), "At risk"}, {label("economic_buyer"), "Economic buyer"}, {label("qbr"), "QBR"}, {label(""), ""},
		{thousands(1234567), "1,234,567"}, {thousands(-1000), "-1,000"}, {thousands(999), "999"},
		{displayDate(civil.Date{Year: 2025, Month: 3, Day: 4}), "Mar 4, 2025"}, {displayDate(civil.Date{}), "—"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

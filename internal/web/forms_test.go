package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// has reports whether body contains s, as written or once unescaped.
func has(body, s string) bool {
	return strings.Contains(body, s) || strings.Contains(html.UnescapeString(body), s)
}

var eventSubject = regexp.MustCompile(`<strong class="event-subject">([^<]*)</strong>`)

// TestLogActivity: who may log on the timeline, what a mistake looks like
// (422, the values kept, each message beside its field) and where a good
// entry lands (the top of the timeline).
func TestLogActivity(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	acme := "/accounts/" + strconv.FormatInt(f.ids["Acme Corp"], 10)
	day := f.today.String()
	tests := []struct {
		name     string
		as       string // "" for nobody signed in
		path     string
		form     url.Values
		status   int
		location string
		want     []string
		notWant  []string
		// top is the subject that must then head the account's timeline.
		top string
	}{
		{name: "the CSM logs a call", as: "ada@tend.test", path: acme + "/activities",
			form:   url.Values{"kind": {"call"}, "occurred_on": {day}, "occurred_time": {"11:30"}, "subject": {"Renewal call with Chris"}, "body": {"Budget approved."}, "attendees": {"Chris Champion, erin@acme.test"}},
			status: http.StatusSeeOther, location: acme + "#timeline", top: "Renewal call with Chris"},
		{name: "a leader logs on any account", as: "alan@tend.test", path: acme + "/activities",
			form:   url.Values{"kind": {"meeting"}, "occurred_on": {day}, "occurred_time": {"12:00"}, "subject": {"Exec sync"}},
			status: http.StatusSeeOther, location: acme + "#timeline", top: "Exec sync"},
		{name: "nothing said is a 422 with the message beside the notes", as: "ada@tend.test", path: acme + "/activities",
			form:   url.Values{"kind": {"note"}, "occurred_on": {day}, "occurred_time": {"09:00"}, "attendees": {"Chris Champion"}},
			status: http.StatusUnprocessableEntity,
			want: []string{
				`<details class="log" id="log" open>`, "There is a problem", `<a href="#log-body">Say what happened (a subject or a body)</a>`,
				`<p class="field-error" id="log-body-error"><span class="sr-only">Error: </span>Say what happened (a subject or a body)</p>`,
				`aria-describedby="log-body-hint log-body-error" aria-invalid="true"`,
				`value="Chris Champion"`, // typed values are kept
				"Q2 business review",     // and the rest of the page is there
			}},
		{name: "a bad day and kind are each shown beside their field", as: "ada@tend.test", path: acme + "/activities",
			form:   url.Values{"kind": {"telegram"}, "occurred_on": {"2025-02-30"}, "subject": {"Kept subject"}},
			status: http.StatusUnprocessableEntity,
			want: []string{"There are 2 problems", `id="log-kind-error"`, `"telegram" is not one of note, call`, `id="log-on-error"`,
				`"2025-02-30" is not a date`, `value="Kept subject"`, `aria-describedby="log-on-error" aria-invalid="true"`},
			notWant: []string{`id="log-subject-error"`}},
		{name: "a bad time of day", as: "ada@tend.test", path: acme + "/activities",
			form:   url.Values{"kind": {"call"}, "occurred_on": {day}, "occurred_time": {"25:99"}, "subject": {"x"}},
			status: http.StatusUnprocessableEntity, want: []string{`id="log-on-error"`, "write it as HH:MM"}},
		{name: "no day", as: "ada@tend.test", path: acme + "/activities",
			form:   url.Values{"kind": {"call"}, "subject": {"x"}},
			status: http.StatusUnprocessableEntity, want: []string{`id="log-on-error"`, "Date is required"}},
		{name: "another CSM's account is forbidden", as: "grace@tend.test", path: acme + "/activities",
			form:   url.Values{"kind": {"note"}, "occurred_on": {day}, "subject": {"Sneaky"}},
			status: http.StatusForbidden, want: []string{"You can't do that", "CSMs can change only the accounts in their own book."}},
		{name: "a read-only user is forbidden", as: "rita@tend.test", path: acme + "/activities",
			form:   url.Values{"kind": {"note"}, "occurred_on": {day}, "subject": {"Sneaky"}},
			status: http.StatusForbidden, want: []string{"You can't do that", "Your role is read-only."}},
		{name: "nobody signed in goes to sign in, back to the account after", path: acme + "/activities",
			form:   url.Values{"kind": {"note"}, "occurred_on": {day}, "subject": {"Anon"}},
			status: http.StatusSeeOther, location: "/signin?next=%2F"},
		{name: "a missing account", as: "alan@tend.test", path: "/accounts/999999/activities",
			form: url.Values{"kind": {"note"}, "occurred_on": {day}, "subject": {"x"}}, status: http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the cases add to one timeline and read its top.
			h := f.anon()
			if tc.as != "" {
				h = f.as(tc.as, 0)
			}
			code, body, hdr := post(t, h, tc.path, tc.form)
			if code != tc.status {
				t.Fatalf("POST %s: status %d, want %d\n%s", tc.path, code, tc.status, body)
			}
			if got := hdr.Get("Location"); got != tc.location {
				t.Errorf("Location %q, want %q", got, tc.location)
			}
			for _, w := range tc.want {
				if !has(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if has(body, w) {
					t.Errorf("body has %q", w)
				}
			}
			if tc.top != "" {
				_, page, _ := get(t, h, acme)
				m := eventSubject.FindStringSubmatch(page)
				if m == nil || html.UnescapeString(m[1]) != tc.top {
					t.Errorf("timeline starts with %v, want %q", m, tc.top)
				}
			}
		})
	}
	// The entry is stored with its author, time and attendees.
	acts, err := f.st.Activities().List(context.Background(), listAll("account_id", strconv.FormatInt(f.ids["Acme Corp"], 10)))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, a := range acts.Items {
		if a.Subject != "Renewal call with Chris" {
			continue
		}
		found = true
		if a.AuthorEmail != "ada@tend.test" || a.Kind != "call" || !a.OccurredAt.Equal(f.today.Time().Add(11*time.Hour+30*time.Minute)) ||
			strings.Join(a.Attendees, "|") != "Chris Champion|erin@acme.test" || a.Body != "Budget approved." {
			t.Errorf("stored activity %+v", a)
		}
	}
	if !found {
		t.Error("the logged call was not stored")
	}
	for _, a := range acts.Items {
		if a.Subject == "Sneaky" || a.Subject == "Anon" {
			t.Errorf("a refused activity was stored: %+v", a)
		}
	}
}

// TestAccountFormsShown: the log form and the edit link appear only for
// those who may use them. (Nobody reads a page without signing in: see
// TestSignInRequired.)
func TestAccountFormsShown(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	acme := "/accounts/" + strconv.FormatInt(f.ids["Acme Corp"], 10)
	for _, tc := range []struct {
		as    string
		shown bool
	}{{"ada@tend.test", true}, {"alan@tend.test", true}, {"grace@tend.test", false}, {"rita@tend.test", false}} {
		code, body, _ := get(t, f.as(tc.as, 0), acme)
		if code != 200 {
			t.Fatalf("%s: status %d", tc.as, code)
		}
		for _, w := range []string{`action="` + acme + `/activities#log"`, `href="` + acme + `/edit"`} {
			if got := strings.Contains(body, w); got != tc.shown {
				t.Errorf("as %q: %s shown %v, want %v", tc.as, w, got, tc.shown)
			}
		}
		if tc.shown && !strings.Contains(body, `<label for="log-subject">Subject</label>`) {
			t.Errorf("as %q: the log form's fields have no labels", tc.as)
		}
	}
}

// listAll is a query for every row whose field equals value.
func listAll(field, value string) store.Query {
	return store.Query{Filters: []store.Filter{{Field: field, Op: store.Eq, Value: value}}, Limit: 1000}
}

// TestEditAccount: who may open and save the edit form, what each may
// change (only leaders and admins reassign the CSM), mistakes shown beside
// their fields, and what is stored.
func TestEditAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	acmeID := f.ids["Acme Corp"]
	acme := "/accounts/" + strconv.FormatInt(acmeID, 10)
	id := func(email string) string { return strconv.FormatInt(f.users[email].ID, 10) }
	// form is the edit form as the page fills it for Acme, changed by set.
	form := func(set map[string]string) url.Values {
		v := url.Values{
			"name": {"Acme Corp"}, "lifecycle": {"mature"}, "touch_model": {"high"}, "tier": {"Enterprise"},
			"industry": {"Manufacturing"}, "region": {"EMEA"}, "employees": {"4200"}, "customer_since": {f.today.AddMonths(-30).String()},
			"ae_id": {id("alan@tend.test")}, "sponsor_id": {id("alan@tend.test")},
			"attributes.plan_code": {"ENT-1"}, "attributes.seats_cap": {"500"}, "attributes.sso": {"true"},
		}
		for k, s := range set {
			v.Set(k, s)
		}
		return v
	}

	gets := []struct {
		name, as string
		status   int
		want     []string
		notWant  []string
	}{
		{name: "the CSM sees the form, the CSM fixed", as: "ada@tend.test", status: 200, want: []string{
			"<h1>Edit Acme Corp</h1>", `<label for="edit-name">Name</label>`, `value="Acme Corp"`, `<label for="attr-seats_cap">Seat cap</label>`,
			`value="500"`, `<option value="true" selected>Yes</option>`, `<option value="Enterprise"></option>`, // custom fields, suggestions
			`aria-describedby="edit-csm-hint" disabled`, "Only a CS leader or an administrator can reassign the CSM."}},
		{name: "a leader may reassign the CSM", as: "alan@tend.test", status: 200,
			want:    []string{`<select id="edit-csm" name="csm_id">`, `<option value="` + id("ada@tend.test") + `" selected>Ada Lovelace</option>`},
			notWant: []string{"Only a CS leader"}},
		{name: "another CSM is forbidden", as: "grace@tend.test", status: http.StatusForbidden, want: []string{"You can't do that"}},
		{name: "a read-only user is forbidden", as: "rita@tend.test", status: http.StatusForbidden, want: []string{"Your role is read-only."}},
	}
	for _, tc := range gets {
		t.Run("GET "+tc.name, func(t *testing.T) {
			code, body, _ := get(t, f.as(tc.as, 0), acme+"/edit")
			if code != tc.status {
				t.Fatalf("status %d, want %d\n%s", code, tc.status, body)
			}
			for _, w := range tc.want {
				if !has(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if has(body, w) {
					t.Errorf("body has %q", w)
				}
			}
		})
	}
	if code, _, hdr := get(t, f.anon(), acme+"/edit"); code != http.StatusSeeOther || hdr.Get("Location") != "/signin?next="+url.QueryEscape(acme+"/edit") {
		t.Errorf("GET edit with nobody signed in: %d to %q", code, hdr.Get("Location"))
	}

	posts := []struct {
		name, as string
		form     url.Values
		status   int
		location string
		want     []string
		notWant  []string
		// check looks at the stored account afterwards.
		check func(t *testing.T, a customer.Account)
	}{
		{name: "another CSM cannot save", as: "grace@tend.test", form: form(map[string]string{"name": "Hijacked"}),
			status: http.StatusForbidden, want: []string{"CSMs can change only the accounts in their own book."},
			check: func(t *testing.T, a customer.Account) {
				if a.Name != "Acme Corp" {
					t.Errorf("name %q after a refused save", a.Name)
				}
			}},
		{name: "a read-only user cannot save", as: "rita@tend.test", form: form(map[string]string{"name": "Hijacked"}),
			status: http.StatusForbidden},
		{name: "a CSM cannot hand the account to someone else", as: "ada@tend.test",
			form: form(map[string]string{"csm_id": id("grace@tend.test"), "name": "Moved"}), status: http.StatusForbidden,
			want: []string{"Only a CS leader or an administrator can reassign an account&#39;s CSM."},
			check: func(t *testing.T, a customer.Account) {
				if a.CSMEmail != "ada@tend.test" || a.Name != "Acme Corp" {
					t.Errorf("after a refused reassignment: CSM %q, name %q", a.CSMEmail, a.Name)
				}
			}},
		{name: "mistakes are shown beside their fields, values kept", as: "ada@tend.test",
			form:   form(map[string]string{"name": " ", "employees": "many", "customer_since": "2024-13-40", "attributes.seats_cap": "lots", "region": "Kept region"}),
			status: http.StatusUnprocessableEntity,
			want: []string{
				"There are 4 problems",
				`<p class="field-error" id="edit-name-error"><span class="sr-only">Error: </span>Name is required</p>`,
				`id="edit-employees-error"`, `Employees must be a whole number (got "many")`,
				`id="edit-since-error"`, `id="attr-seats_cap-error"`, `"lots" is not a number`,
				`aria-describedby="edit-employees-error" aria-invalid="true"`,
				`value="Kept region"`, `value="many"`,
				`<a href="#edit-name">Name is required</a>`,
			},
			check: func(t *testing.T, a customer.Account) {
				if a.Region != "EMEA" || a.Employees != 4200 {
					t.Errorf("a failed save changed the account: %+v", a)
				}
			}},
		{name: "an unknown owner is shown beside the owner", as: "alan@tend.test",
			form: form(map[string]string{"ae_id": "987654"}), status: http.StatusUnprocessableEntity,
			want: []string{`id="edit-ae-error"`, "No user with id 987654",
				// the CSM was not sent, so it stays as it is, not "No CSM"
				`<option value="` + id("ada@tend.test") + `" selected>Ada Lovelace</option>`}},
		{name: "the CSM edits fields and custom attributes", as: "ada@tend.test",
			form: form(map[string]string{"name": "Acme Corporation", "tier": "Strategic", "lifecycle": "at_risk", "employees": "4,500",
				"sponsor_id": "", "attributes.seats_cap": "750", "attributes.sso": "", "attributes.plan_code": "ENT-2"}),
			status: http.StatusSeeOther, location: acme + "?saved=1",
			check: func(t *testing.T, a customer.Account) {
				if a.Name != "Acme Corporation" || a.Tier != "Strategic" || a.Lifecycle != "at_risk" || a.Employees != 4500 ||
					a.SponsorID != 0 || a.CSMEmail != "ada@tend.test" || a.ParentID != 0 {
					t.Errorf("stored %+v", a)
				}
				if a.Attributes["seats_cap"] != 750.0 || a.Attributes["plan_code"] != "ENT-2" || a.Attributes["sso"] != nil {
					t.Errorf("stored attributes %v", a.Attributes)
				}
				if a.MRR != 1200000 { // derived, untouched
					t.Errorf("MRR %d", a.MRR)
				}
			}},
		{name: "a leader reassigns the CSM", as: "alan@tend.test",
			form:   form(map[string]string{"name": "Acme Corporation", "csm_id": id("grace@tend.test")}),
			status: http.StatusSeeOther, location: acme + "?saved=1",
			check: func(t *testing.T, a customer.Account) {
				if a.CSMEmail != "grace@tend.test" {
					t.Errorf("CSM %q after reassignment", a.CSMEmail)
				}
			}},
		{name: "the former CSM may no longer edit it", as: "ada@tend.test", form: form(nil), status: http.StatusForbidden},
	}
	for _, tc := range posts {
		t.Run("POST "+tc.name, func(t *testing.T) {
			code, body, hdr := post(t, f.as(tc.as, 0), acme+"/edit", tc.form)
			if code != tc.status {
				t.Fatalf("status %d, want %d\n%s", code, tc.status, body)
			}
			if got := hdr.Get("Location"); got != tc.location {
				t.Errorf("Location %q, want %q", got, tc.location)
			}
			for _, w := range tc.want {
				if !has(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if has(body, w) {
					t.Errorf("body has %q", w)
				}
			}
			if tc.check != nil {
				a, err := f.st.Accounts().Get(ctx, acmeID)
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, a)
			}
		})
	}
	// After saving, the account page says so.
	if _, body, _ := get(t, f.handler(0), acme+"?saved=1"); !strings.Contains(body, "Changes saved.") {
		t.Error("no confirmation after saving")
	}
}

package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var deleteAction = regexp.MustCompile(`<form method="post" action="(/[a-z]+/views/\d+/delete)">`)

// TestSavedViews: save the view a page shows under a name, find it listed
// as a link (marked when it is the view on show), replace it, delete it;
// each user sees only their own; a missing name is shown beside the field.
func TestSavedViews(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, page := range []string{"accounts", "portfolio"} {
		t.Run(page, func(t *testing.T) {
			t.Parallel()
			base := "/" + page
			ada, grace := f.as("ada@tend.test", 0), f.as("grace@tend.test", 0)
			steps := []struct {
				name     string
				h        http.Handler
				method   string
				path     string
				form     url.Values
				status   int
				location string
				want     []string
				notWant  []string
			}{
				{name: "no views yet", h: ada, method: "GET", path: base, status: 200,
					want: []string{"None yet.", `<label for="view-name">Name this view</label>`}},
				{name: "save the view on show, without its page", h: ada, method: "POST", path: base + "/views",
					form:   url.Values{"name": {"Growth by renewal"}, "query": {"sort=renewal&tier=Growth&cursor=&page=3"}},
					status: http.StatusSeeOther, location: base + "?sort=renewal&tier=Growth"},
				{name: "it is listed and marked current", h: ada, method: "GET", path: base + "?sort=renewal&tier=Growth", status: 200,
					want: []string{`<a href="` + base + `?sort=renewal&amp;tier=Growth" aria-current="page">Growth by renewal</a>`,
						`aria-label="Delete the saved view “Growth by renewal”"`}},
				{name: "elsewhere it is a plain link", h: ada, method: "GET", path: base, status: 200,
					want: []string{`<a href="` + base + `?sort=renewal&amp;tier=Growth">Growth by renewal</a>`}, notWant: []string{"None yet."}},
				{name: "others do not see it", h: grace, method: "GET", path: base, status: 200,
					notWant: []string{"Growth by renewal"}},
				{name: "the same name replaces it", h: ada, method: "POST", path: base + "/views",
					form:   url.Values{"name": {"Growth by renewal"}, "query": {"tier=Growth"}},
					status: http.StatusSeeOther, location: base + "?tier=Growth"},
				{name: "replaced, not added", h: ada, method: "GET", path: base, status: 200,
					want: []string{`<a href="` + base + `?tier=Growth">Growth by renewal</a>`}, notWant: []string{"sort=renewal&amp;tier=Growth"}},
				{name: "a name is needed, said beside the field", h: ada, method: "POST", path: base + "/views",
					form: url.Values{"name": {"  "}, "query": {"lifecycle=mature"}}, status: http.StatusUnprocessableEntity,
					want: []string{`<p class="field-error" id="view-name-error"><span class="sr-only">Error: </span>Name this view is required</p>`,
						`aria-describedby="view-name-error" aria-invalid="true"`, `<option value="mature" selected>`}},
				{name: "a bad query is refused", h: ada, method: "POST", path: base + "/views",
					form: url.Values{"name": {"Bad"}, "query": {"sort=sideways"}}, status: http.StatusBadRequest, want: []string{"<code>sort</code>"}},
				{name: "nobody signed in goes to sign in", h: f.anon(), method: "POST", path: base + "/views",
					form: url.Values{"name": {"x"}, "query": {""}}, status: http.StatusSeeOther, location: "/signin?next=%2F"},
			}
			for _, st := range steps {
				var (
					code int
					body string
					hdr  http.Header
				)
				if st.method == "POST" {
					code, body, hdr = post(t, st.h, st.path, st.form)
				} else {
					code, body, hdr = get(t, st.h, st.path)
				}
				if code != st.status {
					t.Fatalf("%s: %s %s: status %d, want %d\n%s", st.name, st.method, st.path, code, st.status, body)
				}
				if got := hdr.Get("Location"); got != st.location {
					t.Errorf("%s: Location %q, want %q", st.name, got, st.location)
				}
				for _, w := range st.want {
					if !strings.Contains(body, w) {
						t.Errorf("%s: body lacks %q", st.name, w)
					}
				}
				for _, w := range st.notWant {
					if strings.Contains(body, w) {
						t.Errorf("%s: body has %q", st.name, w)
					}
				}
			}

			// Delete: not someone else's; then one's own, back to the view on show.
			_, body, _ := get(t, ada, base)
			m := deleteAction.FindStringSubmatch(body)
			if m == nil {
				t.Fatal("no delete button")
			}
			del := html.UnescapeString(m[1])
			if code, _, _ := post(t, grace, del, url.Values{"query": {""}}); code != http.StatusNotFound {
				t.Errorf("deleting another user's view: status %d, want 404", code)
			}
			other := strings.Replace(del, base+"/", "/"+map[string]string{"accounts": "portfolio", "portfolio": "accounts"}[page]+"/", 1)
			if code, _, _ := post(t, ada, other, url.Values{"query": {""}}); code != http.StatusNotFound {
				t.Errorf("deleting a view through another page's address: status %d, want 404", code)
			}
			code, _, hdr := post(t, ada, del, url.Values{"query": {"lifecycle=mature"}})
			if code != http.StatusSeeOther || hdr.Get("Location") != base+"?lifecycle=mature" {
				t.Errorf("delete: %d to %q", code, hdr.Get("Location"))
			}
			if _, body, _ := get(t, ada, base); strings.Contains(body, "Growth by renewal") || !strings.Contains(body, "None yet.") {
				t.Error("the deleted view is still listed")
			}
			if code, _, _ := post(t, ada, del, nil); code != http.StatusNotFound {
				t.Errorf("deleting twice: status %d, want 404", code)
			}
		})
	}
}

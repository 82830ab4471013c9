package web

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
)

// testLeader is who page tests are signed in as unless they say otherwise:
// a leader reads everything and may edit any account.
var testLeader = auth.Principal{UserID: 3, Email: "alan@tend.test", Name: "Alan Turing", Role: customer.RoleLeader}

// as serves h to p, as internal/server's authentication would after
// reading a session cookie. The cookie-to-principal path itself is tested
// over real HTTP in internal/server.
func as(p auth.Principal, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), p)))
	})
}

// TestSignInRequired: every page but sign-in and the static files sends
// someone not signed in to sign in, and back afterwards.
func TestSignInRequired(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.anon()
	acme := "/accounts/" + strconv.FormatInt(f.ids["Acme Corp"], 10)
	for _, path := range []string{"/", "/accounts?q=acme", acme, acme + "/edit", "/portfolio", "/dashboard", "/accounts.csv", "/admin/users", "/settings/password", "/nowhere"} {
		code, _, hdr := get(t, h, path)
		if want := "/signin?next=" + url.QueryEscape(path); code != http.StatusSeeOther || hdr.Get("Location") != want {
			t.Errorf("GET %s: %d → %q, want 303 → %q", path, code, hdr.Get("Location"), want)
		}
	}
	for _, path := range []string{"/signin", "/static/tend.css"} {
		if code, _, _ := get(t, h, path); code != 200 {
			t.Errorf("GET %s: %d, want 200", path, code)
		}
	}
}

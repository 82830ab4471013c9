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

// TestLanding: someone who signs in with no page in mind, or opens /,
// lands on their work — a CSM on their portfolio, everyone else on the
// dashboard — while a safe next is still followed.
func TestLanding(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	admin := customer.User{Email: "ava@tend.test", Name: "Ava Admin", Role: customer.RoleAdmin}
	if err := f.st.Users().Create(ctx, &admin); err != nil {
		t.Fatal(err)
	}
	f.users[admin.Email] = admin
	const password = "a long enough password"
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	h := f.anon()
	for _, tc := range []struct{ email, want string }{
		{"ada@tend.test", "/cockpit"},
		{"alan@tend.test", "/dashboard"},
		{"ava@tend.test", "/dashboard"},
		{"rita@tend.test", "/dashboard"},
	} {
		u := f.users[tc.email]
		if err := f.st.SetPassword(ctx, u.ID, hash, false, nil); err != nil {
			t.Fatal(err)
		}
		for _, next := range []string{"", "/", "https://evil.example/"} {
			code, body, hdr := post(t, h, "/signin", url.Values{"email": {tc.email}, "password": {password}, "next": {next}})
			if code != http.StatusSeeOther || hdr.Get("Location") != tc.want {
				t.Errorf("%s (%s) signs in with next=%q: %d → %q, want 303 → %q\n%s", tc.email, u.Role, next, code, hdr.Get("Location"), tc.want, body)
			}
		}
		if _, _, hdr := post(t, h, "/signin", url.Values{"email": {tc.email}, "password": {password}, "next": {"/accounts?q=acme"}}); hdr.Get("Location") != "/accounts?q=acme" {
			t.Errorf("%s signs in with next=/accounts?q=acme: → %q", tc.email, hdr.Get("Location"))
		}
		signedIn := f.as(tc.email, 0)
		for _, path := range []string{"/", "/signin"} {
			if code, _, hdr := get(t, signedIn, path); code != http.StatusSeeOther || hdr.Get("Location") != tc.want {
				t.Errorf("%s opens %s: %d → %q, want 303 → %q", tc.email, path, code, hdr.Get("Location"), tc.want)
			}
		}
		if code, _, _ := get(t, signedIn, tc.want); code != http.StatusOK {
			t.Errorf("%s's landing page %s: %d", tc.email, tc.want, code)
		}
	}
}

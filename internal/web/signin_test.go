package web

import (
	"net/http"

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

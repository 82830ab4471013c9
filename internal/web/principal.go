package web

import (
	"net/http"

	"github.com/tendhq/tend/internal/auth"
)

// principal is who signed in to make r, or auth.ErrUnauthenticated (which
// serveError turns into a redirect to the sign-in page). Handlers that
// change anything, or show one person's own things, call it first.
func (s *server) principal(r *http.Request) (auth.Principal, error) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	return p, nil
}

// viewer is who is reading a page: the signed-in principal. Every page
// but sign-in needs one (requireSignIn); the zero principal, who may
// change nothing, is what a handler sees if it ever runs without.
func viewer(r *http.Request) auth.Principal {
	p, _ := auth.FromContext(r.Context())
	return p
}

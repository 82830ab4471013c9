package auth

import (
	"net/http"
	"time"
)

// CookieName is the session cookie.
const CookieName = "tend_session"

// SessionCookie is the cookie that carries a session secret: HttpOnly,
// SameSite=Lax, Secure when Tend is served over HTTPS, and for the whole
// site. A zero expires deletes it.
func SessionCookie(secret string, expires time.Time, secure bool) *http.Cookie {
	c := &http.Cookie{Name: CookieName, Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: secure}
	if expires.IsZero() {
		c.MaxAge = -1
	} else {
		// The cookie outlives the idle timeout; the server decides when
		// the session ends.
		c.Expires = expires.Add(MaxSessionAge)
	}
	return c
}

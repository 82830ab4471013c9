package web

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/server/edge"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// Sign-in, sign-out and changing one's password. Everything else in the
// UI needs a principal: requireSignIn sends anyone without one here.

// signInView is the sign-in form.
type signInView struct {
	Page
	Email   string
	Next    string
	Problem string // why the last attempt failed, for everyone to read
	Notice  string // a neutral message (signed out, password changed)
	Hint    string // the demo's credentials
}

// publicPaths are served without a principal.
func publicPath(p string) bool {
	return p == "/signin" || strings.HasPrefix(p, "/static/")
}

// requireSignIn sends a request without a principal to the sign-in page,
// remembering where it was going; and someone who signed in with a
// one-time password to the password page until they have chosen their own.
func (s *server) requireSignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.FromContext(r.Context())
		switch {
		case publicPath(r.URL.Path):
		case !ok:
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(returnPath(r)), http.StatusSeeOther)
			return
		case p.MustChangePassword && r.URL.Path != "/settings/password" && r.URL.Path != "/signout":
			to := "/settings/password"
			if r.Method == http.MethodGet {
				to += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// safeNext keeps a post-sign-in destination only if it is a path on this
// site (localPath); anything else (//evil.example, https://…, /\evil) goes
// home.
func safeNext(next string) string {
	if !localPath(next) {
		return "/"
	}
	return next
}

// clientIP is the address the request came from, for throttling and the
// session list. Tend does not trust X-Forwarded-For: behind a proxy every
// request shares the proxy's address, which throttles more, never less.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// landing is where someone lands when they go to no page in particular
// (after signing in, or at /): the page of their work. A CSM works their
// own book; leaders, administrators and readers start from the dashboard.
func landing(role string) string {
	if role == customer.RoleCSM {
		return "/cockpit"
	}
	return "/dashboard"
}

// home sends the signed-in principal to their landing page.
func (s *server) home(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, landing(viewer(r).Role), http.StatusSeeOther)
	return nil
}

func (s *server) signInPage(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if p, ok := auth.FromContext(r.Context()); ok {
		if next == "/" {
			next = landing(p.Role)
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	v := signInView{Page: Page{Title: "Sign in"}, Next: next, Hint: s.signInHint}
	if r.URL.Query().Has("signed_out") {
		v.Notice = "You are signed out."
	}
	return s.render(w, r, http.StatusOK, "signin", v)
}

// signIn checks an email and password. Whatever was wrong — no such user,
// a disabled one, a wrong password — the answer is the same and takes the
// same time, so the form does not reveal who has an account.
func (s *server) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	password := r.PostForm.Get("password")
	next := safeNext(r.PostForm.Get("next"))
	v := signInView{Page: Page{Title: "Sign in"}, Email: email, Next: next, Hint: s.signInHint}
	now := s.now()
	ip := clientIP(r)
	source := auth.Key{Name: "ip:" + ip, Limit: auth.SourceLimit}
	pair := auth.Key{Name: "ip+email:" + ip + " " + email, Limit: auth.PairLimit}
	account := auth.Key{Name: "email:" + email, Limit: auth.AccountLimit}
	// The attempt counts before the password is checked, so guesses sent
	// at once cannot all be checked before the first is counted.
	if wait := s.throttle.Attempt(now, source, pair, account); wait > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds()+1)))
		v.Problem = fmt.Sprintf("Too many failed attempts. Try again in %s.", roundWait(wait))
		return s.render(w, r, http.StatusTooManyRequests, "signin", v)
	}
	u, hash, mustChange, err := s.st.Password(r.Context(), email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.throttle.Refund(now, source, pair, account)
		return err
	}
	var match bool
	if err == nil {
		match, err = s.hasher.Verify(r.Context(), hash, password)
	} else {
		err = s.hasher.Burn(r.Context(), password) // no such user: take as long anyway
	}
	if err != nil {
		s.throttle.Refund(now, source, pair, account) // nothing was checked
		return err
	}
	if u.ID == 0 || u.Disabled || !match {
		s.log.WarnContext(r.Context(), "sign-in failed", "email", email, "ip", ip, "request_id", edge.RequestID(r.Context()))
		v.Problem = "That email and password do not match an active user."
		return s.render(w, r, http.StatusUnauthorized, "signin", v)
	}
	s.throttle.Succeed(pair, account)
	s.throttle.Refund(now, source) // a shared address keeps its budget for guesses
	sess, secret := auth.NewSession(u.ID, now, clientIP(r), r.UserAgent())
	if err := s.st.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	http.SetCookie(w, auth.SessionCookie(secret, sess.ExpiresAt, s.secure(r)))
	s.log.InfoContext(r.Context(), "signed in", "user_id", u.ID, "email", u.Email, "ip", clientIP(r))
	if next == "/" {
		next = landing(u.Role)
	}
	if mustChange {
		next = "/settings/password?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func roundWait(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d seconds", int(d.Seconds()+0.999))
	}
	return fmt.Sprintf("%d minutes", int(d.Minutes()+0.999))
}

// signOut ends the session, whatever state it is in.
func (s *server) signOut(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(auth.CookieName); err == nil && c.Value != "" {
		if err := s.st.DeleteSession(r.Context(), auth.HashSecret(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, auth.SessionCookie("", time.Time{}, s.secure(r)))
	http.Redirect(w, r, "/signin?signed_out=1", http.StatusSeeOther)
	return nil
}

// secure reports whether cookies should be Secure: when the request came
// over TLS or Tend was told it is served over HTTPS.
func (s *server) secure(r *http.Request) bool { return r.TLS != nil || s.httpsOnly }

// passwordView is the change-password form.
type passwordView struct {
	Page
	Next   string
	Errors map[string]string
	Done   bool
}

func (s *server) passwordPage(w http.ResponseWriter, r *http.Request) error {
	v := passwordView{Page: Page{Title: "Change your password", Section: "settings"}, Next: safeNext(r.URL.Query().Get("next")),
		Done: r.URL.Query().Has("changed")}
	return s.render(w, r, http.StatusOK, "password", v)
}

// changePassword replaces the principal's password after checking the
// current one, and ends their other sessions.
func (s *server) changePassword(w http.ResponseWriter, r *http.Request) error {
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	if p.TokenID != 0 {
		return auth.Forbid("an API token cannot change a password")
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	v := passwordView{Page: Page{Title: "Change your password", Section: "settings"}, Next: safeNext(f.Get("next"))}
	_, hash, _, err := s.st.Password(r.Context(), p.Email)
	if err != nil {
		return err
	}
	var errs validate.Errors
	now := s.now()
	key := auth.Key{Name: "user:" + fmt.Sprint(p.UserID), Limit: auth.PairLimit}
	if wait := s.throttle.Attempt(now, key); wait > 0 {
		errs.Add("current", "throttled", "too many wrong attempts; try again in %s", roundWait(wait))
	} else if ok, err := s.hasher.Verify(r.Context(), hash, f.Get("current")); err != nil {
		s.throttle.Refund(now, key)
		return err
	} else if !ok {
		errs.Add("current", "invalid", "is not your current password")
	} else {
		s.throttle.Succeed(key)
	}
	if err := auth.CheckPasswordRules("new", f.Get("new")); err != nil {
		errs = append(errs, err.(validate.Errors)...)
	} else if f.Get("new") != f.Get("confirm") {
		errs.Add("confirm", "invalid", "does not match the new password")
	} else if f.Get("new") == f.Get("current") {
		errs.Add("new", "invalid", "must differ from the current password")
	}
	if len(errs) > 0 {
		v.Errors = fieldMessages(errs)
		return s.render(w, r, http.StatusUnprocessableEntity, "password", v)
	}
	newHash, err := s.hasher.Hash(r.Context(), f.Get("new"))
	if err != nil {
		return err
	}
	var keep []byte
	if c, err := r.Cookie(auth.CookieName); err == nil {
		keep = auth.HashSecret(c.Value)
	}
	if err := s.st.SetPassword(r.Context(), p.UserID, newHash, false, keep); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "password changed", "user_id", p.UserID)
	if v.Next != "/" {
		http.Redirect(w, r, v.Next, http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/settings/password?changed=1", http.StatusSeeOther)
	return nil
}

// fieldMessages indexes validation errors by field, for showing each
// beside its input.
func fieldMessages(errs validate.Errors) map[string]string {
	out := map[string]string{}
	for _, e := range errs {
		if out[e.Field] == "" {
			out[e.Field] = e.Message
		}
	}
	return out
}

package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/validate"
)

// The admin pages: users and their roles, API tokens, and settings (custom
// account fields). Only administrators may see or use them. A one-time
// password or a new token's secret is shown once, in the answer to the
// form that made it, and never stored.

// userRow is one user on the users page.
type userRow struct {
	customer.User
	SignIn     string // "Active", "One-time password", "No password", "Disabled"
	SignInCode string // the same as a CSS class: active, one_time, none, disabled
	Self       bool
}

// adminUsersView is the users page.
type adminUsersView struct {
	Page
	Users    []userRow
	Roles    []string
	Form     customer.User // the new-user form, kept on error
	Errors   map[string]string
	Secret   string // a one-time password just made
	SecretOf string // whose it is
	Notice   string
}

// adminTokensView is the API tokens page.
type adminTokensView struct {
	Page
	Tokens []auth.Token
	Users  []customer.User
	Scopes []string
	Form   tokenForm
	Errors map[string]string
	Secret string // a token just made
	Now    time.Time
}

type tokenForm struct {
	Name   string
	UserID int64
	Scope  string
	Days   string
}

// adminSettingsView is the settings page.
type adminSettingsView struct {
	Page
	Attributes []customer.AttributeDef
	Types      []string
	Form       customer.AttributeDef
	Errors     map[string]string
	Notice     string
	Session    struct{ Idle, Max string }
	Throttle   string
}

// admin returns the principal if it is an administrator.
func (s *server) admin(r *http.Request) (auth.Principal, error) {
	p, err := s.principal(r)
	if err != nil {
		return p, err
	}
	return p, p.RequireAdmin()
}

// allUsers lists every user by email.
func (s *server) allUsers(ctx context.Context) ([]customer.User, error) {
	return store.All(ctx, s.st.Users(), store.Query{Sort: "email", Limit: 1000})
}

// signInLabels name the sign-in states on the users page.
var signInLabels = map[string]string{auth.SignInActive: "Active", auth.SignInOneTime: "One-time password",
	auth.SignInNoPassword: "No password", auth.SignInDisabled: "Disabled"}

func (s *server) usersView(ctx context.Context, p auth.Principal) (adminUsersView, error) {
	v := adminUsersView{Page: Page{Title: "Users", Section: "admin"}, Roles: customer.Roles, Form: customer.User{Role: customer.RoleCSM}}
	users, err := s.allUsers(ctx)
	if err != nil {
		return v, err
	}
	for _, u := range users {
		_, hash, mustChange, err := s.st.Password(ctx, u.Email)
		if err != nil {
			return v, err
		}
		code := auth.SignInState(u.Disabled, hash, mustChange)
		v.Users = append(v.Users, userRow{User: u, SignIn: signInLabels[code], SignInCode: code, Self: u.ID == p.UserID})
	}
	return v, nil
}

func (s *server) adminUsersPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	v, err := s.usersView(r.Context(), p)
	if err != nil {
		return err
	}
	v.Notice = r.URL.Query().Get("done")
	return s.render(w, r, http.StatusOK, "admin_users", v)
}

// createUser adds a user with a one-time password, shown once.
func (s *server) createUser(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	u := customer.User{Email: f.Get("email"), Name: f.Get("name"), Role: f.Get("role"), Title: f.Get("title")}
	ctx := r.Context()
	err = s.st.Users().Create(ctx, &u)
	var conflict *store.ConflictError
	if errors.As(err, &conflict) {
		err = validate.Errors{{Field: "email", Code: "conflict", Message: "a user with this email already exists"}}
	}
	if errs, ok := validate.As(err); ok {
		v, err := s.usersView(ctx, p)
		if err != nil {
			return err
		}
		v.Form, v.Errors = u, fieldMessages(errs)
		return s.render(w, r, http.StatusUnprocessableEntity, "admin_users", v)
	}
	if err != nil {
		return err
	}
	pw, err := s.oneTimePassword(ctx, u.ID)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "user created", "by", p.Email, "user", u.Email, "role", u.Role)
	v, err := s.usersView(ctx, p)
	if err != nil {
		return err
	}
	v.Secret, v.SecretOf = pw, u.Email
	return s.render(w, r, http.StatusOK, "admin_users", v)
}

func (s *server) oneTimePassword(ctx context.Context, userID int64) (string, error) {
	pw := auth.NewPassword()
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return "", err
	}
	return pw, s.st.SetPassword(ctx, userID, hash, true, nil)
}

// changeUser applies one action to a user: a new role, disable, enable,
// or a password reset (which shows a one-time password).
func (s *server) changeUser(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound("No such user", "There is no user at this address.")
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	u, err := s.st.Users().Get(ctx, id)
	if err != nil {
		return err
	}
	action := r.PostForm.Get("action")
	var done string
	switch action {
	case "role":
		role := r.PostForm.Get("role")
		if u.Role == customer.RoleAdmin && role != customer.RoleAdmin {
			if err := s.keepAnAdmin(ctx, u.ID); err != nil {
				return err
			}
		}
		u.Role = role
		if err := s.st.Users().Update(ctx, &u); err != nil {
			return err
		}
		done = u.Email + " is now " + label(u.Role) + "."
	case "disable":
		if u.ID == p.UserID {
			return auth.Forbid("you cannot disable yourself")
		}
		if u.Role == customer.RoleAdmin {
			if err := s.keepAnAdmin(ctx, u.ID); err != nil {
				return err
			}
		}
		u.Disabled = true
		if err := s.st.Users().Update(ctx, &u); err != nil {
			return err
		}
		if err := s.st.DeleteSessions(ctx, u.ID); err != nil {
			return err
		}
		done = u.Email + " is disabled: signed out everywhere, and their API tokens no longer work."
	case "enable":
		u.Disabled = false
		if err := s.st.Users().Update(ctx, &u); err != nil {
			return err
		}
		done = u.Email + " can sign in again."
	case "reset":
		pw, err := s.oneTimePassword(ctx, u.ID)
		if err != nil {
			return err
		}
		s.log.InfoContext(ctx, "password reset", "by", p.Email, "user", u.Email)
		v, err := s.usersView(ctx, p)
		if err != nil {
			return err
		}
		v.Secret, v.SecretOf = pw, u.Email
		return s.render(w, r, http.StatusOK, "admin_users", v)
	default:
		return &httpError{status: http.StatusBadRequest, title: "Unknown action", message: "The form asked for an action Tend does not know."}
	}
	s.log.InfoContext(ctx, "user changed", "by", p.Email, "user", u.Email, "action", action)
	http.Redirect(w, r, "/admin/users?done="+url.QueryEscape(done), http.StatusSeeOther)
	return nil
}

// keepAnAdmin refuses a change that would leave no active administrator.
func (s *server) keepAnAdmin(ctx context.Context, except int64) error {
	ok, err := store.OtherActiveAdmin(ctx, s.st, except)
	if err == nil && !ok {
		err = auth.Forbid("that would leave Tend without an active administrator; make someone else admin first")
	}
	return err
}

func (s *server) tokensView(ctx context.Context) (adminTokensView, error) {
	v := adminTokensView{Page: Page{Title: "API tokens", Section: "admin"}, Scopes: auth.Scopes,
		Form: tokenForm{Scope: auth.ScopeRead, Days: "90"}, Now: s.now()}
	var err error
	if v.Tokens, err = s.st.Tokens(ctx); err != nil {
		return v, err
	}
	v.Users, err = s.allUsers(ctx)
	return v, err
}

func (s *server) adminTokensPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	v, err := s.tokensView(r.Context())
	if err != nil {
		return err
	}
	v.Form.UserID = p.UserID
	return s.render(w, r, http.StatusOK, "admin_tokens", v)
}

// createToken makes a token and shows its secret once.
func (s *server) createToken(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	f := tokenForm{Name: strings.TrimSpace(r.PostForm.Get("name")), Scope: r.PostForm.Get("scope"), Days: strings.TrimSpace(r.PostForm.Get("days"))}
	var errs validate.Errors
	f.UserID, _ = strconv.ParseInt(r.PostForm.Get("user_id"), 10, 64)
	var expires *time.Time
	if f.Days != "" {
		days, err := strconv.Atoi(f.Days)
		if err != nil || days < 1 || days > 3650 {
			errs.Add("days", "invalid", "must be a whole number of days from 1 to 3650, or empty for no expiry")
		} else {
			t := s.now().AddDate(0, 0, days)
			expires = &t
		}
	}
	tok, secret := auth.NewToken(f.Name, f.UserID, f.Scope, s.now())
	tok.CreatedBy, tok.ExpiresAt = p.UserID, expires
	if e, ok := validate.As(tok.Check()); ok {
		errs = append(e, errs...)
	}
	if len(errs) == 0 {
		err = s.st.CreateToken(ctx, &tok)
		if e, ok := validate.As(err); ok {
			errs, err = e, nil
		}
		if err != nil {
			return err
		}
	}
	v, verr := s.tokensView(ctx)
	if verr != nil {
		return verr
	}
	if len(errs) > 0 {
		v.Form, v.Errors = f, fieldMessages(errs)
		return s.render(w, r, http.StatusUnprocessableEntity, "admin_tokens", v)
	}
	s.log.InfoContext(ctx, "API token created", "by", p.Email, "token_id", tok.ID, "name", tok.Name, "scope", tok.Scope, "user", tok.UserEmail)
	v.Secret = secret
	return s.render(w, r, http.StatusOK, "admin_tokens", v)
}

func (s *server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound("No such token", "There is no token at this address.")
	}
	if err := s.st.RevokeToken(r.Context(), id, s.now()); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "API token revoked", "by", p.Email, "token_id", id)
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
	return nil
}

func (s *server) settingsView(ctx context.Context) (adminSettingsView, error) {
	v := adminSettingsView{Page: Page{Title: "Settings", Section: "admin"}, Types: customer.AttributeTypes,
		Form: customer.AttributeDef{Type: customer.AttributeTypes[0]}}
	v.Session.Idle, v.Session.Max = humanDuration(auth.IdleTimeout), humanDuration(auth.MaxSessionAge)
	pl, al := auth.PairLimit, auth.AccountLimit
	v.Throttle = strconv.Itoa(pl.Free) + " failed sign-ins to one account from one address, then waits doubling from " + humanDuration(pl.Base) +
		" up to " + humanDuration(pl.Max) + "; to one account from many addresses, " + strconv.Itoa(al.Free) +
		", then waits of at most " + humanDuration(al.Max) + ", so nobody can lock a colleague out"
	var err error
	v.Attributes, err = s.st.Attributes(ctx)
	return v, err
}

func (s *server) adminSettingsPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.admin(r); err != nil {
		return err
	}
	v, err := s.settingsView(r.Context())
	if err != nil {
		return err
	}
	v.Notice = r.URL.Query().Get("done")
	return s.render(w, r, http.StatusOK, "admin_settings", v)
}

// putAttribute defines a custom account field, or removes one.
func (s *server) putAttribute(w http.ResponseWriter, r *http.Request) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	f := r.PostForm
	if f.Get("action") == "delete" {
		key := f.Get("key")
		if err := s.st.DeleteAttribute(ctx, key); err != nil {
			return err
		}
		s.log.InfoContext(ctx, "attribute deleted", "by", p.Email, "key", key)
		http.Redirect(w, r, "/admin/settings?done="+url.QueryEscape("Removed the field "+key+"."), http.StatusSeeOther)
		return nil
	}
	d := customer.AttributeDef{Key: f.Get("key"), Label: f.Get("label"), Type: f.Get("type")}
	err = s.st.PutAttribute(ctx, &d)
	var conflict *store.ConflictError
	if errors.As(err, &conflict) {
		err = validate.Errors{{Field: conflict.Field, Code: "conflict", Message: conflict.Message}}
	}
	if errs, ok := validate.As(err); ok {
		v, err := s.settingsView(ctx)
		if err != nil {
			return err
		}
		v.Form, v.Errors = d, fieldMessages(errs)
		return s.render(w, r, http.StatusUnprocessableEntity, "admin_settings", v)
	}
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "attribute defined", "by", p.Email, "key", d.Key, "type", d.Type)
	http.Redirect(w, r, "/admin/settings?done="+url.QueryEscape("Saved the field "+d.Key+"."), http.StatusSeeOther)
	return nil
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute")
	}
	return plural(int(d/time.Second), "second")
}

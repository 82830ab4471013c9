package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/server/edge"
	"github.com/tendhq/tend/internal/store"
)

// authenticate works out who a request is from and puts the principal in
// its context: an API token in "Authorization: Bearer …", or else the
// session cookie. It decides nothing about access: the web UI sends a
// request without a principal to the sign-in page, the API answers 401,
// and each handler asks package auth what the principal may do.
//
// A bearer token that is unknown, revoked, expired or whose user is
// disabled leaves no principal but a reason (auth.WithRejection), which the
// API's 401 reports.
func authenticate(st store.Store, log *slog.Logger, now func() time.Time, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, secret, _ := strings.Cut(h, " ")
			p, err := tokenPrincipal(r, st, scheme, strings.TrimSpace(secret), now())
			switch {
			case err == nil:
				r = r.WithContext(auth.NewContext(ctx, p))
			case errors.Is(err, auth.ErrUnauthenticated):
				r = r.WithContext(auth.WithRejection(ctx, strings.TrimPrefix(err.Error(), auth.ErrUnauthenticated.Error()+": ")))
			case edge.TimedOut(ctx, err):
				unavailable(w, r)
				return
			default:
				log.ErrorContext(ctx, "reading an API token", "err", err, "request_id", edge.RequestID(ctx))
				r = r.WithContext(auth.WithRejection(ctx, "the API token could not be checked; the server log has details under request id "+edge.RequestID(ctx)))
			}
		} else if c, err := r.Cookie(auth.CookieName); err == nil && c.Value != "" {
			p, ok, err := sessionPrincipal(r, st, c.Value, now())
			if edge.TimedOut(ctx, err) {
				unavailable(w, r)
				return
			}
			if err != nil {
				log.ErrorContext(ctx, "reading a session", "err", err, "request_id", edge.RequestID(ctx))
			}
			if ok {
				r = r.WithContext(auth.NewContext(ctx, p))
			}
		}
		next.ServeHTTP(w, r)
	})
}

func tokenPrincipal(r *http.Request, st store.Store, scheme, secret string, now time.Time) (auth.Principal, error) {
	reject := func(why string) (auth.Principal, error) {
		return auth.Principal{}, fmt.Errorf("%w: %s", auth.ErrUnauthenticated, why)
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return reject(`the Authorization header must read "Bearer <API token>"`)
	}
	if !auth.LooksLikeToken(secret) {
		return reject("that is not a Tend API token (they start with " + auth.TokenPrefix + ")")
	}
	t, u, err := st.TokenByHash(r.Context(), auth.HashSecret(secret))
	if errors.Is(err, store.ErrNotFound) {
		return reject("unknown API token")
	}
	if err != nil {
		return auth.Principal{}, err
	}
	switch {
	case t.RevokedAt != nil:
		return reject("this API token was revoked")
	case !t.Live(now):
		return reject("this API token has expired")
	case u.Disabled:
		return reject("the user this API token acts for is disabled")
	}
	// Last-used is kept to the minute, so reads do not each cost a write.
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= time.Minute {
		if err := st.TouchToken(r.Context(), t.ID, now); err != nil {
			return auth.Principal{}, err
		}
	}
	p := principal(u)
	p.TokenID, p.Scope = t.ID, t.Scope
	return p, nil
}

func sessionPrincipal(r *http.Request, st store.Store, secret string, now time.Time) (auth.Principal, bool, error) {
	hash := auth.HashSecret(secret)
	s, u, err := st.Session(r.Context(), hash, now)
	if errors.Is(err, store.ErrNotFound) {
		return auth.Principal{}, false, nil
	}
	if err != nil {
		return auth.Principal{}, false, err
	}
	if !s.Live(now) || u.Disabled {
		return auth.Principal{}, false, nil
	}
	if touch, exp := s.Touch(now); touch {
		if err := st.TouchSession(r.Context(), hash, now, exp); err != nil {
			return auth.Principal{}, false, err
		}
	}
	p := principal(u)
	p.MustChangePassword = s.MustChangePassword
	return p, true, nil
}

func principal(u customer.User) auth.Principal {
	return auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role}
}

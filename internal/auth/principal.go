// Package auth is who may do what in Tend: the signed-in principal, the
// rules of the four roles, password hashing, session and API-token
// secrets, and the throttle on failed sign-ins. The rules are plain Go with
// no I/O; the store keeps users, sessions and tokens, and the HTTP layers
// (internal/web, internal/api) ask this package before they act.
package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/tendhq/tend/internal/customer"
)

// Token scopes. A read token can only read; a write token can do what its
// user's role allows.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// Scopes lists the token scopes.
var Scopes = []string{ScopeRead, ScopeWrite}

// Principal is who is making a request: a user signed in with a session, or
// an API token acting for a user.
type Principal struct {
	UserID int64
	Email  string
	Name   string
	Role   string // customer.RoleAdmin, RoleLeader, RoleCSM or RoleReadOnly
	// TokenID and Scope are set when the request carries an API token.
	TokenID int64
	Scope   string
	// MustChangePassword: signed in with a one-time password, so the web
	// UI lets them do nothing but choose their own.
	MustChangePassword bool
}

// Label is how the principal is shown: the name, or else the email.
func (p Principal) Label() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// CanWrite reports whether p may change anything at all.
func (p Principal) CanWrite() bool {
	return p.UserID > 0 && p.Role != customer.RoleReadOnly && p.Scope != ScopeRead
}

// IsAdmin reports whether p administers Tend: users, API tokens, write
// keys, custom fields and settings.
func (p Principal) IsAdmin() bool { return p.CanWrite() && p.Role == customer.RoleAdmin }

// CanEditAllAccounts reports whether p may change any account: admins and
// leaders may; CSMs only their own book.
func (p Principal) CanEditAllAccounts() bool {
	return p.CanWrite() && (p.Role == customer.RoleAdmin || p.Role == customer.RoleLeader)
}

// CanEditAccount reports whether p may change the account whose CSM is
// csmID, and what hangs off it (contacts, subscriptions, timeline…).
func (p Principal) CanEditAccount(csmID int64) bool {
	if p.CanEditAllAccounts() {
		return true
	}
	return p.CanWrite() && p.Role == customer.RoleCSM && csmID == p.UserID
}

// Forbidden is the error for an action the principal may not take. Its
// message says why, in words fit for the person who tried.
type Forbidden struct{ Reason string }

func (e *Forbidden) Error() string { return "forbidden: " + e.Reason }

// Forbid returns a *Forbidden with the reason formatted.
func Forbid(format string, args ...any) error {
	return &Forbidden{Reason: fmt.Sprintf(format, args...)}
}

// ErrUnauthenticated is returned when a request needs a principal and has
// none (no session, no token, or one that is expired or revoked).
var ErrUnauthenticated = errors.New("not signed in")

// RequireWrite fails unless p may change things.
func (p Principal) RequireWrite() error {
	switch {
	case p.UserID == 0:
		return ErrUnauthenticated
	case p.Scope == ScopeRead:
		return Forbid("this API token is read-only")
	case p.Role == customer.RoleReadOnly:
		return Forbid("your role is read-only")
	}
	return nil
}

// RequireAdmin fails unless p is an administrator.
func (p Principal) RequireAdmin() error {
	if err := p.RequireWrite(); err != nil {
		return err
	}
	if p.Role != customer.RoleAdmin {
		return Forbid("only administrators can do this")
	}
	return nil
}

// RequireOwn fails unless p may change what belongs to them alone (their
// saved views): any signed-in user, whatever their role, but not through
// a read-only API token.
func (p Principal) RequireOwn() error {
	switch {
	case p.UserID == 0:
		return ErrUnauthenticated
	case p.Scope == ScopeRead:
		return Forbid("this API token is read-only")
	}
	return nil
}

// RequireAccount fails unless p may change the account whose CSM is csmID.
func (p Principal) RequireAccount(csmID int64) error {
	if err := p.RequireWrite(); err != nil {
		return err
	}
	if !p.CanEditAccount(csmID) {
		return Forbid("CSMs can change only the accounts in their own book")
	}
	return nil
}

type ctxKey struct{}

type rejectedKey struct{}

// WithRejection returns ctx recording why the credentials a request
// carried were refused (a revoked API token, say), so that the handler
// that needs a principal can say so rather than just "not signed in".
func WithRejection(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, rejectedKey{}, fmt.Errorf("%w: %s", ErrUnauthenticated, reason))
}

// Require returns ctx's principal, or an error wrapping
// ErrUnauthenticated that says why there is none.
func Require(ctx context.Context) (Principal, error) {
	if p, ok := FromContext(ctx); ok {
		return p, nil
	}
	if err, ok := ctx.Value(rejectedKey{}).(error); ok {
		return Principal{}, err
	}
	return Principal{}, ErrUnauthenticated
}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal ctx carries, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok && p.UserID > 0
}

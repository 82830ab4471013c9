package api

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// Who may do what through the API. Every route but the OpenAPI document
// needs a principal (an API token, or a browser session); writes need a
// principal that may write; and each collection's rule decides about the
// object at hand, before and after the change:
//
//   - users and attribute definitions: administrators only;
//   - accounts: leaders and administrators any; a CSM only their own
//     book, and only keeping it theirs;
//   - everything that hangs off an account (contacts, subscriptions,
//     invoices, tickets, survey answers, timeline): as its account.

// rule decides whether p may change old into new. old is nil for a
// creation, new is nil for a deletion.
type rule[T any] func(ctx context.Context, p auth.Principal, old, new *T) error

// authenticated wraps a route that needs a principal: any for reading,
// one that may write for anything else.
func authenticated(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := auth.Require(r.Context())
		if err != nil {
			return err
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := p.RequireWrite(); err != nil {
				return err
			}
		}
		return h(w, r)
	}
}

// adminOnly is the rule for users.
func adminOnly[T any](_ context.Context, p auth.Principal, _, _ *T) error {
	return p.RequireAdmin()
}

// accountRule lets CSMs change only accounts in their book and keep them
// there.
func accountRule(_ context.Context, p auth.Principal, old, new *customer.Account) error {
	if p.CanEditAllAccounts() {
		return nil
	}
	if old != nil {
		if err := p.RequireAccount(old.CSMID); err != nil {
			return err
		}
	}
	if new != nil && !ownedBy(p, new.CSMID, new.CSMEmail) {
		return auth.Forbid("CSMs can only keep accounts in their own book (csm must be %s)", p.Email)
	}
	return nil
}

// ownedBy reports whether the CSM named by id or email is p.
func ownedBy(p auth.Principal, id int64, email string) bool {
	if id != 0 {
		return id == p.UserID
	}
	return strings.EqualFold(strings.TrimSpace(email), p.Email)
}

// childRule is the rule for objects that belong to an account: whoever
// may change the account may change them. The account is found by the
// object's account_id, or else its account_external_id.
func childRule[T any](accounts store.Collection[customer.Account]) rule[T] {
	t := reflect.TypeFor[T]()
	info := infoOf(t)
	idf, ok1 := info.field("account_id")
	extf, ok2 := info.field("account_external_id")
	if !ok1 || !ok2 {
		panic("api: " + t.String() + " does not belong to an account")
	}
	// csmOf is the CSM of v's account, and whether v names an account
	// that exists (if not, the store's validation answers).
	csmOf := func(ctx context.Context, v *T) (int64, bool, error) {
		rv := reflect.ValueOf(v).Elem()
		var (
			a   customer.Account
			err error
		)
		if id := rv.FieldByIndex(idf.index).Int(); id > 0 {
			a, err = accounts.Get(ctx, id)
		} else if ext := strings.TrimSpace(rv.FieldByIndex(extf.index).String()); ext != "" {
			a, err = accounts.GetByExternalID(ctx, ext)
		} else {
			return 0, false, nil
		}
		if errors.Is(err, store.ErrNotFound) {
			return 0, false, nil
		}
		return a.CSMID, err == nil, err
	}
	return func(ctx context.Context, p auth.Principal, old, new *T) error {
		if p.CanEditAllAccounts() {
			return nil
		}
		for _, v := range []*T{old, new} {
			if v == nil {
				continue
			}
			csm, found, err := csmOf(ctx, v)
			if err != nil {
				return err
			}
			if !found {
				continue
			}
			if err := p.RequireAccount(csm); err != nil {
				return err
			}
		}
		return nil
	}
}

// allow checks c's rule for the request's principal.
func (c *collection[T]) allow(r *http.Request, old, new *T) error {
	p, err := auth.Require(r.Context())
	if err != nil {
		return err
	}
	if err := p.RequireWrite(); err != nil {
		return err
	}
	if c.rule == nil {
		return nil
	}
	return c.rule(r.Context(), p, old, new)
}

// requireAdmin is for handlers outside the collections (attributes).
func requireAdmin(r *http.Request) error {
	p, err := auth.Require(r.Context())
	if err != nil {
		return err
	}
	return p.RequireAdmin()
}

package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// testAccess: passwords, sessions (expiry, touch, ending them), tokens
// (stored by hash, revoked, touched) and saved views, the same on both
// engines.
func testAccess(t *testing.T, st store.Store) {
	ann := &customer.User{Email: "Ann@Example.com", Name: "Ann", Role: customer.RoleAdmin}
	bob := &customer.User{Email: "bob@example.com", Name: "Bob"}
	must(t, st.Users().Create(ctx, ann))
	must(t, st.Users().Create(ctx, bob))

	u, hash, mustChange, err := st.Password(ctx, "  ANN@example.com ")
	must(t, err)
	if u.ID != ann.ID || hash != "" || mustChange {
		t.Fatalf("fresh user: got %d %q %v", u.ID, hash, mustChange)
	}
	if _, _, _, err := st.Password(ctx, "nobody@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown email: %v", err)
	}

	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s1, secret1 := auth.NewSession(ann.ID, now, "192.0.2.1", "test")
	s2, _ := auth.NewSession(ann.ID, now, "192.0.2.2", "test")
	s3, _ := auth.NewSession(bob.ID, now, "192.0.2.3", "test")
	for _, s := range []auth.Session{s1, s2, s3} {
		must(t, st.CreateSession(ctx, s))
	}
	got, gu, err := st.Session(ctx, auth.HashSecret(secret1), now.Add(time.Hour))
	must(t, err)
	if gu.ID != ann.ID || got.IP != "192.0.2.1" || !got.ExpiresAt.Equal(s1.ExpiresAt) {
		t.Fatalf("session: %+v user %d", got, gu.ID)
	}
	if _, _, err := st.Session(ctx, s1.Hash, s1.ExpiresAt.Add(time.Second)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session found: %v", err)
	}
	later := now.Add(20 * time.Hour)
	must(t, st.TouchSession(ctx, s1.Hash, now.Add(time.Hour), later))
	if _, _, err := st.Session(ctx, s1.Hash, now.Add(19*time.Hour)); err != nil {
		t.Fatalf("touched session: %v", err)
	}

	// A new password ends every other session of the user, not others'.
	h, err := auth.HashPassword("correct horse battery")
	must(t, err)
	must(t, st.SetPassword(ctx, ann.ID, h, true, s1.Hash))
	if _, _, err := st.Session(ctx, s2.Hash, now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other session survived a password change: %v", err)
	}
	for _, s := range []auth.Session{s1, s3} {
		if _, _, err := st.Session(ctx, s.Hash, now); err != nil {
			t.Fatalf("session ended wrongly: %v", err)
		}
	}
	_, hash, mustChange, err = st.Password(ctx, "ann@example.com")
	must(t, err)
	if hash != h || !mustChange || !auth.VerifyPassword(hash, "correct horse battery") {
		t.Fatalf("stored password: %q %v", hash, mustChange)
	}
	must(t, st.DeleteSession(ctx, s1.Hash))
	must(t, st.DeleteSessions(ctx, bob.ID))
	for _, s := range []auth.Session{s1, s3} {
		if _, _, err := st.Session(ctx, s.Hash, now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted session found: %v", err)
		}
	}
	if err := st.SetPassword(ctx, 999999, h, false, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("password for a missing user: %v", err)
	}

	// Tokens.
	tok, secret := auth.NewToken("CRM sync", bob.ID, auth.ScopeWrite, now)
	tok.CreatedBy = ann.ID
	must(t, st.CreateToken(ctx, &tok))
	if tok.ID == 0 || tok.UserEmail != "bob@example.com" {
		t.Fatalf("created token: %+v", tok)
	}
	bad := auth.Token{Name: "", UserID: bob.ID, Scope: "admin", Hash: []byte("x")}
	err = st.CreateToken(ctx, &bad)
	fieldErr(t, err, "name")
	fieldErr(t, err, "scope")
	got2, tu, err := st.TokenByHash(ctx, auth.HashSecret(secret))
	must(t, err)
	if got2.ID != tok.ID || tu.ID != bob.ID || got2.Scope != auth.ScopeWrite || got2.LastUsedAt != nil || !got2.Live(now) ||
		!bytes.Equal(got2.Hash, tok.Hash) || got2.CreatedBy != ann.ID || got2.Hint != secret[:11] {
		t.Fatalf("token by hash: %+v", got2)
	}
	must(t, st.TouchToken(ctx, tok.ID, now.Add(time.Minute)))
	must(t, st.RevokeToken(ctx, tok.ID, now.Add(2*time.Minute)))
	must(t, st.RevokeToken(ctx, tok.ID, now.Add(3*time.Minute)))
	list, err := st.Tokens(ctx)
	must(t, err)
	if len(list) != 1 || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(now.Add(time.Minute)) ||
		list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(now.Add(2*time.Minute)) || list[0].Live(now.Add(time.Hour)) {
		t.Fatalf("tokens: %+v", list)
	}
	if err := st.RevokeToken(ctx, 999999, now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoke missing token: %v", err)
	}
	if _, _, err := st.TokenByHash(ctx, auth.HashSecret("tend_nope")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}

	// Saved views: per user and page, replaced by name.
	v1 := &store.SavedView{UserID: ann.ID, Page: "accounts", Name: "Renewing soon", Query: "renewal_to=2026-06-30"}
	must(t, st.SaveView(ctx, v1))
	must(t, st.SaveView(ctx, &store.SavedView{UserID: ann.ID, Page: "accounts", Name: "big", Query: "sort=-mrr"}))
	must(t, st.SaveView(ctx, &store.SavedView{UserID: bob.ID, Page: "accounts", Name: "mine", Query: "csm=2"}))
	again := &store.SavedView{UserID: ann.ID, Page: "accounts", Name: "Renewing soon", Query: "renewal_to=2026-09-30"}
	must(t, st.SaveView(ctx, again))
	if again.ID != v1.ID {
		t.Fatalf("saving under the same name made a new view: %d vs %d", again.ID, v1.ID)
	}
	views, err := st.SavedViews(ctx, ann.ID, "accounts")
	must(t, err)
	if len(views) != 2 || views[0].Name != "big" || views[1].Query != "renewal_to=2026-09-30" {
		t.Fatalf("views: %+v", views)
	}
	fieldErr(t, st.SaveView(ctx, &store.SavedView{UserID: ann.ID, Page: "accounts"}), "name")
	if err := st.DeleteView(ctx, bob.ID, v1.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting another user's view: %v", err)
	}
	must(t, st.DeleteView(ctx, ann.ID, v1.ID))

	// Deleting a user takes their sessions, tokens and views with them.
	must(t, st.Users().Delete(ctx, bob.ID))
	if list, _ := st.Tokens(ctx); len(list) != 0 {
		t.Fatalf("tokens of a deleted user: %+v", list)
	}
}

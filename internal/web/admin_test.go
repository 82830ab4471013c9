package web

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
)

// postAs sends a form to h as p and returns the status, body and headers.
func postAs(t *testing.T, h http.Handler, p auth.Principal, path string, form url.Values) (int, string, http.Header) {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req = req.WithContext(auth.NewContext(req.Context(), p))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), rec.Result().Header
}

func getAs(t *testing.T, h http.Handler, p auth.Principal, path string) (int, string) {
	t.Helper()
	code, body, _ := get(t, as(p, h), path)
	return code, body
}

var secretRE = regexp.MustCompile(`class="secret">([^<]+)<`)

func TestAdminPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	root := customer.User{Email: "root@tend.test", Name: "Root", Role: customer.RoleAdmin}
	if err := f.st.Users().Create(ctx, &root); err != nil {
		t.Fatal(err)
	}
	admin := auth.Principal{UserID: root.ID, Email: root.Email, Role: customer.RoleAdmin}
	ada := auth.Principal{UserID: 1, Email: "ada@tend.test", Role: customer.RoleCSM}
	s := newServer(f.st, nil)
	h := s.routes()

	// Only administrators see or use the admin pages.
	for _, path := range []string{"/admin/users", "/admin/tokens", "/admin/settings"} {
		for _, p := range []auth.Principal{ada, testLeader} {
			if code, _ := getAs(t, h, p, path); code != http.StatusForbidden {
				t.Errorf("%s as %s: %d, want 403", path, p.Role, code)
			}
		}
		if code, body := getAs(t, h, admin, path); code != 200 || !strings.Contains(body, "Administration") {
			t.Errorf("%s as admin: %d", path, code)
		}
	}
	if code, _, _ := postAs(t, h, ada, "/admin/users", url.Values{"email": {"eve@tend.test"}}); code != http.StatusForbidden {
		t.Errorf("CSM created a user: %d", code)
	}
	if _, err := f.st.Users().GetByExternalID(ctx, "eve@tend.test"); err == nil {
		t.Error("the forbidden user exists")
	}
	if _, body := getAs(t, h, ada, "/accounts"); strings.Contains(body, `href="/admin/users"`) {
		t.Error("a CSM sees the Admin link")
	}

	// Users: bad input is shown beside the field; a new user gets a
	// one-time password shown once.
	code, body, _ := postAs(t, h, admin, "/admin/users", url.Values{"email": {"not-an-email"}, "role": {"wizard"}, "name": {"Eve"}})
	if code != 422 || !strings.Contains(body, `id="email-error"`) || !strings.Contains(body, `value="Eve"`) {
		t.Fatalf("invalid user: %d\n%s", code, body)
	}
	code, body, _ = postAs(t, h, admin, "/admin/users", url.Values{"email": {"ada@tend.test"}, "role": {"csm"}})
	if code != 422 || !strings.Contains(html.UnescapeString(body), "already exists") {
		t.Fatalf("duplicate user: %d", code)
	}
	code, body, _ = postAs(t, h, admin, "/admin/users", url.Values{"email": {"Eve@Tend.test"}, "name": {"Eve"}, "role": {"read_only"}})
	m := secretRE.FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("create user: %d", code)
	}
	u, hash, mustChange, err := f.st.Password(ctx, "eve@tend.test")
	if err != nil || !auth.VerifyPassword(hash, m[1]) || !mustChange || u.Role != customer.RoleReadOnly {
		t.Fatalf("the shown password does not sign Eve in: %v %v %s", err, mustChange, u.Role)
	}
	eve := strconv.FormatInt(u.ID, 10)

	// Role changes, disabling and the last administrator.
	if code, _, hdr := postAs(t, h, admin, "/admin/users/"+eve, url.Values{"action": {"role"}, "role": {"leader"}}); code != 303 || !strings.Contains(hdr.Get("Location"), "done=") {
		t.Errorf("role change: %d", code)
	}
	if u, _ := f.st.Users().Get(ctx, u.ID); u.Role != customer.RoleLeader {
		t.Errorf("role is %s", u.Role)
	}
	rootID := strconv.FormatInt(root.ID, 10)
	if code, body, _ := postAs(t, h, admin, "/admin/users/"+rootID, url.Values{"action": {"role"}, "role": {"csm"}}); code != 403 || !strings.Contains(body, "without an active administrator") {
		t.Errorf("demoting the last admin: %d", code)
	}
	if code, _, _ := postAs(t, h, admin, "/admin/users/"+rootID, url.Values{"action": {"disable"}}); code != 403 {
		t.Errorf("disabling oneself: %d", code)
	}
	if code, _, _ := postAs(t, h, admin, "/admin/users/"+eve, url.Values{"action": {"disable"}}); code != 303 {
		t.Errorf("disable: %d", code)
	}
	if u, _ := f.st.Users().Get(ctx, u.ID); !u.Disabled {
		t.Error("not disabled")
	}
	code, body, _ = postAs(t, h, admin, "/admin/users/"+eve, url.Values{"action": {"reset"}})
	if m := secretRE.FindStringSubmatch(body); code != 200 || m == nil {
		t.Errorf("reset: %d", code)
	} else if _, hash, _, _ := f.st.Password(ctx, "eve@tend.test"); !auth.VerifyPassword(hash, m[1]) {
		t.Error("the reset password does not match")
	}

	// Tokens: every problem at once; the secret shown once works; revoke.
	code, body, _ = postAs(t, h, admin, "/admin/tokens", url.Values{"name": {""}, "scope": {"admin"}, "days": {"0"}, "user_id": {rootID}})
	for _, id := range []string{`id="name-error"`, "scope", `id="days-error"`} {
		if code != 422 || !strings.Contains(body, id) {
			t.Errorf("invalid token: %d, lacks %s", code, id)
		}
	}
	code, body, _ = postAs(t, h, admin, "/admin/tokens", url.Values{"name": {"CRM sync"}, "scope": {"write"}, "days": {"30"}, "user_id": {rootID}})
	m = secretRE.FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("create token: %d", code)
	}
	tok, tu, err := f.st.TokenByHash(ctx, auth.HashSecret(m[1]))
	if err != nil || tu.ID != root.ID || tok.Scope != auth.ScopeWrite || tok.ExpiresAt == nil || tok.CreatedBy != root.ID {
		t.Fatalf("stored token: %+v %v", tok, err)
	}
	if _, body := getAs(t, h, admin, "/admin/tokens"); strings.Contains(body, m[1]) || !strings.Contains(body, tok.Hint) {
		t.Error("the token list shows the secret, or not the hint")
	}
	if code, _, _ := postAs(t, h, admin, "/admin/tokens/"+strconv.FormatInt(tok.ID, 10)+"/revoke", nil); code != 303 {
		t.Errorf("revoke: %d", code)
	}
	if tok, _, _ := f.st.TokenByHash(ctx, tok.Hash); tok.RevokedAt == nil {
		t.Error("not revoked")
	}

	// Settings: custom fields.
	code, body, _ = postAs(t, h, admin, "/admin/settings/attributes", url.Values{"key": {"bad key!"}, "label": {"X"}, "type": {"colour"}})
	if code != 422 || !strings.Contains(body, `id="key-error"`) {
		t.Errorf("invalid field: %d", code)
	}
	if code, _, _ := postAs(t, h, admin, "/admin/settings/attributes", url.Values{"key": {"plan"}, "label": {"Plan"}, "type": {"text"}}); code != 303 {
		t.Errorf("add field: %d", code)
	}
	if _, body := getAs(t, h, admin, "/admin/settings"); !strings.Contains(body, "<code>plan</code>") {
		t.Error("the new field is not listed")
	}
}

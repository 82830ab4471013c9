package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/store"
)

// TestAdminIngestion: only administrators see the page; a write key is
// created with its secret shown once (and found by its hash), a blank name
// is refused beside the field, revoking redirects, and the log shows
// reasons and filters by them.
func TestAdminIngestion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	root := customer.User{Email: "root@tend.test", Name: "Root", Role: customer.RoleAdmin}
	if err := f.st.Users().Create(ctx, &root); err != nil {
		t.Fatal(err)
	}
	admin := auth.Principal{UserID: root.ID, Email: root.Email, Role: customer.RoleAdmin}
	ada := auth.Principal{UserID: 1, Email: "ada@tend.test", Role: customer.RoleCSM}
	h := newServer(f.st, nil).routes()

	if code, _ := getAs(t, h, ada, "/admin/ingestion"); code != http.StatusForbidden {
		t.Fatalf("CSM: %d, want 403", code)
	}
	code, body := getAs(t, h, admin, "/admin/ingestion")
	if code != 200 || !strings.Contains(body, "No write keys yet") || !strings.Contains(body, `aria-current="page">Ingestion`) {
		t.Fatalf("empty page: %d\n%s", code, body)
	}

	code, body, _ = postAs(t, h, admin, "/admin/ingestion/keys", url.Values{"name": {"  "}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="name-error"`) {
		t.Fatalf("blank name: %d\n%s", code, body)
	}
	code, body, _ = postAs(t, h, admin, "/admin/ingestion/keys", url.Values{"name": {"Web app"}})
	m := secretRE.FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("create: %d\n%s", code, body)
	}
	secret := html.UnescapeString(m[1])
	k, err := f.st.WriteKeyByHash(ctx, auth.HashSecret(secret))
	if err != nil || k.Name != "Web app" || k.CreatedBy != root.ID {
		t.Fatalf("stored key: %+v %v", k, err)
	}
	if _, body = getAs(t, h, admin, "/admin/ingestion"); strings.Contains(body, secret) || !strings.Contains(body, k.Hint) {
		t.Fatal("the secret must be shown once, the hint always")
	}

	now := time.Now()
	if err := f.st.CommitUsage(ctx, &store.UsageCommit{Now: now, Log: []store.LogEntry{
		{At: now, WriteKeyID: k.ID, MessageID: "m-1", Type: "track", Index: 4, Reason: "missing_event", Detail: `a track call needs "event"`},
		{At: now, WriteKeyID: k.ID, MessageID: "m-2", Type: "track", Reason: "duplicate", Detail: "already received"},
	}}); err != nil {
		t.Fatal(err)
	}
	_, body = getAs(t, h, admin, "/admin/ingestion?reason=missing_event")
	if !strings.Contains(body, "m-1") || strings.Contains(body, "m-2") || !strings.Contains(body, "#4 in its batch") {
		t.Fatalf("log filtered by reason:\n%s", body)
	}

	// Features: every problem listed at once, nothing saved; then saved.
	code, body, _ = postAs(t, h, admin, "/admin/ingestion/features", url.Values{"features": {`{"features":[{"key":"a","events":["x"]},{"key":"a","events":[""]}]}`}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "repeats the key") || !strings.Contains(body, "events[0]") {
		t.Fatalf("bad features: %d\n%s", code, body)
	}
	if _, err := f.st.UsageSetting(ctx, "features"); err == nil {
		t.Fatal("bad features were saved")
	}
	code, body, _ = postAs(t, h, admin, "/admin/ingestion/features", url.Values{"features": {`{"features":[{"key":"reports","events":["Report *"],"high_value":true}]}`}})
	if code != 200 || !strings.Contains(body, "Saved 1 features") {
		t.Fatalf("save features: %d\n%s", code, body)
	}
	if v, err := f.st.UsageSetting(ctx, "features"); err != nil || !strings.Contains(v, `"reports"`) {
		t.Fatalf("saved features: %q %v", v, err)
	}
	if code, _, _ := postAs(t, h, ada, "/admin/ingestion/features", url.Values{"features": {`{"features":[]}`}}); code != http.StatusForbidden {
		t.Fatalf("CSM saving features: %d", code)
	}

	code, _, hdr := postAs(t, h, admin, "/admin/ingestion/keys/"+strconv.FormatInt(k.ID, 10)+"/revoke", nil)
	if code != http.StatusSeeOther || hdr.Get("Location") != "/admin/ingestion" {
		t.Fatalf("revoke: %d %v", code, hdr)
	}
	if k, _ = f.st.WriteKeyByHash(ctx, auth.HashSecret(secret)); k.Live() {
		t.Fatal("key still live after revoke")
	}
}

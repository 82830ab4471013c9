package web

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/automation"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/rules"
	"github.com/tendhq/tend/internal/scoring"
)

func TestRulesPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	root := customer.User{Email: "root@tend.test", Name: "Root", Role: customer.RoleAdmin}
	if err := f.st.Users().Create(ctx, &root); err != nil {
		t.Fatal(err)
	}
	admin := principalOf(root)
	leader := principalOf(f.users["alan@tend.test"])
	csm := principalOf(f.users["ada@tend.test"])
	h := f.server(0).routes()
	versions := func() int {
		t.Helper()
		vs, err := automation.Versions(ctx, f.st)
		if err != nil {
			t.Fatal(err)
		}
		return len(vs)
	}

	// Admins and leaders read the rules in words; only admins may save.
	for _, tc := range []struct {
		p        auth.Principal
		code     int
		saveForm bool
	}{{admin, 200, true}, {leader, 200, false}, {csm, 403, false}} {
		code, body := getAs(t, h, tc.p, "/admin/rules")
		if code != tc.code {
			t.Errorf("rules as %s: %d, want %d", tc.p.Role, code, tc.code)
			continue
		}
		if code != 200 {
			continue
		}
		for _, want := range []string{"health-red", "Health turns red", "usage.trend reaches at or under -0.3", "120 days before renewal_on",
			"Open a risk CTA with playbook red-health", "Close the CTA of health-red", "No rule has fired yet."} {
			if !strings.Contains(body, want) {
				t.Errorf("rules as %s: no %q", tc.p.Role, want)
			}
		}
		if got := strings.Contains(body, `formaction="/admin/rules"`); got != tc.saveForm {
			t.Errorf("rules as %s: save button shown %v, want %v", tc.p.Role, got, tc.saveForm)
		}
	}

	crlf := func(b []byte) string { return strings.ReplaceAll(string(b), "\n", "\r\n") }
	// Invalid YAML: the problem at its line and column, the text kept,
	// nothing saved — from the dry run and from save alike.
	bad := bytes.Replace(rules.DefaultYAML(), []byte("{{metric.usage.trend}}"), []byte("{{metric.usage.trnd}}"), 1)
	line := bytes.Count(bad[:bytes.Index(bad, []byte("usage.trnd"))], []byte("\n")) + 1
	for _, path := range []string{"/admin/rules/dry-run", "/admin/rules"} {
		code, body, _ := postAs(t, h, admin, path, url.Values{"yaml": {crlf(bad)}, "note": {"typo"}})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s with invalid YAML: %d, want 422", path, code)
		}
		for _, want := range []string{"1 problem — nothing was saved", "Line " + itoa(line) + ", column", "unknown template variable &#34;metric.usage.trnd&#34;"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s with invalid YAML: no %q", path, want)
			}
		}
		if !strings.Contains(html.UnescapeString(body), "{{metric.usage.trnd}}") {
			t.Errorf("%s with invalid YAML: the textarea lost what was typed", path)
		}
	}
	if n := versions(); n != 0 {
		t.Fatalf("invalid YAML saved %d versions", n)
	}

	// A dry run says what would open, by rule with the accounts, and saves
	// nothing.
	if _, err := scoring.Recompute(ctx, f.st, f.today); err != nil {
		t.Fatal(err)
	}
	every := "rules:\n  - name: everyone\n    trigger: {on: schedule}\n    actions:\n      - open_cta: {type: lifecycle, reason: \"Say hello to {{account.name}}\", playbook: nope}\n"
	form := url.Values{"yaml": {crlf([]byte(every))}, "note": {"Hello everyone"}}
	for _, p := range []auth.Principal{admin, leader} {
		code, body, _ := postAs(t, h, p, "/admin/rules/dry-run", form)
		if code != 200 || !strings.Contains(body, "Dry run: would open 5 CTAs over 5 accounts") || !strings.Contains(body, "Acme Corp") ||
			!strings.Contains(body, "no playbook is called &#34;nope&#34;") {
			t.Errorf("dry run as %s: %d\n%s", p.Role, code, body)
		}
	}
	if n := versions(); n != 0 {
		t.Fatalf("the dry run saved %d versions", n)
	}

	// Save: a new version by the admin; leaders and CSMs may not.
	for _, p := range []auth.Principal{leader, csm} {
		if code, _, _ := postAs(t, h, p, "/admin/rules", form); code != http.StatusForbidden {
			t.Errorf("save as %s: %d, want 403", p.Role, code)
		}
	}
	code, _, hdr := postAs(t, h, admin, "/admin/rules", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/admin/rules?") {
		t.Fatalf("save: %d to %q, want 303 back to the page", code, hdr.Get("Location"))
	}
	vs, err := automation.Versions(ctx, f.st)
	if err != nil || len(vs) != 1 || vs[0].CreatedBy != root.ID || vs[0].YAML != every || vs[0].Note != "Hello everyone" {
		t.Fatalf("saved versions: %+v %v", vs, err)
	}
	_, body := getAs(t, h, admin, hdr.Get("Location"))
	for _, want := range []string{"Saved as version 1", "everyone", "Every evaluation", "Hello everyone"} {
		if !strings.Contains(body, want) {
			t.Errorf("after the save: no %q", want)
		}
	}
	// Restore Tend's rules.
	if code, _, _ := postAs(t, h, admin, "/admin/rules/versions/0/restore", nil); code != http.StatusSeeOther {
		t.Fatalf("restore: %d", code)
	}
	if a, err := automation.Active(ctx, f.st); err != nil || a.Version != 2 || len(a.Set.Rules) != len(rules.Default().Rules) {
		t.Fatalf("after restoring Tend's rules: version %d, %v", a.Version, err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

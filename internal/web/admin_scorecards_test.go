package web

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/scoring"
)

func TestScorecardsPage(t *testing.T) {
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
	reader := principalOf(f.users["rita@tend.test"])
	h := f.server(0).routes()
	versions := func() int {
		t.Helper()
		vs, err := f.st.ScorecardVersions(ctx, scoring.SetName)
		if err != nil {
			t.Fatal(err)
		}
		return len(vs)
	}

	// Admins and leaders read the set in words; only admins may save.
	for _, tc := range []struct {
		p        auth.Principal
		code     int
		saveForm bool
	}{{admin, 200, true}, {leader, 200, false}, {csm, 403, false}, {reader, 403, false}} {
		code, body := getAs(t, h, tc.p, "/admin/scorecards")
		if code != tc.code {
			t.Errorf("scorecards as %s: %d, want %d", tc.p.Role, code, tc.code)
			continue
		}
		if code != 200 {
			continue
		}
		for _, want := range []string{"tech touch", "Applies when <code>touch_model == &#34;tech&#34;</code>", "Seat utilisation",
			"Red below 40", "Green from 70", "Skipped: its weight goes to the others", "9 or more: 100 points", "Lower is better"} {
			if !strings.Contains(body, want) {
				t.Errorf("scorecards as %s: no %q", tc.p.Role, want)
			}
		}
		if got := strings.Contains(body, `formaction="/admin/scorecards"`); got != tc.saveForm {
			t.Errorf("scorecards as %s: save button shown %v, want %v", tc.p.Role, got, tc.saveForm)
		}
	}

	good := bytes.ReplaceAll(health.DefaultYAML(), []byte("red_below: 40"), []byte("red_below: 60"))
	// Browsers send a textarea's lines ending in CRLF.
	crlf := func(b []byte) string { return strings.ReplaceAll(string(b), "\n", "\r\n") }
	form := url.Values{"yaml": {crlf(good)}, "note": {"Red from 60"}}
	for _, p := range []auth.Principal{leader, csm, reader} {
		if code, _, _ := postAs(t, h, p, "/admin/scorecards", form); code != http.StatusForbidden {
			t.Errorf("save as %s: %d, want 403", p.Role, code)
		}
		if code, _, _ := postAs(t, h, p, "/admin/scorecards/versions/0/restore", nil); code != http.StatusForbidden {
			t.Errorf("restore as %s: %d, want 403", p.Role, code)
		}
	}
	if n := versions(); n != 0 {
		t.Fatalf("%d versions saved by people who may not", n)
	}

	// Invalid YAML: every problem at its line and column, the text kept,
	// nothing saved — from the preview and from save alike.
	bad := bytes.Replace(health.DefaultYAML(), []byte("metric: usage.seat_utilisation"), []byte("metric: usage.seat_utilization"), 1)
	bad = bytes.Replace(bad, []byte("green_from: 70"), []byte("green_from: 30"), 1)
	for _, path := range []string{"/admin/scorecards/preview", "/admin/scorecards"} {
		code, body, _ := postAs(t, h, admin, path, url.Values{"yaml": {crlf(bad)}, "note": {"typo"}})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s with invalid YAML: %d, want 422", path, code)
		}
		for _, want := range []string{"2 problems — nothing was saved", "Line 9, column 7", "Line 17, column 21", "unknown metric &#34;usage.seat_utilization&#34;"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s with invalid YAML: no %q", path, want)
			}
		}
		if !strings.Contains(html.UnescapeString(body), "metric: usage.seat_utilization\n") {
			t.Errorf("%s with invalid YAML: the textarea lost what was typed", path)
		}
	}
	if n := versions(); n != 0 {
		t.Fatalf("invalid YAML saved %d versions", n)
	}

	// A valid change: the preview counts colour moves and saves nothing.
	if _, err := scoring.Recompute(ctx, f.st, f.today); err != nil {
		t.Fatal(err)
	}
	for _, p := range []auth.Principal{admin, leader} {
		code, body, _ := postAs(t, h, p, "/admin/scorecards/preview", form)
		if code != 200 || !strings.Contains(body, "would change colour") || !strings.Contains(body, "Now (version 0)") {
			t.Errorf("preview as %s: %d, no count of colour moves", p.Role, code)
		}
	}
	if n := versions(); n != 0 {
		t.Fatalf("the preview saved %d versions", n)
	}

	// Save: a new version by the admin, every account rescored with it.
	code, _, hdr := postAs(t, h, admin, "/admin/scorecards", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/admin/scorecards?") {
		t.Fatalf("save: %d to %q, want 303 back to the page", code, hdr.Get("Location"))
	}
	vs, err := f.st.ScorecardVersions(ctx, scoring.SetName)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Version != 1 || vs[0].CreatedBy != root.ID || vs[0].Note != "Red from 60" || vs[0].YAML != string(good) {
		t.Fatalf("saved versions: %+v", vs)
	}
	hs, err := f.st.HealthScore(ctx, f.ids["Acme Corp"])
	if err != nil || hs.Version != 1 {
		t.Errorf("Acme's score after the save: version %d (%v), want 1", hs.Version, err)
	}
	_, body := getAs(t, h, admin, hdr.Get("Location"))
	for _, want := range []string{"Saved as version 1. Every account was rescored (5 accounts", "Version 1", "Red from 60", "root@tend.test", "Red below 60"} {
		if !strings.Contains(body, want) {
			t.Errorf("after the save: no %q", want)
		}
	}

	// Restore Tend's default: applied again as version 2.
	if code, _, _ := postAs(t, h, admin, "/admin/scorecards/versions/0/restore", nil); code != http.StatusSeeOther {
		t.Fatalf("restore the default: %d", code)
	}
	if code, _, _ := postAs(t, h, admin, "/admin/scorecards/versions/9/restore", nil); code != http.StatusNotFound {
		t.Errorf("restore a version that does not exist: %d, want 404", code)
	}
	cards, err := scoring.Active(ctx, f.st)
	if err != nil || cards.Version != 2 || cards.Stored.YAML != string(health.DefaultYAML()) || cards.Stored.Note != "Restored Tend's default" {
		t.Errorf("after restoring the default: version %d, note %q (%v)", cards.Version, cards.Stored.Note, err)
	}
}

func TestBacktestPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.server(0).routes()
	reader := principalOf(f.users["rita@tend.test"])

	code, body := getAs(t, h, reader, "/health/backtest")
	if code != 200 {
		t.Fatalf("backtest as read-only: %d", code)
	}
	for _, want := range []string{"How this is computed", "days to renewal", "Churn by colour", "Churn by score", `value="90"`} {
		if !strings.Contains(body, want) {
			t.Errorf("backtest: no %q", want)
		}
	}
	if strings.Contains(body, `href="/admin/scorecards"`) {
		t.Error("a read-only user is sent to the scorecards, which they may not see")
	}

	// Bad input is named by field; a horizon not yet passed is explained.
	code, body = getAs(t, h, reader, "/health/backtest?horizon=soon&from=yesterday")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter a whole number of days") || !strings.Contains(body, "Enter a date as YYYY-MM-DD") {
		t.Errorf("backtest with bad input: %d", code)
	}
	q := url.Values{"to": {f.today.AddDays(-10).String()}, "horizon": {"90"}}
	code, body = getAs(t, h, reader, "/health/backtest?"+q.Encode())
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "needs its 90-day horizon to have passed") {
		t.Errorf("backtest of days whose horizon is to come: %d", code)
	}
	// A shorter horizon moves the days scored with it.
	code, body = getAs(t, h, reader, "/health/backtest?horizon=30")
	if code != 200 || !strings.Contains(body, `value="`+f.today.AddDays(-30).String()+`"`) {
		t.Errorf("backtest with a 30-day horizon: %d, last day not %s", code, f.today.AddDays(-30))
	}
}

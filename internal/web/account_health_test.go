package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/scoring"
)

func TestHealthPanel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	acme := "/accounts/" + strconv.FormatInt(f.ids["Acme Corp"], 10)
	ada := f.as("ada@tend.test", 0)

	// Before any recompute the panel says so, and how scores come.
	_, body, _ := get(t, ada, acme)
	for _, want := range []string{`id="health"`, "Not scored yet", "tend health recompute", "Set the CSM pulse"} {
		if !strings.Contains(body, want) {
			t.Errorf("unscored page lacks %q", want)
		}
	}

	// A score 40 days ago and one today.
	if _, err := scoring.Recompute(ctx, f.st, f.today.AddDays(-40)); err != nil {
		t.Fatal(err)
	}
	if _, err := scoring.Recompute(ctx, f.st, f.today); err != nil {
		t.Fatal(err)
	}
	status, body, _ := get(t, ada, acme)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	for _, want := range []string{"Scored by the", "of its weight had data", "Why this score", "By group",
		"7 days", "30 days", "90 days", "What changed in 30 days", `<title id="health-`, "Not enough data", "/ 100"} {
		if !strings.Contains(body, want) {
			t.Errorf("scored page lacks %q", want)
		}
	}
	if strings.Contains(body, "Not scored yet") {
		t.Error("a scored account says it is not scored")
	}
	// Colour is never the only signal: the tag carries the colour's name.
	if !strings.Contains(body, `<span class="health-tag health-`) {
		t.Error("no colour tag")
	}
}

func TestPulseForm(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.ids["Acme Corp"]
	acme := "/accounts/" + strconv.FormatInt(id, 10)
	ada := f.as("ada@tend.test", 0)
	good := url.Values{"colour": {"red"}, "reason": {"Champion is leaving in March"}, "expires_on": {f.today.AddDays(30).String()}}

	// Another CSM's account, or a read-only role: no form, and the post is refused.
	for _, who := range []string{"grace@tend.test", "rita@tend.test"} {
		h := f.as(who, 0)
		_, body, _ := get(t, h, acme)
		if strings.Contains(body, "Set the CSM pulse") {
			t.Errorf("%s is offered the pulse form on Acme", who)
		}
		if status, _, _ := post(t, h, acme+"/pulse", good); status != http.StatusForbidden {
			t.Errorf("%s set a pulse on Acme: status %d", who, status)
		}
	}
	if ps, _ := f.st.Pulses(context.Background(), id); len(ps) != 0 {
		t.Fatalf("refused pulses stored: %+v", ps)
	}

	// Problems name their field and keep what was typed.
	for name, c := range map[string]struct {
		change url.Values
		want   string
	}{
		"expiry today":   {url.Values{"expires_on": {f.today.String()}}, "Counts until must be after today"},
		"expiry passed":  {url.Values{"expires_on": {f.today.AddDays(-3).String()}}, "Counts until must be after today"},
		"no expiry":      {url.Values{"expires_on": {""}}, "Counts until is required"},
		"not a date":     {url.Values{"expires_on": {"next week"}}, "Counts until"},
		"no reason":      {url.Values{"reason": {"  "}}, "Reason is required"},
		"no colour":      {url.Values{"colour": {""}}, "Colour is required"},
		"unknown colour": {url.Values{"colour": {"purple"}}, "Colour"},
	} {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		for k, v := range c.change {
			form[k] = v
		}
		status, body, _ := post(t, ada, acme+"/pulse", form)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, c.want) {
			t.Errorf("%s: status %d, want 422 saying %q", name, status, c.want)
		}
		if !strings.Contains(body, `<details class="log" id="pulse" open>`) {
			t.Errorf("%s: the form is not open on its problems", name)
		}
	}
	if ps, _ := f.st.Pulses(context.Background(), id); len(ps) != 0 {
		t.Fatalf("invalid pulses stored: %+v", ps)
	}

	// A good pulse is stored, the account scored at once, and shown.
	status, _, hdr := post(t, ada, acme+"/pulse", good)
	if status != http.StatusSeeOther || hdr.Get("Location") != acme+"?pulse=1#health" {
		t.Fatalf("status %d, location %q", status, hdr.Get("Location"))
	}
	if _, err := f.st.HealthScore(context.Background(), id); err != nil {
		t.Fatalf("no score after setting the pulse: %v", err)
	}
	_, body, _ := get(t, ada, acme+"?pulse=1")
	for _, want := range []string{"Pulse saved", "CSM pulse:", "Champion is leaving in March", "counts until", "Set by ada@tend.test", "Scored by the"} {
		if !strings.Contains(body, want) {
			t.Errorf("after saving, the page lacks %q", want)
		}
	}

	// Once it expires, the page says so and that it no longer counts.
	later := f.server(0)
	later.today = func() civil.Date { return f.today.AddDays(31) }
	later.now = func() time.Time { return f.today.AddDays(31).Time().Add(10 * time.Hour) }
	_, body, _ = get(t, atEdge(withPrincipal(later.routes(), principalOf(f.users["ada@tend.test"]))), acme)
	if !strings.Contains(body, "no longer counts") {
		t.Error("an expired pulse is not said to have expired")
	}
}

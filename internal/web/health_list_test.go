package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// scoreFixture gives Acme Corp a score 31 days ago (60, yellow) and now
// (72, green), Globex a red 20, and Initech a score with not enough data;
// Acme Labs is never scored.
func scoreFixture(t *testing.T, f *fixture) {
	t.Helper()
	now := time.Now().UTC()
	s := func(v float64) *float64 { return &v }
	for _, batch := range [][]store.HealthScore{
		{{AccountID: f.ids["Acme Corp"], ScoredAt: now.AddDate(0, 0, -31), Score: s(60), Colour: store.ColourYellow}},
		{
			{AccountID: f.ids["Acme Corp"], ScoredAt: now, Score: s(72.4), Colour: store.ColourGreen},
			{AccountID: f.ids["Globex"], ScoredAt: now, Score: s(20), Colour: store.ColourRed},
			{AccountID: f.ids["Initech"], ScoredAt: now, Colour: store.ColourNone},
		},
	} {
		for i := range batch {
			batch[i].Scorecard, batch[i].Version = "default", 1
		}
		if err := f.st.PutHealthScores(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
}

// TestListHealth: the accounts list and the portfolio show each account's
// health in words with its score and its move over 30 days, filter by
// colour (and by not enough data, and never scored), and sort by score
// with the missing last.
func TestListHealth(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	scoreFixture(t, f)
	h := f.handler(0)
	for _, tc := range []struct {
		path       string
		want, gone []string
	}{
		{"/accounts", []string{`hl-green`, `>Green</span> <span class="hl-score">72</span>`, `&#43;12`, `up &#43;12 points since 30 days ago, from 60`,
			`>Red</span> <span class="hl-score">20</span>`, "Not enough data", "Not scored yet"}, nil},
		{"/accounts?health=green", []string{"Acme Corp"}, []string{"Globex", "Initech", "Acme Labs"}},
		{"/accounts?health=red", []string{"Globex"}, []string{"Acme Corp", "Initech"}},
		{"/accounts?health=not_enough_data", []string{"Initech"}, []string{"Globex", "Acme Corp"}},
		{"/accounts?health=unscored", []string{"Acme Labs"}, []string{"Globex", "Initech", "Acme Corp<"}},
		{"/accounts?health=red", []string{`<option value="red" selected>Red</option>`}, nil},
	} {
		code, body, _ := get(t, h, tc.path)
		if code != http.StatusOK {
			t.Fatalf("%s: status %d", tc.path, code)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q", tc.path, w)
			}
		}
		for _, g := range tc.gone {
			if strings.Contains(body, ">"+g+"</a>") {
				t.Errorf("%s: lists %q", tc.path, g)
			}
		}
	}
	_, body, _ := get(t, h, "/accounts?sort=health")
	if order := indexes(body, ">Globex</a>", ">Acme Corp</a>", ">Initech</a>"); order == nil {
		t.Errorf("sorted by health: want Globex, Acme Corp, then the unscored, got\n%s", body)
	}
	if code, body, _ := get(t, h, "/accounts?health=blue"); code != http.StatusBadRequest || !strings.Contains(body, "not a health") {
		t.Errorf("a bad health filter: %d\n%s", code, body)
	}
	_, body, _ = get(t, f.as("ada@tend.test", 0), "/portfolio")
	if !strings.Contains(body, `<span class="hl-score">72</span>`) || !strings.Contains(body, "Not scored yet") {
		t.Errorf("portfolio: want Acme Corp's 72 and Acme Labs not scored\n%s", body)
	}
}

// indexes reports the positions of subs in s when each is found after the
// one before, or nil.
func indexes(s string, subs ...string) []int {
	var out []int
	at := 0
	for _, sub := range subs {
		i := strings.Index(s[at:], sub)
		if i < 0 {
			return nil
		}
		at += i + len(sub)
		out = append(out, at)
	}
	return out
}

// TestDashboardHealth: the dashboard counts customers by health colour,
// each count linking to the accounts list filtered to it, and lists the
// week's biggest drops and rises, each linking to its account.
func TestDashboardHealth(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.handler(0)
	_, body, _ := get(t, h, "/dashboard")
	if !strings.Contains(body, "No customer has a health score yet") {
		t.Errorf("before any score: want the note on scoring\n%s", body)
	}
	scoreFixture(t, f)
	if _, body, _ := get(t, h, "/dashboard"); !strings.Contains(body, "so this week's biggest moves show once") {
		t.Errorf("with no scores a week old: want the note that there is nothing to compare with\n%s", body)
	}
	week := time.Now().UTC().AddDate(0, 0, -7)
	s := func(v float64) *float64 { return &v }
	if err := f.st.PutHealthScores(context.Background(), []store.HealthScore{
		{AccountID: f.ids["Acme Corp"], ScoredAt: week, Scorecard: "default", Version: 1, Score: s(90), Colour: store.ColourGreen},
		{AccountID: f.ids["Globex"], ScoredAt: week, Scorecard: "default", Version: 1, Score: s(10), Colour: store.ColourRed},
	}); err != nil {
		t.Fatal(err)
	}
	code, body, _ := get(t, h, "/dashboard")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	for _, w := range []string{
		`href="/accounts?health=red"`, `href="/accounts?health=green"`, `href="/accounts?health=not_enough_data"`, `href="/accounts?health=unscored"`,
		`Red</span>
      <span class="hd-count">1</span>`,
		`Not scored yet</span>
      <span class="hd-count">2</span>`,
		`>Acme Corp</a> <span class="hd-move"><span class="hl hl-green">`, `90 → 72`, `−18`,
		`>Globex</a>`, `10 → 20`, `&#43;10`,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("dashboard: no %q", w)
		}
	}
	if i, j := strings.Index(body, "Biggest drops"), strings.Index(body, "Biggest rises"); i < 0 || j < 0 ||
		!strings.Contains(body[i:j], "Acme Corp") || !strings.Contains(body[j:], ">Globex</a>") {
		t.Errorf("drops and rises in the wrong lists\n%s", body)
	}
}

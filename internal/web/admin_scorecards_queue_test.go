package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// TestScorecardsRescoredInBackground: with a job queue, saving a version
// queues the rescore of every account instead of running it in the
// request; the page says so, and shows the recompute's progress and end.
func TestScorecardsRescoredInBackground(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	st := f.st.(*sqlstore.DB)
	where := jobs.Where{SQLite: st.W}
	if err := jobs.Migrate(ctx, where, nil); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.Open(ctx, where, jobs.Options{Work: true, Store: f.st, FetchPollInterval: 20 * time.Millisecond,
		Recompute: func(ctx context.Context) error {
			_, err := scoring.RecomputeTracked(ctx, st, civil.Today(), nil)
			return err
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Close(ctx)
	root := customer.User{Email: "root@tend.test", Name: "Root", Role: customer.RoleAdmin}
	if err := f.st.Users().Create(ctx, &root); err != nil {
		t.Fatal(err)
	}
	admin := principalOf(root)
	s := f.server(0)
	s.jobs = q
	h := s.routes()

	good := bytes.ReplaceAll(health.DefaultYAML(), []byte("red_below: 40"), []byte("red_below: 60"))
	code, _, hdr := postAs(t, h, admin, "/admin/scorecards", url.Values{"yaml": {string(good)}, "note": {"Red from 60"}})
	if code != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), "queued=1") {
		t.Fatalf("save: %d to %q, want 303 saying the rescore was queued", code, hdr.Get("Location"))
	}
	_, body := getAs(t, h, admin, hdr.Get("Location"))
	if !strings.Contains(body, "Saved as version 1. Every account is being rescored in the background") {
		t.Errorf("after the save the page does not say the rescore is under way:\n%s", body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		hs, err := f.st.HealthScore(ctx, f.ids["Acme Corp"])
		r, rerr := st.LatestRecompute(ctx)
		if err == nil && hs.Version == 1 && rerr == nil && !r.Running() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Acme not rescored with version 1 after 20 s: %+v (%v), recompute %+v (%v)", hs, err, r, rerr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, body = getAs(t, h, admin, "/admin/scorecards")
	if !strings.Contains(body, "Every account was last rescored with version 1") {
		t.Errorf("the page does not show the finished recompute:\n%s", body)
	}
}

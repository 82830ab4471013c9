package web

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/customer"
	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/store/sqlite"
)

type failArgs struct{}

func (failArgs) Kind() string { return "test_fail" }

type failWorker struct{ river.WorkerDefaults[failArgs] }

func (failWorker) Work(context.Context, *river.Job[failArgs]) error {
	return errors.New("the mail server refused the connection")
}

// TestAdminJobs: only administrators see the queue; it counts jobs by kind
// and state, lists a failed job with its error, and retries and cancels
// jobs through POST forms.
func TestAdminJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tend.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	where := jobs.Where{SQLite: st.W}
	if err := jobs.Migrate(ctx, where, nil); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.Open(ctx, where, jobs.Options{Work: true, Store: st, FetchPollInterval: 20 * time.Millisecond,
		AddWorkers: func(ws *river.Workers) { river.AddWorker(ws, failWorker{}) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Close(ctx)

	failed, err := q.Insert(ctx, failArgs{}, &river.InsertOpts{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	later, err := q.Insert(ctx, failArgs{}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := q.Get(ctx, failed.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == rivertype.JobStateDiscarded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s after 10 s", j.State)
		}
		time.Sleep(20 * time.Millisecond)
	}

	root := customer.User{Email: "root@tend.test", Name: "Root", Role: customer.RoleAdmin}
	if err := st.Users().Create(ctx, &root); err != nil {
		t.Fatal(err)
	}
	// An account written, never rescored (no rescore job here): one waits.
	if err := st.Accounts().Create(ctx, &customer.Account{ExternalID: "a-1", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	admin := auth.Principal{UserID: root.ID, Email: root.Email, Role: customer.RoleAdmin}
	csm := auth.Principal{UserID: 2, Email: "ada@tend.test", Role: customer.RoleCSM}
	s := newServer(st, nil)
	s.jobs = q
	h := s.routes()

	if code, _ := getAs(t, h, csm, "/admin/jobs"); code != http.StatusForbidden {
		t.Fatalf("CSM: %d, want 403", code)
	}
	if code, _, _ := postAs(t, h, csm, "/admin/jobs/"+strconv.FormatInt(later.Job.ID, 10)+"/cancel", nil); code != http.StatusForbidden {
		t.Fatalf("CSM cancelling: %d, want 403", code)
	}
	code, body := getAs(t, h, admin, "/admin/jobs")
	for _, want := range []string{`aria-current="page">Jobs`, "<code>test_fail</code>", `data-label="discarded">1<`, `data-label="scheduled">1<`,
		"the mail server refused the connection", "/admin/jobs/" + strconv.FormatInt(failed.Job.ID, 10) + "/retry",
		"Health: 1 account waiting for a rescore"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Fatalf("jobs page: %d, no %q in\n%s", code, want, body)
		}
	}

	code, _, hdr := postAs(t, h, admin, "/admin/jobs/"+strconv.FormatInt(later.Job.ID, 10)+"/cancel", nil)
	if code != http.StatusSeeOther || hdr.Get("Location") != "/admin/jobs" {
		t.Fatalf("cancel: %d %v", code, hdr)
	}
	if j, err := q.Get(ctx, later.Job.ID); err != nil || j.State != rivertype.JobStateCancelled {
		t.Fatalf("after cancel: %v %v", j.State, err)
	}
	if code, _, _ = postAs(t, h, admin, "/admin/jobs/"+strconv.FormatInt(failed.Job.ID, 10)+"/retry", nil); code != http.StatusSeeOther {
		t.Fatalf("retry: %d", code)
	}
	if j, err := q.Get(ctx, failed.Job.ID); err != nil || j.State == rivertype.JobStateDiscarded && len(j.Errors) < 2 {
		t.Fatalf("after retry: %v (%d errors) %v", j.State, len(j.Errors), err)
	}
	if code, _, _ = postAs(t, h, admin, "/admin/jobs/999999/retry", nil); code != http.StatusNotFound {
		t.Fatalf("retry of an unknown job: %d, want 404", code)
	}
}

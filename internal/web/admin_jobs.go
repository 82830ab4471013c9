package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/tendhq/tend/internal/jobs"
	"github.com/tendhq/tend/internal/store"
)

// The Jobs admin page: River's queue as an administrator needs it —
// how many jobs of each kind are in each state, the jobs that failed with
// their errors, and the jobs waiting or running, with retry and cancel.

// JobQueue is what the Jobs page uses of the job queue.
type JobQueue interface {
	Counts(ctx context.Context) ([]jobs.Count, error)
	Troubled(ctx context.Context, limit int) ([]jobs.Job, error)
	Pending(ctx context.Context, limit int) ([]jobs.Job, error)
	Retry(ctx context.Context, id int64) error
	Cancel(ctx context.Context, id int64) error
}

// jobStates are the columns of the counts table, in a job's life order.
var jobStates = []string{"available", "scheduled", "running", "retryable", "completed", "discarded", "cancelled"}

// adminJobsView is the Jobs page.
type adminJobsView struct {
	Page
	Running  bool // a queue is attached to this process
	States   []string
	Kinds    []jobKindRow
	Troubled []jobs.Job
	Pending  []jobs.Job
	// Health rescoring: the accounts marked for a rescore and when the
	// oldest was marked, and the last full recompute (nil: none).
	Dirty       int
	DirtySince  time.Time
	Recompute   *store.Recompute
	HasRescores bool // the store keeps marks (always, with the SQL store)
}

// jobKindRow is one kind's counts, in jobStates order.
type jobKindRow struct {
	Kind   string
	Counts []int
}

const jobsListed = 50

func (s *server) adminJobsPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.admin(r); err != nil {
		return err
	}
	v := adminJobsView{Page: Page{Title: "Jobs", Section: "admin"}, States: jobStates, Running: s.jobs != nil}
	if s.jobs != nil {
		ctx := r.Context()
		counts, err := s.jobs.Counts(ctx)
		if err != nil {
			return err
		}
		v.Kinds = jobKinds(counts)
		if v.Troubled, err = s.jobs.Troubled(ctx, jobsListed); err != nil {
			return err
		}
		if v.Pending, err = s.jobs.Pending(ctx, jobsListed); err != nil {
			return err
		}
		if d, ok := s.st.(store.Dirty); ok {
			v.HasRescores = true
			if v.Dirty, v.DirtySince, err = d.DirtyCount(ctx); err != nil {
				return err
			}
		}
		if rs, ok := s.st.(store.Recomputes); ok {
			r, err := rs.LatestRecompute(ctx)
			switch {
			case err == nil:
				v.Recompute = &r
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
	}
	return s.render(w, r, http.StatusOK, "admin_jobs", v)
}

// jobKinds arranges counts (sorted by kind) as one row per kind.
func jobKinds(counts []jobs.Count) []jobKindRow {
	var rows []jobKindRow
	for _, c := range counts {
		if len(rows) == 0 || rows[len(rows)-1].Kind != c.Kind {
			rows = append(rows, jobKindRow{Kind: c.Kind, Counts: make([]int, len(jobStates))})
		}
		for i, st := range jobStates {
			if st == c.State {
				rows[len(rows)-1].Counts[i] += c.N
			}
		}
	}
	return rows
}

// retryJob and cancelJob act on one job, then show the page again.
func (s *server) retryJob(w http.ResponseWriter, r *http.Request) error {
	return s.jobAction(w, r, "retried", JobQueue.Retry)
}

func (s *server) cancelJob(w http.ResponseWriter, r *http.Request) error {
	return s.jobAction(w, r, "cancelled", JobQueue.Cancel)
}

func (s *server) jobAction(w http.ResponseWriter, r *http.Request, did string, act func(JobQueue, context.Context, int64) error) error {
	p, err := s.admin(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || s.jobs == nil {
		return notFound("No such job", "There is no job at this address.")
	}
	if err := act(s.jobs, r.Context(), id); err != nil {
		if errors.Is(err, jobs.ErrNotFound) {
			return notFound("No such job", "There is no job at this address; it may have been removed after it finished.")
		}
		return err
	}
	s.log.InfoContext(r.Context(), "job "+did, "by", p.Email, "job_id", id)
	http.Redirect(w, r, "/admin/jobs", http.StatusSeeOther)
	return nil
}

package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Count is how many jobs of one kind are in one state.
type Count struct {
	Kind, State string
	N           int
}

// countSQL counts River's jobs by kind and state: the one read River's
// client API lacks. It reads River's own table, in SQL both engines speak.
const countSQL = "SELECT kind, state, COUNT(*) FROM river_job GROUP BY kind, state ORDER BY kind, state"

func scanCounts(rows *sql.Rows) ([]Count, error) {
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Kind, &c.State, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Counts reports the jobs by kind and state.
func (q *Queue) Counts(ctx context.Context) ([]Count, error) {
	c, err := q.counts(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: counts: %w", err)
	}
	return c, nil
}

// Job is one job as the admin page shows it.
type Job struct {
	ID                     int64
	Kind, State            string
	Attempt, MaxAttempts   int
	CreatedAt, ScheduledAt time.Time
	FinalizedAt            *time.Time
	// Errors are the errors of its failed attempts, oldest first.
	Errors []string
}

// Troubled lists the jobs that failed: retryable (waiting for their next
// attempt) and discarded (out of attempts), newest first, at most limit.
func (q *Queue) Troubled(ctx context.Context, limit int) ([]Job, error) {
	return q.list(ctx, limit, rivertype.JobStateRetryable, rivertype.JobStateDiscarded)
}

// Pending lists the jobs not yet finished and not failed — running,
// waiting their turn, scheduled — newest first, at most limit.
func (q *Queue) Pending(ctx context.Context, limit int) ([]Job, error) {
	return q.list(ctx, limit, rivertype.JobStateRunning, rivertype.JobStateAvailable,
		rivertype.JobStateScheduled, rivertype.JobStatePending)
}

func (q *Queue) list(ctx context.Context, limit int, states ...rivertype.JobState) ([]Job, error) {
	res, err := q.c.JobList(ctx, river.NewJobListParams().States(states...).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(limit))
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	out := make([]Job, 0, len(res.Jobs))
	for _, r := range res.Jobs {
		out = append(out, view(r))
	}
	return out, nil
}

func view(r *rivertype.JobRow) Job {
	j := Job{ID: r.ID, Kind: r.Kind, State: string(r.State), Attempt: r.Attempt, MaxAttempts: r.MaxAttempts,
		CreatedAt: r.CreatedAt, ScheduledAt: r.ScheduledAt, FinalizedAt: r.FinalizedAt}
	for _, e := range r.Errors {
		j.Errors = append(j.Errors, fmt.Sprintf("attempt %d at %s: %s", e.Attempt, e.At.UTC().Format(time.DateTime), e.Error))
	}
	return j
}

// ErrNotFound is returned for a job id that does not exist.
var ErrNotFound = errors.New("no such job")

// Retry makes a job that failed, was cancelled or is scheduled run again
// now.
func (q *Queue) Retry(ctx context.Context, id int64) error {
	if _, err := q.c.JobRetry(ctx, id); err != nil {
		if errors.Is(err, river.ErrNotFound) {
			return fmt.Errorf("job %d: %w", id, ErrNotFound)
		}
		return fmt.Errorf("jobs: retry job %d: %w", id, err)
	}
	return nil
}

// Cancel cancels a job that has not finished; a running one is told to stop.
func (q *Queue) Cancel(ctx context.Context, id int64) error {
	if _, err := q.c.JobCancel(ctx, id); err != nil {
		if errors.Is(err, river.ErrNotFound) {
			return fmt.Errorf("job %d: %w", id, ErrNotFound)
		}
		return fmt.Errorf("jobs: cancel job %d: %w", id, err)
	}
	return nil
}

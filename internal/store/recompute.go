package store

import (
	"context"
	"time"
)

// Recomputes is the log of full recomputes of every account's score, with
// the progress of the one running: written by the process recomputing,
// read by any (the admin page, the CLI).
type Recomputes interface {
	// StartRecompute records a recompute starting now; it sets ID,
	// StartedAt and UpdatedAt.
	StartRecompute(ctx context.Context, r *Recompute) error
	// UpdateRecompute stores r's Version, Scored, Written, FinishedAt and
	// Error; it sets UpdatedAt.
	UpdateRecompute(ctx context.Context, r *Recompute) error
	// LatestRecompute is the last recompute started (ErrNotFound if none).
	LatestRecompute(ctx context.Context) (Recompute, error)
}

// Recompute is one full recompute and how far it got.
type Recompute struct {
	ID      int64 `json:"id"`
	Version int   `json:"scorecards_version"`
	// Total is the number of accounts when it started; Scored and Written
	// how many it has scored and stored so far.
	Total      int       `json:"total"`
	Scored     int       `json:"scored"`
	Written    int       `json:"written"`
	StartedAt  time.Time `json:"started_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	FinishedAt time.Time `json:"finished_at"` // zero while running
	Error      string    `json:"error"`       // why it failed
}

// Running reports a recompute not finished.
func (r Recompute) Running() bool { return r.FinishedAt.IsZero() }

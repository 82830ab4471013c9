package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// The log of full recomputes (store.Recomputes; migration 0010).

// StartRecompute records a recompute starting.
func (db *DB) StartRecompute(ctx context.Context, r *store.Recompute) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := db.W.QueryRowContext(ctx, db.D.rebind("INSERT INTO health_recomputes (version, total, scored, written, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
		r.Version, r.Total, r.Scored, r.Written, db.D.TimeArg(now), db.D.TimeArg(now)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("start recompute: %w", err)
	}
	r.StartedAt, r.UpdatedAt = now, now
	return nil
}

// UpdateRecompute stores a recompute's progress.
func (db *DB) UpdateRecompute(ctx context.Context, r *store.Recompute) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	var fin any
	if !r.FinishedAt.IsZero() {
		fin = db.D.TimeArg(r.FinishedAt)
	}
	res, err := db.W.ExecContext(ctx, db.D.rebind("UPDATE health_recomputes SET version = ?, scored = ?, written = ?, finished_at = ?, error = ?, updated_at = ? WHERE id = ?"),
		r.Version, r.Scored, r.Written, fin, r.Error, db.D.TimeArg(now), r.ID)
	if err != nil {
		return fmt.Errorf("update recompute %d: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("recompute %d: %w", r.ID, store.ErrNotFound)
	}
	r.UpdatedAt = now
	return nil
}

// LatestRecompute reads the last recompute started.
func (db *DB) LatestRecompute(ctx context.Context) (store.Recompute, error) {
	var r store.Recompute
	err := db.R.QueryRowContext(ctx, "SELECT id, version, total, scored, written, started_at, updated_at, finished_at, error FROM health_recomputes ORDER BY id DESC LIMIT 1").
		Scan(&r.ID, &r.Version, &r.Total, &r.Scored, &r.Written, timeScan{&r.StartedAt}, timeScan{&r.UpdatedAt}, timeScan{&r.FinishedAt}, &r.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("recompute: %w", store.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("latest recompute: %w", err)
	}
	return r, nil
}

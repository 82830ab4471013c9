package web

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
)

// backtestTTL is how long a computed backtest is shown again. It scores
// days at least a horizon in the past, which new data seldom changes; the
// page says when it was computed.
const backtestTTL = 10 * time.Minute

// backtestCache keeps recent backtests by their options, day and
// scorecard version; concurrent requests for one wait for one run.
type backtestCache struct {
	mu      sync.Mutex
	flight  singleflight.Group
	entries map[string]backtestRun
}

// backtestRun is one computed backtest.
type backtestRun struct {
	Report scoring.BacktestReport
	At     time.Time
	Took   time.Duration
}

// get returns the backtest of o as of today, computing it when no run
// younger than backtestTTL is kept.
func (c *backtestCache) get(ctx context.Context, st store.Store, today civil.Date, o scoring.BacktestOptions, now time.Time) (backtestRun, error) {
	cards, err := scoring.Active(ctx, st)
	if err != nil {
		return backtestRun{}, err
	}
	key := fmt.Sprintf("%s|%s|%s|%d|%d|v%d", today, o.From, o.To, o.Every, o.Horizon, cards.Version)
	c.mu.Lock()
	run, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Sub(run.At) < backtestTTL {
		return run, nil
	}
	v, err, _ := c.flight.Do(key, func() (any, error) {
		t0 := time.Now()
		rep, err := scoring.Backtest(ctx, st, today, o)
		if err != nil {
			return backtestRun{}, err
		}
		run := backtestRun{Report: rep, At: now, Took: time.Since(t0)}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.entries == nil || len(c.entries) >= 16 {
			c.entries = map[string]backtestRun{}
		}
		c.entries[key] = run
		return run, nil
	})
	if err != nil {
		return backtestRun{}, err
	}
	return v.(backtestRun), nil
}

package cli

import (
	"context"
	"log/slog"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/scoring"
	"github.com/tendhq/tend/internal/store"
)

// Health scores where a new user looks first: a freshly loaded demo is
// scored at once, and a server started on accounts that were never scored
// scores them once in the background. Each is one call, ready to become a
// job on the queue.

// demoScoreDays are the days a fresh demo is scored as of, oldest first,
// so its accounts have a trend and a "what changed" from the start; the
// first is today, the current score; the store keeps the latest day's
// score current whatever the order they are written in.
var demoScoreDays = []int{0, -7, -30, -90}

// scoreDemo scores every account of a freshly loaded demo as of the
// demoScoreDays and logs what today's recompute found.
func scoreDemo(ctx context.Context, log *slog.Logger, st store.Store, today civil.Date) (scoring.Summary, error) {
	sum, err := scoreDemoToday(ctx, log, st, today)
	if err != nil {
		return sum, err
	}
	return sum, backfillDemo(ctx, st, today)
}

// scoreDemoToday scores every account of the demo as of today.
func scoreDemoToday(ctx context.Context, log *slog.Logger, st store.Store, today civil.Date) (scoring.Summary, error) {
	sum, err := scoring.Recompute(ctx, st, today)
	if err != nil {
		return sum, err
	}
	logScores(log, "demo health scores computed", sum)
	return sum, nil
}

// backfillDemo scores the demo as of the past demoScoreDays, for its
// trends and history.
func backfillDemo(ctx context.Context, st store.Store, today civil.Date) error {
	for _, d := range demoScoreDays[1:] {
		if _, err := scoring.Recompute(ctx, st, today.AddDays(d)); err != nil {
			return err
		}
	}
	return nil
}

// scoreIfNeverScored recomputes every account's score when there are
// accounts and none has a score (a database from before health scores,
// or one filled by import). It is meant to run in the background.
func scoreIfNeverScored(ctx context.Context, log *slog.Logger, st store.Store, today civil.Date) error {
	buckets, err := st.HealthDistribution(ctx)
	if err != nil {
		return err
	}
	for _, b := range buckets {
		if b.Colour != store.Unscored {
			return nil // scored before: the scores are kept current elsewhere
		}
	}
	if len(buckets) == 0 {
		return nil
	}
	log.Info("no account has a health score yet: scoring every account in the background")
	sum, err := scoring.Recompute(ctx, st, today)
	if err != nil {
		return err
	}
	logScores(log, "health scores computed", sum)
	return nil
}

func logScores(log *slog.Logger, msg string, sum scoring.Summary) {
	log.Info(msg, "as_of", sum.AsOf, "accounts", sum.Accounts, "scorecards_version", sum.Version,
		"red", sum.Colours[string(health.Red)], "yellow", sum.Colours[string(health.Yellow)],
		"green", sum.Colours[string(health.Green)], "not_enough_data", sum.Colours[string(health.NotEnoughData)],
		"took", (sum.Read + sum.Score + sum.Write).Round(1e6))
}

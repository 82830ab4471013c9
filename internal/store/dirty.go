package store

import (
	"context"
	"time"

	"github.com/tendhq/tend/internal/civil"
	"github.com/tendhq/tend/internal/health"
	"github.com/tendhq/tend/internal/usage"
)

// Dirty is the list of accounts whose health inputs changed since they were
// last scored. Every store write that changes an account's inputs —
// usage rolled up, a ticket, survey answer, invoice, contact, activity,
// subscription or pulse, a field of the account itself — marks the
// account in its own transaction, so a crash cannot lose a mark. The
// rescore job claims marked accounts, scores them, and clears the marks
// that did not change meanwhile.
type Dirty interface {
	// MarkDirty marks accounts (a recompute of some, or a test's).
	MarkDirty(ctx context.Context, accountIDs []int64) error
	// ClaimDirty leases up to limit marked accounts, oldest mark first,
	// that no other rescore holds, until now+lease. An account claimed is
	// claimed by one caller only, on every replica.
	ClaimDirty(ctx context.Context, limit int, lease time.Duration) ([]DirtyAccount, error)
	// DoneDirty ends a claim: the marks unchanged since the claim are
	// cleared, and accounts marked again meanwhile are released, still
	// marked, for the next rescore.
	DoneDirty(ctx context.Context, claimed []DirtyAccount) error
	// DirtyCount is how many accounts are marked, and the oldest mark's
	// time (zero when none).
	DirtyCount(ctx context.Context) (int, time.Time, error)
	// Marked lists which of the accounts are marked, in id order.
	Marked(ctx context.Context, accountIDs []int64) ([]int64, error)
	// EachHealthFactsOf is EachHealthFacts for the accounts listed (in id
	// order; ids of accounts that do not exist are skipped).
	EachHealthFactsOf(ctx context.Context, accountIDs []int64, asOf civil.Date, each func(f *health.Facts) error) error
	// EachAccountUsageOf is EachAccountUsage for the accounts listed (those
	// with usage in from..to), and SeatsOf is Seats for them.
	EachAccountUsageOf(ctx context.Context, accountIDs []int64, from, to usage.Day, cat *usage.Catalog, each func(id int64, a *usage.AccountUsage) error) error
	SeatsOf(ctx context.Context, accountIDs []int64) (map[int64]int, error)
}

// DirtyAccount is a claimed mark: the account, when it was first marked,
// and the mark count the claim saw.
type DirtyAccount struct {
	AccountID int64
	MarkedAt  time.Time
	Marks     int64
}

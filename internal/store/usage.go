package store

import (
	"context"
	"time"

	"github.com/tendhq/tend/internal/auth"
	"github.com/tendhq/tend/internal/usage"
)

// Usage keeps product usage: write keys, every accepted Segment message
// (unique by write key and messageId), per-account-per-day rollups, who
// belongs to which group, and the ingestion log. The rules it follows are
// in docs/usage.md ("The store (contract for the storage layer)").
//
// Accounts are named in the usage core (usage.Event.Account, the
// Directory) by their store id in decimal, so rollup rows need no lookup.
type Usage interface {
	// CreateWriteKey stores k and sets its ID.
	CreateWriteKey(ctx context.Context, k *auth.WriteKey) error
	// WriteKeys lists every write key, revoked ones too, newest first.
	WriteKeys(ctx context.Context) ([]auth.WriteKey, error)
	// WriteKeyByHash finds a write key by the SHA-256 of its secret,
	// whatever its state; the caller checks Live.
	WriteKeyByHash(ctx context.Context, hash []byte) (auth.WriteKey, error)
	// RevokeWriteKey revokes a key at now; revoking twice is not an error.
	RevokeWriteKey(ctx context.Context, id int64, now time.Time) error

	// CommitUsage writes one group commit in one transaction: the
	// messages (ON CONFLICT DO NOTHING on (write key, messageId)), the
	// effects of those actually inserted (rollups, links, aliases,
	// contacts), the attribution of released events, and the log. It
	// fills c's outputs. Nothing is written if it fails.
	CommitUsage(ctx context.Context, c *UsageCommit) error
	// GroupAccounts lists the accounts whose match field (product_id,
	// external_id or billing_id) is set, changed at or after since (zero:
	// all), as groupId → account id.
	GroupAccounts(ctx context.Context, field usage.MatchField, since time.Time) ([]GroupAccount, error)
	// UsageLinks lists the stored group links and aliases, to load the
	// usage.Directory at start.
	UsageLinks(ctx context.Context) ([]usage.Link, []usage.AliasLink, error)
	// HeldEvents lists the usage events received since then that have no
	// account yet, at most limit of them (the most recent), oldest first,
	// classified with cat, for usage.Linker.Hold at start.
	HeldEvents(ctx context.Context, since time.Time, limit int, cat *usage.Catalog) ([]usage.Event, error)

	// AccountUsage reads an account's rollup rows for the days from..to
	// (inclusive); feature keys are mapped through cat (keys it does not
	// define are left out).
	AccountUsage(ctx context.Context, accountID int64, from, to usage.Day, cat *usage.Catalog) (*usage.AccountUsage, error)
	// AccountSeats is the seats (quantity) of the account's live, paid
	// subscriptions.
	AccountSeats(ctx context.Context, accountID int64) (int, error)
	// EachAccountUsage reads the rollups of every account with usage in
	// from..to, one account at a time in id order (four ordered scans
	// merged, so memory holds one account), for scoring all accounts.
	// each must not use the store: the scans hold read connections.
	EachAccountUsage(ctx context.Context, from, to usage.Day, cat *usage.Catalog, each func(id int64, a *usage.AccountUsage) error) error
	// Seats is AccountSeats of every account with live, paid subscriptions.
	Seats(ctx context.Context) (map[int64]int, error)
	// UsageTotals counts what is stored, for the admin page and tests.
	UsageTotals(ctx context.Context) (UsageTotals, error)

	// RebuildUsage recomputes every rollup from the stored messages with
	// cat (after a feature definition changed), in one transaction. Usage
	// events still without an account are first attributed through the
	// stored links and the accounts' match field.
	RebuildUsage(ctx context.Context, cat *usage.Catalog, field usage.MatchField) (RebuildStats, error)
	// PruneUsage drops the raw JSON of messages received before rawBefore,
	// the messages themselves received before rowsBefore (which must be
	// at least the dedupe window ago), and log entries before logBefore.
	PruneUsage(ctx context.Context, rawBefore, rowsBefore, logBefore time.Time) (PruneStats, error)

	// IngestionLog lists log entries, newest first.
	IngestionLog(ctx context.Context, q LogQuery) ([]LogEntry, error)
	// UsageSetting reads a usage setting ("" and ErrNotFound when unset);
	// SetUsageSetting writes one.
	UsageSetting(ctx context.Context, key string) (string, error)
	SetUsageSetting(ctx context.Context, key, value string, now time.Time) error
}

// UsageCommit is one group commit: inputs from the committer, outputs
// filled by CommitUsage.
type UsageCommit struct {
	// Now is Tend's clock at the commit.
	Now time.Time
	// Catalog classified the events; feature rows are written by key.
	Catalog *usage.Catalog
	// Sources are the messages of this commit by write key, each with its
	// Routing (usage.Linker.Route over exactly those messages). Message ids
	// must be unique within a source; CommitUsage applies Routing.Only.
	Sources []UsageSource
	// Released are held events and contact updates that links made
	// attributable: their rows get the account where they have none, and
	// only rows that changed are rolled up.
	Released usage.Released
	// Log is written as is (rejections, duplicates, drops).
	Log []LogEntry

	// Inserted counts the messages actually inserted (not already stored).
	Inserted int
	// Attributed counts the released events whose rows changed.
	Attributed int
	// ContactsCreated and ContactsUpdated count what identify calls did
	// to contacts (what they could not do is written to the log).
	ContactsCreated, ContactsUpdated int
}

// UsageSource is the messages of one write key in a commit.
type UsageSource struct {
	WriteKeyID int64
	Messages   []usage.Message
	Routing    usage.Routing
	// Inserted is set by CommitUsage: the message ids actually inserted.
	Inserted map[string]bool
}

// GroupAccount is an account named by a Segment groupId.
type GroupAccount struct {
	GroupID   string
	AccountID int64
}

// LogEntry is one line of the ingestion log.
type LogEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	WriteKeyID int64     `json:"write_key_id,omitempty"`
	MessageID  string    `json:"message_id"`
	Type       string    `json:"type"`
	Index      int       `json:"index"`  // position in the batch
	Reason     string    `json:"reason"` // usage.Reason, or duplicate, held_dropped, contact_…
	Detail     string    `json:"detail"`
	Bytes      int       `json:"bytes"`
}

// LogQuery selects log entries: before an id (0: the newest), of a reason
// ("" any), at most Limit (default 100, at most 1000).
type LogQuery struct {
	Before int64
	Reason string
	Limit  int
}

// UsageTotals counts stored usage.
type UsageTotals struct {
	Messages     int64 `json:"messages"`
	Unattributed int64 `json:"unattributed"` // usage events without an account
	RolledUp     int64 `json:"rolled_up"`    // events in usage_days
	LogEntries   int64 `json:"log_entries"`
}

// RebuildStats reports a rebuild.
type RebuildStats struct {
	Events   int64 // attributed usage events rolled up
	Accounts int   // accounts with usage
}

// PruneStats reports a prune.
type PruneStats struct {
	RawCleared, MessagesDeleted, LogDeleted int64
}

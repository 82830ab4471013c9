-- Accounts whose health inputs changed since they were last scored: every
-- write to an account's inputs adds (or bumps) its row in the same
-- transaction, and the rescore job deletes it once the new score is
-- stored. marked_at is when it was first marked (the oldest are rescored
-- first); marks counts the marks, so a rescore deletes the row only if no
-- change arrived while it scored. claimed_until is the lease of the rescore
-- scoring it: others leave it alone until then (a crashed one's lease
-- runs out and the account is scored again). No foreign key: a deleted
-- account's row is dropped by the next rescore.
CREATE TABLE health_dirty (
    account_id    INTEGER PRIMARY KEY,
    marked_at     TEXT NOT NULL,
    marks         INTEGER NOT NULL DEFAULT 1,
    claimed_until TEXT
) WITHOUT ROWID;
CREATE INDEX health_dirty_marked ON health_dirty (marked_at);

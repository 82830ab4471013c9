-- Health scores: the CSMs' pulses, the versioned scorecards, every
-- account's current score and its history. A score's detail is the scoring
-- core's explanation as JSON, kept as written (the store never reads it).

-- A CSM's manual red / yellow / green with a reason, counting from set_at
-- until expires_on (exclusive). Every pulse is kept; the latest in force wins.
CREATE TABLE health_pulses (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    colour     TEXT NOT NULL CHECK (colour IN ('red', 'yellow', 'green')),
    reason     TEXT NOT NULL DEFAULT '',
    set_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    set_at     TEXT NOT NULL,
    expires_on TEXT NOT NULL
);
CREATE INDEX health_pulses_account ON health_pulses (account_id, set_at);

-- Every version of every scorecard as the YAML it was saved as; one
-- version of each name is active (the latest saved, unless retired).
CREATE TABLE health_scorecards (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    yaml       TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    active     INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (name, version)
);
CREATE INDEX health_scorecards_active ON health_scorecards (active, name);

-- The current score of each account. score is NULL when there was not
-- enough data (colour '' then).
CREATE TABLE health_scores (
    account_id        INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    scored_at         TEXT NOT NULL,
    day               TEXT NOT NULL,
    scorecard         TEXT NOT NULL,
    scorecard_version INTEGER NOT NULL,
    score             REAL,
    colour            TEXT NOT NULL CHECK (colour IN ('red', 'yellow', 'green', '')),
    detail            TEXT NOT NULL
);
-- Lists sorted or filtered by health: by score (missing last either way),
-- or one colour by score.
CREATE INDEX health_scores_score ON health_scores (score, account_id);
CREATE INDEX health_scores_colour ON health_scores (colour, score, account_id);

-- Score history: one point per account per day (the day's latest score
-- replaces an equal one), and another whenever the score or colour changes
-- within the day. at is the scoring time of the point.
CREATE TABLE health_history (
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at                TEXT NOT NULL,
    day               TEXT NOT NULL,
    scorecard         TEXT NOT NULL,
    scorecard_version INTEGER NOT NULL,
    score             REAL,
    colour            TEXT NOT NULL,
    detail            TEXT NOT NULL,
    PRIMARY KEY (account_id, at)
) WITHOUT ROWID;
-- One account's history between two days is a range of the primary key's
-- account; everyone's score on a day is a range of this index.
CREATE INDEX health_history_day ON health_history (day, account_id, at);

-- Reading every account's health facts scans each of these tables in
-- account order; covering the columns it reads spares a table lookup per
-- row (a third of that read's time at 100,000 accounts). Each replaces an
-- index with the same leading columns, so other reads are unchanged.
DROP INDEX surveys_account;
CREATE INDEX surveys_account ON surveys (account_id, responded_at, kind, score);
DROP INDEX tickets_account;
CREATE INDEX tickets_account ON tickets (account_id, opened_at, closed_at, priority, escalated, csat);
DROP INDEX invoices_account;
CREATE INDEX invoices_account ON invoices (account_id, due_on, issued_on, paid_on, amount);
DROP INDEX contacts_account;
CREATE INDEX contacts_account ON contacts (account_id, created_at, left_on, roles);
DROP INDEX activities_account;
CREATE INDEX activities_account ON activities (account_id, occurred_at, kind, author_id);

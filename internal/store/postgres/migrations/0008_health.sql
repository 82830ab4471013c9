-- Health scores: the CSMs' pulses, the versioned scorecards, every
-- account's current score and its history. A score's detail is the scoring
-- core's explanation as JSON, kept as written (the store never reads it).

-- A CSM's manual red / yellow / green with a reason, counting from set_at
-- until expires_on (exclusive). Every pulse is kept; the latest in force wins.
CREATE TABLE health_pulses (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    colour     TEXT NOT NULL CHECK (colour IN ('red', 'yellow', 'green')),
    reason     TEXT NOT NULL DEFAULT '',
    set_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    set_at     TIMESTAMPTZ NOT NULL,
    expires_on DATE NOT NULL
);
CREATE INDEX health_pulses_account ON health_pulses (account_id, set_at);

-- Every version of every scorecard as the YAML it was saved as; one
-- version of each name is active (the latest saved, unless retired).
CREATE TABLE health_scorecards (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    yaml       TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT false,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (name, version)
);
CREATE INDEX health_scorecards_active ON health_scorecards (active, name);

-- The current score of each account. score is NULL when there was not
-- enough data (colour '' then).
CREATE TABLE health_scores (
    account_id        BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    scored_at         TIMESTAMPTZ NOT NULL,
    day               DATE NOT NULL,
    scorecard         TEXT NOT NULL,
    scorecard_version INTEGER NOT NULL,
    score             DOUBLE PRECISION,
    colour            TEXT NOT NULL CHECK (colour IN ('red', 'yellow', 'green', '')),
    detail            JSON NOT NULL
);
-- Lists sorted or filtered by health: by score, or one colour by score.
CREATE INDEX health_scores_score ON health_scores (score, account_id);
CREATE INDEX health_scores_colour ON health_scores (colour, score, account_id);

-- Score history: one point per account per day (the day's latest score
-- replaces an equal one), and another whenever the score or colour changes
-- within the day. at is the scoring time of the point.
CREATE TABLE health_history (
    account_id        BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at                TIMESTAMPTZ NOT NULL,
    day               DATE NOT NULL,
    scorecard         TEXT NOT NULL,
    scorecard_version INTEGER NOT NULL,
    score             DOUBLE PRECISION,
    colour            TEXT NOT NULL,
    detail            JSON NOT NULL,
    PRIMARY KEY (account_id, at)
);
-- One account's history between two days reads the primary key's range of
-- the account; everyone's score on a day reads this index's range.
CREATE INDEX health_history_day ON health_history (day, account_id, at);

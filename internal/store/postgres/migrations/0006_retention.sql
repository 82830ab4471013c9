-- Retention (issue 7): why customers left, the CSMs' renewal forecasts, and the
-- exchange rates the retention book converts other currencies with.

CREATE TABLE churn_records (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id  TEXT UNIQUE,
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    product      TEXT NOT NULL DEFAULT '',
    churned_on   DATE NOT NULL,
    reason       TEXT NOT NULL,
    controllable TEXT NOT NULL CHECK (controllable IN ('yes', 'no')),
    note         TEXT NOT NULL DEFAULT '',
    recorded_by  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX churn_records_account ON churn_records (account_id, churned_on);

CREATE TABLE renewal_calls (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id TEXT UNIQUE,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    due_on      DATE NOT NULL,
    forecast    TEXT NOT NULL CHECK (forecast IN ('renew', 'at_risk', 'churn', 'expand')),
    expected    BIGINT NOT NULL DEFAULT 0 CHECK (expected >= 0),
    note        TEXT NOT NULL DEFAULT '',
    set_by      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX renewal_calls_account ON renewal_calls (account_id, due_on);

-- What one unit of currency is worth in the reporting currency (USD), as the
-- decimal typed, kept exactly; fixed for the whole history.
CREATE TABLE exchange_rates (
    currency   TEXT PRIMARY KEY,
    rate       TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The retention book's cache key (RetentionStamp) reads MAX(updated_at) of
-- the tables it is built from: from these indexes, one seek each.
CREATE INDEX subscriptions_updated ON subscriptions (updated_at);
CREATE INDEX accounts_updated ON accounts (updated_at);

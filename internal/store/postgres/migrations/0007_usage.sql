-- Product usage (issue 4): write keys, every accepted Segment message with
-- its unique (write_key_id, message_id), the per-account-per-day rollups,
-- who belongs to which group, and the ingestion log. Times are
-- timestamptz; days are days since 1970-01-01 (usage.Day).

-- Ingestion re-reads accounts whose match field may have changed every
-- few seconds (a groupId may name an account created after its usage),
-- through accounts_updated (updated_at), which 0006 created.

CREATE TABLE write_keys (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT NOT NULL,
    hint         TEXT NOT NULL,
    hash         BYTEA NOT NULL UNIQUE,   -- SHA-256 of the key; the key itself is never stored
    created_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

-- One row per accepted message of any type. type is usage.Type (1 track,
-- 2 identify, 3 group, 4 page, 5 screen, 6 alias); identity is the userId,
-- else the anonymousId; name is the event, page or screen name (the
-- groupId of a group call, the previousId of an alias). account_id is set
-- on usage messages once attributed. raw is the message as received, kept
-- for the raw-event retention, then set to NULL.
CREATE TABLE usage_messages (
    write_key_id BIGINT NOT NULL,
    message_id   TEXT NOT NULL,
    type         INTEGER NOT NULL,
    identity     TEXT NOT NULL,
    anonymous    BOOLEAN NOT NULL,
    name         TEXT NOT NULL,
    account_id   BIGINT,
    at           TIMESTAMPTZ NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    raw          BYTEA,
    PRIMARY KEY (write_key_id, message_id)
);
CREATE INDEX usage_messages_received ON usage_messages (received_at);
CREATE INDEX usage_messages_held ON usage_messages (received_at)
    WHERE account_id IS NULL AND type IN (1, 4, 5);

CREATE TABLE usage_days (
    account_id       BIGINT NOT NULL,
    day              INTEGER NOT NULL,
    events           BIGINT NOT NULL,
    anonymous_events BIGINT NOT NULL,
    PRIMARY KEY (account_id, day)
);

CREATE TABLE usage_names (
    account_id BIGINT NOT NULL,
    day        INTEGER NOT NULL,
    type       INTEGER NOT NULL,
    name       TEXT NOT NULL,
    events     BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, type, name)
);

CREATE TABLE usage_features (
    account_id BIGINT NOT NULL,
    day        INTEGER NOT NULL,
    feature    TEXT NOT NULL,
    events     BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, feature)
);

-- features is the usage.FeatureSet as four 64-bit words (bit patterns).
CREATE TABLE usage_user_days (
    account_id BIGINT NOT NULL,
    day        INTEGER NOT NULL,
    user_id    TEXT NOT NULL,
    events     BIGINT NOT NULL,
    f0         BIGINT NOT NULL,
    f1         BIGINT NOT NULL,
    f2         BIGINT NOT NULL,
    f3         BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, user_id)
);

-- The latest group call of each identity (a later event time wins).
CREATE TABLE usage_links (
    identity   TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    message_id TEXT NOT NULL
);

CREATE TABLE usage_aliases (
    previous_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (previous_id, user_id)
);

-- Messages refused, dropped or not counted, with the reason.
CREATE TABLE usage_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    write_key_id BIGINT,
    message_id   TEXT NOT NULL,
    type         TEXT NOT NULL,
    position     BIGINT NOT NULL,
    reason       TEXT NOT NULL,
    detail       TEXT NOT NULL,
    bytes        BIGINT NOT NULL
);
CREATE INDEX usage_log_at ON usage_log (at);

-- Usage settings, such as the feature definitions (key "features", JSON).
CREATE TABLE usage_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

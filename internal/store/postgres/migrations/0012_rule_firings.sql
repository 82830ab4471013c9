-- The audit of automation rules: one row per rule that fired on an
-- account — the rule, the rule set version, when, its trigger, what it saw
-- and what it did (the rules core's JSON, kept as written). The rule set
-- itself is versioned in health_scorecards under the name "rules".
CREATE TABLE rule_firings (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule          TEXT NOT NULL,
    rules_version INTEGER NOT NULL,
    account_id    BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    at            TIMESTAMPTZ NOT NULL,
    trigger_kind  TEXT NOT NULL,
    saw           TEXT NOT NULL,
    did           TEXT NOT NULL
);
CREATE INDEX rule_firings_account ON rule_firings (account_id, at);
CREATE INDEX rule_firings_rule ON rule_firings (rule, at);

-- Every full evaluation of the automation rules: the day it evaluated, the
-- rule set version, how many accounts it read and rules fired, and how
-- long it took. The next evaluation compares with what the latest one saw.
CREATE TABLE rule_runs (
    id            INTEGER PRIMARY KEY,
    day           TEXT NOT NULL,
    rules_version INTEGER NOT NULL,
    accounts      INTEGER NOT NULL,
    firings       INTEGER NOT NULL,
    started_at    TEXT NOT NULL,
    took_ms       INTEGER NOT NULL
);
CREATE INDEX rule_runs_started ON rule_runs (started_at);

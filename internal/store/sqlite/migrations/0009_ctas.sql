-- Calls to action: what needs doing on an account, why, by whom and by
-- when. A rule's CTA is identified by (account, rule, rule_key): at most one
-- of them is not closed at a time (the partial unique index), so two
-- evaluations racing cannot open it twice. CTAs opened by hand have no
-- rule and any number may be open.
CREATE TABLE ctas (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type          TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    priority      INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
    owner_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    pool          TEXT NOT NULL DEFAULT '',
    due_on        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'snoozed', 'closed')),
    snoozed_until TEXT,
    outcome       TEXT NOT NULL DEFAULT '',
    close_note    TEXT NOT NULL DEFAULT '',
    rule          TEXT NOT NULL DEFAULT '',
    rule_key      TEXT NOT NULL DEFAULT '',
    playbook      TEXT NOT NULL DEFAULT '',
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    closed_at     TEXT
);
CREATE UNIQUE INDEX ctas_one_open ON ctas (account_id, rule, rule_key) WHERE status <> 'closed' AND rule <> '';
-- An account's CTAs; an owner's work list in the cockpit's order.
CREATE INDEX ctas_account ON ctas (account_id, status);
CREATE INDEX ctas_owner ON ctas (owner_id, status, priority, due_on, id);
-- The report: opened and closed in a period.
CREATE INDEX ctas_created ON ctas (created_at);
CREATE INDEX ctas_closed ON ctas (closed_at) WHERE closed_at IS NOT NULL;

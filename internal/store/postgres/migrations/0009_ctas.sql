-- Calls to action: what needs doing on an account, why, by whom and by
-- when. A rule's CTA is identified by (account, rule, rule_key): at most one
-- of them is not closed at a time (the partial unique index), so two
-- evaluations racing cannot open it twice. CTAs opened by hand have no
-- rule and any number may be open.
CREATE TABLE ctas (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type          TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    priority      INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
    owner_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    pool          TEXT NOT NULL DEFAULT '',
    due_on        DATE NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'snoozed', 'closed')),
    snoozed_until DATE,
    outcome       TEXT NOT NULL DEFAULT '',
    close_note    TEXT NOT NULL DEFAULT '',
    rule          TEXT NOT NULL DEFAULT '',
    rule_key      TEXT NOT NULL DEFAULT '',
    playbook      TEXT NOT NULL DEFAULT '',
    created_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    closed_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX ctas_one_open ON ctas (account_id, rule, rule_key) WHERE status <> 'closed' AND rule <> '';
-- An account's CTAs; an owner's work list in the cockpit's order.
CREATE INDEX ctas_account ON ctas (account_id, status);
CREATE INDEX ctas_owner ON ctas (owner_id, status, priority, due_on, id);
-- The report: opened and closed in a period.
CREATE INDEX ctas_created ON ctas (created_at);
CREATE INDEX ctas_closed ON ctas (closed_at) WHERE closed_at IS NOT NULL;

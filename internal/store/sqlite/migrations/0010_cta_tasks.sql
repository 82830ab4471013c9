-- The tasks of a CTA, made from its playbook's steps when it opens.
CREATE TABLE cta_tasks (
    id       INTEGER PRIMARY KEY,
    cta_id   INTEGER NOT NULL REFERENCES ctas (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title    TEXT NOT NULL,
    role     TEXT NOT NULL,
    owner_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    pool     TEXT NOT NULL DEFAULT '',
    due_on   TEXT NOT NULL,
    activity TEXT NOT NULL DEFAULT '',
    done_at  TEXT,
    done_by  INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX cta_tasks_cta ON cta_tasks (cta_id, position);
CREATE INDEX cta_tasks_owner ON cta_tasks (owner_id, due_on) WHERE done_at IS NULL;

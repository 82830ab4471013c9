-- Playbooks edited in Tend: each overrides the shipped playbook of the same
-- name (or adds one). The YAML is the cta package's, checked before saving.
CREATE TABLE playbooks (
    name       TEXT PRIMARY KEY,
    yaml       TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL
);

-- Full recomputes of every account's score (a scorecard change, or
-- 'tend health recompute'), with their progress: scored and written count
-- accounts as the recompute goes, so the admin page and the CLI can show
-- it from any process. Kept as a log; the latest is shown.
CREATE TABLE health_recomputes (
    id          INTEGER PRIMARY KEY,
    version     INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    scored      INTEGER NOT NULL DEFAULT 0,
    written     INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    finished_at TEXT,
    error       TEXT NOT NULL DEFAULT ''
);

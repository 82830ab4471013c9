-- Full recomputes of every account's score (a scorecard change, or
-- 'tend health recompute'), with their progress: scored and written count
-- accounts as the recompute goes, so the admin page and the CLI can show
-- it from any process. Kept as a log; the latest is shown.
CREATE TABLE health_recomputes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version     INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    scored      INTEGER NOT NULL DEFAULT 0,
    written     INTEGER NOT NULL DEFAULT 0,
    started_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    error       TEXT NOT NULL DEFAULT ''
);

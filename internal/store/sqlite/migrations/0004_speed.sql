-- The change counter behind the dashboard figures cache (sqlstore/cache.go):
-- every write transaction adds one, so a process can tell cheaply whether
-- anyone — itself, or another process on the same file such as a
-- `tend import` — has written since it computed its figures.
CREATE TABLE store_changes (n INTEGER NOT NULL);
INSERT INTO store_changes (n) VALUES (0);

-- Search over account names and external ids (the accounts list's search
-- box): a trigram index, so that a search reads the accounts that hold the
-- text instead of testing every account's name with LIKE — 100,000 LIKEs
-- took 50 ms to count the matches and up to a second to list them in MRR
-- order. The store uses it as a filter in front of the same LIKE it always
-- ran (sqlstore/collection.go), so results do not change: case-folding
-- trigrams match everything the ASCII-case-insensitive LIKE matches, and
-- more only for non-ASCII letters, which the LIKE then removes. Searches
-- shorter than three characters have no trigram and scan as before.
CREATE VIRTUAL TABLE accounts_search USING fts5 (
    name, external_id,
    content = 'accounts', content_rowid = 'id',
    tokenize = 'trigram case_sensitive 0'
);
INSERT INTO accounts_search (accounts_search) VALUES ('rebuild');
CREATE TRIGGER accounts_search_insert AFTER INSERT ON accounts BEGIN
    INSERT INTO accounts_search (rowid, name, external_id) VALUES (new.id, new.name, new.external_id);
END;
CREATE TRIGGER accounts_search_delete AFTER DELETE ON accounts BEGIN
    INSERT INTO accounts_search (accounts_search, rowid, name, external_id) VALUES ('delete', old.id, old.name, old.external_id);
END;
CREATE TRIGGER accounts_search_update AFTER UPDATE OF name, external_id ON accounts BEGIN
    INSERT INTO accounts_search (accounts_search, rowid, name, external_id) VALUES ('delete', old.id, old.name, old.external_id);
    INSERT INTO accounts_search (rowid, name, external_id) VALUES (new.id, new.name, new.external_id);
END;

-- Counting the accounts of a segment picked by more than one filter (at
-- risk and Enterprise, say): without it the count walks one filter's index
-- and reads the table row of each account there to test the other filter
-- (115 ms for 20,000 at-risk accounts). Lifecycle and touch model have a
-- handful of values each, so the planner can also skip-scan over them for
-- a tier alone. PostgreSQL combines the single-filter indexes in a bitmap
-- instead and needs no such index.
CREATE INDEX accounts_segments ON accounts (lifecycle, touch_model, tier);
ANALYZE accounts;

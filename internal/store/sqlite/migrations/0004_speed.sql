-- The change counter behind the dashboard figures cache (sqlstore/cache.go):
-- every write transaction adds one, so a process can tell cheaply whether
-- anyone — itself, or another process on the same file such as a
-- `tend import` — has written since it computed its figures.
CREATE TABLE store_changes (n INTEGER NOT NULL);
INSERT INTO store_changes (n) VALUES (0);

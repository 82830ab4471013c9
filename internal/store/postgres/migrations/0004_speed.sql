-- The change counter behind the dashboard figures cache (sqlstore/cache.go):
-- every write moves it just after it commits, so each replica can tell
-- cheaply whether any replica has written since it computed its figures.
-- A sequence rather than a counter row: nextval never waits for another
-- transaction, so writers on different replicas do not queue on it.
CREATE SEQUENCE store_changes;

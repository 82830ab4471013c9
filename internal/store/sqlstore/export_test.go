package sqlstore

// Writes is how many writes db has recorded for its figures cache.
func Writes(db *DB) uint64 { return db.writes.Load() }

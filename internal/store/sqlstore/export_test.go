package sqlstore

// Writes is how many writes db has recorded for its figures cache.
func Writes(db *DB) uint64 { return db.writes.Load() }

// SetFactsRange sets how many account ids one read of Facts covers.
func SetFactsRange(db *DB, n int64) { db.factsRange = n }
